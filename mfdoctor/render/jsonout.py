"""Strict JSON for every JSON-based format (show, explain, report, SARIF).

`json.dumps` writes bare `NaN`/`Infinity` (not JSON), fails on integers of more than
4,300 digits, and writes lone surrogates (an undecodable byte in a file name) that
strict parsers reject. Here: non-finite numbers become the strings "NaN",
"Infinity", "-Infinity"; a huge integer its digit count; a lone surrogate the
escape text "\\xff" of its byte; then `allow_nan=False` guarantees the rest.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_INT_BITS = 13_000  # about 3,900 decimal digits: under Python's 4,300-digit limit


def _surrogate(m) -> str:
    o = ord(m.group())
    return "\\x%02x" % (o - 0xDC00) if 0xDC80 <= o <= 0xDCFF else "\\u%04x" % o


def _scalar(v: Any) -> Any:
    if isinstance(v, str):
        return _SURROGATE.sub(_surrogate, v) if _SURROGATE.search(v) else v
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(v, int):
        if v.bit_length() > _MAX_INT_BITS:
            return "<integer of about %d digits>" % int(v.bit_length() * 0.30103)
        return v
    return _scalar(str(v))


def strict(data: Any) -> Any:
    """A copy of `data` that `json.dumps(..., allow_nan=False)` always accepts
    (iterative: any depth)."""
    root: list = [None]
    stack = [(data, root, 0)]
    while stack:
        src, parent, slot = stack.pop()
        if isinstance(src, dict):
            dst: Any = {}
            for k, v in src.items():
                key = _scalar(k) if isinstance(k, str) else str(_scalar(k))
                dst[key] = None
                stack.append((v, dst, key))
        elif isinstance(src, (list, tuple, set, frozenset)):
            items = list(src)
            dst = [None] * len(items)
            for i, v in enumerate(items):
                stack.append((v, dst, i))
        else:
            dst = _scalar(src)
        parent[slot] = dst
    return root[0]


# A lone surrogate as json.dumps escapes it (ensure_ascii): \ud800-\udfff.
_ESCAPED_SURROGATE = re.compile(r"\\ud[89a-f][0-9a-f]{2}")


def dumps(data: Any, indent: int = 2) -> str:
    # Almost every report is plain JSON already: dump it directly (a copy of a large
    # report costs more than the dump), and take the strict copy only when the dump
    # fails (NaN, a huge integer, a set) or holds an escaped lone surrogate.
    # (Not for a dict key that is a bool, None or a float: none of the contracts has one.)
    try:
        text = json.dumps(data, indent=indent, ensure_ascii=True, allow_nan=False)
    except (ValueError, TypeError):
        text = None
    if text is None or ("\\ud" in text and _ESCAPED_SURROGATE.search(text)):
        text = json.dumps(strict(data), indent=indent, ensure_ascii=True, allow_nan=False)
    return text
