"""`mfdoctor show --format env`: export lines reproducing the effective non-default config.

The output is meant to be sourced (`eval "$(mfdoctor show --format env)"`), so it must
be shell-safe whatever the configuration holds: every value is `shlex.quote`d (a
newline inside single quotes is data, not a new command), and every comment is one
line with its control characters escaped (a value holding any, other than newline
and tab, becomes such a comment too). A secret is never exported (sourcing a
placeholder would set the placeholder): it becomes a comment saying where it is set.
"""

from __future__ import annotations

import json
import shlex

import typer

from ..redact import fingerprint, printable
from ..view import Shown, shown_error, shown_value
from ..vocabulary import USER_SET, Source


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), allow_nan=False, default=str)
    return str(value)


def comment(text: str) -> str:
    """A shell comment that stays one line: no newline, CR or escape can end it."""
    return "# " + printable(text)


def render(res, keys) -> str:
    lines = [comment("mfdoctor show --format env: Metaflow %s, profile file %s"
                     % (res.catalog.version, res.files.profile.path))]
    lines += [comment("%s: %s" % (f.severity, f.message)) for f in res.problems]
    for rk in keys:
        if rk.source == Source.EXTENSION:
            lines.append(comment("%s is set by extension %s" % (rk.name, rk.origin)))
            continue
        if rk.source not in USER_SET:  # derived and default values follow from those set
            continue
        value = rk.raw if rk.error else rk.value
        if rk.secret:
            fp = fingerprint(rk.name, value)  # None unless --fingerprints
            where = "the environment" if rk.source == Source.ENV else rk.origin
            lines.append(comment("%s is set in %s (secret, not shown%s)"
                                 % (rk.name, where, ", " + fp if fp else "")))
            continue
        try:
            text = _text(shown_value(rk, value))
        except ValueError:  # NaN or Infinity inside a list or dict: not JSON
            text = str(shown_value(rk, value))
        if printable(text, newlines=True) != text:
            # Quoting would keep it exact, but printing it would drive the terminal.
            lines.append(comment("%s holds control characters, not exported: %s" % (rk.name, text)))
            continue
        line = "export %s=%s" % (rk.name, shlex.quote(text))
        if rk.error:
            line += "  " + comment("rejected by Metaflow: %s" % shown_error(rk))
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
        where = "%s %s" % (e.source, e.origin)
        if rk.secret:  # as in `show --format env`: a comment, never an export of a placeholder
            fp = fingerprint(rk.name, e.value)  # None unless --fingerprints
            lines.append(comment("%s is sent to the task (secret, not shown%s): %s"
                                 % (rk.name, ", " + fp if fp else "", where)))
            continue
        text = _text(shown_value(rk, e.value))
        if printable(text, newlines=True) != text:
            lines.append(comment("%s holds control characters, not exported: %s" % (rk.name, text)))
            continue
        lines.append("export %s=%s  %s" % (rk.name, shlex.quote(text), comment(where)))
    return "\n".join(lines)


def write(shown: Shown, out, options) -> None:
    if shown.remote is not None:
        typer.echo(render_remote(shown.remote, shown.keys), file=out)
        return
    typer.echo(render(shown.res, shown.keys), file=out)
