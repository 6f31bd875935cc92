"""`--format github`: GitHub Actions workflow commands, so findings show as
annotations on the run and on the pull request's files:

    ::error file=.env,line=3,col=1,title=config.unknown-name METAFLOW_X::message

Escaping follows the Actions toolkit (`@actions/core` command.ts): in the
message `%`, `\\r`, `\\n` become `%25`, `%0D`, `%0A`; in property values also
`:` and `,` become `%3A`, `%2C`. Errors are `::error`, warnings and checks that
could not complete `::warning`, info `::notice`; passing checks and probes
deliberately not run (`--offline`) are not annotated. File paths are relative
to `GITHUB_WORKSPACE` (what annotations attach to) when the file is under it.
A plain summary line ends the output, counting exactly the annotations above.
"""

from __future__ import annotations

import os
from typing import Optional

import typer

from ..findings import ERROR, INFO, OK, SKIPPED, WARNING, Report
from ..redact import printable
from .locations import relative_to

_COMMAND = {ERROR: "error", WARNING: "warning", SKIPPED: "warning", INFO: "notice"}


def escape_data(s: str) -> str:
    # Other control characters are written as escapes: the Actions log renders ANSI
    # sequences, so a value must not restyle or hide the log around it.
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(s)


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _command(f) -> Optional[str]:
    if f.severity == SKIPPED and not f.incomplete:
        return None  # deliberately not run: nothing to act on
    return _COMMAND.get(f.severity)


def _path(path: str, workspace: Optional[str]) -> str:
    if workspace:
        return relative_to(path, workspace) or path
    return path


def _line(f, workspace: Optional[str]) -> Optional[str]:
    cmd = _command(f)
    if cmd is None:
        return None
    props = []
    if f.location is not None and f.location.path:
        props.append(("file", _path(f.location.path, workspace)))
        if f.location.line:
            props.append(("line", str(f.location.line)))
            if f.location.column:
                props.append(("col", str(f.location.column)))
    title = f.check + (" " + f.key if f.key else "")
    if f.severity == SKIPPED:
        title += " (could not complete)"
    props.append(("title", title))
    msg = f.message
    if f.suggestion and (not f.fix or f.suggestion not in f.fix):
        msg += "\nDid you mean %s?" % f.suggestion
    if f.fix:
        msg += "\nFix: %s" % f.fix
    return "::%s %s::%s" % (
        cmd, ",".join("%s=%s" % (k, escape_property(v)) for k, v in props), escape_data(msg))


def _plural(n: int, word: str) -> str:
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def summary(report: Report, strict: bool = False) -> str:
    """What the annotations above say, counted the same way."""
    cmds = [_command(f) for f in report.findings]
    code = report.exit_code(strict)
    not_run = sum(1 for f in report.findings if f.severity == SKIPPED and not f.incomplete)
    return "mfdoctor: %s: %s, %s, %s annotated; %d ok, %d not run (exit %d%s)" % (
        "FAILED" if code else "passed", _plural(cmds.count("error"), "error"),
        _plural(cmds.count("warning"), "warning"), _plural(cmds.count("notice"), "notice"),
        sum(1 for f in report.findings if f.severity == OK), not_run, code, ", strict" if strict else "")


def render(report: Report, strict: bool = False, workspace: Optional[str] = None) -> str:
    workspace = workspace if workspace is not None else os.environ.get("GITHUB_WORKSPACE")
    lines = [ln for ln in (_line(f, workspace) for f in report.sorted()) if ln]
    lines.append(summary(report, strict))
    return "\n".join(lines)


def write(report: Report, out, options) -> None:
    typer.echo(render(report, strict=options.strict), file=out)
