"""Names that the Python files of the linted tree make valid, learned with `ast`:

* flow Parameters: click reads METAFLOW_RUN_<PARAM> (and METAFLOW_<COMMAND>_<PARAM>)
  for each `Parameter("name")` / `IncludeFile("name")` of a flow
  (metaflow/cli.py: `start(auto_envvar_prefix="METAFLOW", obj=state)`); Metaflow's
  test harness declares them as class dicts, `PARAMETERS = {"bool_param": {...}}`
  and `INCLUDE_FILES = {...}`;
* flow-decorator options: `options = {"foobar": dict(...)}` in a FlowDecorator of an
  extension becomes a top-level option of the flow CLI, read from METAFLOW_FOOBAR;
* extension settings: `from_conf("X", ...)` in an extension's
  `metaflow_extensions/<org>/config/mfextinit_*.py` is read as METAFLOW_X.

The pass runs only when the lint met names it does not otherwise know, and parses only
the files that mention one of them (grep finds those) and the extension config modules.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional

from ..pyast import dotted, parse, string_constant
from ..vocabulary import PREFIX
from .walk import list_files

_PARAM_CALLS = {"Parameter", "IncludeFile"}
_PARAM_DICTS = {"PARAMETERS", "INCLUDE_FILES"}
# What grep looks for when every Parameter of the tree is wanted (_PARAM_NEEDLE decides).
_PARAM_TEXT = ["Parameter", "IncludeFile", "PARAMETERS", "INCLUDE_FILES"]
_PARAM_NEEDLE = re.compile(rb"\b(?:Parameter|IncludeFile)\s*\(|\b(?:PARAMETERS|INCLUDE_FILES)\s*=")
_OPTIONS_NEEDLE = re.compile(rb"^\s+options\s*=\s*\{", re.M)
_EXT_CONFIG = re.compile(r"(^|/)metaflow_extensions/[^/]+/config/mfextinit_[^/]*\.py$")
# A flow decorator adds CLI options only once registered, i.e. from an extension
# (`metaflow_custom` is the older name of the extension package).
_EXT_TREE = re.compile(r"(^|/)metaflow_(?:extensions|custom)/")
_MAX_BYTES = 2 * 1024 * 1024


@dataclass
class TreeNames:
    """What the tree defines; `where` gives one "path:line" per learned name."""

    params: set = field(default_factory=set)  # PARAM as click upper-cases it
    options: set = field(default_factory=set)  # METAFLOW_<OPTION>
    extension: set = field(default_factory=set)  # METAFLOW_<KEY>
    where: Dict[str, str] = field(default_factory=dict)
    spelled: Dict[str, str] = field(default_factory=dict)  # PARAM -> the name as the flow writes it


def envvar_suffix(name: str) -> str:
    """click's auto-envvar spelling of a parameter name."""
    return name.upper().replace("-", "_")


def _python_files(paths: Iterable[str], exclude: Optional[Callable[[str], bool]],
                  listed: Optional[dict]):
    for p in paths:
        if os.path.isdir(p):
            files = listed[p] if listed and p in listed else list_files(p)[0]
        elif p.endswith(".py"):
            files = [p]
        else:
            continue
        for f in files:
            if f.endswith(".py") and not (exclude and exclude(f)):
                yield f


def _add(out: TreeNames, bucket: set, name: str, path: str, line: int,
         spelled: Optional[str] = None) -> None:
    bucket.add(name)
    out.where.setdefault(name, "%s:%d" % (path, line))
    if spelled is not None:
        out.spelled.setdefault(name, spelled)


def _learn(tree: ast.AST, path: str, out: TreeNames, ext_config: bool, options: bool) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fname = (dotted(node.func) or "").rpartition(".")[2]
            arg = node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg == "name"), None)
            name = string_constant(arg) if arg is not None else None
            if not name:
                continue
            if fname in _PARAM_CALLS:
                _add(out, out.params, envvar_suffix(name), path, node.lineno, name)
            elif fname == "from_conf" and ext_config:
                key = name if name.startswith(PREFIX) else PREFIX + name
                _add(out, out.extension, key, path, node.lineno)
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Dict)):
                    continue
                targets = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
                keys = [string_constant(k) for k in stmt.value.keys if k is not None]
                if targets & _PARAM_DICTS:
                    for k in filter(None, keys):
                        _add(out, out.params, envvar_suffix(k), path, stmt.lineno, k)
                elif options and "options" in targets and any(
                        (dotted(b) or "").endswith("FlowDecorator") for b in node.bases):
                    for k in filter(None, keys):
                        _add(out, out.options, PREFIX + envvar_suffix(k), path, stmt.lineno)


def _grep_files(files: List[str], needles: List[str]) -> Optional[set]:
    """The files that contain one of the needles, by grep (two at a time, like the
    scan's); None without grep. Case matters: -i makes grep several times slower, and
    Python names are written lower-case."""
    if not needles or not files:
        return set()
    if shutil.which("grep") is None:
        return None
    patterns = "\n".join(needles).encode()
    n = max(1, min(2, os.cpu_count() or 1))
    size = max(500, (len(files) + n - 1) // n)
    procs = []
    try:
        for i in range(0, len(files), size):
            p = subprocess.Popen(["grep", "-l", "-F", "-f", "-", "--"] + files[i:i + size],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            p.stdin.write(patterns)
            p.stdin.close()
            procs.append(p)
    except OSError:
        for p in procs:
            p.kill()
            p.wait()
        return None
    out = set()
    for p in procs:
        out.update(p.stdout.read().decode("utf-8", "replace").splitlines())
        p.stdout.close()
        p.wait()
    return out


def _read(path: str) -> Optional[bytes]:
    try:
        if os.path.getsize(path) > _MAX_BYTES:
            return None
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def learn_tree(paths: Iterable[str], exclude: Optional[Callable[[str], bool]] = None,
               words: Optional[Iterable[str]] = None, listed: Optional[dict] = None) -> TreeNames:
    """What the Python files under `paths` define. words: the Parameter names being
    looked for (as written in lower case; `-` and `_` alike): only files that mention one
    are parsed for Parameters (found by grep), plus every file of an extension (options,
    config modules). None: parse all.
    listed: {directory: files} already listed by `scan_paths`."""
    out = TreeNames()
    files = list(_python_files(paths, exclude, listed))
    ext = [f for f in files if "metaflow_" in f and _EXT_TREE.search(f.replace(os.sep, "/"))]
    if words is None:
        wanted = set(files)
    else:
        needles = sorted({v for w in words for v in (w.lower(), w.lower().replace("_", "-"))})
        hits = _grep_files(files, needles)
        if hits is None:  # no grep: read them here
            hits = set()
            for f in files:
                data = _read(f)
                if data and any(n.encode() in data for n in needles):
                    hits.add(f)
        wanted = hits
    parsed = _learn_files(sorted(wanted | set(ext)), out, ext)
    if words is not None and any(envvar_suffix(w) not in out.params for w in words):
        # A name that matches no Parameter may be a near miss of one (did-you-mean):
        # then every file that defines Parameters is read, not only those naming it.
        hits = _grep_files(files, _PARAM_TEXT)
        if hits is None:
            hits = set(files)
        _learn_files(sorted(hits - parsed), out, ext)
    return out


def _learn_files(paths: List[str], out: TreeNames, ext: List[str]) -> set:
    """Learn from each file; the set of paths read."""
    done = set()
    ext = set(ext)
    for path in paths:
        done.add(path)
        data = _read(path)
        if data is None:
            continue
        ext_config = bool(_EXT_CONFIG.search(path.replace(os.sep, "/"))) and b"from_conf" in data
        options = path in ext and bool(_OPTIONS_NEEDLE.search(data))
        if not (ext_config or options or _PARAM_NEEDLE.search(data)):
            continue
        try:
            tree = parse(data)  # bounded depth (issue 9); bytes: the coding cookie applies
        except (SyntaxError, ValueError):  # TooDeep is a SyntaxError
            continue
        _learn(tree, path, out, ext_config, options)
    return done
