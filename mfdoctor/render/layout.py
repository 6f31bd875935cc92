"""Fitting text to the terminal: the output width, and wrapping at word boundaries.

Plain Python, no Rich: piped `show` must not load it, and every human renderer wraps
the same way. Piped output is never wrapped (`output_width` is None), so CI logs and
`| grep` see one finding or one key per line group, whatever the window was.

A "line" here is a list of (text, style) segments, style "" for none, so coloured
renderers can print it through Rich and plain ones can join the texts.
"""

from __future__ import annotations

import re
import shutil
from typing import List, Optional, Sequence, Tuple

Segment = Tuple[str, str]
Line = List[Segment]

# Long words (URLs, paths, JSON) break after one of these, never elsewhere unless a
# piece longer than the line has none of them.
_BREAK_AFTER = "/,;&?=.:_"
_TOKEN = re.compile(r"\s*\S+|\s+")


def output_width(stream) -> Optional[int]:
    """Columns to fit on a terminal (`COLUMNS` when set, else the window's width); None,
    no wrapping, when the output is not a terminal, even with `COLUMNS` set: CI logs
    and pipes stay one finding per line group."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        return None
    return shutil.get_terminal_size((80, 24)).columns


def break_point(word: str, room: int) -> int:
    """The longest prefix of `word` that fits in `room` and ends after a break character,
    or 0 when there is none."""
    for i in range(min(room, len(word) - 1), 0, -1):
        if word[i - 1] in _BREAK_AFTER:
            return i
    return 0


def _pieces(word: str, first_room: int, room: int) -> List[str]:
    """`word` cut into pieces: the first fits `first_room`, the others `room`. A piece
    longer than the line with no break character is cut at the margin (the only case
    a word is split without a break character: nothing else would fit)."""
    out = []
    cur_room = first_room
    while len(word) > cur_room:
        cut = break_point(word, cur_room)
        if not cut:
            if cur_room < room:  # try again on a fresh line before cutting blindly
                out.append("")
                cur_room = room
                continue
            cut = cur_room
        out.append(word[:cut])
        word = word[cut:]
        cur_room = room
    out.append(word)
    return out


def wrap(segments: Sequence[Segment], width: Optional[int], indent: str = "",
         hang: Optional[str] = None) -> List[Line]:
    """Lay `segments` out in lines of at most `width` columns: the first starts with
    `indent`, the others with `hang` (default: as many spaces as `indent`). Breaks go
    between words; a word longer than a line breaks after `/`, `,`, `.` and the like.
    `width` None: one line, unwrapped."""
    hang = " " * len(indent) if hang is None else hang
    if width is None:
        return [[(indent, "")] + [(t, s) for t, s in segments if t]]
    lines: List[Line] = [[(indent, "")]]
    col = len(indent)
    fresh = True  # nothing but the indent on the current line yet

    def newline():
        nonlocal col, fresh
        lines.append([(hang, "")])
        col, fresh = len(hang), True

    pending = ""  # whitespace that ended the previous segment: it goes before the next word
    for text, style in segments:
        for tok in _TOKEN.findall(text):
            word = tok.lstrip()
            if not word:
                pending += tok
                continue
            lead = pending + tok[: len(tok) - len(word)]
            pending = ""
            if fresh and len(lines) > 1:
                lead = ""  # a continuation line starts at its hanging indent
            if col + len(lead) + len(word) <= width:
                lines[-1].append((lead + word, style))
                col += len(lead) + len(word)
                fresh = False
                continue
            room = max(1, width - len(hang))
            if len(word) <= room:
                newline()
                lines[-1].append((word, style))
                col += len(word)
                fresh = False
                continue
            first_room = width - col - len(lead)
            if first_room < 8 or not break_point(word, first_room):
                if not fresh:
                    newline()
                    lead = ""
                first_room = width - col
            for i, piece in enumerate(_pieces(word, first_room, room)):
                if i:
                    newline()
                if piece:
                    lines[-1].append(((lead if i == 0 else "") + piece, style))
                    col += len(piece) + (len(lead) if i == 0 else 0)
                    fresh = False
    return lines


def wrap_text(text: str, width: Optional[int], indent: str = "", hang: Optional[str] = None,
              style: str = "") -> List[Line]:
    """`wrap` for one run of text in one style; each input line wrapped on its own."""
    out: List[Line] = []
    for i, part in enumerate(text.splitlines() or [""]):
        out.extend(wrap([(part, style)], width, indent if i == 0 else (hang or " " * len(indent)), hang))
    return out


def plain(lines: Sequence[Line]) -> str:
    """The lines as text, without trailing spaces."""
    return "".join("".join(t for t, _ in line).rstrip() + "\n" for line in lines)


def width_of(line: Line) -> int:
    return sum(len(t) for t, _ in line)


def fit_columns(cells: Sequence[Tuple[Sequence[Segment], int]], gap: int = 2) -> List[Line]:
    """One table row whose cells may wrap: [(segments, column width)] -> lines.
    The last cell is not padded."""
    wrapped = [wrap(segs, w) for segs, w in cells]
    out: List[Line] = []
    for row in range(max(len(w) for w in wrapped)):
        line: Line = []
        for i, ((_, w), parts) in enumerate(zip(cells, wrapped)):
            piece = parts[row] if row < len(parts) else []
            line.extend(piece)
            if i < len(cells) - 1:
                line.append((" " * (max(0, w - width_of(piece)) + gap), ""))
        out.append(line)
    return out
