"""What the scanners found in each file of a linted directory, kept between runs, so an
unchanged file is not parsed again (as ruff's and eslint's caches do). grep still finds
the files with METAFLOW_ in them on every run (it is faster than a stat of every file);
the cache spares the parsing of those, which is most of a lint's time.

A file's entry is keyed by what changes when the file does (size, mtime, ctime, inode,
device: git's own test), and the whole cache by mfdoctor's version and the scanners'
source, so a new scanner never reads an old result. The entry is what `scan_file`
returned: the occurrences, problems and suppressions.

Never stored: a file modified within the last seconds (the next write may leave the
same coarse timestamp: the "racy" case git also guards against; a timestamp set back by
`touch -d` still moves the ctime, which is in the key), a file that could not be read,
and a file with a value that holds a secret (a secret-named key, a URL password, a
signature): the cache must not copy a credential into the user's home; such files are
scanned every run. The cache lives under `cache_dir()/scan/` (`MFDOCTOR_CACHE_DIR`),
one file per linted directory, written atomically with mode 0600; one that cannot be
read or written is ignored. `MFDOCTOR_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import functools
import marshal
import os
import time
import zlib
from dataclasses import astuple, fields
from typing import Any, Dict, Optional, Tuple

from ..bounds import read_regular
from .model import FileProblem, Occurrence, ScanResult

# Bump when the stored shape changes.
FORMAT = 3
# A file modified less than this long before the run started is not stored.
_RACY_NS = 3_000_000_000
# Not a cache for a whole disk: past this many entries the cache is not written.
_MAX_ENTRIES = 200_000
_MAX_BYTES = 64 * 1024 * 1024

MISS = object()  # `lookup` found no valid entry: scan the file

_OCC_FIELDS = tuple(f.name for f in fields(Occurrence))
_PROBLEM_FIELDS = tuple(f.name for f in fields(FileProblem))


def enabled() -> bool:
    return os.environ.get("MFDOCTOR_NO_CACHE", "") in ("", "0")


def file_key(st: os.stat_result) -> Tuple[int, ...]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


@functools.lru_cache(maxsize=None)  # the scan and the findings caches of one run ask alike
def _code_key() -> str:
    """mfdoctor's version and the size and mtime of every module of it: an edited
    checkout (a developer's, or an upgrade in place) starts a new cache."""
    from .. import __version__

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    text = "%s|%d" % (__version__, FORMAT)
    for directory, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                try:
                    st = os.stat(os.path.join(directory, name))
                except OSError:
                    continue
                text += "|%s/%s:%d:%d" % (directory[len(package):], name, st.st_size, st.st_mtime_ns)
    return "%08x" % zlib.crc32(text.encode("utf-8", "surrogateescape"))


class Store:
    """One file of the cache directory, `cache_dir()/<kind>/<owner digest>-<code>.marshal`,
    holding (FORMAT, owner, payload): read only if it is a regular file of bounded size
    written for this owner by this code; written atomically, mode 0600; the owner's files
    of other code versions removed then. Nothing here raises."""

    def __init__(self, kind: str, owner: str):
        self.path: Optional[str] = None
        if not enabled():
            return
        from ..catalog import cache_dir

        self.owner = owner
        self.digest = "%08x%04x" % (zlib.crc32(os.fsencode(owner)), len(owner) & 0xFFFF)
        self.path = os.path.join(cache_dir(), kind, "%s-%s.marshal" % (self.digest, _code_key()))

    def load(self) -> Any:
        if self.path is None:
            return None
        try:
            data = marshal.loads(read_regular(self.path, _MAX_BYTES))  # never a FIFO or device
        except (OSError, ValueError, EOFError, TypeError):  # UnreadableFile is an OSError
            return None
        # Another owner whose name has the same digest, or a foreign file: not ours.
        if not (isinstance(data, tuple) and len(data) == 3 and data[0] == FORMAT and data[1] == self.owner):
            return None
        return data[2]

    def save(self, payload: Any) -> None:
        if self.path is None:
            return
        try:
            data = marshal.dumps((FORMAT, self.owner, payload))
        except ValueError:  # a value marshal cannot store: keep no cache rather than fail
            return
        directory = os.path.dirname(self.path)
        tmp = "%s.%d.tmp" % (self.path, os.getpid())
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self.path)
            for name in os.listdir(directory):  # this owner's caches of other code versions
                if name.startswith(self.digest + "-") and name.endswith(".marshal") \
                        and name != os.path.basename(self.path):
                    os.unlink(os.path.join(directory, name))
        except OSError:  # read-only home, full disk: the next run does the work again
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _pack(r: ScanResult) -> tuple:
    return (
        r.path, r.kind,
        tuple(astuple(o) for o in r.occurrences),
        tuple(astuple(p) for p in r.problems),
        r.suppressions, r.metaflow_config,
        tuple(map(tuple, r.unprefixed_keys)), tuple(map(tuple, r.duplicate_keys)),
    )


def _unpack(t: tuple) -> ScanResult:
    path, kind, occs, problems, suppressions, config, unprefixed, duplicates = t
    return ScanResult(
        path=path, kind=kind,
        occurrences=[Occurrence(**dict(zip(_OCC_FIELDS, o))) for o in occs],
        problems=[FileProblem(**dict(zip(_PROBLEM_FIELDS, p))) for p in problems],
        suppressions=dict(suppressions), metaflow_config=config,
        unprefixed_keys=[tuple(x) for x in unprefixed], duplicate_keys=[tuple(x) for x in duplicates],
    )


def _holds_secret(r: ScanResult) -> bool:
    from ..redact import redact_value

    for o in r.occurrences:
        if o.has_value and o.value is not None and redact_value(o.name, o.value) != o.value:
            return True
    return any(v is not None and redact_value(k, v) != v for k, *_rest, v in r.unprefixed_keys)


class ScanCache:
    """The stored scan results of one directory's files (see the module docstring)."""

    def __init__(self, directory: str):
        self.started_ns = time.time_ns()
        self.changed = False
        # The directory as given, and where it is: walked paths start with the former.
        self._store = Store("scan", "%s\0%s" % (os.path.abspath(directory), directory))
        self.path = self._store.path
        data = self._store.load()
        ok = isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], dict) \
            and (data[1] is None or isinstance(data[1], tuple) and len(data[1]) == 3)
        self.entries: Dict[str, tuple] = data[0] if ok else {}
        self._listing: Optional[tuple] = data[1] if ok else None  # (crc32, length, files)

    def listing(self, raw: bytes) -> Optional[list]:
        """The files kept for this exact listing (walk.list_wanted), or None."""
        if self._listing is not None and self._listing[:2] == (zlib.crc32(raw), len(raw)):
            return self._listing[2]
        return None

    def keep_listing(self, raw: bytes, files: list) -> None:
        if self.path is not None:
            self._listing = (zlib.crc32(raw), len(raw), files)
            self.changed = True

    def lookup(self, path: str, st: Optional[os.stat_result]) -> Any:
        """The stored result for `path` (its `stamp` set), or MISS."""
        entry = self.entries.get(path)
        if entry is None or st is None or entry[0] != file_key(st):
            return MISS
        try:
            r = _unpack(entry[1])
        except (TypeError, ValueError):
            return MISS
        r.stamp = entry[0]
        return r

    def store(self, path: str, st: Optional[os.stat_result], result: ScanResult) -> None:
        """Keep `result` (and set its `stamp`) unless it must not be kept."""
        if self.path is None or st is None:
            return
        if self.started_ns - st.st_mtime_ns < _RACY_NS:
            self.forget(path)
            return
        if _holds_secret(result):
            self.forget(path)
            return
        key = file_key(st)
        packed = _pack(result)
        old = self.entries.get(path)
        if old is None or old[0] != key or old[1] != packed:
            self.entries[path] = (key, packed)
            self.changed = True
        result.stamp = key

    def forget(self, path: str) -> None:
        if self.entries.pop(path, None) is not None:
            self.changed = True

    def keep_only(self, paths) -> None:
        """Drop the entries of files no longer found (deleted, ignored, no name left)."""
        gone = set(self.entries).difference(paths)
        for path in gone:
            del self.entries[path]
        self.changed = self.changed or bool(gone)

    def save(self) -> None:
        if self.changed and len(self.entries) <= _MAX_ENTRIES:
            self._store.save((self.entries, self._listing))
