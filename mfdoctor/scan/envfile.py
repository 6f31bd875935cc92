"""`.env` files (dotenv syntax).

A name in a comment, or anywhere else than a `NAME=value` line, is not a
setting of an env file: it is not reported."""

from __future__ import annotations

import re

from .generic import merge
from .model import ENV_FILE, Occurrence
from .templates import find_template
from .text import LineIndex

# [export ]NAME=VALUE at the start of a line.
_ENV_LINE = re.compile(r"^[ \t]*(?:export[ \t]+)?(METAFLOW_[A-Z0-9_]+)[ \t]*=[ \t]*", re.M)


def _dotenv_value(text: str, start: int):
    """python-dotenv's reading: quoted values keep inner spaces (double quotes
    honour escapes), unquoted values end at ` #` and are stripped."""
    if start < len(text) and text[start] in "\"'":
        q = text[start]
        out = []
        i = start + 1
        while i < len(text) and text[i] != q:
            if q == '"' and text[i] == "\\" and i + 1 < len(text):
                nxt = text[i + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
                i += 2
                continue
            out.append(text[i])
            i += 1
        return "".join(out)
    end = text.find("\n", start)
    if end == -1:
        end = len(text)
    raw = text[start:end]
    hash_at = re.search(r"[ \t]#", raw)
    if hash_at:
        raw = raw[: hash_at.start()]
    return raw.strip()


def scan_env(text: str, li: LineIndex) -> list:
    occs = []
    for m in _ENV_LINE.finditer(text):
        name = m.group(1)
        line, col = li.pos(m.start(1))
        vline, vcol = li.pos(m.end())
        value = _dotenv_value(text, m.end())
        # python-dotenv and compose expand ${VAR} except in single quotes.
        literal = text.startswith("'", m.end())
        occs.append(
            Occurrence(
                name=name, line=line, column=col, context=ENV_FILE,
                value=value, has_value=True,
                value_line=vline, value_column=vcol,
                template=None if literal else find_template(value),
            )
        )
    return merge(text, li, occs, fallback_context=None)

