"""Small helpers over Python's `ast`, shared by every module that reads Python source
without running it: Metaflow's own modules (catalog), extension config modules, linted
Python files (scan) and flow files (checks). Each predicate is named for exactly what
it matches, because "is this an environment read?" means different things in
different places."""

from __future__ import annotations

import ast
from typing import Any, Optional, Tuple


# Deepest syntax tree mfdoctor reads. Every reader of Python here recurses over the tree
# (NodeVisitor, static_value, literal_eval, unparse), some by two frames per level: the
# bound is checked once, before any of them runs, so none can hit RecursionError. Real
# code nests a few dozen levels; a 200-term string concatenation is already deeper.
MAX_DEPTH = 200


class TooDeep(SyntaxError):
    """Source that parses (or would, given a bigger stack) but nests deeper than
    MAX_DEPTH: not read, and not a syntax error of the user's."""


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse`, bounded: any failure is a SyntaxError (null bytes, a 5,000-digit
    literal, a parser RecursionError or MemoryError included), and a tree deeper than
    MAX_DEPTH raises TooDeep."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise TooDeep("nested too deeply for Python's parser (%s)" % type(exc).__name__)
    except ValueError as exc:  # "source code string cannot contain null bytes"
        raise SyntaxError(str(exc).split(";")[0])
    depth = tree_depth(tree, MAX_DEPTH)
    if depth > MAX_DEPTH:
        err = TooDeep("nested more than %d levels deep" % MAX_DEPTH)
        err.filename = filename
        raise err
    return tree


def tree_depth(tree: ast.AST, stop: int) -> int:
    """How deep `tree` nests (iterative), counting no further than stop + 1."""
    best = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > best:
            best = depth
            if best > stop:
                return best
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))
    return best


def dotted(node: ast.AST) -> Optional[str]:
    """"a.b.c" for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def source_of(source: str, node: ast.AST) -> str:
    """The source text of `node` (its unparsed form when the segment is unknown)."""
    return ast.get_source_segment(source, node) or ast.unparse(node)


_NOT_JSON = object()


def to_json(value: Any) -> Any:
    """`value` (from ast.literal_eval) as JSON data, or `_NOT_JSON` when it has no exact
    JSON form (bytes, complex, sets, dicts with non-string keys, NaN, infinities...)."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else _NOT_JSON
    if isinstance(value, (list, tuple)):
        out = [to_json(v) for v in value]
        return _NOT_JSON if any(v is _NOT_JSON for v in out) else out
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                return _NOT_JSON
            jv = to_json(v)
            if jv is _NOT_JSON:
                return _NOT_JSON
            out[k] = jv
        return out
    return _NOT_JSON


def literal_json(node: ast.AST) -> Tuple[bool, Any]:
    """(True, json value) when `node` is a literal with an exact JSON form."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None
    value = to_json(value)
    if value is _NOT_JSON:
        return False, None
    return True, value


def string_constant(node: ast.AST) -> Optional[str]:
    """The text of a string literal, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


# What `static_value` returns for an expression whose value is not known statically.
UNRESOLVED = object()


def static_value(node: ast.AST) -> Any:
    """A statically known value, as Python would build it: constants, and lists, tuples,
    dicts and string concatenations of them, f-strings without expressions. Anything else
    (a name, a call, an f-string with expressions, `*x`, `**x`) is UNRESOLVED."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [static_value(e) for e in node.elts]
        if any(i is UNRESOLVED or isinstance(e, ast.Starred) for i, e in zip(items, node.elts)):
            return UNRESOLVED
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            return UNRESOLVED
        keys = [static_value(k) for k in node.keys]
        vals = [static_value(v) for v in node.values]
        if any(x is UNRESOLVED for x in keys + vals):
            return UNRESOLVED
        return dict(zip(keys, vals))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = static_value(node.left), static_value(node.right)
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        return UNRESOLVED
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(v.value for v in node.values)
    return UNRESOLVED


def unparsed(node: ast.AST) -> str:
    """`node` written back as Python (normalised: ast.unparse), for messages. The values
    of an inline secrets source (`{"type": "inline", "options": {"env_vars": {...}}}`)
    are secrets written in the file itself: they are written back as "<redacted>"."""
    try:
        return ast.unparse(_without_inline_secrets(node))
    except Exception:  # pragma: no cover - unparse handles every node ast.parse makes
        return "<expression>"


def _without_inline_secrets(node: ast.AST) -> ast.AST:
    if not any(isinstance(n, ast.Dict) for n in ast.walk(node)):
        return node
    import copy

    node = copy.deepcopy(node)  # depth bounded by parse(): MAX_DEPTH
    for d in ast.walk(node):
        if not isinstance(d, ast.Dict):
            continue
        keys = [string_constant(k) if k is not None else None for k in d.keys]
        if "type" not in keys or string_constant(d.values[keys.index("type")]) != "inline":
            continue
        for sub in ast.walk(d):
            if isinstance(sub, ast.Dict):
                for i, k in enumerate(sub.keys):
                    if k is not None and string_constant(k) == "env_vars":
                        sub.values[i] = _hidden(sub.values[i])
    return node


def _hidden(node: ast.AST) -> ast.AST:
    if isinstance(node, ast.Dict):
        return ast.Dict(keys=node.keys, values=[ast.Constant("<redacted>") for _ in node.values])
    return ast.Constant("<redacted>")


def is_os_environ(node: ast.AST) -> bool:
    """`os.environ`, or a bare `environ` (`from os import environ`)."""
    return dotted(node) in ("os.environ", "environ")


def is_environ_attribute(node: ast.AST) -> bool:
    """Any `<x>.environ` attribute or bare `environ`: `os.environ`, `self.environ`,
    `ctx.environ` (objects that carry an environment mapping), never `self.environment`."""
    if isinstance(node, ast.Attribute):  # also on calls and subscripts: get_ctx().environ
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id == "environ"


def names_environment_mapping(node: ast.AST) -> bool:
    """A name whose last part mentions "environ": `os.environ`, `self._environ`,
    `env.environment`, `environment_vars`. Loose on purpose: Metaflow's own modules build
    task environments in such dicts, and every name read or set there is a Metaflow name."""
    name = dotted(node) or ""
    return "environ" in name.split(".")[-1]
