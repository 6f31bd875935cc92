"""Build the catalog data from an installed Metaflow's source files, without importing it."""

from __future__ import annotations

import os

from ..vocabulary import PREFIX
from .locate import metaflow_version
from .parse import debug_comment, literal_list, parse_config_source
from .release import release_facts

# Bump when the catalog data changes shape, or a reader finds more in the same
# source (invalidates caches).
FORMAT = 12

_CORE_FILES = (
    "version.py",
    "metaflow_config.py",
    "metaflow_config_funcs.py",
    os.path.join("plugins", "__init__.py"),
    os.path.join("extension_support", "plugins.py"),
    os.path.join("extension_support", "__init__.py"),
    "cli.py",
)


def fingerprint_files(pkg_dir: str, extensions: bool = True) -> list:
    """The files whose change must invalidate the cached catalog."""
    from .remote import source_files  # small; only on a fingerprint

    files = [os.path.join(pkg_dir, rel) for rel in _CORE_FILES] + source_files(pkg_dir)
    if extensions:
        # Imported here: with the bundled snapshot (no Metaflow installed) `show` never
        # loads the extension readers, which saves start-up time.
        from .extensions import extension_source_files

        # Extensions found as Metaflow finds them (sys.path and installed distributions,
        # filtered by METAFLOW_EXTENSIONS_SEARCH_DIRS).
        files.extend(extension_source_files())
    return files


def content_hashes(pkg_dir: str) -> dict:
    """SHA-256 of each core and remote-target file, to recognise the exact release the
    snapshot came from."""
    import hashlib  # only on a cold cache: spares every warm `show` the import

    from .remote import source_files

    rels = list(_CORE_FILES) + [os.path.relpath(p, pkg_dir) for p in source_files(pkg_dir)]
    out = {}
    for rel in rels:
        try:
            with open(os.path.join(pkg_dir, rel), "rb") as f:
                out[rel.replace(os.sep, "/")] = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            out[rel.replace(os.sep, "/")] = None
    return out


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def build_catalog_data(pkg_dir: str, source: str = "installed") -> dict:
    """Everything mfdoctor needs to know about one Metaflow installation, as JSON data."""
    # Imported here to save start-up time: the source readers are only needed when the
    # cache is cold.
    from . import sources
    from .remote import remote_data

    config_src = _read(os.path.join(pkg_dir, "metaflow_config.py"))
    facts = sources.collect_all(pkg_dir)
    env = facts["env"]
    cli = {k: v for k, v in facts["cli_envvars"].items() if k.startswith(PREFIX)}
    return {
        "format": FORMAT,
        "source": source,
        "metaflow_version": metaflow_version(pkg_dir),
        "file_hashes": content_hashes(pkg_dir),
        "program": parse_config_source(config_src, "metaflow_config.py"),
        # Release-dependent behaviour, read from the installed source (see catalog/release.py).
        "release": release_facts(pkg_dir),
        "debug_options": literal_list(config_src, "DEBUG_OPTIONS"),
        "debug_doc": debug_comment(config_src),
        "plugin_categories": facts["plugin_categories"],
        # Valid plugin names include the extensions' (a DEFAULT_DATASTORE they add is fine).
        "plugins": facts["plugins_all"],
        "env_read": sorted(env.get("read", [])),
        "env_set": sorted(env.get("set", [])),
        "env_other": sorted(env.get("other", [])),
        "env_locations": env.get("locations", {}),
        "cli_envvars": sorted(cli),
        "cli_details": cli,
        "cli_parameter_prefixes": facts.get("cli_parameter_prefixes", {}),
        # Options of CLI groups an extension's TOGGLE_CLI removes: read by nothing.
        "cli_disabled": {k: {f: v[f] for f in ("command", "option", "plugin", "removed_by")}
                         for k, v in facts.get("cli_disabled", {}).items() if k.startswith(PREFIX)},
        # What each remote target (kubernetes, argo-workflows, ...) forwards to a task.
        "remote": remote_data(pkg_dir),
        "extensions": [dict(ext, name=ext.get("org") or ext.get("package") or "extension")
                       for ext in facts["extensions"]],
    }
