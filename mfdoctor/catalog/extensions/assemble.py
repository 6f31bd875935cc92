"""Assembling what each installed extension contributes: its config and plugins
modules found per extension point (Metaflow's `process_file()` rules, and the errors
that make `import metaflow` fail), each read with the interpreter.

An extension point's module is `<org>/<point>/mfextinit_*.py` or `<org>/<point>/__init__.py`
(exactly one; more than one, or files without one, make `import metaflow` fail).
`DEBUG_OPTIONS` in a config module extends the `DEBUG_*` family and `TOGGLE_DECOSPECS`
feeds `DEFAULT_DECOSPECS`; neither is copied. Plugins modules
(`<org>/plugins/mfextinit_*.py`) add plugins per category and may set `ENABLED_<CAT>` /
`TOGGLE_<CAT>`.
"""

from __future__ import annotations

import ast
import os
import re
from typing import Dict, List, Optional

from ...pyast import literal_json
from ..plugins import desc_var, module_plugin_descs, plugin_categories, unique_names
from ..pysource import module_name, try_parse_file
from .discover import EXT_PKG, discover_packages
from .interpret import Assignments, is_key_name
from .loader import find_config_loader
from .program import parse_extension_program

# Defaults as in Metaflow 2.19; read from the installed source when we have it.
_DEFAULT_CONFIG_RE = r"^mfextinit_[a-zA-Z0-9_-]+\.py$"
_DEFAULT_POINTS = [
    "plugins.env_escape",
    "plugins.cards",
    "plugins.datatools",
    "plugins",
    "config",
    "exceptions",
    "toplevel",
    "cmd",
    "alias",
]
# Config-module names Metaflow treats specially instead of copying.
_SPECIAL_CONFIG_NAMES = {"DEBUG_OPTIONS", "TOGGLE_DECOSPECS"}


def _extension_rules(pkg_dir: Optional[str]):
    """(config file regexp, extension points) from the installed extension_support."""
    pattern, points = _DEFAULT_CONFIG_RE, list(_DEFAULT_POINTS)
    if pkg_dir:
        parsed = try_parse_file(os.path.join(pkg_dir, "extension_support", "__init__.py"))
        if parsed:
            for node in parsed[1].body:
                if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
                    continue
                name = node.targets[0].id
                if name == "_extension_points":
                    ok, val = literal_json(node.value)
                    if ok and isinstance(val, list):
                        points = val
                elif name == "EXT_CONFIG_REGEXP" and isinstance(node.value, ast.Call) and node.value.args:
                    ok, val = literal_json(node.value.args[0])
                    if ok and isinstance(val, str):
                        pattern = val
    return re.compile(pattern), points


def _read_module(path: str, module: str):
    """({"module", "path"}, (source, tree)); an "error" and None when it cannot be parsed."""
    out = {"module": module, "path": path}
    parsed = try_parse_file(path)
    if parsed is None:
        out["error"] = "cannot read or parse %s" % path
    return out, parsed


def parse_config_module(path: str, module: str, roots: dict) -> dict:
    """What one extension config module contributes to `metaflow_config`."""
    out, parsed = _read_module(path, module)
    if parsed is None:
        return out
    source, tree = parsed
    a = Assignments(source, module, path, roots).run(tree.body)
    special = {n: a.literals.pop(n) for n in list(a.literals) if n in _SPECIAL_CONFIG_NAMES}
    special_expr = {n: a.expressions.pop(n) for n in list(a.expressions) if n in _SPECIAL_CONFIG_NAMES}
    drop = lambda d: {k: v for k, v in d.items() if not k.startswith("__")}  # noqa: E731
    out.update(
        literals=drop(a.literals),
        expressions=drop(a.expressions),
        from_conf=drop(a.from_conf),
        functions=[f for f in a.functions if not f.startswith("__")],
        lines={k: v for k, v in a.lines.items() if not k.startswith("__") and k not in _SPECIAL_CONFIG_NAMES},
        conditional=[n for n in a.conditional if not n.startswith("__")],
        star_imports=a.star_imports,
        debug_options=_str_list(special.get("DEBUG_OPTIONS")),
        toggle_decospecs=_str_list(special.get("TOGGLE_DECOSPECS")),
    )
    # Names an extension sets that Metaflow will read from the environment too.
    out["keys"] = sorted(
        {n for n in list(out["literals"]) + list(out["expressions"]) if is_key_name(n)}
        | {c["key"] for c in out["from_conf"].values()}
        | {"DEBUG_%s" % d.upper() for d in out["debug_options"]}
    )
    if special_expr:
        out["special_expressions"] = special_expr
    # The module as a program the resolver replays (program.py): the source of truth
    # for values; the summaries above describe what it defines.
    imported = {n: v for n, v in list(out["literals"].items()) + list(special.items()) if n in a.imports}
    try:
        out["program"] = parse_extension_program(source, path, imported)
    except (SyntaxError, ValueError):
        out["program"] = []
    return out


def _str_list(value) -> List[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def parse_plugins_module(path: str, module: str, categories: List[str], roots: dict) -> dict:
    """Plugins one extension plugins module adds, and its ENABLED_*/TOGGLE_* settings."""
    out, parsed = _read_module(path, module)
    if parsed is None:
        return out
    source, tree = parsed
    descs = module_plugin_descs(path, module, categories, roots)
    out["plugin_descs"] = {c: p for c, p in descs.items() if p}
    out["plugins"] = {c: unique_names(p) for c, p in descs.items() if p}
    a = Assignments(source, module, path, roots).run(tree.body)
    upper = {c.upper() for c in categories}
    enabled, toggles, unknown = {}, {}, {}
    for name in list(a.literals) + list(a.expressions):
        for prefix, dest in (("ENABLED_", enabled), ("TOGGLE_", toggles)):
            if name.startswith(prefix) and name[len(prefix):] in upper:
                if name in a.literals:
                    dest[name] = a.literals[name]
                else:
                    unknown[name] = a.expressions[name]
    out["enabled"] = enabled
    out["toggles"] = toggles
    if unknown:
        out["unknown"] = unknown
    # A DESC list we could not evaluate (built by a function, say): say so.
    unresolved = sorted(
        n for n in a.expressions if n in {desc_var(c) for c in categories} | {"TRAMPOLINE_CLIS_DESC"}
    )
    if unresolved:
        out["unresolved_descs"] = unresolved
    return out



def _point_modules(pkg: dict, config_re, points: List[str]):
    """Metaflow's process_file(): ({(point, org): [module files]}, [orgs], [(org|None, error)])."""
    split_points = [p.split(".") for p in points]
    init_points = {p[0] for p in split_points}
    found: Dict[tuple, list] = {}
    orgs: List[str] = []
    errors: List[tuple] = []

    def error(org, msg):
        if (org, msg) not in errors:
            errors.append((org, msg))

    name = pkg["name"]
    for root, rel in pkg["files"]:
        parts = rel.split("/")
        if len(parts) < 2 or parts[0] != EXT_PKG:
            continue
        if len(parts) == 2 and parts[1] == "__init__.py":
            error(None, "%s: '%s' is not an implicit namespace package (has __init__.py)" % (name, EXT_PKG))
        if parts[1] in init_points:
            msg = "%s: should be '%s.X.%s' (X = your organization), not '%s.%s'"
            error(None, msg % (name, EXT_PKG, parts[1], EXT_PKG, parts[1]))
        if len(parts) <= 3:
            continue
        for point, plist in zip(points, split_points):
            if len(parts) > len(plist) + 2 and parts[2 : 2 + len(plist)] == plist:
                if parts[1] not in orgs:
                    orgs.append(parts[1])
                entry = found.setdefault((point, parts[1]), [])
                is_init = config_re.match(parts[-1]) or parts[-1] == "__init__.py"
                if len(parts) == len(plist) + 3 and is_init:
                    entry.append((root, rel))
                break
    for (point, org), mods in found.items():
        if len(mods) > 1:
            files = ", ".join(m[1] for m in mods)
            error(org, "%s[%s]: more than one configuration file for '%s': %s" % (name, org, point, files))
        elif not mods and point != "plugins.cards":
            msg = "%s[%s]: no configuration file (mfextinit_*.py or __init__.py) for '%s'"
            error(org, msg % (name, org, point))
    return found, orgs, errors


def extension_configs(
    pkg_dir: Optional[str] = None, env=None, search_path: Optional[List[str]] = None
) -> List[dict]:
    """One entry per (package, org) in Metaflow's load order (later entries win):

    {"org", "package", "version", "distribution", "root",
     "config_paths": [abs path], "configs": [parse_config_module(...)],
     "plugin_paths": [abs path], "plugin_modules": [parse_plugins_module(...)],
     "errors": [why `import metaflow` would fail]}

    `pkg_dir` (the installed metaflow) supplies the plugin categories and extension rules;
    `env` defaults to os.environ (for METAFLOW_EXTENSIONS_SEARCH_DIRS), `search_path` to sys.path.
    """
    packages = discover_packages(env=env, search_path=search_path)
    if not packages:
        return []
    config_re, points = _extension_rules(pkg_dir)
    categories = plugin_categories(pkg_dir) if pkg_dir else []
    roots = {EXT_PKG: [r for p in packages for r in p["roots"]]}
    if pkg_dir:
        roots["metaflow"] = pkg_dir
    out = []
    for pkg in packages:
        found, orgs, errors = _point_modules(pkg, config_re, points)
        if not orgs:
            if errors:
                root = pkg["roots"][0] if pkg["roots"] else None
                out.append(_entry(pkg, None, root, [msg for _, msg in errors]))
            continue
        for org in orgs:
            root = next((r for r, rel in pkg["files"] if rel.split("/")[1:2] == [org]), None)
            entry = _entry(pkg, org, root, [msg for o, msg in errors if o in (None, org)])
            for r, rel in pkg["files"]:
                if rel == "%s/%s/__init__.py" % (EXT_PKG, org):
                    loader = find_config_loader(os.path.join(os.path.dirname(r), rel),
                                                "%s.%s" % (EXT_PKG, org), roots)
                    if loader:
                        entry["config_loader"] = loader
            for r, rel in found.get(("config", org), []):
                path = os.path.join(os.path.dirname(r), rel)
                entry["config_paths"].append(path)
                entry["configs"].append(parse_config_module(path, module_name(rel), roots))
            for r, rel in found.get(("plugins", org), []):
                path = os.path.join(os.path.dirname(r), rel)
                entry["plugin_paths"].append(path)
                parsed = parse_plugins_module(path, module_name(rel), categories, roots)
                entry["plugin_modules"].append(parsed)
            out.append(entry)
    return out


def _entry(pkg: dict, org: Optional[str], root: Optional[str], errors: List[str]) -> dict:
    return {
        "org": org,
        "package": pkg["name"],
        "version": pkg["version"],
        "distribution": pkg["distribution"],
        "root": root,
        "config_paths": [],
        "configs": [],
        "plugin_paths": [],
        "plugin_modules": [],
        "errors": errors,
    }

