"""Terraform (`.tf`, `.tfvars`), read with python-hcl2's HCL parser (imported
only when such a file is scanned: it costs ~150 ms).

Settings: keys of object literals (`jsonencode({"METAFLOW_X" = "v"})` Metaflow
configs, `locals { env = { "METAFLOW_X" = ... } }`, `environment = {...}`),
container env entries (`env { name = "METAFLOW_X" value = "v" }` blocks and
`{ name = "METAFLOW_X", value = "v" }` objects), and the shell of heredocs
(`user_data = <<EOF ... EOF`, `METAFLOW_X=${...}` lines). A value that is an
expression (`var.x`, `local.y`) or interpolates one (`"${local.c}/sysroot"`) is a
template. Not settings: HCL identifiers named like one (`output "METAFLOW_X"`,
`module.m.METAFLOW_X`, `var.METAFLOW_X`), descriptions, comments.
"""

from __future__ import annotations

import os
import re

from .. import ids
from .generic import merge
from .model import CONFIG_MAP, TF_ENV, FileProblem, Occurrence
from .shell import shell_occurrences
from .text import LineIndex

_FULL_NAME = re.compile(r"METAFLOW_[A-Z0-9_]+(?:-[A-Z0-9_]+)*")
_SCALARS = {"int_lit": int, "float_lit": float}


def _parse(text: str):
    import hcl2

    return hcl2.parses_to_tree(text)


def _tokens(tree):
    from lark import Token

    return [t for t in tree.scan_values(lambda v: isinstance(v, Token))]


class _Walk:
    def __init__(self, text: str, li: LineIndex):
        self.text, self.li = text, li
        self.occs: list = []

    def span(self, tree):
        toks = _tokens(tree)
        if not toks:
            return None
        return toks[0].start_pos, toks[-1].end_pos

    def value(self, expr):
        """(value, has_value, template, start offset) of an HCL expression."""
        from lark import Tree

        node = expr
        while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
            node = node.children[0]
        sp = self.span(expr)
        if sp is None:
            return None, False, None, None
        src = self.text[sp[0]:sp[1]]
        if isinstance(node, Tree) and node.data == "string":
            parts = [c for c in node.children if isinstance(c, Tree) and c.data == "string_part"]
            inner_start = sp[0] + 1
            inner = self.text[inner_start:sp[1] - 1]
            template = None
            for p in parts:
                if p.children and isinstance(p.children[0], Tree):  # interpolation / directive
                    ps = self.span(p)
                    template = self.text[ps[0]:ps[1]]
                    break
            return inner, True, template, inner_start
        if isinstance(node, Tree) and node.data in _SCALARS:
            try:
                return _SCALARS[node.data](src), True, None, sp[0]
            except ValueError:
                return None, False, src, sp[0]
        if isinstance(node, Tree) and node.data == "identifier" and src in ("true", "false"):
            return src == "true", True, None, sp[0]
        # An expression: known only once Terraform evaluates it.
        return None, False, src if len(src) <= 80 else src[:77] + "...", sp[0]

    def add(self, name_tok, context, expr):
        line, col = name_tok.line, name_tok.column
        value, has, template, vstart = self.value(expr) if expr is not None else (None, False, None, None)
        o = Occurrence(name=str(name_tok), line=line, column=col, context=context,
                       value=value, has_value=has, template=template)
        if has and vstart is not None:
            o.value_line, o.value_column = self.li.pos(vstart)
        self.occs.append(o)

    @staticmethod
    def key_token(key_tree):
        """The token of an object key or attribute name, when it is a plain
        string or identifier."""
        from lark import Token, Tree

        node = key_tree
        while isinstance(node, Tree) and len(node.children) == 1 and node.data in (
                "object_elem_key", "expr_term", "identifier"):
            node = node.children[0]
        if isinstance(node, Tree) and node.data == "string":
            parts = [c for c in node.children if isinstance(c, Tree)]
            if len(parts) == 1 and parts[0].children and isinstance(parts[0].children[0], Token):
                return parts[0].children[0]
            return None
        return node if isinstance(node, Token) else None

    def pairs(self, node):
        """(key token, value expr) of an object literal or a block body."""
        from lark import Tree

        for c in node.children:
            if not isinstance(c, Tree):
                continue
            if c.data in ("object_elem", "attribute"):
                kids = [k for k in c.children if isinstance(k, Tree)]
                if len(kids) >= 2:
                    yield self.key_token(kids[0]), kids[-1]
            elif c.data == "block" and node.data == "body" and c.children:
                yield self.key_token(c.children[0]), c  # value_from { ... }

    def walk(self, tree) -> None:
        from lark import Token, Tree

        stack = [(tree, False)]
        while stack:
            node, in_json = stack.pop()
            if isinstance(node, Token):
                if node.type.startswith("HEREDOC_TEMPLATE") and "METAFLOW_" in node:
                    nl = self.text.find("\n", node.start_pos, node.end_pos)
                    if nl != -1:
                        last = self.text.rfind("\n", node.start_pos, node.end_pos - 1)
                        shell_occurrences(self.text, self.li, nl + 1, max(nl + 1, last + 1),
                                          out=self.occs)
                continue
            if not isinstance(node, Tree):
                continue
            if node.data == "function_call":
                fn = self.key_token(node.children[0]) if node.children else None
                in_json = in_json or (fn is not None and str(fn) == "jsonencode")
            if node.data in ("object", "body"):
                entries = dict((str(k), (k, v)) for k, v in self.pairs(node) if k is not None)
                name = entries.get("name")
                if name is not None:
                    nv = self.value(name[1])
                    if nv[1] and isinstance(nv[0], str) and _FULL_NAME.fullmatch(nv[0]):
                        tok = self.key_token(name[1])  # the name string's own token
                        if tok is not None:
                            vf = entries.get("value_from") or entries.get("valueFrom")
                            self.occs_add_env(tok, entries.get("value"), vf)
                if node.data == "object":
                    for k, v in self.pairs(node):
                        if k is not None and _FULL_NAME.fullmatch(str(k)):
                            self.add(k, CONFIG_MAP if in_json else TF_ENV, v)
            for c in reversed(node.children):
                stack.append((c, in_json))

    def occs_add_env(self, tok, value, value_from) -> None:
        if value_from is not None:
            # The value comes from a secret/config map/field: say which kind.
            inner = re.search(r"[{=]\s*([A-Za-z_][A-Za-z0-9_]*)", self.text[slice(*self.span(value_from[1]))])
            self.add(tok, TF_ENV, None)
            self.occs[-1].template = "value_from: %s" % (inner.group(1) if inner else "...")
        else:
            self.add(tok, TF_ENV, value[1] if value is not None else None)


# Bump when what this module reads changes: cached results of older formats are ignored.
FORMAT = 1


def _cache_path(text: str) -> str:
    import hashlib

    from ..catalog import cache_dir

    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
    return os.path.join(cache_dir(), "terraform", "%d-%s.json" % (FORMAT, digest))


def scan_terraform(text: str, li: LineIndex, problems: list) -> list:
    """The occurrences in a Terraform file. Results are cached by content (the
    parser costs ~0.3 s to load; an unchanged tree never loads it again)."""
    import json
    from dataclasses import asdict

    path = _cache_path(text)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        problems.extend(FileProblem(**p) for p in data["problems"])
        return [Occurrence(**o) for o in data["occurrences"]]
    except (OSError, ValueError, TypeError, KeyError):
        pass
    found: list = []
    occs = _scan(text, li, found)
    problems.extend(found)
    from ..catalog import write_json_atomic

    write_json_atomic(path, {"occurrences": [asdict(o) for o in occs],
                             "problems": [asdict(p) for p in found]})
    return occs


def _scan(text: str, li: LineIndex, problems: list) -> list:
    try:
        tree = _parse(text)
    except ImportError:
        problems.append(FileProblem(
            ids.LINT_PARSE_ERROR, "info",
            "python-hcl2 is not installed: Terraform not read (pip install python-hcl2)"))
        return []
    except RecursionError:
        problems.append(FileProblem(ids.LINT_PARSE_ERROR, "warning",
                                    "Terraform nested too deeply: not read"))
        return []
    except Exception as e:  # lark raises many kinds of errors on bad input
        line = getattr(e, "line", None)
        problems.append(FileProblem(
            ids.LINT_PARSE_ERROR, "warning",
            "invalid HCL (%s): not read" % (str(e).splitlines()[0][:120] if str(e) else type(e).__name__),
            line=line if isinstance(line, int) and line > 0 else None,
            column=getattr(e, "column", None) if isinstance(getattr(e, "column", None), int) else None))
        return []
    w = _Walk(text, li)
    try:
        w.walk(tree)
    except RecursionError:
        pass
    return merge(text, li, w.occs, fallback_context=None)
