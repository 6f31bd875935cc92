"""`mfdoctor show` as a Rich table: key, value, source, origin; losers listed under the winner."""

from __future__ import annotations

import json

from rich.console import Console
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
    if isinstance(value, (list, dict)) or value == "":
        return json.dumps(value)  # an empty string shows as "", not as nothing
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


def _cell(text: str, width: int) -> str:
    return text + " " * max(0, width - len(text))


def render(res, keys, console: Console, show_all: bool = False) -> None:
    console.print(Text(header(res)), highlight=False)
    for f in res.problems:
        console.print(Text("%s: %s" % (f.severity, f.message), style="red" if f.severity == "error" else "yellow"))
    if not keys:
        console.print(
            "No keys %s." % ("match" if show_all else "differ from their defaults (use --all to see every key)")
        )
        return
    # One Text, aligned by hand and printed without re-wrapping: a rich.Table of ~170
    # rows costs ~90 ms to measure and lay out, more than everything else in `show`.
    rows = []
    for rk in keys:
        value = _fmt(shown_value(rk, rk.value))
        extra = []
        if rk.secret and rk.value is not None:
            extra.append((" sha256:%s" % fingerprint(rk.value), "dim"))
        rows.append((rk, value, extra))
    wk = max(len("key"), max(len(rk.name) for rk, _, _ in rows))
    wv = min(48, max(len("value"), max(len(v) for _, v, _ in rows)))
    ws = len("extension")
    out = Text()
    out.append("%s  %s  %s  %s\n" % (_cell("key", wk), _cell("value", wv), _cell("source", ws), "origin"), style="bold")
    for rk, value, extra in rows:
        out.append(_cell(rk.name, wk) + "  ")
        out.append(value)
        for text, style in extra:
            out.append(text, style=style)
        pad = wv - len(value) - sum(len(t) for t, _ in extra)
        out.append(" " * max(0, pad) + "  ")
        out.append(_cell(rk.source, ws), style=_SOURCE_STYLE.get(rk.source, ""))
        out.append("  %s\n" % rk.origin)
        if rk.error:
            out.append(" " * (wk + 2) + "✗ %s\n" % shown_error(rk), style="red")
        for o in rk.overrides:
            ov = _fmt(shown_value(rk, o.value))
            out.append(_cell("  ↳ overridden", wk) + "  ", style="dim")
            out.append(ov, style="dim strike")
            out.append(" " * max(0, wv - len(ov)) + "  ")
            out.append(_cell(o.source, ws) + "  %s\n" % o.origin, style="dim")
    out.rstrip()
    console.print(out, soft_wrap=True)
