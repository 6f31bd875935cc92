"""`mfdoctor show` as a table: key, value, source, origin; losers listed under the winner.

The table is built as (text, style) segments. On a terminal Rich prints them in colour;
when the output is piped (CI logs, `| grep`) they are written as plain text without
importing Rich at all, which is a third of `show`'s start-up.
"""

from __future__ import annotations

import json
import os
import sys

from ..redact import fingerprint
from ..findings import sanitize
from ..view import UNKNOWN, Shown, shown_error, shown_value
from ..vocabulary import Source

_SOURCE_STYLE = {
    Source.ENV: "bold cyan", Source.LOCAL: "bold magenta", Source.PROFILE: "bold green", Source.REMOTE: "bold green",
    Source.EXTENSION: "bold yellow", Source.DEFAULT: "dim", Source.DERIVED: "blue",
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
    if not getattr(res.files, "local_read", True):
        ltxt = "not read (Metaflow %s has no project-local config file)" % res.catalog.version
    elif local is None:
        ltxt = "none (no .metaflow/ directory above %s)" % res.cwd
    else:
        ltxt = "%s%s" % (local.path, "" if local.exists else " (not found)")
    cat = res.catalog
    if cat.source.startswith("bundled"):
        why = cat.source[len("bundled"):].strip(" ()") or "no installed Metaflow was read"
        mf = "key catalog: bundled snapshot of Metaflow %s (%s)" % (cat.version, why)
    else:
        mf = "Metaflow %s, key catalog: installed (read from %s)" % (
            cat.version, cat.data.get("package_dir", "its source"))
    if not cat.supported:
        mf += "\nMetaflow %s is below the oldest release mfdoctor supports: results may be wrong" % cat.version
    return "Profile file: %s\nLocal file:   %s\n%s" % (ptxt, ltxt, mf)


def _cell(text: str, width: int) -> str:
    return text + " " * max(0, width - len(text))


def segments(res, keys, show_all: bool = False) -> list:
    """The whole output as [(text, style or "")]."""
    out = [(header(res) + "\n", "")]
    for f in res.problems:
        out.append(("%s: %s\n" % (f.severity, f.message), "red" if f.severity == "error" else "yellow"))
    if not keys:
        out.append(("No keys %s.\n" % (
            "match" if show_all else "differ from their defaults (use --all to see every key)"), ""))
        return out
    rows = []
    for rk in keys:
        value = UNKNOWN if rk.unknown else _fmt(shown_value(rk, rk.value))
        extra = ""
        if rk.secret and rk.value is not None:
            if isinstance(rk.value, dict):
                extra = " (keys: %s)" % ", ".join(sorted(str(k) for k in rk.value))
            extra += " sha256:%s" % fingerprint(rk.value)
        rows.append((rk, value, extra))
    wk = max(len("key"), max(len(rk.name) for rk, _, _ in rows))
    wv = min(48, max(len("value"), max(len(v) for _, v, _ in rows)))
    ws = max(len(s) for s in Source)
    out.append(("%s  %s  %s  %s\n" % (_cell("key", wk), _cell("value", wv), _cell("source", ws), "origin"), "bold"))
    for rk, value, extra in rows:
        out.append((_cell(rk.name, wk) + "  " + value, ""))
        if extra:
            out.append((extra, "dim"))
        out.append((" " * max(0, wv - len(value) - len(extra)) + "  ", ""))
        out.append((_cell(rk.source, ws), _SOURCE_STYLE.get(rk.source, "")))
        out.append(("  %s\n" % rk.origin, ""))
        if rk.unknown:
            out.append((" " * (wk + 2) + "? %s\n" % sanitize(rk.unknown), "yellow"))
        if rk.error:
            out.append((" " * (wk + 2) + "✗ %s\n" % shown_error(rk), "red"))
        for o in rk.overrides:
            ov = _fmt(shown_value(rk, o.value))
            out.append((_cell("  ↳ overridden", wk) + "  ", "dim"))
            out.append((ov, "dim strike"))
            out.append((" " * max(0, wv - len(ov)) + "  ", ""))
            out.append((_cell(o.source, ws) + "  %s\n" % o.origin, "dim"))
    return out


def _colour_terminal(stream, no_color: bool) -> bool:
    """Whether output goes to a terminal that wants colour (else: plain text, no Rich)."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty() or bool(os.environ.get("FORCE_COLOR"))


def write(shown: Shown, out, options) -> None:
    """In colour through Rich on a terminal, else as plain text."""
    parts = segments(shown.res, shown.keys, options.show_all)
    stream = sys.stdout if out is None else out
    if not _colour_terminal(stream, options.no_color):
        stream.write("".join(text for text, _ in parts))
        return
    # Imported here: piped output never needs Rich, a third of `show`'s start-up.
    from rich.text import Text

    from .console import make_console

    table = Text()
    for text, style in parts:
        table.append(text, style=style or None)
    table.rstrip()
    make_console(file=out).print(table, soft_wrap=True)
