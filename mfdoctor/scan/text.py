"""Text helpers shared by the scanners: the name pattern, offset -> line/column,
inline suppression comments, and shell-style value parsing."""

from __future__ import annotations

import bisect
import re
from itertools import accumulate
from typing import Optional, Tuple

# A METAFLOW_ name: not glued to a longer identifier on the left
# (MY_METAFLOW_X is another variable). Click 7 auto-envvars of hyphenated
# commands contain '-' (METAFLOW_ARGO-WORKFLOWS_CREATE_...), so hyphenated
# continuations are kept; the name check falls back to the part before the
# first '-' (a shell ${METAFLOW_X-default}).
# (The left-hand check is done in code: a leading look-behind would cost the
# regex engine its literal-prefix search, several times slower on big files.)
NAME_RE = re.compile(r"METAFLOW_[A-Z0-9_]+(?:-[A-Z0-9_]+)*(?![a-z0-9])")
_IDENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def glued_left(text: str, start: int) -> bool:
    """True when the match at `start` continues an identifier (MY_METAFLOW_X)."""
    return start > 0 and text[start - 1] in _IDENT_CHARS
NAME_BYTES = b"METAFLOW_"

# `# mfdoctor: ignore` or `# mfdoctor: ignore[config.unknown-name, config.invalid-value]`
SUPPRESS_RE = re.compile(r"mfdoctor:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)


def is_prefix_only(name: str) -> bool:
    """`METAFLOW_DATASTORE_SYSROOT_` in `"METAFLOW_DATASTORE_SYSROOT_%s" % x`
    is a prefix being built, not a name."""
    return name.endswith("_") or name.endswith("-")


class LineIndex:
    """Offset (in characters) -> (line, column), both 1-based.

    Lookups in increasing order (the usual case: name hits in file order) count
    newlines from the previous one (C speed, no table); the full table of line
    starts is built only for lookups that go backwards or by line number."""

    def __init__(self, text: str):
        self.text = text
        self._starts = None
        self._off = 0  # last forward lookup: offset, its line, its line start
        self._line = 1
        self._start = 0

    @property
    def starts(self) -> list:
        if self._starts is None:
            # Line i+1 starts after lines 1..i and their newlines.
            self._starts = [0, *accumulate(len(ln) + 1 for ln in self.text.split("\n")[:-1])]
        return self._starts

    def pos(self, offset: int) -> Tuple[int, int]:
        if self._starts is None:
            if offset < self._off:  # going back: count again from the start
                self._off, self._line, self._start = 0, 1, 0
            text = self.text
            n = text.count("\n", self._off, offset)
            if n:
                self._line += n
                self._start = text.rfind("\n", 0, offset) + 1
            self._off = offset
            return self._line, offset - self._start + 1
        starts = self.starts
        i = bisect.bisect_right(starts, offset) - 1
        return i + 1, offset - starts[i] + 1

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column - 1

    def line_text(self, line: int) -> str:
        starts = self.starts
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end]


def find_suppressions(text: str) -> dict:
    """line -> frozenset of check ids (empty: all). A comment on a line of its
    own also covers the next line."""
    out: dict = {}
    if "mfdoctor" not in text:
        return out
    for lineno, line in enumerate(text.split("\n"), start=1):
        m = SUPPRESS_RE.search(line)
        if not m:
            continue
        ids = frozenset(
            s.strip() for s in (m.group(1) or "").split(",") if s.strip()
        )
        targets = [lineno]
        # Nothing but comment markers before it: the comment has a line of
        # its own and is about the next line.
        if not line[: m.start()].strip("#/;*<!- \t"):
            targets.append(lineno + 1)
        for t in targets:
            prev = out.get(t)
            if prev is None:
                out[t] = ids
            elif prev and ids:
                out[t] = prev | ids
            else:
                out[t] = frozenset()
    return out


# \r is not a separator for the shell: a CRLF script exports "value\r".
_SHELL_BARE_END = re.compile(r"[ \t\n;&|)`]")


def parse_shell_value(text: str, start: int) -> Tuple[Optional[str], int]:
    """Parse a shell word starting at `start` (right after `=`).

    Returns (value, end offset). Quotes are removed; `\\` escapes outside
    single quotes are honoured; a `$...` expansion makes the value unknown
    (None), since the lint cannot know what the shell will substitute.
    """
    out = []
    i = start
    n = len(text)
    dynamic = False
    while i < n:
        c = text[i]
        if c == "'":
            j = text.find("'", i + 1)
            if j == -1:
                j = n
            out.append(text[i + 1 : j])
            i = j + 1
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n and text[i + 1] in '"\\$`\n':
                    out.append(text[i + 1])
                    i += 2
                    continue
                if text[i] in "$`":
                    dynamic = True
                out.append(text[i])
                i += 1
            i += 1
        elif c == "\\" and i + 1 < n:
            if text[i + 1] == "\n":
                i += 2
                continue
            out.append(text[i + 1])
            i += 2
        elif _SHELL_BARE_END.match(c):
            break
        else:
            if c in "$`":
                dynamic = True
            out.append(c)
            i += 1
    if dynamic:
        return None, i
    return "".join(out), i
