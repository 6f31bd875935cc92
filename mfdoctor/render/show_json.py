"""`mfdoctor show --format json`: the mfdoctor/show/v1 contract (see DESIGN.md)."""

from __future__ import annotations

import typer

from .jsonout import dumps
from ..view import Shown, key_dict

SCHEMA = "mfdoctor/show/v1"


def show_document(res, keys) -> dict:
    files = res.files
    return {
        "schema": SCHEMA,
        # "supported": false below the oldest release mfdoctor supports; "local_read":
        # false for a release that reads no project-local file (files.local is then null).
        "metaflow": {"version": res.catalog.version, "catalog": res.catalog.source,
                     "supported": res.catalog.supported, "local_read": files.local_read},
        "files": {
            "profile": files.profile.to_dict(),
            "local": files.local.to_dict() if files.local is not None else None,
        },
        "keys": [key_dict(rk) for rk in keys],
        "problems": [f.to_dict() for f in res.problems],
    }


def render(res, keys) -> str:
    return dumps(show_document(res, keys))


def write(shown: Shown, out, options) -> None:
    typer.echo(render(shown.res, shown.keys), file=out)
