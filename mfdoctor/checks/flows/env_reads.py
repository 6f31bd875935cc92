"""Environment reads in a step (`os.environ["X"]`, `os.environ.get("X")`,
`os.getenv("X")`), compared with the names @secrets injects."""

from __future__ import annotations

import ast

from ...findings import WARNING
from ...pyast import dotted, is_os_environ, static_value
from .scanner import FlowFile


def env_reads(fn) -> list:
    """(name, node) for os.environ["X"], os.environ.get("X"), os.getenv("X") in a function."""
    out = []
    for node in ast.walk(fn):
        name = None
        if isinstance(node, ast.Subscript) and is_os_environ(node.value):
            name = static_value(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            f = node.func
            if (f.attr == "get" and is_os_environ(f.value)) or dotted(f) == "os.getenv":
                name = static_value(node.args[0])
        if isinstance(name, str):
            out.append((name, node))
    return out


def check_env_reads(ff: FlowFile, fn, injected, ctx):
    """A step reading os.environ["API_KEY"] when @secrets injects api_key (case is kept)."""
    by_lower = {}
    for n in injected:
        if isinstance(n, str):
            by_lower.setdefault(n.lower(), n)
    for name, node in env_reads(fn):
        if name in injected or name.lower() not in by_lower:
            continue
        real = by_lower[name.lower()]
        ff.add(WARNING,
               "step %s reads $%s, but @secrets injects $%s (Metaflow keeps the secret name's case; "
               "it does not upper-case it)" % (fn.name, name, real), node,
               fix='read os.environ["%s"], or set {"options": {"env_var_name": "%s"}} on the source'
                   % (real, name), suggestion=real, **ctx)
