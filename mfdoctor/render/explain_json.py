"""`mfdoctor explain KEY --format json`: explain's data (`config/explain.py`) as it is."""

from __future__ import annotations

import typer

from .jsonout import dumps


def render(info: dict) -> str:
    return dumps(info)


def write(info: dict, out, options) -> None:
    typer.echo(render(info), file=out)
