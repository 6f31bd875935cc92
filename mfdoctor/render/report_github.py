"""`--format github`: GitHub Actions workflow commands, so findings show as
annotations on the run and on the pull request's files:

    ::error file=.env,line=3,col=1,title=config.unknown-name METAFLOW_X::message

Escaping follows the Actions toolkit (`@actions/core` command.ts): in the
message `%`, `\\r`, `\\n` become `%25`, `%0D`, `%0A`; in property values also
`:` and `,` become `%3A`, `%2C`. Errors are `::error`, warnings and skipped
checks `::warning`, info `::notice`; passing checks are not annotated. A plain
summary line ends the output.
"""

from __future__ import annotations

from typing import Optional

import typer

from ..findings import ERROR, INFO, SKIPPED, WARNING, Report
from ..redact import printable
from .summary import summary_line

_COMMAND = {ERROR: "error", WARNING: "warning", SKIPPED: "warning", INFO: "notice"}


def escape_data(s: str) -> str:
    # Other control characters are written as escapes: the Actions log renders ANSI
    # sequences, so a value must not restyle or hide the log around it.
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(s)


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _line(f) -> Optional[str]:
    cmd = _COMMAND.get(f.severity)
    if cmd is None:
        return None
    props = []
    if f.location is not None and f.location.path:
        props.append(("file", f.location.path))
        if f.location.line:
            props.append(("line", str(f.location.line)))
            if f.location.column:
                props.append(("col", str(f.location.column)))
    title = f.check + (" " + f.key if f.key else "")
    if f.severity == SKIPPED:
        title += " (skipped)"
    props.append(("title", title))
    msg = f.message
    if f.suggestion and (not f.fix or f.suggestion not in f.fix):
        msg += "\nDid you mean %s?" % f.suggestion
    if f.fix:
        msg += "\nFix: %s" % f.fix
    return "::%s %s::%s" % (
        cmd, ",".join("%s=%s" % (k, escape_property(v)) for k, v in props), escape_data(msg))


def render(report: Report, strict: bool = False) -> str:
    lines = [ln for ln in (_line(f) for f in report.sorted()) if ln]
    lines.append("mfdoctor " + summary_line(report, strict))
    return "\n".join(lines)


def write(report: Report, out, options) -> None:
    typer.echo(render(report, strict=options.strict), file=out)
