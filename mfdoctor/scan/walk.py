"""Which files under a directory to lint, fast.

1. List: inside a git work tree, git's view (`git ls-files -co
   --exclude-standard`: tracked plus untracked, minus ignored); elsewhere a
   plain walk that skips version-control, cache and virtualenv directories.
2. Keep the file types the lint reads (by name; one regex per path), plus
   Metaflow config files and extensionless files (scripts, by shebang later).
3. Find the ones that contain `METAFLOW_`: `grep -l` in parallel processes
   over those files only, with `LC_ALL=C` (bytes, so a non-UTF-8 file is not
   taken for binary) and `--line-buffered`, so each hit reaches Python (which
   parses it) while grep is still searching. Without grep, Python reads the
   files itself (see `scan_files`).
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import stat
import subprocess
from typing import Iterator, List, Optional, Tuple

from .detect import extension_decides, kind_from_name

SKIP_DIRS = {
    ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
    "site-packages",
}

_GREP_BATCH = 2000  # paths per grep process (well under any ARG_MAX)


def git_ls_files(directory: str) -> Optional[List[str]]:
    """git's file list under `directory`, or None outside a work tree (or
    without git)."""
    raw = _git_ls_raw(directory)
    return None if raw is None else _decode_listing(directory, raw)


def _git_ls_raw(directory: str) -> Optional[bytes]:
    try:
        proc = subprocess.run(
            ["git", "-C", directory, "ls-files", "-co", "--exclude-standard", "-z"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout


def _decode_listing(directory: str, raw: bytes) -> List[str]:
    # Unmerged entries appear once per stage: dict.fromkeys dedupes in order.
    rels = [r for r in dict.fromkeys(os.fsdecode(raw).split("\0")) if r]
    prefix = "" if os.path.normpath(directory) == "." else os.path.join(directory, "")
    return [prefix + r for r in rels]


def plain_walk(directory: str, errors: list) -> List[str]:
    out = []

    def onerror(e: OSError):
        errors.append((e.filename or directory, e.strerror or str(e)))

    for root, dirs, files in os.walk(directory, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for f in sorted(files):
            out.append(os.path.normpath(os.path.join(root, f)))
    return out


def regular_only(paths: List[str]) -> List[str]:
    """The paths that are regular files (symlinks followed): a FIFO, device or socket
    is never handed to a reader, in either listing mode."""
    out = []
    for p in paths:
        try:
            if stat.S_ISREG(os.stat(p).st_mode):
                out.append(p)
        except OSError:
            out.append(p)  # unreadable or gone: the reader reports it
    return out


def list_wanted(directory: str, memo=None) -> Tuple[List[str], list]:
    """`wanted(list_files(directory))`: (files, errors). `memo` (cache.py's ScanCache)
    keeps the result for git's listing, byte for byte: when the listing has not
    changed, neither has the answer, and the decoding and sorting of ten thousand
    names is skipped."""
    raw = _git_ls_raw(directory)
    if raw is None:
        errors: list = []
        return wanted(plain_walk(directory, errors)), errors
    if memo is not None:
        files = memo.listing(raw)
        if files is not None:
            return files, []
    files = wanted(_decode_listing(directory, raw))
    if memo is not None:
        memo.keep_listing(raw, files)
    return files, []


def list_files(directory: str) -> Tuple[List[str], bool, list]:
    """(files, listed by git, [(path, reason)] for directories that could not
    be read)."""
    files = git_ls_files(directory)
    if files is not None:
        return files, True, []
    errors: list = []
    return plain_walk(directory, errors), False, errors


def wanted(paths: List[str]) -> List[str]:
    """The paths of a type the lint reads (by name), plus extensionless files
    (maybe scripts: their shebang is checked if grep finds a name in them)."""
    out = []
    by_ext: dict = {}  # extension -> kind_from_name of a plain base with it
    for p in paths:
        base = p[p.rfind("/") + 1:]
        if os.sep != "/":
            base = base[base.rfind(os.sep) + 1:]
        dot = base.rfind(".")
        if dot <= 0:
            if "." not in base:
                out.append(p)
            elif kind_from_name(p) is not None:
                out.append(p)
            continue
        low = base.lower()
        if not extension_decides(low):
            if kind_from_name(p) is not None:
                out.append(p)
            continue
        ext = low[dot:]
        kind = by_ext.get(ext, by_ext)
        if kind is by_ext:
            kind = by_ext[ext] = kind_from_name(p)
        if kind is not None:
            out.append(p)
    return out


class GrepHits:
    """Iterate over the files among `paths` that contain `METAFLOW_` (text
    files), as parallel `grep -l` processes report them. `available` is False
    when there is no usable grep (the caller reads the files itself);
    `errors` collects (path, reason) for files grep could not read."""

    def __init__(self, paths: List[str], jobs: int = 2):
        self.paths = paths
        self.jobs = max(1, jobs)
        self.grep = shutil.which("grep")
        self.available = self.grep is not None
        self.errors: List[Tuple[str, str]] = []

    def _cmd(self, batch: List[str]) -> List[str]:
        # -D skip: a FIFO, device or socket among the paths is never opened (grep would
        # block on a FIFO forever, or read /dev/zero to the end of time).
        return [self.grep, "-l", "-I", "-D", "skip", "--null", "--line-buffered", "-F", "-e",
                "METAFLOW_", "--"] + batch

    def __iter__(self) -> Iterator[str]:
        if not self.paths:
            return
        env = dict(os.environ, LC_ALL="C")
        n = max(self.jobs, (len(self.paths) + _GREP_BATCH - 1) // _GREP_BATCH)
        size = (len(self.paths) + n - 1) // n
        batches = [self.paths[i:i + size] for i in range(0, len(self.paths), size)]
        sel = selectors.DefaultSelector()
        running = []
        pending = list(batches)
        bufs = {}
        finished = False

        def start():
            batch = pending.pop(0)
            try:
                p = subprocess.Popen(self._cmd(batch), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
            except OSError:
                self.available = False
                return False
            running.append(p)
            bufs[p.stdout] = b""
            bufs[p.stderr] = b""
            sel.register(p.stdout, selectors.EVENT_READ, (p, False))
            sel.register(p.stderr, selectors.EVENT_READ, (p, True))
            return True

        try:
            while pending and len(running) < self.jobs:
                if not start():
                    return
            open_streams = 2 * len(running)
            while open_streams:
                for key, _ in sel.select():
                    proc, is_err = key.data
                    chunk = os.read(key.fd, 1 << 16)
                    if not chunk:
                        sel.unregister(key.fileobj)
                        open_streams -= 1
                        rest = bufs.pop(key.fileobj, b"")
                        if is_err:
                            self._stderr(rest)
                        elif rest:
                            yield os.fsdecode(rest)
                        if not is_err and pending and start():
                            open_streams += 2
                        continue
                    if is_err:
                        bufs[key.fileobj] += chunk
                        continue
                    data = bufs[key.fileobj] + chunk
                    *parts, bufs[key.fileobj] = data.split(b"\0")
                    for raw in parts:
                        if raw:
                            yield os.fsdecode(raw.lstrip(b"\n"))
            finished = True
        finally:
            sel.close()
            for p in running:
                # Kill only when the caller stopped early. A grep that closed its pipes
                # may not have exited yet: killing it then turned a clean exit into -9,
                # which read as "this grep does not work" and changed the results.
                if not finished and p.poll() is None:
                    p.kill()
                p.wait()
                for s in (p.stdout, p.stderr):
                    if s and not s.closed:
                        s.close()
            # Exit status 2 with no per-file error: this grep does not take our
            # options (e.g. a minimal busybox grep). Say so, so the caller reads
            # the files itself instead of silently finding nothing.
            if any(p.returncode not in (0, 1) for p in running) and not self._file_errors:
                self.available = False

    _file_errors = 0

    def _stderr(self, data: bytes) -> None:
        # "grep: PATH: Permission denied"
        for line in data.decode("utf-8", "replace").splitlines():
            m = re.match(r"grep: (.*): ([^:]+)$", line)
            if m and os.path.lexists(m.group(1)):
                self.errors.append((m.group(1), m.group(2)))
                self._file_errors += 1
