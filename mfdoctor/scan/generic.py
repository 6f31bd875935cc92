"""The name hits every scanner starts from, and the fallback reading of a hit
that no structured parser claimed: `NAME=value` inside any text (a
`docker run -e`, a shell line in a YAML `run:` block) or a bare mention."""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from .model import ASSIGN, Occurrence
from .text import NAME_RE, LineIndex, glued_left, is_prefix_only, parse_shell_value


def name_hits(text: str):
    """(name, offset) of every METAFLOW_ name in the text."""
    for m in NAME_RE.finditer(text):
        name = m.group(0)
        if is_prefix_only(name) or glued_left(text, m.start()):
            continue
        yield name, m.start(), m.end()


def assignment_value(text: str, start: int, end: int, assign_context: str = ASSIGN):
    """If `NAME=` follows the name at text[start:end], the value and where it
    starts; else None. Inside a quoted string the value runs to the closing
    quote; elsewhere it is a shell word."""
    if end >= len(text) or text[end] != "=" or text[end + 1 : end + 2] == "=":
        return None
    vstart = end + 1
    q = text[start - 1] if start > 0 else ""
    if q in ('"', "'"):
        close = text.find(q, vstart)
        nl = text.find("\n", vstart)
        if close == -1 or (nl != -1 and nl < close):
            return None
        return text[vstart:close], vstart
    value, _ = parse_shell_value(text, vstart)
    if value is None:
        return (None, vstart)
    return value, vstart


def merge(
    text: str,
    li: LineIndex,
    structured: Iterable[Occurrence],
    fallback_context: Optional[str] = ASSIGN,
    keep: Optional[Callable[[int], bool]] = None,
) -> list:
    """Every name hit in `text`, as the structured occurrence found at that
    line for that name when there is one, else as an assignment/mention.

    `fallback_context` None: a name no structured reading claimed is not a
    setting (a comment, a message, an identifier): it is dropped. `keep(offset)`
    False drops such a name too (a YAML comment, a CI expression)."""
    pending = {}
    for occ in structured:
        pending.setdefault((occ.line, occ.name), []).append(occ)
    out = []
    for name, start, end in name_hits(text):
        line, col = li.pos(start)
        cands = pending.get((line, name))
        if cands:
            # The structured one at or after this column (positions may be
            # at an opening quote).
            best = None
            for i, occ in enumerate(cands):
                if occ.column <= col + 1:
                    best = i
                    break
            if best is not None:
                occ = cands.pop(best)
                occ.column = col
                out.append(occ)
                continue
        if fallback_context is None or (keep is not None and not keep(start)):
            continue
        occ = Occurrence(name=name, line=line, column=col)
        if fallback_context:
            got = assignment_value(text, start, end)
            if got is not None:
                value, vstart = got
                occ.context = fallback_context
                occ.value = value
                occ.has_value = value is not None
                occ.value_line, occ.value_column = li.pos(vstart)
        out.append(occ)
    # Structured occurrences that the name pattern did not see in the text
    # (e.g. a YAML key written with escapes): keep them.
    for rest in pending.values():
        out.extend(rest)
    out.sort(key=lambda o: (o.line, o.column))
    return out
