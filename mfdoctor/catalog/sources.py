"""Catalog facts that come from Metaflow's source files other than `metaflow_config.py`.

Nothing here imports Metaflow or an extension: files are located with importlib's
finders and read with `ast`. Every result is plain JSON data (it is cached on disk and
shipped in the bundled snapshot).

    plugin_categories(pkg_dir)      -> ["step_decorator", ..., "azure_client_provider", ...]
    plugin_names(pkg_dir)           -> {"datastore": ["local", "spin", "s3", "azure", "gs"], ...}
    extension_configs(pkg_dir=None) -> [{"org", "package", "config_paths", "configs", ...}, ...]
    cli_envvars(pkg_dir)            -> {"METAFLOW_RUN_MAX_WORKERS": {"command": "run", ...}, ...}
    env_names(pkg_dir)              -> {"read": [...], "set": [...], "other": [...], "locations": {...}}
    collect_all(pkg_dir)            -> all of the above, extension-aware, in one pass

The implementations live in plugins.py, extensions.py, cli_envvars.py and env_names.py.
"""

from __future__ import annotations

from typing import List, Optional

from . import cli_envvars as _cli
from . import env_names as _env
from . import extensions as _ext
from . import plugins as _plugins
from .locate import find_metaflow

plugin_categories = _plugins.plugin_categories
plugin_names = _plugins.plugin_names
plugin_descs = _plugins.plugin_descs
merged_plugin_names = _plugins.merged_plugin_names
cli_envvars = _cli.cli_envvars
cli_tree = _cli.cli_tree
cli_parameter_prefixes = _cli.cli_parameter_prefixes
env_names = _env.env_names
extension_source_files = _ext.extension_source_files


def extension_configs(
    pkg_dir: Optional[str] = None, env=None, search_path: Optional[List[str]] = None
) -> List[dict]:
    """Installed extensions in load order; see `extensions.extension_configs`.

    `pkg_dir` defaults to the installed Metaflow (needed for the plugin categories).
    """
    if pkg_dir is None:
        pkg_dir = find_metaflow()
    return _ext.extension_configs(pkg_dir, env=env, search_path=search_path)


def collect_all(pkg_dir: str, env=None, search_path: Optional[List[str]] = None) -> dict:
    """Everything above for one installation, with extensions taken into account:

    {"plugin_categories": [...], "plugins": {core}, "plugins_all": {core + extensions},
     "extensions": [...], "cli_envvars": {...}, "cli_parameter_prefixes": {...},
     "cli_commands": [...], "cli_disabled": {...} (options of CLI groups an extension
     removes), "env": env_names(...) (extension roots scanned too)}
    """
    exts = _ext.extension_configs(pkg_dir, env=env, search_path=search_path)
    core = plugin_names(pkg_dir)
    tree = cli_tree(pkg_dir, exts)
    roots = sorted({e["root"] for e in exts if e.get("root")})
    return {
        "plugin_categories": plugin_categories(pkg_dir),
        "plugins": core,
        "plugins_all": merged_plugin_names(core, exts),
        "extensions": exts,
        "cli_envvars": tree["envvars"],
        "cli_parameter_prefixes": tree["parameter_prefixes"],
        "cli_commands": tree["commands"],
        "cli_disabled": tree["disabled"],
        "env": env_names(pkg_dir, extra_dirs=roots),
    }


__all__ = [
    "plugin_categories",
    "plugin_names",
    "plugin_descs",
    "merged_plugin_names",
    "extension_configs",
    "extension_source_files",
    "cli_envvars",
    "cli_tree",
    "cli_parameter_prefixes",
    "env_names",
    "collect_all",
]
