"""Paths as CI tools want them: relative to a base directory (the working directory for
SARIF's SRCROOT, `GITHUB_WORKSPACE` for annotations) when the file is under it, so an
alert or annotation lands on the repository file; absolute otherwise."""

from __future__ import annotations

import os
from typing import Optional


def relative_to(path: str, base: str) -> Optional[str]:
    """`path` relative to `base` with `/` separators, or None when it is outside `base`.
    A relative `path` is taken relative to the working directory, as the checks write it."""
    try:
        ap = os.path.abspath(path)
        ab = os.path.abspath(base)
        rel = os.path.relpath(ap, ab)
    except (ValueError, OSError):  # another drive (Windows); a deleted working directory
        return None
    if rel == os.curdir or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")
