"""Python, read with `ast` (never imported). Only environment accesses are
settings or reads:

- reads: `os.environ["X"]`, `os.environ.get/pop("X")`, `os.getenv("X")`, `"X" in os.environ`;
- sets: `os.environ["X"] = v`, `.setdefault("X", v)`, `os.putenv`, `monkeypatch.setenv/delenv`,
  `os.environ.update({...})`, `dict(os.environ, X=v)`, `{**os.environ, "X": v}`,
  `patch.dict(os.environ, {...})`, dicts passed as `env=`/`environment=` (subprocess,
  docker, Metaflow's `@environment(vars=...)`), assigned to or stored in an env-named
  mapping (`env = {...}`, `self._env["X"] = v`, `{"env": {...}}`), and a string that is
  exactly `"X=value"` (an `env`/`docker -e` argument).

An identifier, constant, comment, docstring, message or format field that
contains `METAFLOW_X` is not a setting: it yields nothing. `loose` (Starlark
Tiltfiles, which build Metaflow config dicts) also takes every dict key and
subscript store of a METAFLOW_ name, and `X=value` inside strings.

A file that does not parse (Python 2, a template) is read for the access
shapes by text only."""

from __future__ import annotations

import ast
import bisect
import re

from .. import ids
from ..pyast import dotted, is_environ_attribute, parse, string_constant
from .generic import merge, name_hits
from .model import ASSIGN, CONFIG_MAP, PY_READ, PY_SET, FileProblem, Occurrence
from .templates import find_template
from .text import LineIndex

_FULL_NAME = re.compile(r"METAFLOW_[A-Z0-9_]+(?:-[A-Z0-9_]+)*")
_ASSIGN_STR = re.compile(r"(METAFLOW_[A-Z0-9_]*[A-Z0-9])=(.*)", re.S)
_ASSIGN_IN = re.compile(r"(?<![A-Za-z0-9_])(METAFLOW_[A-Z0-9_]*[A-Z0-9])=([^\s'\"]*)")
# Without one of these words (or a `METAFLOW_X=` string) no access can be in
# the file: it is not parsed. Plain substring tests: C speed on big files.
_AST_WORDS = ("env", "ENV")
# An access seen by text, for files that do not parse.
_TEXT_ACCESS = re.compile(
    r"""(?:environ\s*\[\s*|environ\.(?:get|pop|setdefault)\(\s*|[gs]etenv\(\s*)['"](METAFLOW_[A-Z0-9_]*[A-Z0-9])['"]""")
_ENV_KWARGS = ("env", "environ", "environment", "env_vars", "environment_variables", "extra_env",
               "envs", "vars")


def _envish(node) -> bool:
    """A mapping named like an environment: env, _env_for_fetch, extra_env, environ,
    environment_vars, os.environ."""
    if is_environ_attribute(node):
        return True
    name = (dotted(node) or "").rsplit(".", 1)[-1].lower()
    return "env" in name


def _callee(call):
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr, f.value
    if isinstance(f, ast.Name):
        return f.id, None
    return None, None


def _format_template(node) -> str:
    """The first placeholder of a formatted string node, as written."""
    if isinstance(node, ast.JoinedStr):
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                return "{%s}" % (ast.unparse(v.value) if hasattr(ast, "unparse") else "...")
    return "{...}"


def _value(node):
    """(value, has_value, template) of an expression assigned to a name."""
    s = string_constant(node)
    if s is not None:
        return s, True, find_template(s)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, bool)):
        return node.value, True, None
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            else:
                parts.append("{%s}" % ast.unparse(v.value))
        return "".join(parts), True, _format_template(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        s = string_constant(node.func.value)
        if s is not None:
            return s, True, find_template(s, format_fields=True) or "{...}"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        s = string_constant(node.left)
        if s is not None:
            return s, True, find_template(s, percent=True) or "%s"
    return None, False, None


class _Visitor(ast.NodeVisitor):
    def __init__(self, li: LineIndex, lines: dict, loose: bool):
        self.li = li
        self.lines = lines  # line number -> text, for the lines with names
        self.loose = loose
        self.occs = []
        self.env_dicts = set()  # id() of dict nodes known to be environments

    def _col(self, node) -> int:
        # ast columns are UTF-8 byte offsets.
        text = self.lines.get(node.lineno)
        if text is None:
            text = self.li.line_text(node.lineno)
        if text.isascii():
            return node.col_offset + 1
        return len(text.encode("utf-8")[: node.col_offset].decode("utf-8", "replace")) + 1

    def _add(self, name_node, context, value_node=None, has_value=None):
        name = string_constant(name_node)
        if name is None or not _FULL_NAME.fullmatch(name):
            return
        self._add_name(name, name_node, context, value_node, has_value)

    def _add_name(self, name, at, context, value_node=None, has_value=None):
        value, has, template = _value(value_node) if value_node is not None else (None, False, None)
        if has_value is False:
            value, has, template = None, False, None
        o = Occurrence(name=name, line=at.lineno, column=self._col(at),
                       context=context, value=value, has_value=has, template=template)
        if value_node is not None and has:
            o.value_line, o.value_column = value_node.lineno, self._col(value_node)
        self.occs.append(o)

    def _env_mapping(self, node, context=PY_SET):
        """Keys of a dict literal / dict(...) call that is an environment."""
        if isinstance(node, ast.Dict):
            self.env_dicts.add(id(node))
            for k, v in zip(node.keys, node.values):
                if k is not None:
                    self._add(k, context, v)
        elif isinstance(node, ast.Call) and _callee(node) == ("dict", None):
            for a in node.args:
                self._env_mapping(a, context)
            self._keywords(node, context)

    def _keywords(self, call, context=PY_SET):
        for kw in call.keywords:
            if kw.arg and _FULL_NAME.fullmatch(kw.arg):
                self._add_name(kw.arg, kw, context, kw.value)

    # -- statements and expressions ---------------------------------------------------

    def visit_Assign(self, node):
        for t in node.targets:
            if isinstance(t, ast.Subscript) and (_envish(t.value) or self.loose):
                self._add(t.slice, PY_SET if _envish(t.value) else CONFIG_MAP, node.value)
            elif _envish(t):
                self._env_mapping(node.value)
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if is_environ_attribute(node.value) and isinstance(node.ctx, ast.Load):
            self._add(node.slice, PY_READ)
        self.generic_visit(node)

    def visit_Compare(self, node):
        # "METAFLOW_X" in os.environ
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) \
                and is_environ_attribute(node.comparators[0]):
            self._add(node.left, PY_READ)
        self.generic_visit(node)

    def visit_Call(self, node):
        fn, owner = _callee(node)
        args = node.args
        on_env = owner is not None and _envish(owner)
        if args:
            if fn in ("get", "pop") and owner is not None and is_environ_attribute(owner):
                self._add(args[0], PY_READ)
            elif fn == "getenv":
                self._add(args[0], PY_READ)
            elif (fn == "setdefault" and on_env) or fn in ("putenv", "setenv"):
                self._add(args[0], PY_SET, args[1] if len(args) > 1 else None)
            elif fn in ("delenv", "unsetenv"):
                self._add(args[0], PY_SET, has_value=False)
        if fn == "update" and on_env:
            for a in args:
                self._env_mapping(a)
            self._keywords(node)
        elif fn == "dict" and owner is None and args and _envish(args[0]):
            self._keywords(node)  # dict(os.environ, METAFLOW_X="1")
        elif fn == "dict" and owner is not None and args and (
                is_environ_attribute(args[0]) or string_constant(args[0]) == "os.environ"):
            for a in args[1:]:
                self._env_mapping(a)  # patch.dict(os.environ, {...})
            self._keywords(node)
        for kw in node.keywords:
            if kw.arg in _ENV_KWARGS and (kw.arg != "vars" or fn == "environment"):
                self._env_mapping(kw.value)
        self.generic_visit(node)

    def visit_Dict(self, node):
        if id(node) not in self.env_dicts:
            if any(k is None and is_environ_attribute(v) for k, v in zip(node.keys, node.values)):
                self._env_mapping(node)  # {**os.environ, "METAFLOW_X": v}
            elif self.loose:
                self._env_mapping(node, CONFIG_MAP)
            else:
                for k, v in zip(node.keys, node.values):
                    ks = string_constant(k) if k is not None else None
                    if ks and "env" in ks.lower() and isinstance(v, (ast.Dict, ast.Call)):
                        self._env_mapping(v)  # {"env": {...}}, {"user_environment": {...}}
        self.generic_visit(node)

    def visit_Constant(self, node):
        # "METAFLOW_X=value" as a whole string (an `env`/`docker -e` argument).
        if isinstance(node.value, str) and "METAFLOW_" in node.value:
            m = _ASSIGN_STR.fullmatch(node.value)
            if m:
                col = self._col(node)
                self.occs.append(Occurrence(
                    name=m.group(1), line=node.lineno, column=col, context=ASSIGN,
                    value=m.group(2), has_value=True, template=find_template(m.group(2)),
                    # After the opening quote and `NAME=` (a plain one-line literal).
                    value_line=node.lineno, value_column=col + 1 + m.end(1) + 1))
            elif self.loose:
                for m in _ASSIGN_IN.finditer(node.value):
                    if "\n" not in node.value[:m.start()]:
                        self.occs.append(Occurrence(
                            name=m.group(1), line=node.lineno, column=self._col(node), context=ASSIGN,
                            value=m.group(2), has_value=True, template=find_template(m.group(2))))

    def visit_JoinedStr(self, node):
        # f"METAFLOW_X={path}"
        first = node.values[0] if node.values else None
        s = string_constant(first) if first is not None else None
        if s and len(node.values) > 1:
            m = _ASSIGN_STR.fullmatch(s)
            if m:
                value, _, template = _value(node)
                self.occs.append(Occurrence(
                    name=m.group(1), line=node.lineno, column=self._col(node), context=ASSIGN,
                    value=value[len(m.group(1)) + 1:], has_value=True, template=template))
                return
        self.generic_visit(node)


def _by_text(text: str, li: LineIndex) -> list:
    out = []
    for m in _TEXT_ACCESS.finditer(text):
        line, col = li.pos(m.start(1))
        out.append(Occurrence(name=m.group(1), line=line, column=col, context=PY_READ))
    return out


def scan_python(text: str, li: LineIndex, problems: list, loose: bool = False) -> list:
    hits = list(name_hits(text))
    if not hits:
        return []
    if not loose and not any(w in text for w in _AST_WORDS) \
            and not any(text.startswith("=", end) for _, _, end in hits):
        return []
    try:
        tree = parse(text)
    except SyntaxError as e:  # TooDeep, null bytes, a parser RecursionError included
        problems.append(FileProblem(
            ids.LINT_PARSE_ERROR, "info",
            "not parseable as Python (%s): environment accesses found by text only"
            % (getattr(e, "msg", None) or type(e).__name__),
            line=getattr(e, "lineno", None), column=getattr(e, "offset", None),
        ))
        return merge(text, li, _by_text(text, li), fallback_context=None)
    # Visit only the top-level statements that contain a name (big modules,
    # few hits).
    lines = {}
    for _, start, _ in hits:
        ln = li.pos(start)[0]
        if ln not in lines:
            a = text.rfind("\n", 0, start) + 1
            b = text.find("\n", start)
            lines[ln] = text[a:b if b != -1 else len(text)]
    hit_lines = sorted(lines)
    v = _Visitor(li, lines, loose)
    try:
        for stmt in tree.body:
            end = getattr(stmt, "end_lineno", None) or stmt.lineno
            first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
            i = bisect.bisect_left(hit_lines, first)
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
