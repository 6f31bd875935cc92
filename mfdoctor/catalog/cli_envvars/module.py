"""The click objects of one module, read with `ast`: commands and groups with their
parameters and helper decorators, `add_command` attachments, and the root call that
sets `auto_envvar_prefix`."""

from __future__ import annotations

import ast
import os
from typing import Dict, List, Optional, Tuple

from ...pyast import dotted, literal_json
from ..pysource import resolve_relative
from .click_rules import argument_name, option_name


class ClickModule:
    """Click objects of one module: commands/groups, params, helpers, attachments."""

    def __init__(self, module: str, path: str, source: str, tree: ast.Module):
        self.module = module
        self.path = path
        self.source = source
        self.is_package = os.path.basename(path) == "__init__.py"
        self.imports: Dict[str, Tuple[str, Optional[str]]] = {}
        self.click_aliases = set()
        self.functions: Dict[str, ast.FunctionDef] = {}
        self.classes: Dict[str, ast.ClassDef] = {}
        self.commands: Dict[str, dict] = {}
        self.add_commands: List[tuple] = []
        self.root_calls: List[tuple] = []
        for node in tree.body:
            self._top(node)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self._call(node)

    def _top(self, node):
        if isinstance(node, ast.Import):
            for a in node.names:
                local = a.asname or a.name.split(".")[0]
                target = a.name if a.asname else a.name.split(".")[0]
                self.imports[local] = (target, None)
                if target.split(".")[-1] == "click":
                    self.click_aliases.add(local)
        elif isinstance(node, ast.ImportFrom):
            mod = resolve_relative(self.module, self.is_package, node.level, node.module)
            for a in node.names:
                local = a.asname or a.name
                self.imports[local] = (mod, a.name)
                if a.name == "click":
                    self.click_aliases.add(local)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions[node.name] = node
            cmd = self._command(node)
            if cmd is not None:
                self.commands[node.name] = cmd
        elif isinstance(node, ast.ClassDef):
            self.classes[node.name] = node
        elif isinstance(node, (ast.If, ast.Try)):
            for sub in node.body + node.orelse + getattr(node, "finalbody", []):
                self._top(sub)

    def _call(self, call: ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "add_command" and call.args:
            group = dotted(func.value)
            cmd = dotted(call.args[0])
            name = None
            if len(call.args) > 1:
                ok, name = literal_json(call.args[1])
            for kw in call.keywords:
                if kw.arg == "name":
                    ok, name = literal_json(kw.value)
            if group and cmd:
                self.add_commands.append((group, cmd, name if isinstance(name, str) else None))
        for kw in call.keywords:
            if kw.arg == "auto_envvar_prefix" and isinstance(func, ast.Name):
                ok, prefix = literal_json(kw.value)
                if ok and isinstance(prefix, str):
                    self.root_calls.append((func.id, prefix))

    def click_attr(self, node: ast.AST) -> Optional[str]:
        """"option" for click.option / an imported `option` from click, etc."""
        name = dotted(node)
        if not name:
            return None
        head, _, attr = name.rpartition(".")
        if head and head in self.click_aliases:
            return attr
        if not head and name in self.imports:
            mod, imported = self.imports[name]
            if mod.split(".")[-1] == "click" and imported:
                return imported
        return None

    def _command(self, fn) -> Optional[dict]:
        cmd = None
        params, helpers = [], []
        for dec in fn.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            target = call.func if call else dec
            attr = self.click_attr(target)
            if attr in ("command", "group"):
                cmd = {"group": attr == "group", "parent": None}
                self._command_kwargs(cmd, call)
            elif attr in ("option", "argument"):
                if call is not None:
                    p = param_from_call(call, attr, self, dec.lineno)
                    if p:
                        params.append(p)
            elif attr is not None:
                continue  # pass_obj, pass_context, ...
            elif isinstance(target, ast.Attribute) and target.attr in ("command", "group"):
                cmd = {"group": target.attr == "group", "parent": dotted(target.value)}
                self._command_kwargs(cmd, call)
            else:
                name = dotted(target)
                if name:
                    helpers.append(name)
        if cmd is None:
            return None
        if cmd.get("name") is None:
            cmd["name"] = fn.name.lower().replace("_", "-")
        cmd.update(var=fn.name, params=params, helpers=helpers, line=fn.lineno)
        return cmd

    @staticmethod
    def _sources(cmd: dict, value: ast.AST) -> None:
        """`sources=[cli]` (2.12.39 on) or `sources=[cli] + plugins.get_plugin_cli()`
        (2.9 to 2.12.35): the call adds every plugin `cli` group, as `lazy_sources` does."""
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            ClickModule._sources(cmd, value.left)
            ClickModule._sources(cmd, value.right)
        elif isinstance(value, (ast.List, ast.Tuple)):
            cmd["sources"].extend(n for n in (dotted(e) for e in value.elts) if n)
        elif isinstance(value, ast.Call) and (dotted(value.func) or "").split(".")[-1] in (
                "get_plugin_cli", "get_plugin_cli_path"):
            cmd["lazy_sources"] = True

    def _command_kwargs(self, cmd: dict, call: Optional[ast.Call]) -> None:
        cmd.setdefault("name", None)
        cmd["lazy_subcommands"], cmd["sources"], cmd["lazy_sources"] = {}, [], False
        cmd["help_option"], cmd["help_names"] = True, None
        if call is None:
            return
        if call.args:
            ok, name = literal_json(call.args[0])
            if ok and isinstance(name, str):
                cmd["name"] = name
        for kw in call.keywords:
            if kw.arg == "name":
                ok, name = literal_json(kw.value)
                if ok and isinstance(name, str):
                    cmd["name"] = name
            elif kw.arg == "lazy_subcommands":
                ok, val = literal_json(kw.value)
                if ok and isinstance(val, dict):
                    cmd["lazy_subcommands"] = {k: v for k, v in val.items() if isinstance(v, str)}
            elif kw.arg == "sources":
                self._sources(cmd, kw.value)
            elif kw.arg == "lazy_sources":
                cmd["lazy_sources"] = True
            elif kw.arg == "add_help_option":
                ok, val = literal_json(kw.value)
                cmd["help_option"] = not (ok and val is False)
            elif kw.arg == "context_settings":
                settings = kw.value
                if isinstance(settings, ast.Call) and dotted(settings.func) == "dict":
                    items = {k.arg: k.value for k in settings.keywords if k.arg}
                elif isinstance(settings, ast.Dict):
                    pairs = zip(settings.keys, settings.values)
                    items = {k.value: v for k, v in pairs if isinstance(k, ast.Constant)}
                else:
                    items = {}
                if "help_option_names" in items:
                    ok, names = literal_json(items["help_option_names"])
                    if ok and isinstance(names, list) and all(isinstance(n, str) for n in names):
                        cmd["help_names"] = names

    def resolve(self, name: str) -> Tuple[str, str]:
        """(module, attr) that a dotted name used in this module refers to."""
        head, _, rest = name.partition(".")
        if head in self.imports:
            mod, attr = self.imports[head]
            base = "%s.%s" % (mod, attr) if attr else mod
            if rest:
                return base, rest  # module.attr (attribute of an imported module)
            if attr:
                return mod, attr
            return base, ""
        if not rest:
            return self.module, name
        return head, rest


def param_from_call(call: ast.Call, kind: str, mod: ClickModule, line: int) -> Optional[dict]:
    """A click.option/click.argument/click.Option call -> param dict, or None."""
    args = call.args
    if kind in ("Option", "Argument") and args and isinstance(args[0], (ast.List, ast.Tuple)):
        args = args[0].elts
    decls = []
    for a in args:
        ok, v = literal_json(a)
        if not ok or not isinstance(v, str):
            return None  # built at run time (e.g. "--" + name): not statically known
        decls.append(v)
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    envvars = []
    if "envvar" in kw:
        ok, v = literal_json(kw["envvar"])
        if ok and isinstance(v, str):
            envvars = [v]
        elif ok and isinstance(v, list):
            envvars = [e for e in v if isinstance(e, str)]
    autoenv = True
    if "allow_from_autoenv" in kw:
        ok, v = literal_json(kw["allow_from_autoenv"])
        autoenv = not (ok and v is False)
    is_option = kind in ("option", "Option")
    name = option_name(decls) if is_option else argument_name(decls)
    return {
        "kind": "option" if is_option else "argument",
        "name": name,
        "decl": next((d for d in decls if d.startswith("--")), decls[0] if decls else name),
        "envvars": envvars,
        "autoenv": autoenv and is_option,
        # click.Option(...) objects are built at run time, when the flow needs them.
        "programmatic": kind in ("Option", "Argument"),
        "path": mod.path,
        "line": line,
    }
