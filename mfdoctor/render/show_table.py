"""`mfdoctor show` as a Rich table: key, value, source, origin; losers listed under the winner."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..redact import fingerprint
from .show_json import shown_error, shown_value

_SOURCE_STYLE = {
    "env": "bold cyan", "local": "bold magenta", "profile": "bold green",
    "extension": "bold yellow", "default": "dim", "derived": "blue",
}


def _fmt(value) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def header(res) -> str:
    prof = res.files.profile
    pname = " (profile %s)" % prof.profile if prof.profile else ""
    ptxt = "%s%s%s" % (prof.path, pname, "" if prof.exists else " (not found)")
    local = res.files.local
    if local is None:
        ltxt = "none (no .metaflow/ directory above %s)" % res.cwd
    else:
        ltxt = "%s%s" % (local.path, "" if local.exists else " (not found)")
    return "Profile file: %s\nLocal file:   %s\nMetaflow %s, key catalog: %s" % (
        ptxt, ltxt, res.catalog.version, res.catalog.source)


def render(res, keys, console: Console, show_all: bool = False) -> None:
    console.print(Text(header(res)), highlight=False)
    for f in res.problems:
        console.print(Text("%s: %s" % (f.severity, f.message), style="red" if f.severity == "error" else "yellow"))
    if not keys:
        console.print(
            "No keys %s." % ("match" if show_all else "differ from their defaults (use --all to see every key)")
        )
        return
    table = Table(show_header=True, header_style="bold", expand=False, show_lines=False)
    table.add_column("key", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("source")
    table.add_column("origin", overflow="fold")
    for rk in keys:
        value = Text(_fmt(shown_value(rk, rk.value)))
        if rk.secret and rk.value is not None:
            value.append(" sha256:%s" % fingerprint(rk.value), style="dim")
        if rk.error:
            value.append("\n✗ %s" % shown_error(rk), style="red")
        table.add_row(rk.name, value, Text(rk.source, style=_SOURCE_STYLE.get(rk.source, "")), rk.origin)
        for o in rk.overrides:
            table.add_row(
                Text("  ↳ overridden", style="dim"),
                Text(_fmt(shown_value(rk, o.value)), style="dim strike"),
                Text(o.source, style="dim"),
                Text(str(o.origin), style="dim"),
            )
    console.print(table)
