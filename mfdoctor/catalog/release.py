"""What differs between Metaflow releases, read from the installed source.

mfdoctor supports Metaflow 2.9 and later. Facts that changed between releases are read
from the files, never assumed from the release the tests pin:

- the project-local `.metaflow/config.json` exists only where `metaflow_config_funcs.py`
  defines `init_local_config` (first in 2.12.11-2.12.15; 2.9 reads no such file);
- the release number comes from `version.py`, or the dist-info (see locate.py);
- the CLI layout (`sources=[cli] + plugins.get_plugin_cli()` up to 2.12.35) is handled
  by cli_envvars; plugin categories and secrets providers by plugins.py.
"""

from __future__ import annotations

import os

from .locate import version_tuple
from .pysource import try_parse_file

OLDEST_SUPPORTED = (2, 9)


def release_facts(pkg_dir: str) -> dict:
    funcs = try_parse_file(os.path.join(pkg_dir, "metaflow_config_funcs.py"))
    names = set()
    if funcs:
        import ast  # only on a cold cache

        names = {n.name for n in funcs[1].body if isinstance(n, ast.FunctionDef)}
    return {
        # Unreadable funcs file: assume the newer behaviour (reads the file) rather than hide it.
        "local_config": "init_local_config" in names or funcs is None,
        "version_source": "version.py" if os.path.isfile(os.path.join(pkg_dir, "version.py"))
        else "dist-info",
    }


def supported(version: str) -> bool:
    """False only for a release number below the oldest supported one ("unknown" is
    not judged: the snapshot or a fork may say so)."""
    parts = version_tuple(version)
    return not parts or parts[:2] >= OLDEST_SUPPORTED


def oldest_supported() -> str:
    return ".".join(str(p) for p in OLDEST_SUPPORTED)


__all__ = ["OLDEST_SUPPORTED", "oldest_supported", "release_facts", "supported"]
