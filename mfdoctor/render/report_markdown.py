"""`--format markdown`: a lint/check Report as GitHub-flavoured Markdown, for a job
summary (`$GITHUB_STEP_SUMMARY`) or a pull-request comment.

What to act on comes first, grouped by severity, each finding with its check id,
location and fix; passing checks and probes not run are folded into a
`<details>` block. Text from findings is escaped (a `<redacted>` value must show,
not vanish as an HTML tag); fixes go in fenced blocks, as they are commands.
"""

from __future__ import annotations

import os
import re
from typing import Optional

import typer

from ..findings import ERROR, INFO, OK, SKIPPED, WARNING, Report
from ..workdir import working_dir
from .locations import relative_to
from .summary import summary_line

_SPECIAL = re.compile(r"([\\`*_\[\]|#])")
_SECTIONS = [
    ("Errors", lambda f: f.severity == ERROR),
    ("Warnings", lambda f: f.severity == WARNING),
    ("Could not complete", lambda f: f.severity == SKIPPED and f.incomplete),
    ("Information", lambda f: f.severity == INFO),
]
_FOLDED = {OK: "passed", SKIPPED: "not run"}


def escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _where(f, cwd: str) -> str:
    if f.location is None or not f.location.path:
        return ""
    path = relative_to(os.path.join(cwd, f.location.path), cwd) or f.location.path
    loc = path + "".join(":%d" % n for n in (f.location.line, f.location.column) if n)
    return " `%s`" % loc.replace("`", "'")


def _fenced(text: str, indent: str) -> list:
    fence = "~" * max(3, max((len(m) for m in re.findall(r"~+", text)), default=0) + 1)
    return [indent + fence] + [indent + ln for ln in text.splitlines()] + [indent + fence]


def _item(f, cwd: str) -> list:
    lines = ["- **`%s`**%s: %s" % (f.check, _where(f, cwd), escape(f.message))]
    if f.suggestion and (not f.fix or f.suggestion not in f.fix):
        lines.append("  Did you mean `%s`?" % f.suggestion.replace("`", "'"))
    if f.fix:
        lines.append("")
        lines += _fenced("fix: " + f.fix, "  ")
    return lines


def render(report: Report, strict: bool = False, title: Optional[str] = None, cwd: Optional[str] = None) -> str:
    cwd = cwd or working_dir()
    findings = report.sorted()
    code = report.exit_code(strict)
    out = ["## mfdoctor %s: %s" % (title or "report", "FAILED" if code else "passed"), "",
           escape(summary_line(report, strict)), ""]
    for name, belongs in _SECTIONS:
        group = [f for f in findings if belongs(f)]
        if group:
            out += ["### %s (%d)" % (name, len(group)), ""]
            for f in group:
                out += _item(f, cwd)
            out.append("")
    folded = [f for f in findings if f.severity == OK or (f.severity == SKIPPED and not f.incomplete)]
    if folded:
        counts = ", ".join("%d %s" % (sum(1 for f in folded if f.severity == s), word)
                           for s, word in _FOLDED.items() if any(f.severity == s for f in folded))
        out += ["<details><summary>%s</summary>" % counts, ""]
        for f in folded:
            mark = "passed" if f.severity == OK else "not run"
            out.append("- %s **`%s`**%s: %s" % (mark, f.check, _where(f, cwd), escape(f.message)))
        out += ["", "</details>", ""]
    return "\n".join(out)


def write(report: Report, out, options) -> None:
    typer.echo(render(report, strict=options.strict, title=options.title), file=out)
