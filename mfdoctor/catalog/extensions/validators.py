"""Custom `validate_fn` functions of an extension config module, read as rules.

`from_conf(name, default, validate_fn=f)` calls `f("METAFLOW_<NAME>", value)` on every
non-None value before coercion; whatever `f` raises fails `import metaflow`. Core
Metaflow only uses `get_validate_choice_fn([...])` (parse.py reads those as choices),
but extensions write their own, e.g. netflixext:

    def _validate_remote_latest(name, value):
        if not value:
            raise MetaflowException("%s must not be empty." % name)
        if value[0] == ":" and value not in (":none:", ":username:", ":any:"):
            raise MetaflowException("%s can only have special values ..." % name)

A function whose body is only such guards (a docstring, `if TEST: raise EXC(...)`,
`elif`, a final `return`/`pass`) becomes JSON rules the resolver replays
(config/coerce.py `validator_error`). Anything else is not described: its outcome is
not predicted, never guessed.

Whether the exception class is bound matters: netflixext never imports
`MetaflowException`, so a rejected value raises `NameError` instead of the message.
A name counts as bound if the module binds it anywhere at the top level (an import,
a def, an assignment, also under a top-level `if`/`try`; a star import may bind
anything) or it is a builtin.
"""

from __future__ import annotations

import ast
import builtins
import os
from typing import Dict, List, Optional

from ...pyast import dotted


def _module_bindings(body: List[ast.stmt]) -> set:
    """Names the module's top level binds (not inside function or class bodies)."""
    out = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
            continue
        for field in ("body", "orelse", "finalbody"):  # if / try / with / for at top level
            out |= _module_bindings(getattr(node, field, None) or [])
        for handler in getattr(node, "handlers", None) or []:
            out |= _module_bindings(handler.body)
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
            targets = list(getattr(node, "targets", None) or [getattr(node, "target", None)])
            targets += [i.optional_vars for i in getattr(node, "items", [])]
            for t in targets:
                for sub in ast.walk(t) if t is not None else []:
                    if isinstance(sub, ast.Name):
                        out.add(sub.id)
    return out


def _raise_rule(node: ast.stmt, source: str, bound: set) -> Optional[dict]:
    """{"raises", "bound", "message"} for `raise EXC(msg)` / `raise EXC`, else None."""
    if not isinstance(node, ast.Raise) or node.exc is None:
        return None
    exc = node.exc
    call = exc if isinstance(exc, ast.Call) else None
    name = dotted(call.func if call else exc)
    if not name:
        return None
    head = name.split(".")[0]
    message = None
    if call is not None and len(call.args) == 1 and not call.keywords:
        message = ast.get_source_segment(source, call.args[0]) or ast.unparse(call.args[0])
    # `from x import *` may bind anything: then the class counts as bound.
    is_bound = head in bound or "*" in bound or hasattr(builtins, head)
    return {"raises": name, "bound": is_bound,
            "message": message, "line": node.lineno}


def _guards(body: List[ast.stmt], source: str, bound: set) -> Optional[List[dict]]:
    rules: List[dict] = []
    for i, node in enumerate(body):
        last = i == len(body) - 1
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # docstring
        if isinstance(node, ast.Pass) or (last and isinstance(node, ast.Return) and node.value is None):
            continue
        if isinstance(node, ast.Raise):  # unconditional: every value is rejected
            rule = _raise_rule(node, source, bound)
            if rule is None:
                return None
            rules.append(dict(rule, test="True"))
            return rules
        if not (isinstance(node, ast.If) and len(node.body) == 1):
            return None
        rule = _raise_rule(node.body[0], source, bound)
        if rule is None:
            return None
        rules.append(dict(rule, test=ast.get_source_segment(source, node.test) or ast.unparse(node.test)))
        if node.orelse:  # elif / else: checked only when this guard did not raise
            more = _guards(node.orelse, source, bound)
            if more is None:
                return None
            rules.extend(more)
    return rules


def _shown_path(filename: str) -> str:
    """metaflow_extensions/<org>/config/<file>.py when the path has that shape."""
    parts = filename.replace(os.sep, "/").split("/")
    if "metaflow_extensions" in parts:
        return "/".join(parts[parts.index("metaflow_extensions"):])
    return os.path.basename(filename)


def describe_validators(tree: ast.Module, source: str, filename: str) -> Dict[str, dict]:
    """{function name: rules} for each top-level function of two positional
    parameters (name, value) whose body is only guards."""
    bound = _module_bindings(tree.body)
    out = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.decorator_list:
            continue
        args = node.args
        if len(args.args) != 2 or args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
            continue
        rules = _guards(node.body, source, bound)
        if rules:
            out[node.name] = {"function": node.name, "where": "%s:%d" % (_shown_path(filename), node.lineno),
                              "params": [a.arg for a in args.args], "rules": rules}
    return out
