"""An extension config module as a program to replay, the way Python runs it.

The core module's ops (catalog/parse.py: conf, let, setitem, if, ...) plus what
extension modules do besides:

  {"op": "ref", "target": T, "name": X}   # from metaflow.metaflow_config import X as T
  {"op": "ref_module", "target": T}       # import metaflow.metaflow_config as T
  {"op": "call", "target": T, "method": M, "args": [EXPR], "line": N}  # T.append(x)
  {"op": "unknown", "target": T, "line": N, "text": SRC}  # bound by code not followed

A name imported from `metaflow.metaflow_config` is a reference to the value resolved
so far, never an override: Metaflow copies it back unchanged. Names imported from the
extension's own modules are literals when the interpreter (interpret.py) knows them,
else unknown. Whatever is not followed (a loop, a `try`, a call with side effects)
makes the names it binds unknown, which the resolver reports as computed by extension
code at that line; it never guesses.
"""

from __future__ import annotations

import ast
from typing import Optional

from ..parse import ConfigParser
from .validators import describe_validators

CONFIG_MODULE = "metaflow.metaflow_config"
_METHODS = {"append", "extend", "insert", "update", "setdefault", "pop", "remove", "clear"}


def _bound_names(node: ast.AST) -> list:
    """Names a statement we do not follow may bind (assignment targets, loop variables,
    `with ... as`, `except ... as`, nested defs)."""
    out = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            out.append(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not node:
            out.append(sub.name)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            out.append(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            out.extend((a.asname or a.name).split(".")[0] for a in sub.names if a.name != "*")
    return list(dict.fromkeys(out))


class ExtensionParser(ConfigParser):
    def __init__(self, source: str, filename: str, imported: Optional[dict] = None,
                 validators: Optional[dict] = None):
        super().__init__(source, filename)
        # {local name: JSON value} for names imported from the extension's own modules
        # whose value the interpreter knows.
        self.imported = imported or {}
        # {function name: rules} of the module's own validate_fn functions.
        self.validators = validators or {}

    def conf_op(self, target: str, call: ast.Call, lineno: int) -> Optional[dict]:
        op = super().conf_op(target, call, lineno)
        if op is not None and op.get("validator") in self.validators:
            op["validator_rules"] = self.validators[op["validator"]]
        return op

    def unknown(self, node: ast.stmt, names=None) -> list:
        text = self.lines[node.lineno - 1].strip() if node.lineno <= len(self.lines) else ""
        return [{"op": "unknown", "target": n, "line": node.lineno, "text": text}
                for n in (names if names is not None else _bound_names(node))]

    def stmt(self, node: ast.stmt) -> list:
        if isinstance(node, ast.ImportFrom):
            return self.import_from(node)
        if isinstance(node, ast.Import):
            out = []
            for a in node.names:
                if a.name == CONFIG_MODULE and a.asname:
                    out.append({"op": "ref_module", "target": a.asname})
            return out  # other modules are not copied into metaflow_config
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is None:
                return []
            if len(targets) == 1 and isinstance(targets[0], (ast.Name, ast.Subscript)):
                ops = super().stmt(node)
                if ops:
                    return ops
            return self.unknown(node)
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            op = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}.get(type(node.op))
            if op:
                return [{"op": "let", "target": node.target.id, "line": node.lineno,
                         "expr": "%s %s (%s)" % (node.target.id, op, self.text(node.value))}]
            return self.unknown(node)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            func = call.func
            if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.attr in _METHODS and not call.keywords):
                return [{"op": "call", "target": func.value.id, "method": func.attr,
                         "args": [self.text(a) for a in call.args], "line": node.lineno}]
            return []  # a call for its side effects (installing an import hook, say)
        if isinstance(node, ast.If):
            return super().stmt(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return self.unknown(node, [node.name])
        if isinstance(node, (ast.Expr, ast.Pass)):
            return []
        return self.unknown(node)  # for, while, try, with, del, ...

    def text(self, node: ast.AST) -> str:
        return ast.get_source_segment("".join(self.source), node) or ast.unparse(node)

    def import_from(self, node: ast.ImportFrom) -> list:
        out = []
        for a in node.names:
            local = a.asname or a.name
            if a.name == "*":
                out.extend(self.unknown(node, sorted(self.imported)))
            elif node.level == 0 and node.module == CONFIG_MODULE:
                out.append({"op": "ref", "target": local, "name": a.name, "line": node.lineno})
            elif node.level == 0 and node.module == "metaflow" and a.name == "metaflow_config":
                out.append({"op": "ref_module", "target": local})
            elif node.level == 0 and node.module == "metaflow.metaflow_config_funcs":
                continue  # from_conf and friends: functions, recognised by name
            elif local in self.imported:
                out.append({"op": "let", "target": local, "line": node.lineno,
                            "expr": repr(self.imported[local])})
            else:
                out.extend(self.unknown(node, [local]))
        return out


def parse_extension_program(source: str, filename: str, imported: Optional[dict] = None) -> list:
    tree = ast.parse(source, filename)
    validators = describe_validators(tree, source, filename)
    return ExtensionParser(source, filename, imported, validators).stmts(tree.body)
