"""The environment entries one Metaflow function builds for a remote task, read with `ast`.

The shapes Metaflow's plugins use (2.19), each turned into one entry:

- `job.environment_variable("METAFLOW_X", EXPR)` (Kubernetes, Batch);
- dict literals whose keys are all environment names, some `METAFLOW_*`, inside
  `env = {...}`, `env.update({...})` or `*_variables = {...}` (Argo, Airflow);
- `env["METAFLOW_X"] = EXPR` (Argo, Step Functions, Airflow);
- the prefix passthrough: `config_values()` filtered by `k.startswith("METAFLOW_CONDA_")`,
  as a loop or a dict comprehension;
- downward-API entries (`{"METAFLOW_KUBERNETES_POD_NAME": "metadata.name"}`).

An entry's value is `config` when its expression reads names imported from
`metaflow.metaflow_config` (they are config keys, evaluated later over the local
resolution), else `set` (a literal, or per-task state such as `self._datastore.TYPE`).
The `if` tests around an entry are kept as source text: those over config names only
decide whether it is sent; the others depend on the flow.
"""

from __future__ import annotations

import ast
import re
from typing import Optional

from ...pyast import dotted, string_constant, unparsed

ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
FIELD_PATH = re.compile(r"^(metadata|spec|status)\.")
_ENV_DICTS = ("env",)


def config_imports(tree: ast.AST) -> set:
    """Names a module imports from metaflow.metaflow_config: config keys' variables."""
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and n.module == "metaflow.metaflow_config":
            out |= {a.asname or a.name for a in n.names}
    return out


def functions(tree: ast.Module) -> dict:
    """Qualified name -> function, for module functions and class methods."""
    out = {}
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[n.name] = n
        elif isinstance(n, ast.ClassDef):
            for m in n.body:
                if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out["%s.%s" % (n.name, m.name)] = m
    return out


def _parents(root: ast.AST) -> dict:
    return {c: p for p in ast.walk(root) for c in ast.iter_child_nodes(p)}


def _conditions(node, par, stop) -> list:
    """The `if` tests enclosing `node` (outermost first), negated on the else side."""
    out = []
    cur = node
    while cur in par and cur is not stop:
        p = par[cur]
        if isinstance(p, (ast.If, ast.IfExp)):
            inside = cur in p.body if isinstance(p, ast.If) else cur is p.body
            if cur is not p.test:
                text = unparsed(p.test)
                out.append(text if inside else "not (%s)" % text)
        cur = p
    return list(reversed(out))


def _refs(expr: ast.AST, cfg: set) -> list:
    return sorted({n.id for n in ast.walk(expr) if isinstance(n, ast.Name)} & cfg)


def _iterates_config_values(node) -> bool:
    return isinstance(node, ast.Call) and dotted(node.func) == "config_values"


def _prefixes(node) -> list:
    return sorted({
        n.args[0].value for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "startswith"
        and n.args and string_constant(n.args[0]) is not None
    })


def _in_env_dict(node, par) -> bool:
    """Is this dict literal (part of) the task's environment?"""
    cur = node
    while cur in par:
        p = par[cur]
        if isinstance(p, ast.Call) and isinstance(p.func, ast.Attribute) and p.func.attr == "update" \
                and dotted(p.func.value) in _ENV_DICTS:
            return True
        if isinstance(p, ast.Assign):
            return any(isinstance(t, ast.Name) and (t.id in _ENV_DICTS or t.id.endswith("_variables"))
                       for t in p.targets)
        if isinstance(p, ast.stmt):
            return False
        cur = p
    return False


class _Scan:
    def __init__(self, fn, rel: str, cfg: set):
        self.fn, self.rel, self.cfg = fn, rel, cfg
        self.par = _parents(fn)
        self.entries: list = []
        self.secrets: set = set()
        self.filters: set = set()

    def add(self, kind: str, node, name: Optional[str] = None, expr=None, **extra):
        # The passthrough's own `k.startswith(...)` test is its rule, not a condition.
        conds = [] if kind == "prefix" else _conditions(node, self.par, self.fn)
        entry = {"kind": kind, "name": name, "file": self.rel, "line": node.lineno,
                 "conditions": conds}
        if expr is not None:
            entry["expr"] = unparsed(expr)
            refs = _refs(expr, self.cfg)
            if kind == "value":
                entry["kind"] = "config" if refs else "set"
                if refs:
                    entry["refs"] = refs
                elif isinstance(expr, ast.Constant):
                    entry["literal"] = expr.value
        entry.update(extra)
        self.entries.append(entry)

    def run(self) -> "_Scan":
        for n in ast.walk(self.fn):
            if isinstance(n, ast.Call):
                self.call(n)
            elif isinstance(n, ast.Dict):
                self.env_dict(n)
            elif isinstance(n, ast.Assign) and len(n.targets) == 1:
                t = n.targets[0]
                if isinstance(t, ast.Subscript) and dotted(t.value) in _ENV_DICTS:
                    name = string_constant(t.slice)
                    if name is not None:
                        self.add("value", n, name, n.value)
            elif isinstance(n, ast.DictComp):
                if any(_iterates_config_values(g.iter) for g in n.generators):
                    self.add("prefix", n, prefixes=_prefixes(n))
                else:
                    self.filter_names(n)
        self.entries.sort(key=lambda e: e["line"])
        return self

    def call(self, n: ast.Call) -> None:
        attr = n.func.attr if isinstance(n.func, ast.Attribute) else None
        if attr == "environment_variable" and len(n.args) == 2:
            name = string_constant(n.args[0])
            if name is not None:
                self.add("value", n.args[0], name, n.args[1])
                return
            loop = n
            while loop in self.par and not isinstance(loop, ast.For):
                loop = self.par[loop]
            if isinstance(loop, ast.For) and _iterates_config_values(loop.iter):
                self.add("prefix", n, prefixes=_prefixes(loop))
        elif attr == "environment_variable_from_selector" and len(n.args) == 2:
            name = string_constant(n.args[0])
            if name is not None:
                self.add("fieldref", n.args[0], name, literal=string_constant(n.args[1]))
        elif attr == "split" and isinstance(n.func.value, ast.Name) and n.func.value.id in self.cfg \
                and n.func.value.id.endswith("KUBERNETES_SECRETS"):
            # KUBERNETES_SECRETS.split(","): names of Kubernetes secrets mounted as envFrom.
            self.secrets.add(n.func.value.id)

    def env_dict(self, n: ast.Dict) -> None:
        keys = [string_constant(k) if k is not None else None for k in n.keys]
        named = [k for k in keys if k is not None]
        if not named or not all(ENV_NAME.match(k) for k in named) \
                or not any(k.startswith("METAFLOW_") for k in named):
            return
        values = [v for k, v in zip(keys, n.values) if k is not None]
        downward = all(isinstance(string_constant(v), str) and FIELD_PATH.match(string_constant(v))
                       for v in values)
        if not downward and not _in_env_dict(n, self.par):
            return  # labels, annotations, other dicts that are not the task's environment
        for k, v in zip(keys, n.values):
            if k is None:
                continue  # `**other` inside the dict: per-task values (metadata provider)
            if downward:
                self.add("fieldref", v, k, literal=string_constant(v))
            else:
                self.add("value", v, k, v)

    def filter_names(self, n: ast.DictComp) -> None:
        """`{k: v for k, v in env.items() if ... k not in set(SKIP.split(","))}`: the skip list."""
        for g in n.generators:
            for test in g.ifs:
                self.filters.update(_refs(test, self.cfg))


def scan_function(fn, rel: str, cfg: set) -> _Scan:
    return _Scan(fn, rel, cfg).run()
