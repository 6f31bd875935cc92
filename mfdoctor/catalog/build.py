"""Build the catalog data from an installed Metaflow's source files, without importing it."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from typing import Optional

from .parse import debug_comment, literal_list, parse_config_source

# Bump when the shape of the catalog data changes (invalidates caches).
FORMAT = 3

_VERSION_RE = re.compile(r"""metaflow_version\s*=\s*["']([^"']+)["']""")


def find_metaflow() -> Optional[str]:
    """The installed `metaflow` package directory, located by importlib's finder only."""
    try:
        spec = importlib.util.find_spec("metaflow")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith("__init__.py"):
        return None
    pkg_dir = os.path.dirname(spec.origin)
    if not os.path.isfile(os.path.join(pkg_dir, "metaflow_config.py")):
        return None
    return pkg_dir


def metaflow_version(pkg_dir: str) -> str:
    try:
        with open(os.path.join(pkg_dir, "version.py"), encoding="utf-8") as f:
            m = _VERSION_RE.search(f.read())
        return m.group(1) if m else "unknown"
    except OSError:
        return "unknown"


def extension_roots() -> list:
    """Directories of the `metaflow_extensions` namespace package, as Python would find them."""
    roots = []
    search = os.environ.get("METAFLOW_EXTENSIONS_SEARCH_DIRS", "")
    dirs = [d for d in search.split(os.pathsep) if d] or sys.path
    for d in dirs:
        cand = os.path.join(d or ".", "metaflow_extensions")
        if os.path.isdir(cand):
            roots.append(os.path.realpath(cand))
    return roots


def fingerprint_files(pkg_dir: str) -> list:
    """The files whose change must invalidate the cached catalog."""
    files = [
        os.path.join(pkg_dir, rel)
        for rel in (
            "version.py",
            "metaflow_config.py",
            "metaflow_config_funcs.py",
            os.path.join("plugins", "__init__.py"),
            os.path.join("extension_support", "plugins.py"),
            "cli.py",
        )
    ]
    for root in extension_roots():
        files.append(root)
        try:
            orgs = sorted(os.listdir(root))
        except OSError:
            continue
        for org in orgs:
            for sub in ("config", "plugins"):
                d = os.path.join(root, org, sub)
                if os.path.isdir(d):
                    files.extend(os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".py"))
    return files


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def build_catalog_data(pkg_dir: str, source: str = "installed") -> dict:
    """Everything mfdoctor needs to know about one Metaflow installation, as JSON data."""
    from . import sources  # only needed when the cache is cold

    config_src = _read(os.path.join(pkg_dir, "metaflow_config.py"))
    data = {
        "format": FORMAT,
        "source": source,
        "metaflow_version": metaflow_version(pkg_dir),
        "program": parse_config_source(config_src, "metaflow_config.py"),
        "debug_options": literal_list(config_src, "DEBUG_OPTIONS"),
        "debug_doc": debug_comment(config_src),
        "plugin_categories": sources.plugin_categories(pkg_dir),
        "plugins": sources.plugin_names(pkg_dir),
    }
    env = sources.env_names(pkg_dir)
    data["env_read"] = sorted(env.get("read", []))
    data["env_set"] = sorted(env.get("set", []))
    data["env_other"] = sorted(env.get("other", []))
    data["cli_envvars"] = sorted(sources.cli_envvars(pkg_dir))
    data["extensions"] = _extensions(sources)
    return data


def _extensions(sources) -> list:
    out = []
    for ext in sources.extension_configs():
        mods = []
        for path in ext.get("config_paths", []):
            try:
                mods.append({"path": path, "program": parse_config_source(_read(path), path)})
            except (OSError, SyntaxError, UnicodeDecodeError) as exc:
                mods.append({"path": path, "program": [], "error": str(exc)})
        item = dict(ext)
        item["config_modules"] = mods
        out.append(item)
    return out
