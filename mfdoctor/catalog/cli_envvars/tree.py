"""The command tree of the flow CLI across modules: which commands attach to which
group (decorators, `add_command`, lazy subcommands, flattened plugin CLIs), the params
helper decorators create, and the `options` of flow decorator classes."""

from __future__ import annotations

import ast
import os
from typing import Dict, List, Optional

from ...pyast import dotted
from ..plugin_list import enabled_plugins, plugin_item
from ..plugins import plugin_descs
from ..pysource import dict_keys_assigned, module_file, module_name, try_parse_file
from .module import ClickModule, param_from_call


def enabled_cli_plugins(descs: list, extensions: Optional[list]) -> tuple:
    """({name: class path} of the CLI plugins Metaflow enables, {name: extension} of
    those an extension removes), as extension_support/plugins.py decides with
    ENABLED_CLI unset: the last desc of a name wins, then `list(names) + TOGGLE_CLI`
    is applied in order (`-x` removes x, `+x` or `x` adds it). An extension's literal
    ENABLED_CLI is the list instead, toggles ignored; one mfdoctor cannot read removes
    nothing."""
    by_name: Dict[str, str] = {}
    for name, path in descs:
        by_name[name] = path
    toggles: List[tuple] = []  # (toggle, extension)
    enabled, enabled_by = None, None
    for ext in extensions or []:
        # The distribution's name (ob-metaflow-extensions); a PYTHONPATH dir: its org.
        who = ext.get("package") if ext.get("distribution") else ext.get("org") or "an extension"
        for m in ext.get("plugin_modules", []):
            if "ENABLED_CLI" in (m.get("unknown") or {}):
                return by_name, {}
            if "ENABLED_CLI" in (m.get("enabled") or {}):
                enabled, enabled_by = m["enabled"]["ENABLED_CLI"], who
            toggles += [(t, who) for t in (m.get("toggles") or {}).get("TOGGLE_CLI") or [] if isinstance(t, str)]
    if enabled is not None and not isinstance(enabled, list):
        return by_name, {}
    if enabled is not None:
        wanted = [(t, enabled_by) for t in enabled if isinstance(t, str)]
    else:
        wanted = [(n, None) for n in by_name] + toggles
    on = enabled_plugins(t for t, _ in wanted)
    removed_by = {plugin_item(t)[1]: who for t, who in wanted if not plugin_item(t)[0]}
    return ({n: by_name[n] for n in on if n in by_name},
            {n: removed_by.get(n) or enabled_by or "an extension" for n in by_name if n not in on})


class CommandTree:
    def __init__(self, pkg_dir: str, extensions: Optional[list]):
        self.pkg_dir = pkg_dir
        self.roots = {"metaflow": pkg_dir}
        ext_roots = [e["root"] for e in extensions or [] if e.get("root")]
        if ext_roots:
            self.roots["metaflow_extensions"] = sorted(set(ext_roots))
        self.modules: Dict[str, Optional[ClickModule]] = {}
        self.children_of: Dict[tuple, List[tuple]] = {}
        self.descs = plugin_descs(pkg_dir)
        for ext in extensions or []:
            for m in ext.get("plugin_modules", []):
                for cat, pairs in m.get("plugin_descs", {}).items():
                    self.descs.setdefault(cat, []).extend(pairs)
        self._all_cli = dict((n, p) for n, p in self.descs.get("cli", []))  # the last desc wins
        self.cli_plugins, self.disabled_cli = enabled_cli_plugins(self.descs.get("cli", []), extensions)
        self.include_disabled = False  # walk the CLI groups the extensions' toggles remove
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
                    self.module(module_name(os.path.relpath(path, os.path.dirname(base))), path)
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

    def module(self, name: str, path: Optional[str] = None) -> Optional[ClickModule]:
        if name not in self.modules:
            path = path or module_file(name, self.roots)
            parsed = try_parse_file(path) if path else None
            self.modules[name] = ClickModule(name, path, *parsed) if parsed else None
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
            plugins = self.cli_plugins
            if self.include_disabled:
                plugins = {n: p for n, p in self._all_cli.items() if n in self.disabled_cli}
            for path in plugins.values():
                m, _, attr = path.rpartition(".")
                flattened.append((m, attr))
        for src in flattened:
            out.extend(self.children(src))
        return out

    # ------------------------------------------------------------- helpers
    def helper_params(self, mod: ClickModule, helper: str, seen=None, depth=0) -> List[dict]:
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

    def _class_options(self, mod: Optional[ClickModule], cls: str, depth: int):
        if mod is None or depth > 3 or cls not in mod.classes:
            return []
        node = mod.classes[cls]
        for stmt in node.body:
            keys = dict_keys_assigned(stmt, "options")
            if keys is not None:
                return [(k, stmt.lineno) for k in keys]
        for base in node.bases:
            name = dotted(base)
            if name:
                bmod, bcls = mod.resolve(name)
                found = self._class_options(self.module(bmod), bcls, depth + 1)
                if found:
                    return found
        return []
