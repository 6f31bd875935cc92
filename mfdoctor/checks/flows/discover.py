"""Finding flow files and their flow classes: which local names mean Metaflow's
FlowSpec, step and secrets, and which classes subclass FlowSpec."""

from __future__ import annotations

import ast
import os
from typing import Optional

from ...bounds import read_regular
from ...pyast import parse


class MetaflowImports:
    """Which local names mean metaflow's FlowSpec / step / secrets."""

    def __init__(self, tree: ast.AST):
        self.names = {}  # local name -> metaflow attribute
        self.other = set()  # names bound to something that is not metaflow's
        self.modules = set()  # local names bound to the metaflow package
        self.star = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "metaflow":
                        self.modules.add(a.asname or "metaflow")
                    else:
                        self.other.add((a.asname or a.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if node.module == "metaflow" and node.level == 0:
                        if a.name == "*":
                            self.star = True
                        else:
                            self.names[a.asname or a.name] = a.name
                    else:
                        self.other.add(a.asname or a.name)

    def qual(self, node) -> Optional[str]:
        """'secrets' / 'step' / 'FlowSpec' / ... when `node` is metaflow's, else None."""
        if isinstance(node, ast.Call):
            node = node.func
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id not in self.other and (self.star or node.id in ("secrets", "step", "FlowSpec")):
                # star import, or never imported at all (then Python fails first; still read it)
                return node.id
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in self.modules:
            return node.attr
        return None


def flow_classes(tree: ast.AST, imports: Optional[MetaflowImports] = None) -> dict:
    """name -> ClassDef for every class that subclasses metaflow's FlowSpec (directly or
    through another class of the same file)."""
    imports = imports or MetaflowImports(tree)
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    flows = {}
    changed = True
    while changed:
        changed = False
        for c in classes:
            if c.name in flows:
                continue
            for b in c.bases:
                if imports.qual(b) == "FlowSpec" or (isinstance(b, ast.Name) and b.id in flows):
                    flows[c.name] = c
                    changed = True
                    break
    return flows


def _is_flow_text(text: str) -> bool:
    return "FlowSpec" in text


def find_flow_files(cwd=None) -> list:
    """The *.py files directly in `cwd` that define a FlowSpec subclass (found by AST)."""
    cwd = cwd or os.getcwd()
    out = []
    try:
        names = sorted(os.listdir(cwd))
    except OSError:
        return out
    for name in names:
        if not name.endswith(".py"):
            continue
        path = os.path.join(cwd, name)
        if not os.path.isfile(path):
            continue
        try:
            text = read_regular(path).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if not _is_flow_text(text):
            continue
        try:
            tree = parse(text, path)
        except SyntaxError:  # TooDeep included: not read, so not discovered
            continue
        if flow_classes(tree):
            out.append(path)
    return out
