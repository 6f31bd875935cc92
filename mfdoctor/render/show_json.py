"""`mfdoctor show --format json`: the mfdoctor/show/v1 contract (see DESIGN.md)."""

from __future__ import annotations

import typer

from .jsonout import dumps
from ..view import Shown, key_dict, shown_value

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


def remote_document(remote, keys) -> dict:
    """`show --target T`: the task's keys, plus "target" and "not_forwarded"; "files"
    and "metaflow" describe this machine, where the forwarded values are read."""
    doc = show_document(remote.local, [])
    doc["target"] = remote.target
    out = []
    for rk in keys:
        kd = key_dict(rk)
        entry = remote.entries.get(rk.name)
        if entry is not None and entry.condition is None and entry.value is not None:
            kd["sent"] = shown_value(rk, entry.value)  # the env entry's literal text
        if entry is not None and entry.condition is not None:
            kd["sent_when"] = entry.condition
        out.append(kd)
    doc["keys"] = out
    doc["not_forwarded"] = [{"name": rk.name, "source": rk.source, "origin": rk.origin}
                            for rk in remote.not_forwarded]
    doc["kubernetes_secrets"] = [{"name": n, "origin": o} for n, o in remote.secrets]
    doc["notes"] = list(remote.notes)
    doc["catalog_missing"] = list(remote.missing)
    return doc


def render(res, keys, remote=None) -> str:
    doc = remote_document(remote, keys) if remote is not None else show_document(res, keys)
    return dumps(doc)


def write(shown: Shown, out, options) -> None:
    typer.echo(render(shown.res, shown.keys, shown.remote), file=out)
