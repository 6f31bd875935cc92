"""Turn a Metaflow config module's source into a small, JSON-serialisable program.

Metaflow's `metaflow_config.py` is a sequence of `NAME = from_conf("NAME", default,
validate_fn=...)` calls mixed with constants, derived defaults
(`os.path.join(DATASTORE_SYSROOT_AZURE, DATATOOLS_SUFFIX)`), a loop that makes
`DEBUG_*` keys, and post-processing (`SERVICE_HEADERS["x-api-key"] = SERVICE_AUTH_KEY`).

We never import that module (slow, side effects). Instead we read it with `ast` and
keep, in source order, the statements that matter as plain dicts ("ops"):

  {"op": "conf",  "target": T, "key": K, "default": EXPR|None, "choices": [...]|None,
   "doc": "...", "section": "...", "line": N}
  {"op": "let",   "target": T, "expr": EXPR}                      # T = expr
  {"op": "setitem", "target": T, "index": EXPR, "expr": EXPR}     # T[i] = expr
  {"op": "setdefault", "target": T, "index": EXPR, "expr": EXPR}  # T.setdefault(i, expr)
  {"op": "setenv", "index": EXPR, "expr": EXPR}                  # os.environ[i] = expr
  {"op": "if", "test": EXPR, "body": [ops], "orelse": [ops]}
  {"op": "debug_loop", "list": T}   # for typ in T: DEBUG_<TYP> = from_conf(..., False)

EXPR is the expression's source text; `mfdoctor.catalog.evaluate` evaluates it with
a whitelist interpreter (never `eval`). The ops are replayed at resolution time,
which mirrors Metaflow's own evaluation order exactly, including derived defaults
that see the already-resolved values of earlier keys.
"""

from __future__ import annotations

import ast
import re
from typing import Optional

from ..pyast import literal_json

_SECTION_RULE = re.compile(r"^\s*#{2,}\s*$")


def _src(source, node: ast.AST) -> str:
    """Source text of `node`; `source` is the file's lines (split once: ast's own
    get_source_segment re-splits the whole file on every call)."""
    lines = source if isinstance(source, list) else source.splitlines(True)
    if getattr(node, "end_lineno", None) is None:
        return ast.unparse(node)
    first, last = node.lineno - 1, node.end_lineno - 1
    if first == last:
        return lines[first].encode()[node.col_offset:node.end_col_offset].decode()
    parts = [lines[first].encode()[node.col_offset:].decode()]
    parts.extend(lines[first + 1:last])
    parts.append(lines[last].encode()[:node.end_col_offset].decode())
    return "".join(parts)


def _comments_above(lines: list, lineno: int) -> str:
    """The contiguous comment lines right above line `lineno` (1-based)."""
    out = []
    i = lineno - 2
    while i >= 0 and lines[i].lstrip().startswith("#"):
        text = lines[i].strip()
        if _SECTION_RULE.match(text):
            break
        out.append(text.lstrip("#").strip())
        i -= 1
    return "\n".join(reversed(out)).strip()


def _sections(lines: list) -> list:
    """(line, title) for each `###\\n# Title\\n###` banner, in order."""
    found = []
    for i in range(len(lines) - 2):
        if _SECTION_RULE.match(lines[i]) and _SECTION_RULE.match(lines[i + 2]):
            title = lines[i + 1].strip().lstrip("#").strip()
            if title:
                found.append((i + 2, title))
    return found


def _section_at(sections: list, lineno: int) -> str:
    title = ""
    for line, name in sections:
        if line <= lineno:
            title = name
    return title


def _last_name(func: ast.AST) -> str:
    """`from_conf` for `from_conf`, `metaflow_config_funcs.from_conf` and `m.from_conf`."""
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _is_from_conf(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _last_name(node.func) == "from_conf"


def _choices(source: str, node: Optional[ast.AST]):
    # validate_fn=get_validate_choice_fn([...]) is the only validator Metaflow uses;
    # anything else is recorded as an opaque validator so we can say so.
    if node is None:
        return None, None
    if isinstance(node, ast.Call) and _last_name(node.func) == "get_validate_choice_fn" and node.args:
        choices = _list_literal(node.args[0])
        if choices is not None:
            return choices, None
    return None, _src(source, node)


def _list_literal(node: ast.AST) -> Optional[list]:
    """A literal list or tuple (of JSON values), else None."""
    ok, value = literal_json(node)
    return value if ok and isinstance(value, list) else None


class ConfigParser:
    def __init__(self, source: str, filename: str):
        self.source = source.splitlines(True)
        self.filename = filename
        self.lines = source.splitlines()
        self.sections = _sections(self.lines)

    def conf_op(self, target: str, call: ast.Call, lineno: int) -> Optional[dict]:
        args = list(call.args)
        kwargs = {k.arg: k.value for k in call.keywords}
        if not args or not isinstance(args[0], ast.Constant):
            return None
        key = args[0].value
        default = args[1] if len(args) > 1 else kwargs.get("default")
        validate = args[2] if len(args) > 2 else kwargs.get("validate_fn")
        choices, validator = _choices(self.source, validate)
        op = {
            "op": "conf",
            "target": target,
            "key": key,
            "default": None if default is None else _src(self.source, default),
            "choices": choices,
            "doc": _comments_above(self.lines, lineno),
            "section": _section_at(self.sections, lineno),
            "line": lineno,
        }
        if validator:
            op["validator"] = validator
        return op

    def stmts(self, body: list) -> list:
        ops = []
        for node in body:
            ops.extend(self.stmt(node))
        return ops

    def stmt(self, node: ast.stmt) -> list:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            if value is None or len(targets) != 1:
                return []
            target = targets[0]
            if isinstance(target, ast.Name):
                if _is_from_conf(value):
                    op = self.conf_op(target.id, value, node.lineno)
                    return [op] if op else []
                return [{"op": "let", "target": target.id, "expr": _src(self.source, value),
                         "line": node.lineno}]
            if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute)
                    and _src(self.source, target.value) == "os.environ"):
                # os.environ["AWS_DEFAULT_REGION"] = AWS_SANDBOX_REGION: fails on a non-string.
                return [{"op": "setenv", "index": _src(self.source, target.slice),
                         "expr": _src(self.source, value)}]
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                # `SERVICE_HEADERS["x-api-key"] = ...`; os.environ[...] = ... is skipped
                # (it changes the process environment, not a config value).
                return [
                    {
                        "op": "setitem",
                        "target": target.value.id,
                        "index": _src(self.source, target.slice),
                        "expr": _src(self.source, value),
                    }
                ]
            return []
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if (
                isinstance(call.func, ast.Attribute)
                and call.func.attr == "setdefault"
                and isinstance(call.func.value, ast.Name)
                and len(call.args) == 2
            ):
                return [
                    {
                        "op": "setdefault",
                        "target": call.func.value.id,
                        "index": _src(self.source, call.args[0]),
                        "expr": _src(self.source, call.args[1]),
                    }
                ]
            return []
        if isinstance(node, ast.If):
            return [
                {
                    "op": "if",
                    "line": node.lineno,
                    "test": _src(self.source, node.test),
                    "body": self.stmts(node.body),
                    "orelse": self.stmts(node.orelse),
                }
            ]
        if isinstance(node, ast.For) and isinstance(node.iter, ast.Name):
            # for typ in DEBUG_OPTIONS: vars()["DEBUG_%s" % typ.upper()] = from_conf(...)
            text = _src(self.source, node)
            if "from_conf" in text and "DEBUG_" in text:
                return [{"op": "debug_loop", "list": node.iter.id, "line": node.lineno}]
        return []


def parse_config_source(source: str, filename: str = "<config>") -> list:
    """The ops of a config module, in source order."""
    tree = ast.parse(source, filename)
    return ConfigParser(source, filename).stmts(tree.body)


def program_conf_ops(ops: list) -> list:
    """Every `conf` op of a program, branches included, in source order."""
    out = []
    for op in ops:
        if op["op"] == "conf":
            out.append(op)
        elif op["op"] == "if":
            out.extend(program_conf_ops(op["body"]) + program_conf_ops(op["orelse"]))
    return out


def debug_comment(source: str) -> str:
    """The comment block above `DEBUG_OPTIONS` (documents every DEBUG_* key)."""
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("DEBUG_OPTIONS"):
            return _comments_above(lines, i + 1)
    return ""


def literal_list(source: str, name: str) -> list:
    """The literal list assigned to module-level `name` (e.g. DEBUG_OPTIONS)."""
    tree = ast.parse(source)
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
        ):
            return _list_literal(node.value) or []
    return []
