"""File scanners: find METAFLOW_* names (and their values, where the syntax
gives one) in .env files, shell scripts, Dockerfiles, YAML, JSON and Python.

Speed: only files that contain b"METAFLOW_" are decoded and parsed (plus
Metaflow config files, whose unprefixed keys matter too). In a directory, grep
finds them (see walk.py) and each is parsed as grep reports it; without grep,
or for files named on the command line, Python reads the bytes and drops the
file after one `in` test, with a process pool for thousands of files.

Nothing here raises on bad input: unreadable, binary, huge or undecodable
files become `FileProblem`s on their `ScanResult`.
"""

from __future__ import annotations

import os
import stat
from typing import Callable, Iterable, List, Optional, Tuple

from .. import ids
from ..bounds import read_regular
from .detect import kind_from_content, kind_from_name
from .jsonfile import is_metaflow_config_path
from .model import FileProblem, Occurrence, ScanResult
from .text import NAME_BYTES, LineIndex, find_suppressions
from .cache import MISS, ScanCache
from .walk import GrepHits, list_wanted, regular_only

__all__ = [
    "Occurrence", "FileProblem", "ScanResult", "scan_file", "scan_text",
    "scan_paths", "scan_files", "MAX_BYTES",
]

# Files larger than this are not read (a data dump is not configuration).
MAX_BYTES = 8 * 1024 * 1024
_BINARY_PROBE = 8192
# Below this many files a process pool costs more than it saves.
_POOL_MIN_FILES = 1500


def scan_text(text: str, kind: str, path: str = "<text>", metaflow_config: Optional[bool] = None) -> ScanResult:
    """Scan already-decoded text as `kind` (see detect.py for the kinds).

    metaflow_config: True when the caller knows this JSON is a Metaflow config file
    (wherever it lives); None decides from the path and the content."""
    # The scanners are imported on first use: `lint` without paths needs none of them.
    from .dockerfile import scan_dockerfile
    from .envfile import scan_env
    from .generic import merge
    from .jsonfile import scan_json
    from .pyfile import scan_python
    from .shell import scan_shell
    from .yamlfile import scan_yaml

    result = ScanResult(path=path, kind=kind)
    if kind != "shell" and "\r" in text:
        # CRLF does not change what these formats mean; in a shell script it
        # does (bash keeps the \r in the value), so shell text stays raw.
        text = text.replace("\r\n", "\n")
    li = LineIndex(text)
    problems = result.problems
    if kind == "env":
        occs = scan_env(text, li)
    elif kind == "shell":
        # YAML written by a heredoc is read by the YAML scanner, which itself reads shell.
        occs = scan_shell(text, li, readers={"yaml": scan_yaml})
    elif kind == "dockerfile":
        occs = scan_dockerfile(text, li)
    elif kind == "yaml":
        occs = scan_yaml(text, li, problems)
    elif kind == "json" and not metaflow_config and _is_cloudformation(text):
        # A CloudFormation template in JSON: its ECS `Environment` entries and the shell
        # of its `UserData` (`Fn::Join` fragments) are read as in a YAML template (JSON
        # is YAML); the JSON reading when PyYAML cannot read it.
        occs = scan_yaml(text, li, problems)
        if problems:
            problems.clear()
            occs = scan_json(text, li, problems, path, result, metaflow_config)
    elif kind == "json":
        occs = scan_json(text, li, problems, path, result, metaflow_config)
    elif kind == "python" or kind == "tiltfile":
        # A Tiltfile is Starlark (Python syntax) that builds Metaflow config dicts.
        occs = scan_python(text, li, problems, loose=kind == "tiltfile")
    elif kind == "terraform":
        occs = _scan_terraform(text, li, problems, path, result)
    elif kind == "helm":
        occs = scan_yaml(text, li, problems)
    elif kind in ("makefile", "justfile", "tox"):
        from . import buildfiles

        occs = getattr(buildfiles, "scan_" + kind)(text, li)
    else:
        occs = merge(text, li, [])
    result.occurrences = occs
    result.suppressions = find_suppressions(text)
    return result


def _is_cloudformation(text: str) -> bool:
    return '"AWSTemplateFormatVersion"' in text[:4096] or ('"Resources"' in text and '"Fn::' in text)


def _scan_terraform(text: str, li, problems: list, path: str, result: ScanResult) -> list:
    low = path.lower()
    if low.endswith(".json"):  # .tf.json: HCL's JSON syntax
        from .jsonfile import scan_json

        return scan_json(text, li, problems, path, result, False)
    if low.endswith(".tftpl"):
        # A templatefile() template: the text of another file, most often a
        # script (user data); `${...}` are Terraform's placeholders.
        inner = kind_from_name(path[:-len(".tftpl")]) or "shell"
        if inner in ("yaml", "json", "env"):
            return scan_text(text, inner, path).occurrences
        from .shell import scan_shell

        return scan_shell(text, li)
    from .terraform import scan_terraform

    return scan_terraform(text, li, problems)


def _skipped(path: str, kind: str, message: str, severity: str = "skipped") -> ScanResult:
    r = ScanResult(path=path, kind="skipped")
    r.problems.append(FileProblem(ids.LINT_FILE_SKIPPED, severity, message))
    return r


def scan_file(path: str, explicit: bool = False, kind: Optional[str] = None) -> Optional[ScanResult]:
    """Scan one file. None when it holds nothing to lint (no METAFLOW_ name).

    `explicit`: the user named this file, so problems reading it are always
    reported and its type falls back to plain text when not recognised."""
    config = is_metaflow_config_path(path)
    kind = kind or kind_from_name(path)
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            return None
        if not stat.S_ISREG(st.st_mode):
            # A FIFO or device would block or never end.
            return _skipped(path, kind or "text", "not a regular file: not linted")
        if st.st_size > MAX_BYTES:
            return _skipped(
                path, kind or "text",
                "file is %.1f MB, over the %d MB limit: not linted"
                % (st.st_size / 1e6, MAX_BYTES // (1024 * 1024)),
            )
        data = read_regular(path, MAX_BYTES)  # no FIFO or device, even if swapped in since
    except IsADirectoryError:
        return None
    except OSError as e:
        return _skipped(path, kind or "text", "cannot read file: %s" % (e.strerror or e))
    if NAME_BYTES not in data and not config:
        return None
    if kind is None:
        kind = kind_from_content(data[:256]) or ("text" if explicit else None)
        if kind is None:
            return None
    if b"\0" in data[:_BINARY_PROBE]:
        return _skipped(path, kind, "binary file: not linted", "info" if not explicit else "skipped")
    problems = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        text = data.decode("utf-8", "replace")
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        if config:
            problems.append(FileProblem(
                ids.CONFIG_FILE_INVALID, "error",
                "Metaflow config file is not valid UTF-8 (byte 0x%02x): every `import "
                "metaflow` fails with UnicodeDecodeError" % data[e.start],
                line=line, column=col, fix="Save the file as UTF-8.",
            ))
        else:
            problems.append(FileProblem(
                ids.LINT_FILE_ENCODING, "warning",
                "not valid UTF-8 (byte 0x%02x): read with replacement characters"
                % data[e.start],
                line=line, column=col, fix="Save the file as UTF-8.",
            ))
    result = scan_text(text, kind, path)
    result.problems[:0] = problems
    if config:
        result.metaflow_config = True
    return result


def _scan_chunk(chunk: List[Tuple[str, bool]]) -> list:
    out = []
    for path, explicit in chunk:
        try:
            r = scan_file(path, explicit)
        except Exception as e:  # a scanner bug must not hide the other files
            r = _skipped(path, "text", "internal error while scanning: %s: %s"
                         % (type(e).__name__, e))
        if r is not None:
            out.append(r)
    return out


def scan_paths(paths: Iterable[str], jobs: Optional[int] = None,
               exclude: Optional[Callable[[str], bool]] = None,
               listed: Optional[dict] = None) -> Tuple[List[ScanResult], List[str]]:
    """Scan files and directories: (results for files with something to report,
    paths that do not exist).

    Directories: listed by git inside a work tree (its ignore rules), by a
    plain walk elsewhere; only the file types the lint reads are kept; grep
    finds the ones with METAFLOW_ in them and each is parsed as soon as grep
    reports it (Python reads them itself when there is no grep). Metaflow
    config files are always read. `exclude(path)` drops walked and given
    files (the settings' `exclude`). `listed`, when given, receives
    {directory: its listed files} (so a second pass need not list them again)."""
    paths = list(paths)
    if jobs is None:
        jobs = min(os.cpu_count() or 1, 8)
    results: List[ScanResult] = []
    missing: List[str] = []
    pending: List[Tuple[str, bool]] = []  # read and prefiltered here, in bulk
    seen = set()

    def take(path: str) -> bool:
        if path in seen or (exclude is not None and exclude(path)):
            return False
        seen.add(path)
        return True

    for p in paths:
        if os.path.isdir(p):
            cache = ScanCache(p)
            files, errors = list_wanted(p, cache)
            if listed is not None:
                listed[p] = files  # every .py file is among them (flowparams reads those)
            for epath, reason in errors:
                results.append(_skipped(epath, "text", "cannot read directory: %s" % reason))
            results.extend(_scan_directory([f for f in files if take(f)], jobs, pending, cache))
        elif os.path.lexists(p):
            if take(p):
                pending.append((p, True))
        else:
            missing.append(p)
    results.extend(scan_files(pending, jobs))
    return results, missing


def _scan_directory(cands: List[str], jobs: int, pending: List[Tuple[str, bool]],
                    cache: ScanCache) -> List[ScanResult]:
    """The results for a directory's files of the types the lint reads. grep finds the
    files with METAFLOW_ in them; each is parsed as grep reports it, unless it is
    unchanged since the last run (cache.py). Metaflow config files, and every file when
    there is no working grep, go to `pending`."""
    configs, others = [], []
    for f in cands:
        (configs if is_metaflow_config_path(f) else others).append(f)
    # Regular files only, git or not: a FIFO would block any reader (grep skips them itself).
    pending.extend((f, False) for f in regular_only(configs))
    hits = GrepHits(others, jobs)
    results: List[ScanResult] = []
    found = set()
    if hits.available:
        preloaded = False
        for f in hits:
            found.add(f)
            try:
                st = os.stat(f)
            except OSError:
                st = None
            r = cache.lookup(f, st)
            if r is MISS:
                if kind_from_name(f) is None and not _is_script(f):
                    continue
                if not preloaded:  # something to parse after all
                    _preload_yaml()
                    preloaded = True
                scanned = _scan_chunk([(f, False)])
                r = scanned[0] if scanned else None
                if r is not None and not _read_error(r):
                    cache.store(f, st, r)
            if r is not None:
                results.append(r)
        for epath, reason in hits.errors:
            found.add(epath)
            results.append(_skipped(epath, "text", "cannot read file: %s" % reason))
    if not hits.available:  # no grep, or it failed on the way: read every candidate here
        pending.extend((f, False) for f in regular_only(others) if f not in found and
                       (kind_from_name(f) is not None or _is_script(f)))
        cache.save()
        return results
    cache.keep_only(found)
    cache.save()
    # The listing's order, whichever grep process reported a file first: the JSON
    # findings come out in the same order on every run.
    order = {f: i for i, f in enumerate(cands)}
    results.sort(key=lambda r: order.get(r.path, -1))
    return results


def _read_error(r: ScanResult) -> bool:
    return any(p.message.startswith("cannot read") for p in r.problems)


def _preload_yaml() -> None:
    """Import PyYAML (about 20 ms) in a thread while git and grep run, so the
    first YAML file does not wait for it."""
    import sys

    if "yaml" not in sys.modules:
        _preload(_import_yaml)


def _import_yaml() -> None:
    try:
        import yaml  # noqa: F401
    except Exception:
        pass


def _preload(fn) -> None:
    import threading

    threading.Thread(target=fn, daemon=True).start()


def _is_script(path: str) -> bool:
    """Extensionless file starting with a shell or python shebang."""
    try:
        return kind_from_content(read_regular(path, 128, head=True)) is not None
    except OSError:
        return False


def scan_files(files: List[Tuple[str, bool]], jobs: Optional[int] = None) -> List[ScanResult]:
    """Scan files, in a process pool when there are many. Results keep input order."""
    if jobs is None:
        jobs = min(os.cpu_count() or 1, 8)
    if jobs <= 1 or len(files) < _POOL_MIN_FILES:
        return _scan_chunk(files)
    n_chunks = jobs * 4
    size = (len(files) + n_chunks - 1) // n_chunks
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    out: List[ScanResult] = []
    try:
        from concurrent.futures import ProcessPoolExecutor  # 10 ms of imports: only when used

        with ProcessPoolExecutor(max_workers=jobs) as ex:
            for part in ex.map(_scan_chunk, chunks):
                out.extend(part)
    except (OSError, RuntimeError):
        # No fork/semaphores available (some sandboxes): do it here.
        return _scan_chunk(files)
    return out
