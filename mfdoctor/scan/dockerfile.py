"""Dockerfiles: `ENV NAME=value ...`, legacy `ENV NAME value`, `ARG NAME[=default]`.

Names elsewhere (a `RUN export METAFLOW_X=...`) are read by the generic pass."""

from __future__ import annotations

import re

from .generic import merge
from .model import DOCKER_ARG, DOCKER_ENV, Occurrence
from .text import LineIndex, parse_shell_value

_INSTR = re.compile(r"^[ \t]*(ENV|ARG)[ \t]+", re.I | re.M)
_PAIR_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(=?)")


def _logical_end(text: str, start: int) -> int:
    """End of the instruction starting at `start` (continuation lines joined)."""
    i = start
    while True:
        nl = text.find("\n", i)
        if nl == -1:
            return len(text)
        seg = text[i:nl].rstrip(" \t\r")
        if seg.endswith("\\"):
            i = nl + 1
            continue
        return nl


def scan_dockerfile(text: str, li: LineIndex) -> list:
    occs = []
    for m in _INSTR.finditer(text):
        instr = m.group(1).upper()
        end = _logical_end(text, m.end())
        pos = m.end()
        first = True
        while pos < end:
            # Skip blanks and line continuations between pairs.
            while pos < end and text[pos] in " \t\r\n\\":
                pos += 1
            nm = _PAIR_NAME.match(text, pos, end)
            if not nm:
                break
            name, eq = nm.group(1), nm.group(2)
            npos = nm.start(1)
            pos = nm.end()
            value = None
            has_value = False
            vstart = None
            if eq:
                vstart = pos
                value, pos = parse_shell_value(text[:end], pos)
                has_value = value is not None
            elif instr == "ENV" and first:
                # Legacy `ENV NAME value with spaces`: the rest is the value.
                rest = text[pos:end]
                if rest.strip():
                    vstart = pos + (len(rest) - len(rest.lstrip(" \t")))
                    value = " ".join(
                        part.strip(" \t\r\\") for part in rest.split("\n")
                    ).strip()
                    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                        value = value[1:-1]
                    has_value = "$" not in value
                    if not has_value:
                        value = None
                pos = end
            first = False
            if name.startswith("METAFLOW_"):
                line, col = li.pos(npos)
                o = Occurrence(
                    name=name, line=line, column=col,
                    context=DOCKER_ENV if instr == "ENV" else DOCKER_ARG,
                    value=value, has_value=has_value,
                )
                if vstart is not None:
                    o.value_line, o.value_column = li.pos(vstart)
                occs.append(o)
    return merge(text, li, occs)
