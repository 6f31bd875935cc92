"""What flow files add to a remote task's environment, read with `ast` (never run):
`@environment(vars={...})`, `@kubernetes(secrets=[...])`, and which steps run remotely
(`@kubernetes`, `@batch`).

The result is plain data (`FlowRemote`) that `config/remote.py` folds into the remote
view: a step decorator applies to its step only, so every fact names its step.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional

from ...bounds import read_regular
from ...findings import Location
from ...pyast import UNRESOLVED, parse, static_value, unparsed
from .discover import MetaflowImports, flow_classes

REMOTE_DECORATORS = ("kubernetes", "batch")


@dataclass(frozen=True)
class FlowFact:
    """One thing a flow file says about a step's remote environment."""

    kind: str  # "var" (@environment), "secret" (@kubernetes), "unknown", "remote"
    step: str
    location: Location
    name: Optional[str] = None  # the variable, the secret, or the decorator ("remote")
    value: Optional[str] = None  # a var's value as Metaflow sends it (str)
    text: Optional[str] = None  # the source of what could not be read statically


@dataclass
class FlowRemote:
    paths: list = field(default_factory=list)
    facts: list = field(default_factory=list)  # FlowFact

    def of_kind(self, kind: str) -> list:
        return [f for f in self.facts if f.kind == kind]

    def remote_steps(self, decorator: Optional[str] = None) -> list:
        return [f for f in self.of_kind("remote") if decorator in (None, f.name)]


def _keyword(call, name: str):
    if not isinstance(call, ast.Call):
        return None
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _vars(deco, step: str, loc) -> list:
    node = _keyword(deco, "vars")
    if node is None:
        return []
    value = static_value(node)
    if value is UNRESOLVED or not isinstance(value, dict):
        if isinstance(node, ast.Dict) and all(k is not None for k in node.keys):
            # Some values are expressions: the names are still known.
            out = []
            for k, v in zip(node.keys, node.values):
                kv, vv = static_value(k), static_value(v)
                if isinstance(kv, str):
                    out.append(FlowFact("var", step, loc, kv, None if vv is UNRESOLVED else str(vv),
                                        None if vv is not UNRESOLVED else unparsed(v)))
            return out
        return [FlowFact("unknown", step, loc, "environment", text=unparsed(node))]
    # Metaflow sends each value as str() (the Kubernetes client, Argo and Batch do).
    return [FlowFact("var", step, loc, str(k), str(v)) for k, v in value.items()]


def _secrets(deco, step: str, loc) -> list:
    node = _keyword(deco, "secrets")
    if node is None:
        return []
    value = static_value(node)
    if isinstance(value, str):
        value = [value]  # kubernetes_decorator.py accepts one name as a string
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        return [FlowFact("unknown", step, loc, "kubernetes", text=unparsed(node))]
    return [FlowFact("secret", step, loc, v) for v in value if v]


def read_flow_file(path: str) -> list:
    """The facts of one flow file; a file that cannot be read or parsed gives none."""
    try:  # bounded: a FIFO, a huge or a 5,000-deep file is not read (issue 9)
        tree = parse(read_regular(path).decode("utf-8"), filename=path)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):  # TooDeep is a SyntaxError
        return []
    imports = MetaflowImports(tree)
    out = []
    for cls in flow_classes(tree, imports).values():
        for fn in cls.body:
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for deco in fn.decorator_list:
                name = imports.qual(deco)
                loc = Location(path, deco.lineno, deco.col_offset + 1)
                if name == "environment":
                    out.extend(_vars(deco, fn.name, loc))
                elif name in REMOTE_DECORATORS:
                    out.append(FlowFact("remote", fn.name, loc, name))
                    if name == "kubernetes":
                        out.extend(_secrets(deco, fn.name, loc))
    return out


def read_flows(paths) -> FlowRemote:
    fr = FlowRemote(paths=list(paths))
    for p in fr.paths:
        fr.facts.extend(read_flow_file(p))
    return fr
