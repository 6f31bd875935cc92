"""Python: `os.environ["X"]`, `os.getenv("X")`, `os.environ.get("X")` (reads),
`os.environ["X"] = "v"`, `os.environ.setdefault("X", "v")`, `os.putenv`,
`{"X": "v"}` and `dict(X="v")` (values), read with `ast` — never imported.

A file that does not parse (Python 2, a template) is read as text."""

from __future__ import annotations

import ast
import bisect
import re

from .. import ids
from ..pyast import is_environ_attribute, parse, string_constant
from .generic import merge, name_hits
from .model import ASSIGN, PY_READ, PY_SET, FileProblem, Occurrence
from .text import LineIndex

_FULL_NAME = re.compile(r"METAFLOW_[A-Z0-9_]+(?:-[A-Z0-9_]+)*")
_ASSIGN_STR = re.compile(r"(METAFLOW_[A-Z0-9_]+)=(.*)", re.S)
# Without one of these words (or a `"METAFLOW_X":` / `METAFLOW_X=` right after a
# name) the AST visitor cannot find anything beyond the names themselves, so
# the file is not parsed at all. Plain substring tests: C speed on big files.
_AST_WORDS = ("environ", "getenv", "putenv", "dict(")
_AFTER_NAME = re.compile(r"=|['\"]\s*:")


def _needs_ast(text: str, hits: list) -> bool:
    if any(w in text for w in _AST_WORDS):
        return True
    return any(_AFTER_NAME.match(text, end) for _, _, end in hits)


def _callee(call):
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr, f.value
    if isinstance(f, ast.Name):
        return f.id, None
    return None, None


class _Visitor(ast.NodeVisitor):
    def __init__(self, li: LineIndex, lines: dict):
        self.li = li
        self.lines = lines  # line number -> text, for the lines with names
        self.occs = []

    def _col(self, node) -> int:
        # ast columns are UTF-8 byte offsets.
        text = self.lines.get(node.lineno)
        if text is None:
            text = self.li.line_text(node.lineno)
        if text.isascii():
            return node.col_offset + 1
        return len(text.encode("utf-8")[: node.col_offset].decode("utf-8", "replace")) + 1

    def _add(self, name_node, context, value=None, has_value=False, value_node=None):
        name = string_constant(name_node)
        if name is None or not _FULL_NAME.fullmatch(name):
            return
        o = Occurrence(name=name, line=name_node.lineno, column=self._col(name_node),
                       context=context, value=value, has_value=has_value)
        if value_node is not None and has_value:
            o.value_line, o.value_column = value_node.lineno, self._col(value_node)
        self.occs.append(o)

    def visit_Assign(self, node):
        for t in node.targets:
            if isinstance(t, ast.Subscript) and is_environ_attribute(t.value):
                v = string_constant(node.value)
                self._add(t.slice, PY_SET, v, v is not None, node.value)
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if is_environ_attribute(node.value) and isinstance(node.ctx, ast.Load):
            self._add(node.slice, PY_READ)
        self.generic_visit(node)

    def visit_Call(self, node):
        fn, owner = _callee(node)
        args = node.args
        if args:
            if fn in ("get", "pop") and owner is not None and is_environ_attribute(owner):
                self._add(args[0], PY_READ)
            elif fn == "getenv":
                self._add(args[0], PY_READ)
            elif (fn == "setdefault" and owner is not None and is_environ_attribute(owner)) or fn == "putenv":
                v = string_constant(args[1]) if len(args) > 1 else None
                self._add(args[0], PY_SET, v, v is not None, args[1] if len(args) > 1 else None)
        if fn == "dict" and owner is None:
            for kw in node.keywords:
                if kw.arg and _FULL_NAME.fullmatch(kw.arg):
                    v = string_constant(kw.value)
                    o = Occurrence(name=kw.arg, line=kw.lineno, column=self._col(kw),
                                   context=PY_SET, value=v, has_value=v is not None)
                    self.occs.append(o)
        self.generic_visit(node)

    def visit_Dict(self, node):
        for k, v in zip(node.keys, node.values):
            if k is None:
                continue
            val = string_constant(v)
            self._add(k, PY_SET, val, val is not None, v)
        self.generic_visit(node)

    def visit_Constant(self, node):
        # "METAFLOW_X=value" inside a string (subprocess args, env lists).
        if isinstance(node.value, str):
            m = _ASSIGN_STR.fullmatch(node.value)
            if m:
                self.occs.append(Occurrence(
                    name=m.group(1), line=node.lineno, column=self._col(node),
                    context=ASSIGN, value=m.group(2), has_value=True,
                ))


def scan_python(text: str, li: LineIndex, problems: list) -> list:
    hits = list(name_hits(text))
    if not _needs_ast(text, hits):
        return merge(text, li, [], fallback_context=None)
    try:
        tree = parse(text)
    except SyntaxError as e:  # TooDeep, null bytes, a parser RecursionError included
        problems.append(FileProblem(
            ids.LINT_PARSE_ERROR, "info",
            "not parseable as Python (%s): names found by text only"
            % (getattr(e, "msg", None) or type(e).__name__),
            line=getattr(e, "lineno", None), column=getattr(e, "offset", None),
        ))
        return merge(text, li, [], fallback_context=None)
    # Visit only the top-level statements that contain a name (big modules,
    # few hits).
    lines = {}
    text_ = text
    for _, start, _ in hits:
        ln = li.pos(start)[0]
        if ln not in lines:
            a = text_.rfind("\n", 0, start) + 1
            b = text_.find("\n", start)
            lines[ln] = text_[a:b if b != -1 else len(text_)]
    hit_lines = sorted(lines)
    v = _Visitor(li, lines)
    try:
        for stmt in tree.body:
            end = getattr(stmt, "end_lineno", None) or stmt.lineno
            i = bisect.bisect_left(hit_lines, stmt.lineno)
            if i < len(hit_lines) and hit_lines[i] <= end:
                v.visit(stmt)
    except RecursionError:
        pass
    # Occurrences claimed by a call/subscript win over the same constant seen as
    # a plain dict key: keep the first per (line, column, name).
    seen = set()
    occs = []
    for o in v.occs:
        k = (o.line, o.column, o.name)
        if k in seen:
            continue
        seen.add(k)
        occs.append(o)
    return merge(text, li, occs, fallback_context=None)
