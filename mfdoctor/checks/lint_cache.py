"""The findings of each unchanged file, kept between runs: the second half of the scan
cache (scan/cache.py), which spares the parsing; this spares the checks.

A file's findings depend on the file (its `stamp`: the scan cache's key, set only for a
file that may be kept: no secret in it, not just modified) and on everything the checks
read: the key catalog, the effective configuration (values and defaults: a default may
be derived from the environment), the settings, and the names the tree's flows define.
All of that is one `context` digest; a stored entry is used only for the same stamp and
the same context. Findings are stored as their JSON dicts (`Finding.to_dict`: messages already redacted)
and built again with `Finding.from_dict`, which redacts them once more with today's
secrets.
"""

from __future__ import annotations

import marshal
import os
import zlib
from typing import List, Optional, Tuple

from ..findings import Finding
from ..scan.cache import Store
from ..scan.model import ScanResult


def context_key(res, index, settings) -> Optional[str]:
    """The digest of every input of the file checks but the file, or None when one of
    them has no stable identity (then nothing is stored)."""
    catalog = res.catalog
    identity = getattr(catalog, "cache_key", None)
    if identity is None:
        return None
    parts = [identity, repr(settings)]
    tree = index.tree
    if tree is not None:
        parts.append(repr((sorted(tree.params), sorted(tree.options), sorted(tree.extension),
                           sorted(tree.where.items()), sorted(tree.spelled.items()))))
    for name, rk in res.keys.items():
        # A secret's value never reaches even a digest; its presence is enough here.
        value = (rk.value is not None) if rk.secret else rk.value
        parts.append("%s=%r/%r/%s" % (name, value, rk.default, rk.source))
    text = "\n".join(parts)
    return "%08x%08x" % (zlib.crc32(text.encode("utf-8", "surrogateescape")), len(text))


class FindingsCache:
    def __init__(self, paths: List[str], context: Optional[str]):
        self.context = context
        self.changed = False
        cwd = _cwd()
        self.store = Store("lint", "%s\0%r" % (cwd, list(paths))) \
            if context is not None and cwd is not None else None
        data = self.store.load() if self.store is not None else None
        self.entries: dict = data if isinstance(data, dict) else {}
        self.seen: set = set()

    def lookup(self, r: ScanResult) -> Optional[Tuple[list, int, int]]:
        """(findings, names, values) as `_lint_result` gave them for this very file and
        context, or None."""
        if self.store is None or r.stamp is None:
            return None
        self.seen.add(r.path)
        entry = self.entries.get(r.path)
        if entry is None or entry[0] != r.stamp or entry[1] != self.context:
            return None
        try:
            return [Finding.from_dict(d) for d in entry[2]], entry[3], entry[4]
        except (TypeError, ValueError, KeyError):
            return None

    def keep(self, r: ScanResult, findings: list, names: int, values: int) -> None:
        if self.store is None or r.stamp is None:
            return
        self.seen.add(r.path)
        entry = (r.stamp, self.context, [f.to_dict() for f in findings], names, values)
        try:
            marshal.dumps(entry)
        except ValueError:  # a detail marshal cannot store: this file is checked every run
            self.entries.pop(r.path, None)
            return
        self.entries[r.path] = entry
        self.changed = True

    def save(self) -> None:
        if self.store is None:
            return
        gone = set(self.entries).difference(self.seen)
        for path in gone:
            del self.entries[path]
        if self.changed or gone:
            self.store.save(self.entries)


def _cwd() -> Optional[str]:
    try:
        return os.getcwd()
    except OSError:  # a vanished working directory: relative paths mean nothing stable
        return None
