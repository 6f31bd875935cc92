"""What a shell command line sets and reads, from the lexer's words.

Sets: prefix assignments (`METAFLOW_X=1 python flow.py run`), `export A=1 B=2`
(and declare/local/readonly/typeset), `env A=1 cmd`, `docker run -e A=1`
style `NAME=value` arguments, and what a command writes into a file that is
itself read as shell or as an env file: `echo 'export A=1' >> /etc/profile.d/x.sh`
sets A to `1` (the echoed text is lexed again), `echo "A=1" >> $GITHUB_ENV`
sets A for the next steps (GitHub's `NAME=value` lines), `cat > x.sh <<EOF`
bodies. Reads: `$A`, `${A:-default}` (a read with a default, not a set).

Every value keeps its expansions as written (`s3://${Bucket}/x`) and the
first one is the occurrence's `template`.
"""

from __future__ import annotations

import re
from typing import Callable, List, Optional

from .detect import kind_from_name
from .envfile import scan_env
from .generic import merge
from .jsonfile import scan_json
from .model import ASSIGN, SHELL, SHELL_READ, Occurrence, ScanResult
from .shlex_ import HEREDOC, OP, REDIR, WORD, Lexer, Word
from .templates import find_template
from .text import LineIndex

_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\+?=")
_METAFLOW = re.compile(r"METAFLOW_[A-Z0-9_]*[A-Z0-9]")
_ARG_ASSIGN = re.compile(r"(?:--?[A-Za-z][A-Za-z0-9-]*=)?(METAFLOW_[A-Z0-9_]*[A-Z0-9])=")
_ENV_LINE = re.compile(r"^[ \t]*(METAFLOW_[A-Z0-9_]*[A-Z0-9])=(.*)$", re.M)
_DECLARE = {"export", "declare", "typeset", "local", "readonly"}
# Words that start a command without being its name.
_PREFIX = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}",
           "time", "exec", "nohup", "command", "builtin", "eval"}
_ENV_FLAGS = {"-e", "--env", "--set-env", "--inject-env", "--envvars", "--env-var", "--build-arg"}
# $METAFLOW_HOME/config.json, ${METAFLOW_HOME}/config_dev.json: a Metaflow profile file.
_PROFILE_IN_HOME = re.compile(r"\$\{?METAFLOW_HOME\}?/config(?:_[^/]*)?\.json$")
_MAX_DEPTH = 3  # echo 'echo "export ..." >> f' >> g: text lexed again at most this deep


class _Sink:
    """Builds occurrences; `at(offset)` maps an offset in the lexed text to one
    in the file (identity unless the text is an echoed string)."""

    def __init__(self, li: LineIndex, out: list, at: Callable[[int], int], readers=None):
        self.li, self.out, self.at = li, out, at
        self.text = ""  # the text being lexed (set by scan_commands)
        # kind -> scanner(text, li, problems) for heredoc bodies of kinds this module
        # cannot import (the YAML scanner reads shell itself).
        self.readers = readers or {}

    def add(self, name: str, off: int, context: str, value=None, voff: Optional[int] = None,
            template: Optional[str] = None, has_value: Optional[bool] = None) -> None:
        line, col = self.li.pos(self.at(off))
        o = Occurrence(name=name, line=line, column=col, context=context, value=value,
                       has_value=value is not None if has_value is None else has_value,
                       template=template)
        if voff is not None and o.has_value:
            o.value_line, o.value_column = self.li.pos(self.at(voff))
        self.out.append(o)


def _assignment(sink: _Sink, w: Word, context: str = SHELL) -> bool:
    """`NAME=value` word: a set when NAME is a METAFLOW_ name. True when the word
    is an assignment at all (of any name)."""
    m = _ASSIGN.match(w.value)
    if not m:
        return False
    name = m.group(1)
    if _METAFLOW.fullmatch(name):
        text = sink.text[w.start:w.end]
        lead = 1 if text[:1] in "'\"" else 0  # "METAFLOW_X=1" quoted whole
        voff = w.start + lead + m.end()
        if text[lead + m.end():lead + m.end() + 1] in ("'", '"'):
            voff += 1  # at the value, not at its quote
        sink.add(name, w.start + lead, context, w.value[m.end():], voff, w.template)
    return True


def _lex_again(text: str, track: List[int], sink: _Sink, depth: int, env_file: bool) -> None:
    """Read a string a command wrote into a file: as shell, or (GitHub's env
    files) as `NAME=value` lines whose value is the rest of the line."""
    outer = sink.at
    sub = _Sink(sink.li, sink.out, lambda o: outer(track[o] if o < len(track) else track[-1]),
                sink.readers)
    if env_file:
        for m in _ENV_LINE.finditer(text):
            value = m.group(2)
            sub.add(m.group(1), m.start(1), SHELL, value, m.start(2), find_template(value))
        return
    scan_commands(text, 0, len(text), sub, depth=depth + 1)


def _writes_to(redirs: list) -> Optional[str]:
    """The file an output redirection writes to (as written), else None."""
    for op, target in redirs:
        if op in (">", ">>", ">|", "&>") and target is not None:
            return target.value
    return None


def _echo(words: List[Word], lexer: Lexer, sink: _Sink, target: str, depth: int) -> None:
    if depth >= _MAX_DEPTH:
        return
    args = words[1:]
    while args and args[0].value.startswith("-") and len(args[0].value) <= 3:  # -e, -n, -ne
        args = args[1:]
    if not args or not any("METAFLOW_" in a.value for a in args):
        return
    if words[0].value == "printf":
        args = args[:1]  # the format is the text written
    text_parts: List[str] = []
    track: List[int] = []
    for a in args:
        if text_parts:
            text_parts.append(" ")
            track.append(a.start)
        t: List[int] = []
        w = lexer.word(a.start, track=t)
        text_parts.append(w.value)
        track.extend(t[:len(w.value)] + [a.end] * (len(w.value) - len(t)))
    text = "".join(text_parts)
    if words[0].value == "printf" or "-e" in (w.value for w in words[1:3]):
        text, track = _unescape_newlines(text, track)
    before = len(sink.out)
    _lex_again(text, track, sink, depth, env_file="GITHUB_ENV" in target or "GITHUB_OUTPUT" in target)
    if words[0].value == "printf":  # the format's %s are filled in from the arguments
        for o in sink.out[before:]:
            if o.has_value and o.template is None:
                o.template = find_template(o.value, percent=True)


def _unescape_newlines(text: str, track: List[int]):
    """`\\n` written as a newline (printf, echo -e), keeping each character's position."""
    out: List[str] = []
    pos: List[int] = []
    i = 0
    while i < len(text):
        two = text.startswith("\\n", i)
        out.append("\n" if two else text[i])
        pos.append(track[i])
        i += 2 if two else 1
    return "".join(out), pos


def _target_kind(target: str) -> Optional[str]:
    """The scanner kind of the file a heredoc is written into (None: read as shell)."""
    if _PROFILE_IN_HOME.search(target):
        return "json"
    kind = kind_from_name(target)
    return kind if kind not in ("shell", "text") else None


def _heredoc_body(text: str, body: tuple, target: str, sink: _Sink, depth: int) -> None:
    """Read a heredoc body as the file it is written into: JSON, YAML or an env file by
    that file's kind (a Metaflow profile path is a Metaflow config file), else as shell.
    An unquoted body's `$VAR` and `$(cmd)` are still in the text: they are the values'
    placeholders."""
    kind = _target_kind(target)
    part = text[body[0]:body[1]].replace("\r\n", "\n")
    li = LineIndex(part)
    # A body is no file of its own: what makes it unreadable (a `$X` where JSON wants a
    # value) is for the shell to fill in, so its problems are not reported.
    if kind == "json":
        occs = scan_json(part, li, [], target, ScanResult(path=target, kind="json"),
                         True if _PROFILE_IN_HOME.search(target) else None)
    elif kind == "env":
        occs = scan_env(part, li)
    elif kind in sink.readers:
        occs = sink.readers[kind](part, li, [])
    else:
        scan_commands(text, body[0], body[1], sink, depth=depth + 1)
        return
    for o in occs:
        o.line, o.column = sink.li.pos(sink.at(body[0] + li.offset(o.line, o.column)))
        if o.value_line:
            o.value_line, o.value_column = sink.li.pos(
                sink.at(body[0] + li.offset(o.value_line, o.value_column)))
        sink.out.append(o)


def _command(words: List[Word], redirs: list, heredocs: list, lexer: Lexer, sink: _Sink,
             depth: int, tee_into: Optional[str]) -> Optional[str]:
    """Record what one simple command sets. Returns the file this command's output
    is piped into when the command is `tee FILE` (for a preceding echo)."""
    i = 0
    n = len(words)
    while i < n:
        v = words[i].value
        if v in _PREFIX:
            i += 1
        elif v == "sudo":
            i += 1
            while i < n and words[i].value.startswith("-"):
                i += 1
        elif _assignment(sink, words[i]):
            i += 1
        else:
            break
    if i >= n:
        return None
    cmd = words[i].value.rsplit("/", 1)[-1]
    args = words[i + 1:]
    if cmd in _DECLARE:
        for w in args:
            if w.value.startswith("-"):
                continue
            if not _assignment(sink, w) and _METAFLOW.fullmatch(w.value):
                sink.add(w.value, w.start, SHELL, has_value=False)
        return None
    if cmd == "env":
        j = 0
        while j < len(args):
            v = args[j].value
            if v in ("-u", "--unset", "-C", "--chdir", "-S"):
                j += 2
            elif v.startswith("-"):
                j += 1
            elif _assignment(sink, args[j]):
                j += 1
            else:
                break
        if j < len(args):
            _command(args[j:], redirs, heredocs, lexer, sink, depth, tee_into)
        return None
    tee_files = [w.value for w in args if not w.value.startswith("-")] if cmd == "tee" else []
    # tee writes its input into its files (its stdout often goes to /dev/null).
    target = (tee_files[0] if tee_files else None) if cmd == "tee" else \
        (_writes_to(redirs) or tee_into)
    if cmd in ("cat", "tee") and target is not None:
        # `cat > f <<EOF`, `tee f <<EOF`, `cat <<EOF | tee f`: the body is the file's text.
        for h in heredocs:
            if h.body and depth < _MAX_DEPTH:
                _heredoc_body(lexer.text, h.body, target, sink, depth)
    if cmd == "tee":
        return tee_files[0] if tee_files else None
    if cmd in ("echo", "printf"):
        target = _writes_to(redirs) or tee_into
        if target is not None:
            _echo(words[i:], lexer, sink, target, depth)
        return None
    # Arguments: `-e METAFLOW_X=1`, `--env=METAFLOW_X=1`, a bare `-e METAFLOW_X`.
    prev = ""
    for w in args:
        m = _ARG_ASSIGN.match(w.value)
        if m:
            name = m.group(1)
            sink.add(name, w.start + m.start(1), ASSIGN, w.value[m.end():], w.start + m.end(), w.template)
        elif prev in _ENV_FLAGS and _METAFLOW.fullmatch(w.value):
            sink.add(w.value, w.start, ASSIGN, has_value=False)
        prev = w.value
    return None


def scan_commands(text: str, start: int, end: int, sink: _Sink, fold_newlines: bool = False,
                  depth: int = 0) -> None:
    lexer = Lexer(text, start, end, fold_newlines)
    sink.text = text
    pipeline: list = []  # (words, redirs, heredocs) of the commands of one pipeline
    words: List[Word] = []
    redirs: list = []
    heredocs: list = []
    want_target = None

    def finish_pipeline():
        tee = None
        for ws, rs, hs in reversed(pipeline):
            tee = _command(ws, rs, hs, lexer, sink, depth, tee) if ws else None

    for tok in lexer.tokens():
        if tok.kind == WORD:
            if want_target is not None:
                redirs.append((want_target, tok))
                want_target = None
            else:
                words.append(tok)
        elif tok.kind == REDIR:
            want_target = tok.op
        elif tok.kind == HEREDOC:
            heredocs.append(tok)
        elif tok.kind == OP:
            want_target = None
            pipeline.append((words, redirs, heredocs))
            words, redirs, heredocs = [], [], []
            if tok.op not in ("|", "|&"):
                finish_pipeline()
                pipeline = []
    pipeline.append((words, redirs, heredocs))
    finish_pipeline()
    seen = {(o.line, o.column) for o in sink.out}
    for name, off in lexer.reads:
        line, col = sink.li.pos(sink.at(off))
        if (line, col) not in seen:
            sink.add(name, off, SHELL_READ, has_value=False)


def shell_occurrences(text: str, li: LineIndex, start: int = 0, end: Optional[int] = None,
                      fold_newlines: bool = False, out: Optional[list] = None,
                      readers: Optional[dict] = None,
                      at: Optional[Callable[[int], int]] = None) -> list:
    """Occurrences in text[start:end] read as shell (positions in `text`, or where `at`
    maps an offset of `text` to in the text `li` indexes: a script joined from pieces).
    readers: see `_Sink`."""
    out = [] if out is None else out
    try:
        scan_commands(text, start, len(text) if end is None else end,
                      _Sink(li, out, at or (lambda o: o), readers), fold_newlines)
    except RecursionError:  # pragma: no cover - depth is bounded; belt and braces
        pass
    return out


def scan_shell(text: str, li: LineIndex, readers: Optional[dict] = None) -> list:
    """A shell script. A name the lexer found in no command (a comment, an echoed
    message) is not a setting: it is dropped."""
    return merge(text, li, shell_occurrences(text, li, readers=readers), fallback_context=None)
