"""Limits on hostile input, in one place: how files are opened and read, and how deep
JSON may nest, for every reader (config files, linted files, environment values).

A doctor runs when the patient is sickest: a FIFO, /dev/zero, a 1,000-deep JSON file
or a 5,000-digit integer must give a clear message, never a hang, a MemoryError or a
RecursionError. Where Metaflow itself fails on such input, the message says so, at
the limit where Metaflow fails (measured against the real Metaflow by
tests/fuzz/test_limits_oracle.py).
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from typing import Any, Optional, Tuple

# Config files and linted files larger than this are not read (Metaflow reads any
# size, but no real config file comes near it; /dev/zero would never end).
MAX_FILE_BYTES = 16 * 1024 * 1024

# `import metaflow` fails with RecursionError once JSON nests deeper than this (Python's
# json module counts against the interpreter's recursion limit, at the stack depth of
# Metaflow's import). Measured with Metaflow 2.19.39 on CPython 3.11, recursion limit
# 1000: a config file nesting 964 levels loads, 965 fails; an environment value (parsed
# one frame later in `from_conf`) 966 loads, 967 fails.
METAFLOW_FILE_JSON_DEPTH = 964
METAFLOW_ENV_JSON_DEPTH = 966

# mfdoctor analyses and shows values up to this depth; deeper parts become a marker
# string (no real configuration nests beyond a few levels, and every recursive step
# after reading — redaction, copies, rendering — stays far from the recursion limit).
ANALYSIS_DEPTH = 64
TOO_DEEP = "<nested too deeply to show>"


class UnreadableFile(OSError):
    """A file mfdoctor will not read: not a regular file, or too large. `what` says
    what it is ("a named pipe (FIFO)", "a character device", ...)."""

    def __init__(self, path: str, what: str, reason: str):
        super().__init__(reason)
        self.filename = path
        self.what = what
        self.strerror = reason


def file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check(path: str, st: os.stat_result, limit: Optional[int]) -> None:
    if not stat.S_ISREG(st.st_mode):
        what = file_kind(st.st_mode)
        raise UnreadableFile(path, what, "%s is %s, not a regular file" % (path, what))
    if limit is not None and st.st_size > limit:
        raise UnreadableFile(path, "too large", "%s is %.1f MB, over mfdoctor's limit of %d MB"
                             % (path, st.st_size / 1e6, limit // (1024 * 1024)))


def read_regular(path: str, limit: int = MAX_FILE_BYTES, head: bool = False) -> bytes:
    """The bytes of `path`, only if it is a regular file of at most `limit` bytes
    (with `head`: its first `limit` bytes, whatever its size).

    Checked before opening (a device is never opened) and again on the open descriptor
    (the path may have changed in between). O_NONBLOCK: opening a FIFO never waits for
    a writer. Raises UnreadableFile, or the OSError of stat/open/read."""
    _check(path, os.stat(path), None if head else limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        _check(path, os.fstat(fd), None if head else limit)
        chunks = []
        left = limit if head else limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > limit:  # grew while we read it
        raise UnreadableFile(path, "too large", "%s is over mfdoctor's limit of %d MB"
                             % (path, limit // (1024 * 1024)))
    return data


# A JSON string literal (escapes included), then the brackets outside strings.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deep the arrays and objects of JSON `text` nest (0 for a scalar), without
    parsing it. Exact for valid JSON; an upper-bound guess for invalid text."""
    depth = best = 0
    for m in _BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if m.group() in "[{":
            depth += 1
            if depth > best:
                best = depth
        elif depth:
            depth -= 1
    return best


class JSONLimitError(ValueError):
    """JSON that Python's json module (and so Metaflow) cannot read: nested too deep,
    or an integer with more digits than Python converts."""


def loads(text: str, max_depth: int) -> Any:
    """`json.loads(text)`, failing with JSONLimitError exactly where Metaflow's own
    `json.load` fails on the same text (see METAFLOW_*_JSON_DEPTH), and never with a
    RecursionError. json.JSONDecodeError propagates as is."""
    depth = json_depth(text)
    if depth > max_depth:
        raise JSONLimitError(
            "it nests %d levels deep; Python's json module, which Metaflow uses, stops "
            "with RecursionError past about %d levels" % (depth, max_depth))
    old = sys.getrecursionlimit()
    try:
        # Our stack may be deeper than Metaflow's at its json.load: never fail earlier.
        sys.setrecursionlimit(old + depth)
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise JSONLimitError("it nests too deeply for Python's json module (RecursionError)")
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise JSONLimitError("%s (ValueError from Python's json module)" % str(exc).split(";")[0])
    finally:
        sys.setrecursionlimit(old)


def cut_depth(value: Any, limit: int = ANALYSIS_DEPTH) -> Tuple[Any, bool]:
    """(copy of `value` with containers below `limit` levels replaced by TOO_DEEP,
    whether anything was cut). Iterative: safe on any depth."""
    if not isinstance(value, (dict, list)):
        return value, False
    cut = False
    root: list = [None]
    # (source container, parent container, key in parent, depth)
    stack = [(value, root, 0, 1)]
    while stack:
        src, parent, key, depth = stack.pop()
        if depth > limit:
            parent[key] = TOO_DEEP
            cut = True
            continue
        if isinstance(src, dict):
            dst: Any = {}
            parent[key] = dst
            for k, v in src.items():
                if isinstance(v, (dict, list)):
                    dst[k] = None
                    stack.append((v, dst, k, depth + 1))
                else:
                    dst[k] = v
        else:
            dst = [None] * len(src)
            parent[key] = dst
            for i, v in enumerate(src):
                if isinstance(v, (dict, list)):
                    stack.append((v, dst, i, depth + 1))
                else:
                    dst[i] = v
    return root[0], cut
