"""`--format json` for lint and check: the `mfdoctor/report/v1` contract of
DESIGN.md (schema, findings, summary, exit_code). Fields may be added, never
renamed or removed."""

from __future__ import annotations

import typer

from ..findings import Report, sanitize
from .jsonout import dumps


def to_data(report: Report, strict: bool = False) -> dict:
    data = report.to_dict(strict=strict)
    for f in data["findings"]:
        if "detail" in f:
            f["detail"] = sanitize(f["detail"])
    if report.timings:
        data["timings"] = {k: round(v, 6) for k, v in report.timings.items()}
    return data


def render(report: Report, strict: bool = False) -> str:
    return dumps(to_data(report, strict))


def write(report: Report, out, options) -> None:
    typer.echo(render(report, strict=options.strict), file=out)
