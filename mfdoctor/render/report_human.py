"""A lint/check Report for people: grouped by area (the check id's prefix), one
line per finding with a status mark, the fix indented under failures, a
one-line summary at the end.

Colours come from Rich, which turns them off when the output is not a
terminal; `NO_COLOR` (any value) and `--no-color` turn them off too. Text is
built with `rich.text.Text`, never markup, so `[` in a message is shown as is.
"""

from __future__ import annotations

import os
from typing import Optional

from rich.console import Console
from rich.text import Text

from ..ids import AREA_ORDER
from ..findings import ERROR, INFO, OK, SEVERITY_RANK, SKIPPED, WARNING, Report
from ..redact import printable
from .console import make_console
from .summary import summary_line

_AREA_TITLES = {
    "config": "Configuration names and values",
    "lint": "Files",
    "user": "User identity",
    "azure": "Azure",
    "secrets": "Secrets",
    "flow": "Flow files",
}

# (unicode mark, ascii mark, style)
_MARKS = {
    ERROR: ("✗", "x", "bold red"),
    WARNING: ("!", "!", "yellow"),
    INFO: ("i", "i", "cyan"),
    OK: ("✓", "+", "green"),
    SKIPPED: ("-", "-", "magenta"),
}
_FAILING = (ERROR, WARNING, SKIPPED)


def _can_unicode(console: Console) -> bool:
    enc = (getattr(console.file, "encoding", None) or "utf-8").lower()
    return "utf" in enc


def render(report: Report, console: Optional[Console] = None, *, verbose: bool = False,
           strict: bool = False, title: Optional[str] = None) -> None:
    console = console or make_console()
    # Never hard-wrap: CI logs and pipes are not 80 columns wide, and a wrapped
    # path:line:col is no longer clickable.
    _print = console.print

    def print_(*args, **kwargs):
        kwargs.setdefault("soft_wrap", True)
        _print(*args, **kwargs)

    console = _ConsoleProxy(console, print_)
    # --no-color / NO_COLOR: no escape sequences at all (Rich's no_color still
    # emits bold and underline).
    plain = console.no_color or bool(os.environ.get("NO_COLOR"))

    def st(style: str) -> str:
        return "" if plain else style
    uni = _can_unicode(console)
    groups: dict = {}
    for f in report.sorted():
        groups.setdefault(f.check.split(".", 1)[0], []).append(f)
    order = [a for a in AREA_ORDER if a in groups] + sorted(a for a in groups if a not in AREA_ORDER)
    if title:
        console.print(Text("mfdoctor %s" % printable(title), style=st("bold")))
    if not groups:
        console.print(Text("Nothing to report."))
    for area in order:
        findings = groups[area]
        # Failures first, then information, then what passed.
        findings.sort(key=lambda f: (SEVERITY_RANK[f.severity] if f.severity != SKIPPED else 1.5,))
        console.print()
        console.print(Text(_AREA_TITLES.get(area, area.capitalize()), style=st("bold underline")))
        for f in findings:
            mark_u, mark_a, style = _MARKS[f.severity]
            line = Text("  ")
            line.append(mark_u if uni else mark_a, style=st(style))
            line.append(" ")
            if f.location is not None:
                line.append(printable(str(f.location)), style=st("bold"))
                line.append(": ")
            line.append(printable(f.message))
            line.append("  [%s]" % f.check, style=st("dim"))
            console.print(line)
            if f.severity in _FAILING or (f.severity == INFO and f.fix):
                if f.suggestion and (not f.fix or f.suggestion not in f.fix):
                    console.print(Text("      did you mean: %s" % printable(f.suggestion),
                                       style=st("cyan")))
                if f.fix:
                    for i, fl in enumerate(str(f.fix).splitlines() or [""]):
                        console.print(Text(("      fix: " if i == 0 else "           ") + printable(fl),
                                           style=st("green")))
            if verbose and f.detail:
                for k, v in f.detail.items():
                    console.print(Text(printable("      %s: %s" % (k, v)), style=st("dim")))
    if verbose and report.timings:
        console.print()
        console.print(Text("Timings", style=st("bold underline")))
        for name, secs in report.timings.items():
            console.print(Text("  %-24s %7.1f ms" % (name, secs * 1000.0)))
    console.print()
    code = report.exit_code(strict)
    console.print(Text(summary_line(report, strict), style=st("bold red" if code else "bold green")))


class _ConsoleProxy:
    def __init__(self, console: Console, print_):
        self._console = console
        self.print = print_

    def __getattr__(self, name):
        return getattr(self._console, name)


def render_text(report: Report, *, verbose: bool = False, strict: bool = False,
                title: Optional[str] = None, width: int = 100) -> str:
    """The same output as a plain string (tests, logs)."""
    import io

    buf = io.StringIO()
    console = Console(file=buf, no_color=True, highlight=False, soft_wrap=True, width=width,
                      markup=False, emoji=False)
    render(report, console, verbose=verbose, strict=strict, title=title)
    return buf.getvalue()


def write(report: Report, out, options) -> None:
    render(report, make_console(file=out, no_color=options.no_color), verbose=options.verbose,
           strict=options.strict, title=options.title)
