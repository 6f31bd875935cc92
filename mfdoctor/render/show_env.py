"""`mfdoctor show --format env`: export lines reproducing the effective non-default config."""

from __future__ import annotations

import json
import shlex

import typer

from ..redact import fingerprint
from ..view import Shown, shown_error, shown_value
from ..vocabulary import USER_SET, Source


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def render(res, keys) -> str:
    lines = [
        "# mfdoctor show --format env: Metaflow %s, profile file %s"
        % (res.catalog.version, res.files.profile.path)
    ]
    for rk in keys:
        if rk.source == Source.EXTENSION:
            lines.append("# %s is set by extension %s" % (rk.name, rk.origin))
            continue
        if rk.source not in USER_SET:  # derived and default values follow from those set
            continue
        value = rk.raw if rk.error else rk.value
        line = "export %s=%s" % (rk.name, shlex.quote(_text(shown_value(rk, value))))
        if rk.secret:
            line += "  # secret, sha256:%s" % fingerprint(value)
        if rk.error:
            line += "  # rejected by Metaflow: %s" % shown_error(rk).splitlines()[0]
        lines.append(line)
    return "\n".join(lines)


def render_remote(remote, keys) -> str:
    """`show --target T --format env`: the config entries Metaflow puts into the task's
    environment (forwarded, set by Metaflow, from @environment), to reproduce it."""
    lines = ["# mfdoctor show --target %s --format env: what Metaflow %s sends to the task"
             % (remote.target, remote.local.catalog.version)]
    for rk in keys:
        e = remote.entries.get(rk.name)
        if e is None or e.value is None or e.condition is not None:
            continue
        line = "export %s=%s" % (rk.name, shlex.quote(_text(shown_value(rk, e.value))))
        if rk.secret:
            line += "  # secret, sha256:%s" % fingerprint(e.value)
        lines.append(line + "  # %s %s" % (e.source, e.origin))
    return "\n".join(lines)


def write(shown: Shown, out, options) -> None:
    if shown.remote is not None:
        typer.echo(render_remote(shown.remote, shown.keys), file=out)
        return
    typer.echo(render(shown.res, shown.keys), file=out)
