"""A lint/check Report for people: grouped by area (the check id's prefix), one
line per finding with a status mark, the fix indented under failures, a
one-line summary at the end.

Colours come from Rich, which turns them off when the output is not a
terminal; `NO_COLOR` (any value) and `--no-color` turn them off too. Text is
built with `rich.text.Text`, never markup, so `[` in a message is shown as is.
"""

from __future__ import annotations

from typing import List, Optional

from rich.console import Console
from rich.text import Text

from ..ids import AREA_ORDER
from ..findings import ERROR, INFO, OK, SEVERITY_RANK, SKIPPED, WARNING, Report
from ..redact import printable
from .console import make_console
from .layout import Line, output_width, wrap, wrap_text
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


def _print_lines(console: Console, lines: List[Line], st) -> None:
    for line in lines:
        text = Text()
        for t, style in line:
            text.append(t, style=st(style) or None)
        text.rstrip()
        console.print(text, soft_wrap=True)


def render(report: Report, console: Optional[Console] = None, *, verbose: bool = False,
           strict: bool = False, title: Optional[str] = None, width: Optional[int] = None,
           quiet: bool = False) -> None:
    """Print `report` on `console`, wrapped to `width` columns (None: never wrapped, as
    in pipes and CI logs, where a wrapped path:line:col is no longer clickable).
    Rich never wraps by itself: every line is laid out by render/layout.py."""
    console = console or make_console()
    # --no-color / NO_COLOR: no escape sequences at all (Rich's no_color still
    # emits bold and underline). make_console folded NO_COLOR into no_color, unless
    # --color always overrides it.
    plain = console.no_color

    def st(style: str) -> str:
        return "" if plain else style

    def out(lines: List[Line]) -> None:
        _print_lines(console, lines, st)

    uni = _can_unicode(console)
    groups: dict = {}
    for f in report.sorted():
        groups.setdefault(f.check.split(".", 1)[0], []).append(f)
    order = [a for a in AREA_ORDER if a in groups] + sorted(a for a in groups if a not in AREA_ORDER)
    if title:
        out(wrap_text("mfdoctor %s" % printable(title), width, style="bold"))
    if not groups and not quiet:
        out(wrap_text("Nothing to report.", width))
    for area in order:
        findings = groups[area]
        # Failures first, then information, then what passed.
        findings.sort(key=lambda f: (SEVERITY_RANK[f.severity] if f.severity != SKIPPED else 1.5,))
        if not (quiet and area == order[0]):  # -q: nothing before the first finding
            console.print()
        out(wrap_text(_AREA_TITLES.get(area, area.capitalize()), width, style="bold underline"))
        for f in findings:
            out(finding_lines(f, width, uni, verbose))
    if verbose and report.timings:
        console.print()
        out(wrap_text("Timings", width, style="bold underline"))
        for name, secs in report.timings.items():
            out(wrap_text("%-24s %7.1f ms" % (name, secs * 1000.0), width, indent="  "))
    if quiet:  # -q: the findings and nothing else (ruff -q)
        return
    console.print()
    code = report.exit_code(strict)
    out(wrap_text(summary_line(report, strict), width, style="bold red" if code else "bold green"))


def finding_lines(f, width: Optional[int], uni: bool = True, verbose: bool = False) -> List[Line]:
    """One finding: the mark, its location, the message and the check id last, wrapped
    with a hanging indent; the suggestion and the fix indented under failures."""
    mark_u, mark_a, style = _MARKS[f.severity]
    segs = [(mark_u if uni else mark_a, style), (" ", "")]
    if f.location is not None:
        segs += [(printable(str(f.location)), "bold"), (": ", "")]
    # Control characters from user data are escaped: a value must not drive the terminal.
    segs += [(printable(f.message), ""), ("  [%s]" % f.check, "dim")]
    lines = wrap(segs, width, indent="  ", hang="    ")
    if f.severity in _FAILING or (f.severity == INFO and f.fix):
        if f.suggestion and (not f.fix or f.suggestion not in f.fix):
            lines += wrap_text("did you mean: %s" % printable(f.suggestion), width, indent="      ",
                               hang=" " * 20, style="cyan")
        if f.fix:
            lines += wrap_text("fix: %s" % printable(f.fix, newlines=True), width, indent="      ", hang=" " * 11,
                               style="green")
    if verbose and f.detail:
        for k, v in f.detail.items():
            lines += wrap_text(printable("%s: %s" % (k, v)), width, indent="      ", hang=" " * 8, style="dim")
    return lines


def render_text(report: Report, *, verbose: bool = False, strict: bool = False,
                title: Optional[str] = None, width: Optional[int] = None) -> str:
    """The same output as a plain string (tests, logs)."""
    import io

    buf = io.StringIO()
    console = Console(file=buf, no_color=True, highlight=False, soft_wrap=True, width=width or 100,
                      markup=False, emoji=False)
    render(report, console, verbose=verbose, strict=strict, title=title, width=width)
    return buf.getvalue()


def write(report: Report, out, options) -> None:
    console = make_console(file=out, no_color=options.no_color, color=options.color)
    render(report, console, verbose=options.verbose, strict=options.strict,
           title=None if options.quiet else options.title, width=output_width(console.file),
           quiet=options.quiet)
