"""Config loaders that extensions install, recognised without running them.

Outerbounds' org package (`metaflow_extensions/outerbounds/__init__.py`, imported as a
`toplevel` point before `metaflow_config`) does

    metaflow.metaflow_config_funcs.METAFLOW_CONFIG = init_config()

so every `from_conf` sees *its* dict as the profile layer. Its `init_config()`
(`remote_config.py`) returns the JSON cached in the environment variable
`CONFIG_READ_ONCE_KEY` (`__REMOTE_CONFIG_HAS_BEEN_RESOLVED__`) when set, without
reading the profile file; else the profile file, unless that names a remote
configuration under `OBP_REMOTE_CONFIG_KEY` (`OBP_METAFLOW_CONFIG_URL`), fetched from
the server with the profile's `AUTH_KEY`. The constant names are read from the loader
module; a loader of another shape is recorded as not modelled.
"""

from __future__ import annotations

import ast
from typing import Optional

from ...pyast import dotted, literal_json
from ..pysource import module_file, resolve_relative, try_parse_file

_CONSTANTS = {"CONFIG_READ_ONCE_KEY": "cache_env", "OBP_REMOTE_CONFIG_KEY": "url_key",
              "AUTH_KEY": "auth_key"}


def find_config_loader(org_init: str, module: str, roots: dict) -> Optional[dict]:
    """{"module", "path", "line", "modelled", "cache_env", "url_key", "auth_key"} when the
    org package replaces `metaflow_config_funcs.METAFLOW_CONFIG`, else None."""
    parsed = try_parse_file(org_init)
    if parsed is None:
        return None
    imports, found = {}, None
    for node in parsed[1].body:
        if isinstance(node, ast.ImportFrom):
            mod = resolve_relative(module, True, node.level, node.module)
            for a in node.names:
                imports[a.asname or a.name] = mod
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "METAFLOW_CONFIG"
                and (dotted(t.value) or "").endswith("metaflow_config_funcs") for t in node.targets):
            found = node
    if found is None:
        return None
    out = {"module": module, "path": org_init, "line": found.lineno, "modelled": False}
    func = dotted(found.value.func) if isinstance(found.value, ast.Call) else None
    loader_mod = imports.get(func or "")
    path = module_file(loader_mod, roots) if loader_mod else None
    loader = try_parse_file(path) if path else None
    if loader is None:
        return out
    out["loader_module"] = loader_mod
    out.update(_constants(loader[1], _CONSTANTS))
    out["modelled"] = all(f in out for f in _CONSTANTS.values())
    out["expands_home"] = _expands_home(loader[1])
    perimeter = _perimeter(loader_mod, loader[1], roots)
    if perimeter:
        out["perimeter"] = perimeter
    return out


def _constants(tree: ast.Module, fields: dict) -> dict:
    """{field: value} of the module-level string constants named in `fields`."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            field = fields.get(node.targets[0].id)
            ok, value = literal_json(node.value)
            if field and ok and isinstance(value, str):
                out[field] = value
    return out


def _expands_home(tree: ast.Module) -> bool:
    """Whether the function that reads METAFLOW_HOME expands `~` in it: Outerbounds'
    `read_config_from_local` does `Path(os.environ.get("METAFLOW_HOME", ...))` and
    never calls expanduser, so `METAFLOW_HOME=~/alt` names a directory `~` under the
    current one. A loader that mentions no METAFLOW_HOME counts as expanding."""
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        inner = list(ast.walk(node))
        if any(isinstance(n, ast.Constant) and n.value == "METAFLOW_HOME" for n in inner):
            return any(isinstance(n, ast.Attribute) and n.attr == "expanduser" for n in inner)
    return True


# Outerbounds' perimeter file (plugins/perimeters.py): `ob_config[_<PROFILE>].json` in
# $OBP_CONFIG_DIR, else $METAFLOW_HOME (both expanded), whose perimeter URL replaces the
# profile's OBP_METAFLOW_CONFIG_URL.
_PERIMETER = {"CURRENT_PERIMETER_KEY": "key", "CURRENT_PERIMETER_URL": "url_key",
              "CURRENT_PERIMETER_URL_LEGACY_KEY": "legacy_url_key"}


def _perimeter(loader_mod: str, tree: ast.Module, roots: dict) -> Optional[dict]:
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom) or not any("perimeter" in a.name for a in node.names):
            continue
        mod = resolve_relative(loader_mod, False, node.level, node.module)
        path = module_file(mod, roots)
        parsed = try_parse_file(path) if path else None
        if parsed is None:
            return None
        out = _constants(parsed[1], _PERIMETER)
        strings = {n.value for n in ast.walk(parsed[1]) if isinstance(n, ast.Constant)}
        if len(out) == len(_PERIMETER) and {"OBP_CONFIG_DIR", "ob_config.json"} <= strings:
            return dict(out, module=mod, dir_env="OBP_CONFIG_DIR", file="ob_config")
        return None
    return None
