"""click 7.1.2's naming rules (Metaflow vendors that click): an option's Python name
from its declarations, an argument's, and a sub-context's auto-envvar prefix."""

from __future__ import annotations

from typing import List, Optional, Tuple


def _split_opt(opt: str) -> Tuple[str, str]:
    first = opt[:1]
    if first.isalnum():
        return "", opt
    if opt[1:2] == first:
        return opt[:2], opt[2:]
    return first, opt[1:]


def option_name(decls: List[str]) -> Optional[str]:
    """click 7.1.2 Option._parse_decls: the parameter's Python name."""
    name, possible = None, []
    for decl in decls:
        if decl.isidentifier():
            name = decl
            continue
        split_char = ";" if decl[:1] == "/" else "/"
        if split_char in decl:
            first = decl.split(split_char, 1)[0].rstrip()
            if first:
                possible.append(_split_opt(first))
        else:
            possible.append(_split_opt(decl))
    if name is None and possible:
        possible.sort(key=lambda x: -len(x[0]))
        name = possible[0][1].replace("-", "_").lower()
        if not name.isidentifier():
            name = None
    return name


def argument_name(decls: List[str]) -> Optional[str]:
    return decls[0].replace("-", "_").lower() if len(decls) == 1 else None


def sub_prefix(prefix: str, info_name: str) -> str:
    return ("%s_%s" % (prefix, info_name.upper())).replace("-", "_")
