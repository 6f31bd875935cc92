"""The working directory, or where it was when it has been deleted.

Only `resolve()` reports a deleted directory (Metaflow's import fails there too); every
other room just needs a path to show relative names against, and must not fail over it."""

from __future__ import annotations

import os


def working_dir() -> str:
    try:
        return os.getcwd()
    except OSError:  # deleted while we run (or before): the shell's idea of it
        return os.environ.get("PWD") or "/"
