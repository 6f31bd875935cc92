"""Plugin categories and the plugin names Metaflow ships, read from its source.

Metaflow's `extension_support/plugins.py` defines `_plugin_categories`; for each
category it reads `<CATEGORY>S_DESC` (a list of `(name, class_path)` tuples) from
`plugins/__init__.py` and from every extension's plugins module, and makes an
`ENABLED_<CATEGORY>` config key. The `cli` category also receives
`TRAMPOLINE_CLIS_DESC` (batch, kubernetes). We evaluate those lists with a tiny
interpreter that understands literals, `+`, `+=`, `.extend()`/`.append()` and names
imported from other modules, never by importing anything.
"""

from __future__ import annotations

import ast
import os
from typing import Dict, List, Optional

from .pysource import dict_keys_assigned, module_file, parse_file, resolve_relative, try_parse_file

# Where Metaflow keeps the category table and the core plugin lists.
CATEGORIES_FILE = os.path.join("extension_support", "plugins.py")
CORE_PLUGINS_FILE = os.path.join("plugins", "__init__.py")
CORE_PLUGINS_MODULE = "metaflow.plugins"

# Merged into the "cli" category by process_plugins().
TRAMPOLINE = "TRAMPOLINE_CLIS_DESC"


def plugin_categories(pkg_dir: str) -> List[str]:
    """The keys of `_plugin_categories`, in source order ("step_decorator", ..., "cli", ...)."""
    _, tree = parse_file(os.path.join(pkg_dir, CATEGORIES_FILE))
    for node in tree.body:
        keys = dict_keys_assigned(node, "_plugin_categories")
        if keys is not None:
            return keys
    return []


def desc_var(category: str) -> str:
    """The module variable holding a category's plugins (`_get_ext_plugins`)."""
    return "%sS_DESC" % category.upper()


def resolve_class_path(class_path: str, package: str) -> str:
    """Metaflow's `_resolve_relative_paths`: ".x.Y" is relative to the module's package."""
    if not class_path.startswith("."):
        return class_path
    comps = package.split(".")
    i = 1
    while i < len(class_path) and class_path[i] == ".":
        i += 1
    if i > len(comps):
        return class_path  # Metaflow raises here; keep the raw text
    head = comps[: -i + 1] if i > 1 else comps
    return ".".join(head) + class_path[i - 1 :]


class _ListEvaluator:
    """Module-level values that are lists of (name, class_path) pairs.

    Generous by design: statements under `if`/`try`/`with` count as executed.
    """

    def __init__(self, module: str, path: str, roots: dict, depth: int = 0):
        self.module = module
        self.is_package = os.path.basename(path) == "__init__.py"
        self.path = path
        self.roots = roots
        self.depth = depth
        self.env: Dict[str, list] = {}
        self.imports: Dict[str, tuple] = {}
        self._imported: Dict[tuple, Optional[list]] = {}

    def run(self, body: list) -> "_ListEvaluator":
        for node in body:
            self._stmt(node)
        return self

    def _stmt(self, node: ast.stmt) -> None:
        if isinstance(node, ast.ImportFrom):
            mod = resolve_relative(self.module, self.is_package, node.level, node.module)
            for alias in node.names:
                self.imports[alias.asname or alias.name] = (mod, alias.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is None:
                return
            value = self._eval(node.value)
            for t in targets:
                if isinstance(t, ast.Name):
                    if value is None:
                        self.env.pop(t.id, None)
                    else:
                        self.env[t.id] = list(value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            if isinstance(node.op, ast.Add):
                cur, add = self._lookup(node.target.id), self._eval(node.value)
                if cur is not None and add is not None:
                    self.env[node.target.id] = cur + add
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            func = call.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and call.args:
                cur = self._lookup(func.value.id)
                if cur is None:
                    return
                if func.attr == "extend":
                    add = self._eval(call.args[0])
                    if add is not None:
                        self.env[func.value.id] = cur + add
                elif func.attr == "append":
                    pair = self._pair(call.args[0])
                    if pair is not None:
                        self.env[func.value.id] = cur + [pair]
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            for body in ("body", "orelse", "finalbody"):
                for sub in getattr(node, body, []) or []:
                    self._stmt(sub)
            for handler in getattr(node, "handlers", []) or []:
                for sub in handler.body:
                    self._stmt(sub)

    @staticmethod
    def _pair(node: ast.AST) -> Optional[list]:
        if (
            isinstance(node, (ast.Tuple, ast.List))
            and len(node.elts) == 2
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
        ):
            return [node.elts[0].value, node.elts[1].value]
        return None

    def _eval(self, node: ast.AST) -> Optional[list]:
        if isinstance(node, (ast.List, ast.Tuple)):
            if isinstance(node, ast.Tuple) and self._pair(node) is not None:
                return None  # a single pair, not a list of them
            out = []
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    sub = self._eval(elt.value)
                    if sub is not None:
                        out.extend(sub)
                    continue
                pair = self._pair(elt)
                if pair is not None:
                    out.append(pair)
            return out
        if isinstance(node, ast.Name):
            return self._lookup(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._eval(node.left), self._eval(node.right)
            if left is None or right is None:
                return None
            return left + right
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("list", "tuple")
            and len(node.args) == 1
        ):
            return self._eval(node.args[0])
        return None

    def _lookup(self, name: str) -> Optional[list]:
        if name in self.env:
            return list(self.env[name])
        if name in self.imports and self.depth < 3:
            key = self.imports[name]
            if key not in self._imported:
                self._imported[key] = self._from_module(*key)
            value = self._imported[key]
            return list(value) if value is not None else None
        return None

    def _from_module(self, module: str, attr: str) -> Optional[list]:
        path = module_file(module, self.roots)
        parsed = try_parse_file(path) if path else None
        if parsed is None:
            return None
        sub = _ListEvaluator(module, path, self.roots, self.depth + 1).run(parsed[1].body)
        return sub.env.get(attr)


def module_plugin_descs(path: str, module: str, categories: List[str], roots: dict) -> Dict[str, list]:
    """{category: [[name, absolute class path], ...]} declared by one plugins module.

    `module` is its dotted name (its package anchors relative class paths). The "cli"
    category includes TRAMPOLINE_CLIS_DESC, as process_plugins() merges it.
    """
    _, tree = parse_file(path)
    env = _ListEvaluator(module, path, roots).run(tree.body).env
    package = module if os.path.basename(path) == "__init__.py" else module.rpartition(".")[0]
    out: Dict[str, list] = {}
    for cat in categories:
        pairs = list(env.get(desc_var(cat), []))
        if cat == "cli":
            pairs += env.get(TRAMPOLINE, [])
        out[cat] = [[n, resolve_class_path(p, package)] for n, p in pairs]
    return out


def plugin_descs(pkg_dir: str) -> Dict[str, list]:
    """What Metaflow core ships: {category: [[name, class_path], ...]} in declaration order."""
    cats = plugin_categories(pkg_dir)
    roots = {"metaflow": pkg_dir}
    return module_plugin_descs(os.path.join(pkg_dir, CORE_PLUGINS_FILE), CORE_PLUGINS_MODULE, cats, roots)


def unique_names(pairs: list) -> List[str]:
    """Plugin names in the order Metaflow's dict keeps them (first position, later value wins)."""
    seen, out = set(), []
    for name, _ in pairs:
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def plugin_names(pkg_dir: str) -> Dict[str, List[str]]:
    """{category: [plugin name, ...]} for every category, core Metaflow only.

    E.g. {"datastore": ["local", "spin", "s3", "azure", "gs"], "azure_client_provider":
    ["azure-default"], ...}; a category with no core plugins maps to [].
    """
    return {cat: unique_names(pairs) for cat, pairs in plugin_descs(pkg_dir).items()}


def merged_plugin_names(core: Dict[str, List[str]], extensions: list) -> Dict[str, List[str]]:
    """Core names followed by each extension's (in load order), as Metaflow merges them.

    `extensions` is the output of `extensions.extension_configs()`.
    """
    out = {cat: list(names) for cat, names in core.items()}
    for ext in extensions:
        for mod in ext.get("plugin_modules", []):
            for cat, names in mod.get("plugins", {}).items():
                lst = out.setdefault(cat, [])
                lst.extend(n for n in names if n not in lst)
    return out
