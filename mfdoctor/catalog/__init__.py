"""The known key set: from the installed Metaflow (parsed, cached) or the bundled snapshot.

Repeated runs do no parsing: the parsed catalog is cached as JSON in the user's cache
directory, keyed by Metaflow version and a fingerprint (path, size, mtime) of every
source file it was read from. A cache that cannot be written is not an error.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import Optional

from .build import FORMAT, build_catalog_data, content_hashes, fingerprint_files
from .locate import find_metaflow, metaflow_version
from ..vocabulary import PREFIX  # re-exported: importers say `from mfdoctor.catalog import PREFIX`
from .model import Catalog, KeySpec, full_name

__all__ = ["Catalog", "KeySpec", "PREFIX", "full_name", "load_catalog", "cache_dir", "write_json_atomic"]

SNAPSHOT = os.path.join(os.path.dirname(__file__), "snapshot.json")


def cache_dir() -> str:
    base = os.environ.get("MFDOCTOR_CACHE_DIR")
    if base:
        return base
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "mfdoctor")


def _fingerprint(files: list) -> str:
    # crc32 over (path, size, mtime): a cache key, not a security boundary, and it
    # spares `show` the hashlib import.
    text = str(FORMAT)
    for path in files:
        try:
            st = os.stat(path)
            text += "%s|%d|%d\n" % (path, st.st_size, st.st_mtime_ns)
        except OSError:
            text += "%s|-\n" % path
    return "%08x%08x" % (zlib.crc32(text.encode()), len(text))


def _load_json(path: str) -> Optional[dict]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) and data.get("format") == FORMAT else None
    except (OSError, ValueError):
        return None


def write_json_atomic(path: str, data: dict) -> None:
    import tempfile  # only on a cold cache

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except OSError:
        pass  # read-only home, full disk: the next run parses again


def load_snapshot() -> Catalog:
    with open(SNAPSHOT, encoding="utf-8") as f:
        st = os.fstat(f.fileno())
        data = json.load(f)
    data["source"] = "bundled"
    cat = Catalog(data)
    cat.cache_key = "bundled|%d|%d" % (st.st_size, st.st_mtime_ns)
    return cat


CATALOG_CHOICES = ("auto", "bundled", "parse")


class CatalogChoiceError(ValueError):
    """MFDOCTOR_CATALOG names no catalog source (the CLI prints it and exits 2)."""


def load_catalog(prefer: str = "auto") -> Catalog:
    """`auto`: the installed Metaflow if there is one, else the bundled snapshot.

    `MFDOCTOR_CATALOG=bundled` forces the snapshot (useful to compare machines);
    `MFDOCTOR_CATALOG=parse` always parses the installed Metaflow on a cold cache.
    """
    prefer = os.environ.get("MFDOCTOR_CATALOG") or prefer
    if prefer not in CATALOG_CHOICES:
        raise CatalogChoiceError("MFDOCTOR_CATALOG=%s is not one of %s (unset it to use the installed "
                                 "Metaflow)" % (prefer, ", ".join(CATALOG_CHOICES)))
    if prefer == "bundled":
        cat = load_snapshot()
        cat.source = "bundled (MFDOCTOR_CATALOG=bundled)"
        return cat
    pkg_dir = find_metaflow()
    if pkg_dir is None:
        return load_snapshot()
    version = metaflow_version(pkg_dir)
    files = fingerprint_files(pkg_dir)
    path = os.path.join(cache_dir(), "catalog-%s-%s.json" % (version, _fingerprint(files)))
    data = _load_json(path)
    if data is None and prefer != "parse":
        data = _snapshot_if_identical(pkg_dir, version, files)
    if data is None:
        try:
            data = build_catalog_data(pkg_dir, "installed")
        except (OSError, SyntaxError, UnicodeDecodeError):
            # A broken or partial install: fall back to what we ship, and say so.
            cat = load_snapshot()
            cat.source = "bundled (installed Metaflow %s at %s could not be read)" % (version, pkg_dir)
            cat.installed_version = version
            return cat
    if data.get("package_dir") != pkg_dir:
        data["package_dir"] = pkg_dir
        write_json_atomic(path, data)
    cat = Catalog(data)
    cat.cache_key = path  # the version and the fingerprint of every file it was read from
    return cat


def _snapshot_if_identical(pkg_dir: str, version: str, files: list) -> Optional[dict]:
    """On a cold cache, the bundled snapshot when the installed Metaflow is the very
    release it was made from (same version, same bytes in the files the catalog reads,
    no extensions): parsing ~300 modules again would give the same data, slowly."""
    try:
        with open(SNAPSHOT, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if data.get("format") != FORMAT or data.get("metaflow_version") != version:
        return None
    core = fingerprint_files(pkg_dir, extensions=False)
    if len(files) != len(core) or data.get("file_hashes") != content_hashes(pkg_dir):
        return None
    data["source"] = "installed"
    return data
