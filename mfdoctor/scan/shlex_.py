"""A small shell lexer: words (quotes removed, expansions kept as written),
operators, redirections and heredocs, the way bash splits a command line.

Only what the scanners need: where each word starts, its cooked value, the
first expansion in it (`$X`, `${X:-d}`, `$(cmd)`, a backquote, a CI
`${{ expr }}`), and every `$NAME` / `${NAME...}` read. Never raises on any
input and always advances, so hostile text cannot hang it; an unclosed quote
runs to the end of the text, as bash would wait for more input.

Speed: between commands, whole logical lines (a line, or several joined by
an open quote, a continuation, `$(...)` or a heredoc) that hold no METAFLOW_
name are skipped by a quick scan that only follows quoting, jumping from one
special character to the next; only the commands around a name are split
into words.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from .text import NAME_RE

WORD, OP, REDIR, HEREDOC = "word", "op", "redir", "heredoc"

_PLAIN = re.compile(r"[^ \t\n'\"\\$`;&|()<>]+")
_BLANKS = re.compile(r"[ \t]+")
_SPECIAL = re.compile(r"[\n'\"\\`$<#]")
_DQ_SPECIAL = re.compile(r'[\\"$`]')
_OPS = ("&&", "||", ";;", "|&", ";", "&", "|", "(", ")")
_REDIR = re.compile(r"(?:\d+|&)?(?:>>|>&|>\||<>|<&|>|<(?!<))")
_HEREDOC = re.compile(r"(?:\d+)?<<(-?)[ \t]*(?:'([^'\n]*)'|\"([^\"\n]*)\"|\\?([^\s;&|()<>]+))")
_HERESTRING = re.compile(r"(?:\d+)?<<<")
_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PARAM_NAME = re.compile(r"[#!]?([A-Za-z_][A-Za-z0-9_]*)")


def _delim(m) -> Tuple[str, bool]:
    """(delimiter, quoted) of a heredoc operator match: `<<'EOF'`, `<<"EOF"` and
    `<<\\EOF` are quoted (the body is not expanded)."""
    if m.group(2) is not None:
        return m.group(2), True
    if m.group(3) is not None:
        return m.group(3), True
    return m.group(4), m.group(0).count("\\") > 0


class Word:
    """A shell word: `start`/`end` offsets in the lexed text, `value` with quotes
    and escapes removed (expansions kept as written), `template` the first
    expansion in it (None: the value is literal), `quoted` whether any part
    was quoted."""

    __slots__ = ("start", "end", "value", "template", "quoted", "kind")

    def __init__(self, start, end, value, template, quoted):
        self.start, self.end, self.value, self.template, self.quoted = start, end, value, template, quoted
        self.kind = WORD

    def __repr__(self):  # pragma: no cover - debugging aid
        return "Word(%r @%d)" % (self.value, self.start)


class Token:
    """An operator (`op`: `;`, `&&`, `|`, `\\n`...), a redirection (`op` like `>>`;
    the target is the next word) or a heredoc (`delim`, `quoted`, and once
    the line ends, `body` = (start, end) offsets)."""

    __slots__ = ("kind", "start", "end", "op", "delim", "quoted", "strip_tabs", "body")

    def __init__(self, kind, start, end, op, delim=None, quoted=False, strip_tabs=False):
        self.kind, self.start, self.end, self.op = kind, start, end, op
        self.delim, self.quoted, self.strip_tabs, self.body = delim, quoted, strip_tabs, None


class Lexer:
    """Tokens of text[start:end]. `reads` collects (name, offset) of every
    METAFLOW_ `$NAME` / `${NAME...}` outside single quotes; `fold_newlines`
    reads newlines as blanks (a folded YAML scalar)."""

    def __init__(self, text: str, start: int = 0, end: Optional[int] = None, fold_newlines: bool = False):
        self.text = text
        self.i = start
        self.end = len(text) if end is None else end
        self.fold = fold_newlines
        self.reads: List[Tuple[str, int]] = []
        self._pending: List[Token] = []
        # Line starts of METAFLOW_ names: never skip past one.
        self._hits = [m.start() for m in NAME_RE.finditer(text, start, self.end)]
        self._hit_i = 0

    # -- expansions ----------------------------------------------------------------

    def _match_close(self, i: int, open_: str, close: str) -> int:
        """Offset just after the `close` matching the `open_` before i (nesting
        counted, quotes skipped); the end of the text when unclosed."""
        text, end = self.text, self.end
        depth = 1
        while i < end:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "'" and open_ == "(":
                j = text.find("'", i + 1, end)
                i = end if j == -1 else j + 1
                continue
            if c == open_:
                depth += 1
            elif c == close:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return end

    def _read_names_in(self, a: int, b: int) -> None:
        for m in re.finditer(r"\$\{?[#!]?(METAFLOW_[A-Za-z0-9_]*)", self.text[a:b]):
            if not m.group(1).endswith("_"):
                self.reads.append((m.group(1), a + m.start(1)))

    def _dollar(self, i: int) -> Tuple[int, str, bool]:
        """At a `$`: (end, the expansion as written, is an expansion)."""
        text, end = self.text, self.end
        nxt = text[i + 1] if i + 1 < end else ""
        if nxt == "{":
            if text.startswith("{{", i + 1):  # a CI expression, replaced before the shell runs
                j = text.find("}}", i + 3, end)
                j = end if j == -1 else j + 2
                return j, text[i:j], True
            j = self._match_close(i + 2, "{", "}")
            m = _PARAM_NAME.match(text, i + 2, j)
            if m and m.group(1).startswith("METAFLOW_"):
                self.reads.append((m.group(1), m.start(1)))
            self._read_names_in(m.end() if m else i + 2, j)  # ${A:-$METAFLOW_B}
            return j, text[i:j], True
        if nxt == "(":
            j = self._match_close(i + 2, "(", ")")
            self._read_names_in(i + 2, j)
            return j, text[i:j], True
        m = _VAR.match(text, i + 1, end)
        if m:
            if m.group(0).startswith("METAFLOW_"):
                self.reads.append((m.group(0), i + 1))
            return m.end(), text[i:m.end()], True
        if nxt and (nxt.isdigit() or nxt in "@*#?$!-"):
            return i + 2, text[i:i + 2], True
        return i + 1, "$", False

    # -- words ---------------------------------------------------------------------

    def word(self, i: int, track: Optional[list] = None) -> Word:
        """The word starting at i. `track`: filled with the source offset of
        every character of the value (for reading the value again as shell)."""
        text, end = self.text, self.end
        out: List[str] = []
        start = i
        template = None
        quoted = False

        def put(s: str, at: int):
            out.append(s)
            if track is not None:
                track.extend(range(at, at + len(s)))

        while i < end:
            c = text[i]
            if c in " \t\n;&|()<>":  # not \r: bash keeps it (a CRLF value ends in \r)
                break
            if c == "'":
                quoted = True
                j = text.find("'", i + 1, end)
                j = end if j == -1 else j
                put(text[i + 1:j], i + 1)
                i = j + 1
            elif c == '"':
                quoted = True
                i += 1
                while i < end and text[i] != '"':
                    d = text[i]
                    if d == "\\" and i + 1 < end and text[i + 1] in '"\\$`\n':
                        if text[i + 1] != "\n":
                            put(text[i + 1], i + 1)
                        i += 2
                    elif d == "$" or d == "`":
                        i, template = self._expansion(i, put, template)
                    else:
                        j = i + 1
                        while j < end and text[j] not in '"\\$`':
                            j += 1
                        put(text[i:j], i)
                        i = j
                i += 1
            elif c == "\\":
                if i + 1 < end and text[i + 1] != "\n":
                    put(text[i + 1], i + 1)
                i += 2
            elif c == "$" or c == "`":
                if c == "$" and text.startswith("$'", i):  # ANSI-C quoting: literal enough
                    quoted = True
                    j = i + 2
                    while j < end and text[j] != "'":
                        j += 2 if text[j] == "\\" else 1
                    put(text[i + 2:min(j, end)], i + 2)
                    i = j + 1
                    continue
                i, template = self._expansion(i, put, template)
            else:
                m = _PLAIN.match(text, i, end)
                put(m.group(0), i)
                i = m.end()
        return Word(start, min(i, end), "".join(out), template, quoted)

    def _expansion(self, i: int, put, template: Optional[str]) -> Tuple[int, Optional[str]]:
        """The `$...` or backquote expansion at i, kept as written: (end, the word's
        template so far, or this expansion when it is the first)."""
        j, raw, exp = self._dollar(i) if self.text[i] == "$" else self._backquote(i)
        put(raw, i)
        return j, template if template is not None or not exp else raw

    def _backquote(self, i: int) -> Tuple[int, str, bool]:
        j = self.text.find("`", i + 1, self.end)
        j = self.end if j == -1 else j + 1
        self._read_names_in(i + 1, j)
        return j, self.text[i:j], True

    # -- tokens --------------------------------------------------------------------

    def _past_body(self, i: int, delim: str) -> Tuple[int, int]:
        """(end of the heredoc body starting at line start i, offset after its
        delimiter line). Indented delimiters are accepted too: shell embedded in
        YAML keeps its indentation in the source."""
        text, end = self.text, self.end
        while i < end:
            nl = text.find("\n", i, end)
            line_end = end if nl == -1 else nl
            if text[i:line_end].strip() == delim:
                return i, min(line_end + 1, end)
            i = line_end + 1
        return end, end

    def _heredoc_bodies(self, i: int) -> int:
        """Consume the bodies of the pending heredocs, starting at line start i."""
        for h in self._pending:
            body_end, nxt = self._past_body(i, h.delim)
            h.body = (i, body_end)
            i = nxt
        self._pending = []
        return i

    def _past(self, k: int) -> int:
        """After the backslash escape, backquote or `$` expansion at k."""
        text, end = self.text, self.end
        c = text[k]
        if c == "\\":
            return k + 2
        if c == "`":
            q = text.find("`", k + 1, end)
            return end if q == -1 else q + 1
        nxt = text[k + 1:k + 2]
        if nxt in ("(", "{"):
            return self._match_close(k + 2, nxt, ")" if nxt == "(" else "}")
        return k + 1

    def _logical_end(self, i: int) -> int:
        """Where the logical line starting at top-level offset i ends (after its
        newline and any heredoc bodies it opens), following quoting only."""
        text, end = self.text, self.end
        delims = []
        j = i
        while True:
            m = _SPECIAL.search(text, j, end)
            if m is None:
                return end
            k = m.start()
            c = text[k]
            if c == "\n":
                j = k + 1
                for d in delims:
                    j = self._past_body(j, d)[1]
                return j
            if c == "'":
                q = text.find("'", k + 1, end)
                j = end if q == -1 else q + 1
            elif c == '"':
                j = self._dq_end(k + 1)
            elif c == "<":
                h = _HEREDOC.match(text, k, end)
                if h and not text.startswith("<<<", k):
                    delims.append(_delim(h)[0])
                j = h.end() if h else k + 1
            elif c == "#":  # a comment only at the start of a word
                nl = text.find("\n", k, end) if k == i or text[k - 1] in " \t;&|()" else k
                j = k + 1 if nl == k else (end if nl == -1 else nl)
            else:
                j = self._past(k)

    def _dq_end(self, i: int) -> int:
        while True:
            m = _DQ_SPECIAL.search(self.text, i, self.end)
            if m is None:
                return self.end
            if m.group() == '"':
                return m.start() + 1
            i = self._past(m.start())

    def _skip(self, i: int) -> int:
        """From top-level line start i, the first logical line that holds the
        next METAFLOW_ name (the end of the text when no name is left)."""
        hits = self._hits
        while self._hit_i < len(hits) and hits[self._hit_i] < i:
            self._hit_i += 1
        if self._hit_i >= len(hits):
            return self.end
        nxt = hits[self._hit_i]
        while i < self.end:
            e = self._logical_end(i)
            if e > nxt:
                return i
            i = e
        return self.end

    def tokens(self):
        text, end = self.text, self.end
        i = self.i
        at_line_start = True
        while i < end:
            if at_line_start and not self._pending:
                i = self._skip(i)
                at_line_start = False
                if i >= end:
                    break
            m = _BLANKS.match(text, i, end)
            if m:
                i = m.end()
                if i >= end:
                    break
            c = text[i]
            if c == "\n":
                if self.fold:
                    i += 1
                    continue
                tok = Token(OP, i, i + 1, "\n")
                i += 1
                if self._pending:
                    i = self._heredoc_bodies(i)
                at_line_start = True
                yield tok
                continue
            if c == "\\" and text.startswith("\n", i + 1):
                i += 2
                continue
            if c == "#":
                nl = text.find("\n", i, end)
                i = end if nl == -1 else nl
                continue
            if c in "<>&0123456789":
                m = _HERESTRING.match(text, i, end)
                if m:
                    yield Token(REDIR, i, m.end(), "<<<")
                    i = m.end()
                    continue
                m = _HEREDOC.match(text, i, end)
                if m:
                    delim, quoted = _delim(m)
                    h = Token(HEREDOC, i, m.end(), "<<", delim, quoted, bool(m.group(1)))
                    self._pending.append(h)
                    yield h
                    i = m.end()
                    continue
                m = _REDIR.match(text, i, end)
                if m:
                    yield Token(REDIR, i, m.end(), m.group(0).lstrip("0123456789&") or m.group(0))
                    i = m.end()
                    continue
            if c in ";&|()":
                for op in _OPS:
                    if text.startswith(op, i):
                        yield Token(OP, i, i + len(op), op)
                        i += len(op)
                        break
                continue
            w = self.word(i)
            if w.end <= i:  # cannot happen; never loop forever on a surprise
                i += 1
                continue
            i = w.end
            yield w
        if self._pending:
            self._heredoc_bodies(end)
