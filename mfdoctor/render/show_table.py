"""`mfdoctor show` as a table: key, value, source, origin; losers listed under the winner.

The table is built as (text, style) segments. On a terminal Rich prints them in colour;
when the output is piped (CI logs, `| grep`) they are written as plain text without
importing Rich at all, which is a third of `show`'s start-up.
"""

from __future__ import annotations

import json
import os
import sys
from typing import List, Optional

from ..redact import fingerprint, printable
from ..view import UNKNOWN, Shown, catalog_source, shown_error, shown_value
from ..vocabulary import Source
from .layout import Line, fit_columns, output_width, plain, wrap, wrap_text

_SOURCE_STYLE = {
    Source.ENV: "bold cyan", Source.LOCAL: "bold magenta", Source.PROFILE: "bold green", Source.REMOTE: "bold green",
    Source.EXTENSION: "bold yellow", Source.DEFAULT: "dim", Source.DERIVED: "blue",
    Source.FORWARDED: "bold cyan", Source.METAFLOW: "yellow", Source.FLOW: "bold magenta",
}


def _fmt(value) -> str:
    """A value as one line of the table; control characters escaped (a value must not
    retitle or clear the terminal)."""
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)) or value == "":
        return json.dumps(value, default=str)  # an empty string shows as "", not as nothing
    return printable(value)


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
    mf = "key catalog: %s" % catalog_source(cat)
    if not cat.source.startswith("bundled"):
        mf = "Metaflow %s, %s" % (cat.version, mf)
    if not cat.supported:
        mf += "\nMetaflow %s is below the oldest release mfdoctor supports: results may be wrong" % cat.version
    return "Profile file: %s\nLocal file:   %s\n%s" % (printable(ptxt), printable(ltxt), printable(mf))


def _cell(text: str, width: int) -> str:
    return text + " " * max(0, width - len(text))


# Below this many columns the four-column table cannot show a URL and a path side by
# side: each key gets its own block instead.
STACKED_BELOW = 100
MIN_VALUE_COLUMN = 24


def remote_header(remote) -> str:
    """`show --target T`: whose view this is, and where the forwarded values were read."""
    local = remote.local
    files = [local.files.profile.path] + (
        [local.files.local.path] if local.files.local is not None and local.files.local.exists else [])
    return ("Target: %s: what a task there resolves (the environment Metaflow builds for it; this "
            "machine's config files stay behind, the image's own config file is not known here)\n"
            "Local config: %s\n%s" % (remote.target, ", ".join(files), header(local).splitlines()[-1]))


def remote_lines(remote, width: Optional[int]) -> List[Line]:
    """After the task's keys: what stays behind, the Kubernetes secrets, notes."""
    out: List[Line] = []
    if remote.not_forwarded:
        out += [[]] + wrap_text("Stays behind (set here, not sent to %s; the task uses its default "
                                "or the image's config):" % remote.target, width, style="bold")
        wk = max(len(rk.name) for rk in remote.not_forwarded)
        for rk in remote.not_forwarded:
            out += wrap([("  " + _cell(rk.name, wk) + "  ", ""),
                         (_cell(rk.source, 9), _SOURCE_STYLE.get(rk.source, "")),
                         ("  " + (rk.origin if width is None else _origin(rk, rk.origin)), "")],
                        width, hang=" " * 4)
    if remote.secrets:
        out += [[]] + wrap_text("Kubernetes secrets mounted into the environment (their keys cannot "
                                "be known offline; any setting may come from them):", width, style="bold")
        for name, where in remote.secrets:
            out += wrap_text("  %s  (%s)" % (name, where), width, hang=" " * 4)
    for note in list(remote.notes) + ["catalog: %s not found in the installed Metaflow" % m
                                      for m in remote.missing]:
        out += wrap_text("note: %s" % note, width, hang=" " * 6, style="yellow")
    return out


def lines(res, keys, show_all: bool = False, width: Optional[int] = None, remote=None) -> List[Line]:
    """The whole output as lines of (text, style) segments, fitted to `width` columns
    (None: one line per row, never wrapped, as piped output is). With `remote` (a
    RemoteView), `res` is the task's resolution."""
    out = _keys(res, keys, show_all, width, remote)
    return out + remote_lines(remote, width) if remote is not None else out


def _keys(res, keys, show_all: bool, width: Optional[int], remote) -> List[Line]:
    out: List[Line] = []
    for hl in (remote_header(remote) if remote is not None else header(res)).splitlines():
        out += wrap_text(hl, width, hang=" " * 14)
    for f in res.problems:
        out += wrap_text("%s: %s" % (f.severity, printable(f.message)), width, hang="    ",
                         style="red" if f.severity == "error" else "yellow")
    if not keys:
        out += wrap_text("No keys %s." % (
            "match" if show_all else "differ from their defaults (use --all to see every key)"), width)
        return out
    rows = []
    for rk in keys:
        value = UNKNOWN if rk.unknown else _fmt(shown_value(rk, rk.value))
        if rk.value is None and rk.source == Source.METAFLOW:
            value = "(per task)"  # Metaflow computes it when the task starts
        extra = ""
        if rk.secret and rk.value is not None:
            if isinstance(rk.value, dict):
                extra = " (keys: %s)" % printable(", ".join(sorted(str(k) for k in rk.value)))
            fp = fingerprint(rk.name, rk.value)  # None unless --fingerprints
            if fp:
                extra += " " + fp
        rows.append((rk, value, extra))
    if width is None:
        return out + _table(rows)
    return out + (_fitted(rows, width) or _stacked(rows, width))


def _table(rows) -> List[Line]:
    """Unwrapped: one line per key and per overridden layer (pipes, grep)."""
    out: List[Line] = []
    wk = max(len("key"), max(len(rk.name) for rk, _, _ in rows))
    wv = min(48, max(len("value"), max(len(v) for _, v, _ in rows)))
    ws = max(len(s) for s in Source)
    out.append([("%s  %s  %s  %s" % (_cell("key", wk), _cell("value", wv), _cell("source", ws), "origin"), "bold")])
    for rk, value, extra in rows:
        line = [(_cell(rk.name, wk) + "  " + value, "")]
        if extra:
            line.append((extra, "dim"))
        line.append((" " * max(0, wv - len(value) - len(extra)) + "  ", ""))
        line.append((_cell(rk.source, ws), _SOURCE_STYLE.get(rk.source, "")))
        line.append(("  %s" % printable(rk.origin), ""))
        out.append(line)
        if rk.unknown:
            out.append([(" " * (wk + 2) + "? %s" % printable(rk.unknown), "yellow")])
        if rk.error:
            out.append([(" " * (wk + 2) + "✗ %s" % printable(shown_error(rk)), "red")])
        for o in rk.overrides:
            ov = _fmt(shown_value(rk, o.value))
            out.append([(_cell("  ↳ overridden", wk) + "  ", "dim"), (ov, "dim strike"),
                        (" " * max(0, wv - len(ov)) + "  ", ""),
                        (_cell(o.source, ws) + "  %s" % printable(o.origin), "dim")])
    return out


def _origin(rk, origin) -> str:
    """An origin as a terminal shows it: nothing when it only repeats the key's name
    (an environment variable) or the source ("default"), `~` for the home directory."""
    origin = printable(str(origin))
    if origin in (rk.name, Source.DEFAULT):
        return ""
    home = os.path.expanduser("~")
    if home not in ("", "/") and origin.startswith(home + os.sep):
        return "~" + origin[len(home):]
    return origin


def _fitted(rows, width: int) -> List[Line]:
    """The four columns within `width`: long values and origins wrap inside their cell.
    Empty when they do not fit (a narrow terminal, very long key names)."""
    if width < STACKED_BELOW:
        return []
    ws = max(len(s) for s in Source)
    wk = min(width // 2, max(len("key"), max(len(rk.name) for rk, _, _ in rows)))
    room = width - wk - ws - 6
    need_v = max(len("value"), max(len(v) + len(e) for _, v, e in rows))
    need_o = max([len("origin")] + [len(_origin(rk, rk.origin)) for rk, _, _ in rows]
                 + [len(_origin(rk, o.origin)) for rk, _, _ in rows for o in rk.overrides])
    # Origins are names and paths, values mostly URLs that wrap well at `/`: the origin
    # column gets what it needs, up to a bit more than half the room.
    wo = need_o if need_v + need_o <= room else min(need_o, max(20, room * 11 // 20))
    # The value column is as wide as its longest value, no wider: on a wide terminal the
    # source stays next to the values instead of at the right edge.
    wv = min(need_v, room - wo)
    if wv < min(need_v, MIN_VALUE_COLUMN):
        return []
    out = fit_columns([([("key", "bold")], wk), ([("value", "bold")], wv),
                       ([("source", "bold")], ws), ([("origin", "bold")], wo)])
    for rk, value, extra in rows:
        vsegs = [(value, "")] + ([(extra, "dim")] if extra else [])
        out += fit_columns([([(rk.name, "")], wk), (vsegs, wv),
                            ([(rk.source, _SOURCE_STYLE.get(rk.source, ""))], ws),
                            ([(_origin(rk, rk.origin), "")], wo)])
        if rk.unknown:
            out += wrap_text("? %s" % printable(rk.unknown), width, indent=" " * (wk + 2),
                             hang=" " * (wk + 4), style="yellow")
        if rk.error:
            out += wrap_text("✗ %s" % printable(shown_error(rk)), width, indent=" " * (wk + 2),
                             hang=" " * (wk + 4), style="red")
        for o in rk.overrides:
            out += fit_columns([([("  ↳ overridden", "dim")], wk),
                                ([(_fmt(shown_value(rk, o.value)), "dim strike")], wv),
                                ([(o.source, "dim")], ws), ([(_origin(rk, o.origin), "dim")], wo)])
    return out


def _stacked(rows, width: int) -> List[Line]:
    """A narrow terminal: the key on its own line, what it resolved to indented under it."""
    out: List[Line] = []
    for rk, value, extra in rows:
        out.append([(rk.name, "bold")])
        vsegs = [("value:  ", "dim"), (value, "")] + ([(extra, "dim")] if extra else [])
        out += wrap(vsegs, width, indent="    ", hang=" " * 12)
        origin = _origin(rk, rk.origin)
        out += wrap([("source: ", "dim"), (rk.source, _SOURCE_STYLE.get(rk.source, "")),
                     ("  " + origin if origin else "", "")], width, indent="    ", hang=" " * 12)
        if rk.unknown:
            out += wrap_text("? %s" % printable(rk.unknown), width, indent="    ", hang=" " * 6, style="yellow")
        if rk.error:
            out += wrap_text("✗ %s" % printable(shown_error(rk)), width, indent="    ", hang=" " * 6, style="red")
        for o in rk.overrides:
            out += wrap([("↳ overridden: ", "dim"), (_fmt(shown_value(rk, o.value)), "dim strike"),
                         ("  (%s)" % " ".join(p for p in (o.source, _origin(rk, o.origin)) if p), "dim")],
                        width, indent="    ",
                        hang=" " * 6)
    return out


def _colour_terminal(stream, no_color: bool) -> bool:
    """Whether output goes to a terminal that wants colour (else: plain text, no Rich)."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty() or bool(os.environ.get("FORCE_COLOR"))


def write(shown: Shown, out, options) -> None:
    """In colour through Rich on a terminal, else as plain text."""
    stream = sys.stdout if out is None else out
    parts = lines(shown.res, shown.keys, options.show_all, output_width(stream), shown.remote)
    if not _colour_terminal(stream, options.no_color):
        stream.write(plain(parts))
        return
    # Imported here: piped output never needs Rich, a third of `show`'s start-up.
    from rich.text import Text

    from .console import make_console

    table = Text()
    for line in parts:
        for text, style in line:
            table.append(text, style=style or None)
        table.append("\n")
    table.rstrip()
    make_console(file=out).print(table, soft_wrap=True)
