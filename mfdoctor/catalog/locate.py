"""Where the installed Metaflow is and which release it is, found without importing it.

Both the catalog builder (what to parse, what to cache under) and the source readers
(their default package directory) start here, so neither imports the other.
"""

from __future__ import annotations

import importlib.util
import os
import re
from typing import Optional

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
    """`metaflow/version.py` (2.11 on); else the dist-info next to the package that
    installs it (2.9/2.10 read their version with pkg_resources; Outerbounds' fork is
    the distribution `ob-metaflow`, so the dist is found by its files, not its name)."""
    try:
        with open(os.path.join(pkg_dir, "version.py"), encoding="utf-8") as f:
            m = _VERSION_RE.search(f.read())
        if m:
            return m.group(1)
    except OSError:
        pass
    return _dist_info_version(pkg_dir) or "unknown"


def _dist_info_version(pkg_dir: str) -> Optional[str]:
    site = os.path.dirname(pkg_dir)
    pkg = os.path.basename(pkg_dir)
    try:
        entries = sorted(e for e in os.listdir(site) if e.endswith((".dist-info", ".egg-info")))
    except OSError:
        return None
    for entry in entries:
        base = os.path.join(site, entry)
        try:
            with open(os.path.join(base, "top_level.txt"), encoding="utf-8") as f:
                if pkg not in f.read().split():
                    continue
            meta = "METADATA" if entry.endswith(".dist-info") else "PKG-INFO"
            with open(os.path.join(base, meta), encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():
                        break
        except OSError:
            continue
    return None


def version_tuple(version: str) -> tuple:
    """(2, 9, 15) for "2.9.15" (and "2.19.39.1"); () when it is not a release number."""
    m = re.match(r"^(\d+(?:\.\d+)*)", version or "")
    return tuple(int(p) for p in m.group(1).split(".")) if m else ()
