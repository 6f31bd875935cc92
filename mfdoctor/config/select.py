"""Choosing keys to show: patterns with or without METAFLOW_, any case, shell globs."""

from __future__ import annotations

import fnmatch
from typing import Iterable

from ..catalog import full_name
from ..vocabulary import PREFIX


def normalize_pattern(pattern: str) -> str:
    pattern = pattern.strip().upper()
    if pattern.startswith(PREFIX) or pattern.startswith("*") or pattern.startswith("?"):
        return pattern
    return PREFIX + pattern


def select_keys(res, patterns: Iterable[str] = (), show_all: bool = False) -> list:
    """ResolvedKeys to display, in Metaflow's order.

    Without --all only keys that are not at their default (set somewhere, derived from
    something set, or rejected) are shown; naming a key by pattern shows it regardless.
    """
    pats = [normalize_pattern(p) for p in patterns]
    out = []
    for name, rk in res.keys.items():
        if pats:
            if any(fnmatch.fnmatchcase(name, p) for p in pats):
                out.append(rk)
        elif show_all or not rk.is_default or rk.error:
            out.append(rk)
    return out


def unmatched_patterns(res, patterns: Iterable[str]) -> list:
    return [
        p for p in patterns
        if not any(fnmatch.fnmatchcase(n, normalize_pattern(p)) for n in res.keys)
    ]


__all__ = ["select_keys", "unmatched_patterns", "normalize_pattern", "full_name"]
