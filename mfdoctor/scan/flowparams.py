"""Names that the Python files of the linted tree make valid, learned with `ast`:

* flow Parameters: click reads METAFLOW_RUN_<PARAM> (and METAFLOW_<COMMAND>_<PARAM>)
  for each `Parameter("name")` / `IncludeFile("name")` of a flow
  (metaflow/cli.py: `start(auto_envvar_prefix="METAFLOW", obj=state)`); Metaflow's
  test harness declares them as class dicts, `PARAMETERS = {"bool_param": {...}}`
  and `INCLUDE_FILES = {...}`;
* flow-decorator options: `options = {"foobar": dict(...)}` in a FlowDecorator
  becomes a top-level option of the flow CLI, read from METAFLOW_FOOBAR;
* extension settings: `from_conf("X", ...)` in an extension's
  `metaflow_extensions/<org>/config/mfextinit_*.py` is read as METAFLOW_X.

Only files that contain one of the needles are parsed, and the whole pass runs
only when the lint met a name it does not otherwise know.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, Optional

from ..pyast import dotted, string_constant
from ..vocabulary import PREFIX
from .walk import list_files

_PARAM_CALLS = {"Parameter", "IncludeFile"}
_PARAM_DICTS = {"PARAMETERS", "INCLUDE_FILES"}
_PARAM_NEEDLE = re.compile(rb"\b(?:Parameter|IncludeFile)\s*\(|\b(?:PARAMETERS|INCLUDE_FILES)\s*=")
_OPTIONS_NEEDLE = re.compile(rb"^\s+options\s*=\s*\{", re.M)
_EXT_CONFIG = re.compile(r"(^|/)metaflow_extensions/[^/]+/config/mfextinit_[^/]*\.py$")
_MAX_BYTES = 2 * 1024 * 1024


@dataclass
class TreeNames:
    """What the tree defines; `where` gives one "path:line" per learned name."""

    params: set = field(default_factory=set)  # PARAM as click upper-cases it
    options: set = field(default_factory=set)  # METAFLOW_<OPTION>
    extension: set = field(default_factory=set)  # METAFLOW_<KEY>
    where: Dict[str, str] = field(default_factory=dict)


def envvar_suffix(name: str) -> str:
    """click's auto-envvar spelling of a parameter name."""
    return name.upper().replace("-", "_")


def _python_files(paths: Iterable[str], exclude: Optional[Callable[[str], bool]]):
    for p in paths:
        if os.path.isdir(p):
            files = list_files(p)[0]
        elif p.endswith(".py"):
            files = [p]
        else:
            continue
        for f in files:
            if f.endswith(".py") and not (exclude and exclude(f)):
                yield f


def _add(out: TreeNames, bucket: set, name: str, path: str, line: int) -> None:
    bucket.add(name)
    out.where.setdefault(name, "%s:%d" % (path, line))


def _learn(tree: ast.AST, path: str, out: TreeNames, ext_config: bool) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fname = (dotted(node.func) or "").rpartition(".")[2]
            arg = node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg == "name"), None)
            name = string_constant(arg) if arg is not None else None
            if not name:
                continue
            if fname in _PARAM_CALLS:
                _add(out, out.params, envvar_suffix(name), path, node.lineno)
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
                        _add(out, out.params, envvar_suffix(k), path, stmt.lineno)
                elif "options" in targets and any(
                        (dotted(b) or "").endswith("FlowDecorator") for b in node.bases):
                    for k in filter(None, keys):
                        _add(out, out.options, PREFIX + envvar_suffix(k), path, stmt.lineno)


def learn_tree(paths: Iterable[str], exclude: Optional[Callable[[str], bool]] = None) -> TreeNames:
    out = TreeNames()
    for path in _python_files(paths, exclude):
        try:
            if os.path.getsize(path) > _MAX_BYTES:
                continue
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        ext_config = bool(_EXT_CONFIG.search(path.replace(os.sep, "/"))) and b"from_conf" in data
        if not (ext_config or _PARAM_NEEDLE.search(data) or _OPTIONS_NEEDLE.search(data)):
            continue
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError, RecursionError):
            continue
        _learn(tree, path, out, ext_config)
    return out
