"""A whitelist interpreter for the small expressions in Metaflow's config module.

Derived defaults such as `os.path.join(DATASTORE_SYSROOT_S3, DATATOOLS_SUFFIX) if
DATASTORE_SYSROOT_S3 else None` or `CLIENT_CACHE_MAX_FLOWDATASTORE_COUNT * 100` must
be computed the way Metaflow computes them, but we never `eval` source text: only the
node types and the few calls below are understood; anything else raises `Unknown`,
and the caller reports the value as not statically known.
"""

from __future__ import annotations

import ast
import operator
import os
from functools import lru_cache
from typing import Any, Mapping

from ..pyast import dotted


class Unknown(Exception):
    """The expression uses something this interpreter does not model."""


class EvalError(Exception):
    """A supported expression failed on these values: Metaflow fails the same way."""


_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_CMPOPS = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


_STR_METHODS = {"lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith",
                "split", "isdigit", "isalnum", "isalpha", "islower", "isupper", "count", "find"}


@lru_cache(maxsize=1024)
def _parse(expr: str) -> ast.AST:
    # Parenthesised so that multi-line source segments parse as one expression.
    return ast.parse("(\n%s\n)" % expr, mode="eval").body


def _call_name(func: ast.AST) -> str:
    """"os.path.join" for a called Name/Attribute chain; anything else is not modelled."""
    name = dotted(func)
    if name is None:
        while isinstance(func, ast.Attribute):
            func = func.value
        raise Unknown(ast.dump(func))  # the part that is not a name, e.g. `f()` in `f().x`
    return name


class Namespace(dict):
    """A module bound to a name (`import metaflow.metaflow_config as m`): `m.X` reads X."""


class Evaluator:
    def __init__(self, names: Mapping[str, Any], env: Mapping[str, str], cwd: str):
        self.names = names
        self.env = env
        self.cwd = cwd

    def __call__(self, expr: str) -> Any:
        try:
            return self.eval(_parse(expr))
        except Unknown:
            raise
        except Exception as exc:  # e.g. os.path.join(5, "data"): Metaflow raises too
            raise EvalError("%s: %s" % (type(exc).__name__, exc)) from None

    def _call(self, name: str, args: list) -> Any:
        if name == "os.path.join":
            return os.path.join(*args)
        if name == "os.getcwd":
            return self.cwd
        if name == "os.path.expanduser":
            return os.path.expanduser(*args)
        if name == "json.dumps":  # remote targets send SERVICE_HEADERS as json.dumps(...)
            import json  # rarely needed: not at start-up

            return json.dumps(*args)
        if name in ("os.environ.get", "os.getenv"):
            return self.env.get(*args)
        if name in ("str", "int", "float", "bool", "list", "dict", "len"):
            return {"str": str, "int": int, "float": float, "bool": bool,
                    "list": list, "dict": dict, "len": len}[name](*args)
        raise Unknown(name)

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in ("None", "True", "False"):
                return {"None": None, "True": True, "False": False}[node.id]
            raise Unknown(node.id)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.eval(e) for e in node.elts]
            return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise Unknown("dict unpacking")
            return {self.eval(k): self.eval(v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](self.eval(node.left), self.eval(node.right))
        if isinstance(node, ast.UnaryOp):
            val = self.eval(node.operand)
            if isinstance(node.op, ast.Not):
                return not val
            if isinstance(node.op, ast.USub):
                return -val
            raise Unknown("unary op")
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                val = True
                for v in node.values:
                    val = self.eval(v)
                    if not val:
                        return val
                return val
            val = False
            for v in node.values:
                val = self.eval(v)
                if val:
                    return val
            return val
        if isinstance(node, ast.Compare):
            left = self.eval(node.left)
            for op, comp in zip(node.ops, node.comparators):
                right = self.eval(comp)
                if type(op) not in _CMPOPS or not _CMPOPS[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self.eval(node.body) if self.eval(node.test) else self.eval(node.orelse)
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and isinstance(self.names.get(node.value.id), Namespace)):
            ns = self.names[node.value.id]
            if node.attr not in ns:
                raise Unknown("%s.%s" % (node.value.id, node.attr))
            return ns[node.attr]
        if isinstance(node, ast.Subscript):
            return self.eval(node.value)[self.eval(node.slice)]
        if isinstance(node, ast.Call) and not node.keywords:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _STR_METHODS:
                # `value.lower()` in an extension's validator: pure methods of a str only.
                obj = self.eval(func.value)
                if not isinstance(obj, str):
                    raise Unknown("%s() of a %s" % (func.attr, type(obj).__name__))
                return getattr(obj, func.attr)(*[self.eval(a) for a in node.args])
            return self._call(_call_name(func), [self.eval(a) for a in node.args])
        raise Unknown(type(node).__name__)


def referenced_names(expr: str) -> list:
    """Bare names an expression reads, in order of appearance (for `derived` origins)."""
    try:
        tree = _parse(expr)
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in out and node.id != "os":
            out.append(node.id)
    return out
