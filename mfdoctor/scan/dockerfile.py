"""Dockerfiles: `ENV NAME=value ...`, legacy `ENV NAME value`, `ARG NAME[=default]`,
and the shell of `RUN` (and shell-form `CMD`/`ENTRYPOINT`) instructions, read by
the shell lexer. Comments are not settings. Docker expands `$VAR` in ENV
values: such a value is a template."""

from __future__ import annotations

import re

from .generic import merge
from .model import DOCKER_ARG, DOCKER_ENV, Occurrence
from .shell import shell_occurrences
from .shlex_ import Lexer
from .templates import find_template
from .text import LineIndex

_INSTR = re.compile(r"^[ \t]*(ENV|ARG|RUN|CMD|ENTRYPOINT)[ \t]+", re.I | re.M)
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


def _env_pairs(text: str, li: LineIndex, instr: str, pos: int, end: int, occs: list) -> None:
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
        value = template = vstart = None
        has_value = False
        if eq:
            vstart = pos
            w = Lexer(text, pos, end).word(pos)
            value, template, has_value = w.value, w.template, True
            pos = w.end  # `NAME=` followed by a blank: an empty value
            if text[vstart:vstart + 1] in "'\"":
                vstart += 1
        elif instr == "ENV" and first:
            # Legacy `ENV NAME value with spaces`: the rest is the value.
            rest = text[pos:end]
            if rest.strip():
                vstart = pos + (len(rest) - len(rest.lstrip(" \t")))
                value = " ".join(part.strip(" \t\r\\") for part in rest.split("\n")).strip()
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                    value = value[1:-1]
                has_value = True
                template = find_template(value)
            pos = end
        first = False
        if name.startswith("METAFLOW_"):
            line, col = li.pos(npos)
            o = Occurrence(name=name, line=line, column=col,
                           context=DOCKER_ENV if instr == "ENV" else DOCKER_ARG,
                           value=value, has_value=has_value, template=template)
            if vstart is not None and has_value:
                o.value_line, o.value_column = li.pos(vstart)
            occs.append(o)


def scan_dockerfile(text: str, li: LineIndex) -> list:
    occs: list = []
    for m in _INSTR.finditer(text):
        instr = m.group(1).upper()
        end = _logical_end(text, m.end())
        if "METAFLOW_" not in text[m.end():end]:
            continue
        if instr in ("ENV", "ARG"):
            _env_pairs(text, li, instr, m.end(), end, occs)
        elif not text.startswith("[", m.end()):  # exec form runs no shell
            shell_occurrences(text, li, m.end(), end, out=occs)
    return merge(text, li, occs, fallback_context=None)
