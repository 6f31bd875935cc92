"""Makefiles, justfiles and tox.ini: their variable assignments and the shell
of their recipes (`commands`).

- Makefile: `[export] METAFLOW_X [:+?!]= value` (a make variable, exported to
  recipes with `export`) and recipe lines (tab-indented), read as shell after
  make has turned `$$` into `$` (`$(VAR)` stays: a template).
- justfile: `export METAFLOW_X := "value"` and indented recipe lines (shell).
- tox.ini: `NAME = value` lines of `setenv`/`set_env`, and `commands` lines (shell).
"""

from __future__ import annotations

import re

from .generic import merge
from .model import SHELL, Occurrence
from .shell import shell_occurrences
from .templates import find_template
from .text import LineIndex

_MAKE_ASSIGN = re.compile(
    r"^(?:export[ \t]+|override[ \t]+)*(METAFLOW_[A-Z0-9_]*[A-Z0-9])[ \t]*(?:::=|:=|\+=|\?=|!=|=)[ \t]*(.*?)[ \t]*$",
    re.M)
_JUST_ASSIGN = re.compile(
    r"^(?:export[ \t]+)?(METAFLOW_[A-Z0-9_]*[A-Z0-9])[ \t]*:=[ \t]*(.*?)[ \t]*$", re.M)
_INI_ASSIGN = re.compile(r"^[ \t]*(METAFLOW_[A-Z0-9_]*[A-Z0-9])[ \t]*=[ \t]*(.*?)[ \t]*$", re.M)
_INI_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=", re.M)


def _assign(m, li: LineIndex, value: str, template) -> Occurrence:
    line, col = li.pos(m.start(1))
    vline, vcol = li.pos(m.start(2))
    return Occurrence(name=m.group(1), line=line, column=col, context=SHELL, value=value,
                      has_value=True, value_line=vline, value_column=vcol, template=template)


def _recipe_lines(text: str, indent: str):
    """(start, end) of each logical recipe line (continuations joined)."""
    for m in re.finditer(r"^%s[^\n]*(?:\\\n[^\n]*)*" % indent, text, re.M):
        if "METAFLOW_" in m.group(0):
            yield m.start(), m.end()


def scan_makefile(text: str, li: LineIndex) -> list:
    occs = []
    for m in _MAKE_ASSIGN.finditer(text):
        value = m.group(2)
        occs.append(_assign(m, li, value, find_template(value)))
    for a, b in _recipe_lines(text, "\t"):
        # `$$` is make's escape for the shell's `$`: same length, so positions hold.
        line = text[a:b].replace("$$", " $")
        found = shell_occurrences(line, LineIndex(line))
        base_line = li.pos(a)[0]
        for o in found:
            o.line += base_line - 1
            if o.value_line:
                o.value_line += base_line - 1
            occs.append(o)
    return merge(text, li, occs, fallback_context=None)


def _unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


def scan_justfile(text: str, li: LineIndex) -> list:
    occs = []
    for m in _JUST_ASSIGN.finditer(text):
        raw = m.group(2)
        value = _unquote(raw)
        template = None if raw.startswith("'") else find_template(value)
        if raw.startswith("`"):
            template = raw  # a backtick: the output of a command
        occs.append(_assign(m, li, value, template))
    for a, b in _recipe_lines(text, "[ \t]+"):
        for o in shell_occurrences(text, li, a, b):
            if o.has_value and o.template is None:
                o.template = find_template(o.value)  # just's {{var}} interpolation
            occs.append(o)
    return merge(text, li, occs, fallback_context=None)


def scan_tox(text: str, li: LineIndex) -> list:
    occs = []
    section_key = None
    keys = [(m.start(), m.group(1)) for m in _INI_KEY.finditer(text)]
    ki = 0
    for m in _INI_ASSIGN.finditer(text):
        while ki < len(keys) and keys[ki][0] <= m.start():
            section_key = keys[ki][1]  # the key whose (indented) continuation lines these are
            ki += 1
        if section_key in ("setenv", "set_env"):
            value = m.group(2)
            occs.append(_assign(m, li, value, find_template(value) or (
                value if "{" in value else None)))  # tox substitutions: {env:X}, {toxinidir}
    for km in re.finditer(r"^commands[ \t]*=[^\n]*(?:\n[ \t]+[^\n]*)*", text, re.M):
        if "METAFLOW_" in km.group(0):
            shell_occurrences(text, li, text.index("=", km.start()) + 1, km.end(), out=occs)
    return merge(text, li, occs, fallback_context=None)
