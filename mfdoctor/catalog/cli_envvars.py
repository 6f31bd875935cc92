"""Environment variables the flow CLI reads through click, found with `ast`.

`metaflow/cli.py` runs its top-level command as `start(auto_envvar_prefix="METAFLOW")`.
Metaflow vendors click 7.1.2, where (core.py, Context.__init__ and Option.resolve_envvar_value):
- a sub-context's prefix is `<parent prefix>_<INFO_NAME>` upper-cased with `-` -> `_`,
  INFO_NAME being the name the subcommand is registered (and typed) under;
- an Option reads its explicit `envvar=` first, then `<prefix>_<NAME>` with NAME the
  option's Python name upper-cased (unless `allow_from_autoenv=False`);
- an Argument reads only an explicit `envvar=`.

So `flow.py run --max-workers` can come from METAFLOW_RUN_MAX_WORKERS.

The tree: `start` is a CommandCollection over the `cli` group (whose own commands
and `lazy_subcommands` become top-level commands) and over each plugin CLI of the
"cli" plugin category (core and extensions): the plugin's `cli` group is flattened,
so `@cli.group() def kubernetes()` is the top-level `kubernetes` command.

Options that exist only with a flow are handled as follows:
- `add_decorator_options` adds each flow decorator's `options` (e.g. @project's
  --branch/--production) with explicit envvar METAFLOW_FLOW_<OPTION>: we read the
  `options` dicts of the flow decorator classes, so both names are listed;
- `config_options` adds --config/--config-value (only when the flow has a Config):
  found as `click.Option(...)` calls inside that helper, so they are listed;
- `add_custom_parameters` adds one option per flow Parameter: names are the flow's,
  so we return the prefixes instead (`parameter_prefixes`, e.g. "METAFLOW_RUN_").
Helper decorators are recognised by those names; any other helper's body is scanned
for click.option/click.Option/click.argument calls (a superset is fine).
"""

from __future__ import annotations

import ast
import os
from typing import Dict, List, Optional, Tuple

from .plugins import plugin_descs
from ..pyast import dotted, literal_json
from .pysource import module_file, rel_location, resolve_relative, try_parse_file

ROOT_FILE = "cli.py"
ROOT_MODULE = "metaflow.cli"
_PARAMS_HELPER = "add_custom_parameters"
_FLOW_DECO_HELPER = "add_decorator_options"
_FLOW_DECO_ENVVAR = "METAFLOW_FLOW_%s"  # decorators.add_decorator_options


# ----------------------------------------------------------------- click rules
def _split_opt(opt: str) -> Tuple[str, str]:
    first = opt[:1]
    if first.isalnum():
        return "", opt
    if opt[1:2] == first:
        return opt[:2], opt[2:]
    return first, opt[1:]


def option_name(decls: List[str]) -> Optional[str]:
    """click 7.1.2 Option._parse_decls: the parameter's Python name."""
    name, possible = None, []
    for decl in decls:
        if decl.isidentifier():
            name = decl
            continue
        split_char = ";" if decl[:1] == "/" else "/"
        if split_char in decl:
            first = decl.split(split_char, 1)[0].rstrip()
            if first:
                possible.append(_split_opt(first))
        else:
            possible.append(_split_opt(decl))
    if name is None and possible:
        possible.sort(key=lambda x: -len(x[0]))
        name = possible[0][1].replace("-", "_").lower()
        if not name.isidentifier():
            name = None
    return name


def argument_name(decls: List[str]) -> Optional[str]:
    return decls[0].replace("-", "_").lower() if len(decls) == 1 else None


def sub_prefix(prefix: str, info_name: str) -> str:
    return ("%s_%s" % (prefix, info_name.upper())).replace("-", "_")


# ------------------------------------------------------------- module reading
class _Module:
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
            elif kw.arg == "sources" and isinstance(kw.value, (ast.List, ast.Tuple)):
                cmd["sources"] = [n for n in (dotted(e) for e in kw.value.elts) if n]
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


def param_from_call(call: ast.Call, kind: str, mod: _Module, line: int) -> Optional[dict]:
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


# ----------------------------------------------------------------- the tree
class _Tree:
    def __init__(self, pkg_dir: str, extensions: Optional[list]):
        self.pkg_dir = pkg_dir
        self.roots = {"metaflow": pkg_dir}
        ext_roots = [e["root"] for e in extensions or [] if e.get("root")]
        if ext_roots:
            self.roots["metaflow_extensions"] = sorted(set(ext_roots))
        self.modules: Dict[str, Optional[_Module]] = {}
        self.children_of: Dict[tuple, List[tuple]] = {}
        self.descs = plugin_descs(pkg_dir)
        for ext in extensions or []:
            for m in ext.get("plugin_modules", []):
                for cat, pairs in m.get("plugin_descs", {}).items():
                    self.descs.setdefault(cat, []).extend(pairs)
        self._index()

    # Every module that could attach commands: those mentioning click.
    def _index(self) -> None:
        for base in self._source_dirs():
            for root, dirs, files in os.walk(base):
                dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "_vendor"))
                for f in sorted(files):
                    if not f.endswith(".py"):
                        continue
                    path = os.path.join(root, f)
                    try:
                        with open(path, "rb") as fh:
                            if b"click" not in fh.read():
                                continue
                    except OSError:
                        continue
                    rel = os.path.relpath(path, os.path.dirname(base))[:-3].split(os.sep)
                    if rel[-1] == "__init__":
                        rel = rel[:-1]
                    self.module(".".join(rel), path)
        for mod in list(self.modules.values()):
            if mod is None:
                continue
            for var, cmd in mod.commands.items():
                if cmd["parent"]:
                    self._attach(mod.resolve(cmd["parent"]), cmd["name"], (mod.module, var))
            for group, sub, name in mod.add_commands:
                key = mod.resolve(sub)
                target = self.command(key)
                self._attach(mod.resolve(group), name or (target["name"] if target else None), key)

    def _source_dirs(self):
        yield self.pkg_dir
        yield from self.roots.get("metaflow_extensions", [])

    def _attach(self, parent: tuple, name: Optional[str], child: tuple) -> None:
        if name:
            self.children_of.setdefault(parent, []).append((name, child))

    def module(self, name: str, path: Optional[str] = None) -> Optional[_Module]:
        if name not in self.modules:
            path = path or module_file(name, self.roots)
            parsed = try_parse_file(path) if path else None
            self.modules[name] = _Module(name, path, *parsed) if parsed else None
        return self.modules[name]

    def command(self, key: tuple) -> Optional[dict]:
        mod = self.module(key[0])
        return mod.commands.get(key[1]) if mod else None

    def children(self, key: tuple) -> List[tuple]:
        """[(info name, command key)] reachable as subcommands of `key`."""
        cmd, mod = self.command(key), self.module(key[0])
        out = list(self.children_of.get(key, []))
        if cmd is None:
            return out
        for name, path in cmd["lazy_subcommands"].items():
            m, _, attr = path.rpartition(".")
            out.append((name, (m, attr)))
        flattened = [mod.resolve(s) for s in cmd["sources"]]
        if cmd["lazy_sources"]:
            for _name, path in self.descs.get("cli", []):
                m, _, attr = path.rpartition(".")
                flattened.append((m, attr))
        for src in flattened:
            out.extend(self.children(src))
        return out

    # ------------------------------------------------------------- helpers
    def helper_params(self, mod: _Module, helper: str, seen=None, depth=0) -> List[dict]:
        """click params created inside a helper decorator (and functions it calls)."""
        seen = set() if seen is None else seen
        key = mod.resolve(helper)
        if key in seen or depth > 3:
            return []
        seen.add(key)
        target = self.module(key[0]) if key[0] != mod.module else mod
        fn = target.functions.get(key[1]) if target else None
        if fn is None:
            return []
        out = []
        for node in ast.walk(fn):
            if not isinstance(node, ast.Call):
                continue
            attr = target.click_attr(node.func)
            if attr in ("option", "argument", "Option", "Argument"):
                p = param_from_call(node, attr, target, node.lineno)
                if p:
                    out.append(p)
            elif isinstance(node.func, ast.Name) and node.func.id in target.functions:
                out.extend(self.helper_params(target, node.func.id, seen, depth + 1))
        return out

    def flow_decorator_options(self) -> List[dict]:
        """(option, class path) of every flow decorator's `options` dict."""
        out = []
        for name, path in self.descs.get("flow_decorator", []):
            m, _, cls = path.rpartition(".")
            mod = self.module(m)
            for opt, line in self._class_options(mod, cls, 0):
                out.append({"option": opt, "decorator": name, "path": mod.path, "line": line})
        return out

    def _class_options(self, mod: Optional[_Module], cls: str, depth: int):
        if mod is None or depth > 3 or cls not in mod.classes:
            return []
        node = mod.classes[cls]
        for stmt in node.body:
            if (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "options" for t in stmt.targets)
                and isinstance(stmt.value, ast.Dict)
            ):
                return [
                    (k.value, stmt.lineno)
                    for k in stmt.value.keys
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                ]
        for base in node.bases:
            name = dotted(base)
            if name:
                bmod, bcls = mod.resolve(name)
                found = self._class_options(self.module(bmod), bcls, depth + 1)
                if found:
                    return found
        return []


def cli_tree(pkg_dir: str, extensions: Optional[list] = None) -> dict:
    """The flow CLI's environment variables and where each comes from.

    {"envvars": {NAME: {"command": "run", "option": "--max-workers", "kind": "auto"|"explicit",
                        "location": "metaflow/cli_components/run_cmds.py:146",
                        "flow_only": bool, "via": helper name or None}},
     "parameter_prefixes": {"METAFLOW_RUN_": "run", ...},   # + a flow Parameter's name
     "commands": ["", "run", "argo-workflows create", ...]}
    `extensions` is `extension_configs()` output (adds extension CLIs and flow decorators).
    """
    tree = _Tree(pkg_dir, extensions)
    root_mod = tree.module(ROOT_MODULE, os.path.join(pkg_dir, ROOT_FILE))
    envvars: Dict[str, dict] = {}
    prefixes: Dict[str, str] = {}
    commands: List[str] = []
    if root_mod is None or not root_mod.root_calls:
        return {"envvars": {}, "parameter_prefixes": {}, "commands": []}
    root_var, root_prefix = root_mod.root_calls[0]

    def add(name, command, param, kind, via=None, flow_only=False):
        if name not in envvars:
            envvars[name] = {
                "command": command,
                "option": param["decl"],
                "kind": kind,
                "location": rel_location(param["path"], pkg_dir, param["line"]),
                "flow_only": flow_only,
                "via": via,
            }

    def add_param(p, prefix, command, via=None, flow_only=False):
        for e in p["envvars"]:
            add(e, command, p, "explicit", via, flow_only)
        if p["autoenv"] and p["name"]:
            add("%s_%s" % (prefix, p["name"].upper()), command, p, "auto", via, flow_only)

    def visit(key, prefix, path, stack, inherited_help):
        if key in stack:
            return
        cmd, mod = tree.command(key), tree.module(key[0])
        if cmd is None:
            return
        command = " ".join(path)
        commands.append(command)
        for p in cmd["params"]:
            add_param(p, prefix, command)
        # click adds a help option to every command (Command.get_params); it is an Option
        # like any other, so METAFLOW_RUN_HELP=1 makes `run` print its help. Its names come
        # from context_settings, inherited from the parent context.
        help_names = cmd["help_names"] or inherited_help
        if cmd["help_option"] and help_names:
            help_param = {
                "decl": next((n for n in help_names if n.startswith("--")), help_names[0]),
                "name": option_name(help_names),
                "envvars": [],
                "autoenv": True,
                "path": mod.path,
                "line": cmd["line"],
            }
            add_param(help_param, prefix, command)
        for helper in cmd["helpers"]:
            last = helper.rpartition(".")[2]
            if last == _PARAMS_HELPER:
                prefixes.setdefault(prefix + "_", command)
            elif last == _FLOW_DECO_HELPER:
                for o in tree.flow_decorator_options():
                    p = {
                        "decl": "--" + o["option"],
                        "name": option_name(["--" + o["option"]]),
                        "envvars": [_FLOW_DECO_ENVVAR % o["option"].upper()],
                        "autoenv": True,
                        "path": o["path"],
                        "line": o["line"],
                    }
                    add_param(p, prefix, command, via="@%s" % o["decorator"], flow_only=True)
            else:
                for p in tree.helper_params(mod, helper):
                    add_param(p, prefix, command, via=last, flow_only=p.get("programmatic", False))
        for name, child in tree.children(key):
            visit(child, sub_prefix(prefix, name), path + [name], stack | {key}, help_names)

    visit((ROOT_MODULE, root_var), root_prefix.upper().replace("-", "_"), [], frozenset(), ["--help"])
    return {
        "envvars": {k: envvars[k] for k in sorted(envvars)},
        "parameter_prefixes": {k: prefixes[k] for k in sorted(prefixes)},
        "commands": sorted(set(commands)),
    }


def cli_envvars(pkg_dir: str, extensions: Optional[list] = None) -> Dict[str, dict]:
    """{METAFLOW_...: detail} for every click option of the flow CLI, sorted by name.

    Iterating it (or `sorted()`) gives the names. See `cli_tree` for the detail shape.
    """
    return cli_tree(pkg_dir, extensions)["envvars"]


def cli_parameter_prefixes(pkg_dir: str, extensions: Optional[list] = None) -> Dict[str, str]:
    """{"METAFLOW_RUN_": "run", ...}: a flow Parameter `max-rows` is also settable as
    METAFLOW_RUN_MAX_ROWS (its name upper-cased, `-` -> `_`)."""
    return cli_tree(pkg_dir, extensions)["parameter_prefixes"]
