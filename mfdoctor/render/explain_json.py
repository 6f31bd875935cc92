"""`mfdoctor explain KEY --format json`: explain's data (`config/explain.py`) as it is."""

from __future__ import annotations

import json

import typer


def render(info: dict) -> str:
    return json.dumps(info, indent=2, default=str)


def write(info: dict, out, options) -> None:
    typer.echo(render(info), file=out)
