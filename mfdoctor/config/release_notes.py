"""Findings about what the results describe: an unsupported Metaflow release, or the
bundled snapshot standing in for an installed release that could not be read. They go
with the resolution's problems, so `show`'s header and every `check` report carry them."""

from __future__ import annotations

from .. import ids
from ..catalog.release import oldest_supported
from ..findings import WARNING, Finding


def release_problems(catalog) -> list:
    out = []
    if not catalog.supported:
        out.append(Finding(
            ids.CONFIG_RELEASE, WARNING,
            "Metaflow %s is older than %s, the oldest release mfdoctor supports: its "
            "results may not match what this release does." % (catalog.version, oldest_supported()),
            fix="Upgrade Metaflow to %s or later, or treat mfdoctor's findings as hints." % oldest_supported(),
        ))
    installed = getattr(catalog, "installed_version", None)
    if installed and installed != catalog.version:
        out.append(Finding(
            ids.CONFIG_RELEASE, WARNING,
            "The installed Metaflow %s could not be read, so these results describe Metaflow "
            "%s (the bundled snapshot), not the installed release." % (installed, catalog.version),
            fix="Reinstall Metaflow (pip install --force-reinstall metaflow) so its source can be read.",
        ))
    return out
