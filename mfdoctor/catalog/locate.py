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
    try:
        with open(os.path.join(pkg_dir, "version.py"), encoding="utf-8") as f:
            m = _VERSION_RE.search(f.read())
        return m.group(1) if m else "unknown"
    except OSError:
        return "unknown"
