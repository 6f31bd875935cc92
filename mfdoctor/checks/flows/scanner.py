"""One flow file being scanned: its settings, what has been found so far, and the
`add` that every check of a decorator or source reports through."""

from __future__ import annotations

import ast
from typing import Mapping, Optional, Sequence

from ...findings import Location
from ...pyast import UNRESOLVED, static_value
from ... import ids
from ..keyvault_ids import DEFAULT_SECRETS_BACKENDS
from ..messages import finding
from .model import FlowScan


class FlowFile:
    """A flow file's scan in progress. `imports` and `flows` are set once it parsed."""

    def __init__(self, path: str, *, default_backend: Optional[str], known_backends: Sequence[str],
                 env: Optional[Mapping[str, str]], vault_prefix: Optional[str]):
        self.path = path
        self.default_backend = default_backend
        self.known = list(known_backends) or list(DEFAULT_SECRETS_BACKENDS)
        self.env = env
        self.vault_prefix = vault_prefix
        self.scan = FlowScan(path)
        self.imports = None  # discover.MetaflowImports
        self.flows = {}  # flow class name -> ast.ClassDef
        self.constants = {}  # module-level NAME = <literal>, assigned once: name -> node

    def learn_constants(self, tree) -> None:
        """Module-level names bound once to a literal (SECRET_SRCS = ["az-key-vault.x"]),
        so `sources=SECRET_SRCS` is checked like the list itself."""
        seen = {}
        for stmt in getattr(tree, "body", []):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                [stmt.target] if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) else [])
            for t in targets:
                if isinstance(t, ast.Name):
                    seen[t.id] = seen.get(t.id, 0) + 1
                    value = getattr(stmt, "value", None)
                    if isinstance(stmt, ast.AugAssign) or value is None \
                            or static_value(value) is UNRESOLVED:
                        seen[t.id] += 1  # not a plain literal binding
                    else:
                        self.constants[t.id] = value
        for name, n in seen.items():
            if n != 1:
                self.constants.pop(name, None)

    def resolve(self, node):
        """The literal a module-level constant names, else the node itself."""
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.constants[node.id]
        return node

    def loc(self, node) -> Location:
        return Location(self.path, getattr(node, "lineno", None),
                        (node.col_offset + 1) if hasattr(node, "col_offset") else None)

    def add(self, severity, message, node, *, fix=None, suggestion=None, check=ids.FLOW_SECRETS, **detail):
        self.scan.findings.append(finding(
            check, severity, message, fix=fix, suggestion=suggestion,
            location=self.loc(node) if node is not None else Location(self.path), **detail))
