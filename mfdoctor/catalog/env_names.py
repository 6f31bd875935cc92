"""METAFLOW_* names Metaflow uses outside `from_conf`, found as string literals.

Every string literal that is a whole `METAFLOW_[A-Z0-9_]+` name (not a prefix ending
in `_`, which is only ever concatenated) is classified by its syntactic context:

read  - looked up in the process environment: `os.environ.get("X")`, `os.getenv("X")`,
        `os.environ["X"]`, `"X" in os.environ`, `os.environ.pop("X")`
        (anything whose receiver mentions `environ`);
      also a shell expansion in a string Metaflow runs as shell (`$METAFLOW_X`, `${METAFLOW_X%/}`),
      and an environment access in Python code held in a string (netflixext writes
      `"coverage_context = os.environ.get('METAFLOW_COVERAGE_CONTEXT')"` into a
      generated `sitecustomize.py`);
set   - put into an environment for Metaflow's own tasks or subprocesses: a key of a
        dict literal, `env["X"] = ...`, `os.environ["X"] = ...`, `.environment_variable("X", ...)`
        (Batch/Kubernetes/Argo job specs), `{"name": "X", "value": ...}`, `V1EnvVar(name="X")`,
        `os.environ.setdefault("X", ...)`, `os.putenv("X", ...)`;
other - everything else (compared, passed to helpers, read from a dict that is not the
        environment, e.g. the config file that `metaflow configure` writes).

A name may be in both `read` and `set`. Click options with `envvar="METAFLOW_..."` are
covered by `cli_envvars` and land in `other` here.
"""

from __future__ import annotations

import ast
import bisect
import os
import re
from typing import Dict, List, Optional

from ..pyast import dotted, names_environment_mapping
from ..vocabulary import PREFIX
from .pysource import rel_location, try_parse_file

NAME_RE = re.compile(r"^METAFLOW_[A-Z0-9_]*[A-Z0-9]$")
_NEEDLE = PREFIX.encode()
_EXPORT_RE = re.compile(r"\bexport\s+(METAFLOW_[A-Z0-9_]*[A-Z0-9])=")
# A shell expansion inside a string Metaflow runs as shell: `$METAFLOW_X`, `${METAFLOW_X}`,
# `${METAFLOW_X:+...}`, `${METAFLOW_X%/}` (metaflow_environment.py's bootstrap commands).
_EXPANSION_RE = re.compile(r"\$\{?(METAFLOW_[A-Z0-9_]*[A-Z0-9])(?![A-Z0-9_])")
# An environment access in Python source held in a string (code an extension or Metaflow
# writes out and runs later): `os.environ.get('X')`, `os.getenv('X')`, `os.environ['X']`
# (a set when assigned), `os.environ.setdefault('X', ...)`, `'X' in os.environ`.
def _quoted(group: str) -> str:
    return r"""[rbuRBU]?['"](?P<%s>METAFLOW_[A-Z0-9_]*[A-Z0-9])['"]""" % group


_PY_ENV_RE = re.compile("|".join([
    r"environ\s*\.\s*(?P<meth>get|pop|setdefault)\s*\(\s*" + _quoted("call"),
    r"getenv\s*\(\s*" + _quoted("getenv"),
    r"environ\s*\[\s*" + _quoted("item") + r"\s*\](?P<assign>\s*=(?!=))?",
    _quoted("member") + r"\s+(?:not\s+)?in\s+(?:os\.)?environ\b",
]))
_SKIP_DIRS = {"__pycache__", "_vendor"}

_READ_METHODS = {"get", "pop", "__getitem__", "__contains__"}
_SET_METHODS = {"setdefault", "update", "__setitem__"}
# Job-spec builders that take (name, value): Batch, Kubernetes and Argo helpers.
_SET_CALLS = {"environment_variable", "environment_variable_from_selector", "env_var", "V1EnvVar", "putenv"}


_LITERAL_RE = re.compile(r"""["']METAFLOW_[A-Z0-9_]*[A-Z0-9]["']|export\s+METAFLOW_|\$\{?METAFLOW_""")


class _Classifier:
    """Finds the matching literals, descending only into nodes whose line span holds one
    (a whole-tree walk of Metaflow's big modules costs several times more)."""

    def __init__(self, lines: List[int], text_lines: Optional[List[str]] = None):
        self.lines = lines  # sorted line numbers with a candidate literal
        self.text_lines = text_lines or []
        self.parents: Dict[ast.AST, ast.AST] = {}
        self.found: List[tuple] = []  # (name, category, line)

    def scan(self, tree: ast.AST) -> List[tuple]:
        self._visit(tree, None)
        return self.found

    def _spans_candidate(self, node: ast.AST) -> bool:
        start = getattr(node, "lineno", None)
        if start is None:
            return True
        end = getattr(node, "end_lineno", None) or start
        i = bisect.bisect_left(self.lines, start)
        return i < len(self.lines) and self.lines[i] <= end

    def _visit(self, node: ast.AST, parent: Optional[ast.AST]) -> None:
        if parent is not None:
            self.parents[node] = parent
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and NAME_RE.match(node.value):
                self.found.append((node.value, self.classify(node), node.lineno))
            elif isinstance(node.value, str) and "METAFLOW_" in node.value:
                # Shell snippets Metaflow runs in its task containers, e.g. the Argo
                # step's "export METAFLOW_TASK_ID=...": those names are set for tasks;
                # "if [ -z $METAFLOW_SKIP_INSTALL_DEPENDENCIES ]": that shell reads them.
                for m in _EXPORT_RE.finditer(node.value):
                    self.found.append((m.group(1), "set", self._line_of(m.group(1), node)))
                for m in _EXPANSION_RE.finditer(node.value):
                    self.found.append((m.group(1), "read", self._line_of(m.group(1), node)))
                for m in _PY_ENV_RE.finditer(node.value):
                    name = m.group("call") or m.group("getenv") or m.group("item") or m.group("member")
                    wrote = m.group("assign") or m.group("meth") == "setdefault"
                    self.found.append((name, "set" if wrote else "read", self._line_of(name, node)))
            return
        for child in ast.iter_child_nodes(node):
            if self._spans_candidate(child):
                self._visit(child, node)

    def _line_of(self, name: str, node: ast.AST) -> int:
        """The line of a multi-line string that holds the name."""
        end = getattr(node, "end_lineno", None) or node.lineno
        for ln in range(node.lineno, end + 1):
            if ln <= len(self.text_lines) and name in self.text_lines[ln - 1]:
                return ln
        return node.lineno

    def classify(self, node: ast.Constant) -> str:
        parent = self.parents.get(node)
        if isinstance(parent, ast.Call):
            return self._call(parent, node)
        if isinstance(parent, ast.keyword):
            call = self.parents.get(parent)
            fname = (dotted(call.func) or "").rpartition(".")[2] if isinstance(call, ast.Call) else ""
            if parent.arg == "name" and fname in _SET_CALLS:
                return "set"
            return "other"
        if isinstance(parent, ast.Subscript) and parent.slice is node:
            if isinstance(parent.ctx, ast.Store):
                return "set"
            return "read" if names_environment_mapping(parent.value) else "other"
        if isinstance(parent, ast.Compare) and parent.left is node:
            if any(isinstance(op, (ast.In, ast.NotIn)) for op in parent.ops) and any(
                names_environment_mapping(c) for c in parent.comparators
            ):
                return "read"
            return "other"
        if isinstance(parent, ast.Dict):
            if any(k is node for k in parent.keys):
                return "set"
            # {"name": "METAFLOW_X", "value": ...}: a Kubernetes/Argo env entry
            for k, v in zip(parent.keys, parent.values):
                if v is node and isinstance(k, ast.Constant) and k.value == "name":
                    return "set"
        return "other"

    @staticmethod
    def _call(call: ast.Call, node: ast.AST) -> str:
        if not call.args or call.args[0] is not node:
            return "other"
        func = call.func
        name = dotted(func) or ""
        last = func.attr if isinstance(func, ast.Attribute) else name
        if last == "getenv":
            return "read"
        if isinstance(func, ast.Attribute) and names_environment_mapping(func.value):
            if last in _READ_METHODS:
                return "read"
            if last in _SET_METHODS:
                return "set"
        if last in _SET_CALLS:
            return "set"
        return "other"


def _py_files(pkg_dir: str):
    for root, dirs, files in os.walk(pkg_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for f in sorted(files):
            if f.endswith(".py"):
                yield os.path.join(root, f)


def _candidate_lines(text: str) -> List[int]:
    out, line, pos = [], 1, 0
    for m in _LITERAL_RE.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        out.append(line)
    return out


def scan_file(path: str) -> List[tuple]:
    """[(name, category, line)] for one file; files without such a literal are not parsed."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    if _NEEDLE not in data:
        return []
    text = data.decode("utf-8", errors="replace")
    lines = _candidate_lines(text)
    if not lines:
        return []
    parsed = try_parse_file(path)
    if parsed is None:
        return []
    return _Classifier(sorted(set(lines)), text.splitlines()).scan(parsed[1])


def env_names(pkg_dir: str, extra_dirs: Optional[List[str]] = None) -> dict:
    """{"read": [...], "set": [...], "other": [...], "locations": {name: "metaflow/x.py:12"}}.

    Lists are sorted. `locations` gives one place per name, preferring a read, then a set.
    `extra_dirs` (e.g. extension roots) are scanned too; their locations are relative to
    each dir's parent.
    """
    buckets = {"read": set(), "set": set(), "other": set()}
    best: Dict[str, tuple] = {}
    rank = {"read": 0, "set": 1, "other": 2}
    for base in [pkg_dir] + list(extra_dirs or []):
        for path in _py_files(base):
            for name, cat, line in scan_file(path):
                buckets[cat].add(name)
                cand = (rank[cat], path, line)
                if name not in best or cand[0] < best[name][0]:
                    best[name] = (cand[0], path, line, base)
    return {
        "read": sorted(buckets["read"]),
        "set": sorted(buckets["set"]),
        # `other` keeps only names never seen as read or set.
        "other": sorted(buckets["other"] - buckets["read"] - buckets["set"]),
        "locations": {n: rel_location(p, b, ln) for n, (_, p, ln, b) in sorted(best.items())},
    }
