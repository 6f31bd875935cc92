"""An interpreter for the top level of an extension's module, run over its `ast`:
which names it defines and, where that is statically known, their values.

After all `from_conf` calls, Metaflow copies every top-level name of an extension's
config module (except dunder names and modules) into `metaflow_config`, so this follows
assignments, augmented assignments, in-place list/dict calls, deletions, imports (one
or two levels into the extension's other modules) and branches (whose names are
marked conditional).
"""

from __future__ import annotations

import ast
import os
import re
from typing import Dict, Iterable, List, Optional

from ...pyast import dotted, literal_json, source_of
from ..pysource import module_file, resolve_relative, try_parse_file
from .discover import EXT_PKG


class Assignments:
    """Top-level names a module defines, the way Metaflow's loader will see them.

    literals: name -> JSON value; expressions: name -> source text (value not known
    statically); from_conf: name -> {"key", "default", "default_source", "line"};
    conditional: names assigned under if/try/with/for (the last branch is recorded).
    """

    def __init__(self, source: str, module: str, path: str, roots: dict, depth: int = 0):
        self.source = source
        self.module = module
        self.is_package = os.path.basename(path) == "__init__.py"
        self.roots = roots
        self.depth = depth
        self.literals: Dict[str, object] = {}
        self.expressions: Dict[str, str] = {}
        self.from_conf: Dict[str, dict] = {}
        self.lines: Dict[str, int] = {}
        self.functions: List[str] = []
        self.imports: Dict[str, str] = {}
        self.star_imports: List[str] = []
        self.conditional: List[str] = []

    # -- recording
    def _forget(self, name):
        self.literals.pop(name, None)
        self.expressions.pop(name, None)
        self.from_conf.pop(name, None)

    def _set_literal(self, name, value, line, cond):
        self._forget(name)
        self.literals[name] = value
        self._mark(name, line, cond)

    def _set_expr(self, name, text, line, cond):
        self._forget(name)
        self.expressions[name] = text
        self._mark(name, line, cond)

    def _mark(self, name, line, cond):
        self.lines[name] = line
        if cond and name not in self.conditional:
            self.conditional.append(name)

    # -- statements
    def run(self, body: Iterable[ast.stmt], cond: bool = False) -> "Assignments":
        for node in body:
            self._stmt(node, cond)
        return self

    def _stmt(self, node: ast.stmt, cond: bool) -> None:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            if node.value is None:
                return
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                self._assign(t, node.value, node.lineno, cond)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
            ok, add = literal_json(node.value)
            cur = self.literals.get(name)
            if (
                ok
                and not cond
                and name in self.literals
                and isinstance(node.op, ast.Add)
                and type(cur) is type(add)
                and isinstance(cur, (list, str, int, float))
            ):
                self._set_literal(name, cur + add, node.lineno, cond)
            else:
                self._set_expr(name, source_of(self.source, node), node.lineno, cond)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self._mutating_call(node.value, node.lineno, cond)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._forget(node.name)
            if node.name not in self.functions:
                self.functions.append(node.name)
            self.lines[node.name] = node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                # `import a.b` binds `a`: a module, which Metaflow does not copy.
                self._forget(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            mod = resolve_relative(self.module, self.is_package, node.level, node.module)
            for alias in node.names:
                if alias.name == "*":
                    self.star_imports.append(mod)
                    self._star(mod, node.lineno, cond)
                    continue
                local = alias.asname or alias.name
                self.imports[local] = "%s.%s" % (mod, alias.name)
                self._imported(local, mod, alias.name, node.lineno, cond)
        elif isinstance(node, ast.Delete):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    self._forget(t.id)
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for field in ("body", "orelse", "finalbody"):
                self.run(getattr(node, field, []) or [], cond=True)
            for h in getattr(node, "handlers", []) or []:
                self.run(h.body, cond=True)

    def _assign(self, target: ast.AST, value: ast.AST, line: int, cond: bool) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            conf = self._from_conf_call(value)
            if conf is not None:
                self._forget(name)
                conf["line"] = line
                self.from_conf[name] = conf
                self._mark(name, line, cond)
                return
            ok, val = literal_json(value)
            if ok and not cond:
                self._set_literal(name, val, line, cond)
            else:
                self._set_expr(name, source_of(self.source, value), line, cond)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                for t, v in zip(target.elts, value.elts):
                    self._assign(t, v, line, cond)
            else:
                for t in target.elts:
                    if isinstance(t, ast.Name):
                        self._set_expr(t.id, source_of(self.source, value), line, cond)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            # X["k"] = v on a known literal dict stays literal; otherwise X becomes unknown.
            name = target.value.id
            ok_k, key = literal_json(target.slice)
            ok_v, val = literal_json(value)
            cur = self.literals.get(name)
            if ok_k and ok_v and not cond and isinstance(cur, dict) and isinstance(key, str):
                self._set_literal(name, dict(cur, **{key: val}), line, cond)
            elif name in self.literals or name in self.expressions:
                after = "%s = %s" % (source_of(self.source, target), source_of(self.source, value))
                self._set_expr(name, "%s  # then: %s" % (self._text(name), after), line, cond)

    def _text(self, name):
        if name in self.literals:
            return repr(self.literals[name])
        return self.expressions.get(name, name)

    def _mutating_call(self, call: ast.Call, line: int, cond: bool) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        name = func.value.id
        if name not in self.literals and name not in self.expressions:
            return
        cur = self.literals.get(name)
        args = [literal_json(a) for a in call.args]
        known = not cond and name in self.literals and not call.keywords and len(args) == 1 and args[0][0]
        arg = args[0][1] if known else None
        new = None
        if known and isinstance(cur, list) and func.attr == "append":
            new = cur + [arg]
        elif known and isinstance(cur, list) and func.attr == "extend" and isinstance(arg, list):
            new = cur + arg
        elif known and isinstance(cur, dict) and func.attr == "update" and isinstance(arg, dict):
            new = dict(cur, **arg)
        if new is not None:
            self._set_literal(name, new, line, cond)
        elif func.attr in ("append", "extend", "insert", "update", "pop", "remove", "clear", "setdefault"):
            after = source_of(self.source, call)
            self._set_expr(name, "%s  # then: %s" % (self._text(name), after), line, cond)

    @staticmethod
    def _from_conf_call(value: ast.AST) -> Optional[dict]:
        if not isinstance(value, ast.Call):
            return None
        fname = dotted(value.func) or ""
        if fname.split(".")[-1] != "from_conf" or not value.args:
            return None
        ok, key = literal_json(value.args[0])
        if not ok or not isinstance(key, str):
            return None
        default = value.args[1] if len(value.args) > 1 else None
        for kw in value.keywords:
            if kw.arg == "default":
                default = kw.value
        out = {"key": key, "default": None, "default_source": None}
        if default is not None:
            out["default_source"] = ast.unparse(default)
            ok, val = literal_json(default)
            if ok:
                out["default"] = val
        return out

    # -- imports: UPPERCASE names imported from another module of the extension are
    # copied into metaflow_config like any other, so follow them one or two levels.
    def _other(self, mod: str) -> Optional["Assignments"]:
        if self.depth >= 2 or not mod.startswith(EXT_PKG + "."):
            return None
        path = module_file(mod, self.roots)
        parsed = try_parse_file(path) if path else None
        if parsed is None:
            return None
        return Assignments(parsed[0], mod, path, self.roots, self.depth + 1).run(parsed[1].body)

    def _imported(self, local: str, mod: str, name: str, line: int, cond: bool) -> None:
        self._forget(local)
        if not is_key_name(local):
            return
        other = self._other(mod)
        if other is not None and name in other.literals and not cond:
            self._set_literal(local, other.literals[name], line, cond)
        else:
            self._set_expr(local, "from %s import %s" % (mod, name), line, cond)

    def _star(self, mod: str, line: int, cond: bool) -> None:
        other = self._other(mod)
        if other is None:
            return
        for n, v in other.literals.items():
            if is_key_name(n):
                if cond:
                    self._set_expr(n, "from %s import *" % mod, line, cond)
                else:
                    self._set_literal(n, v, line, cond)
        for n in other.expressions:
            if is_key_name(n):
                self._set_expr(n, "from %s import *" % mod, line, cond)
        for n, c in other.from_conf.items():
            if is_key_name(n):
                self._forget(n)
                self.from_conf[n] = dict(c, line=line)
                self._mark(n, line, cond)


_KEY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def is_key_name(name: str) -> bool:
    return bool(_KEY_NAME.match(name))

