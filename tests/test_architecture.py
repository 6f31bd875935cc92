"""The package's shape, read with `ast` (nothing of mfdoctor is imported): module size,
no use of another module's private names, which room may import which (ARCHITECTURE.md),
and no import cycle, imports inside functions included.

The rules are functions over a module graph built from source text, so the tests at the
bottom prove each one on a synthetic breach; the tests above them apply them to the
real package.
"""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "mfdoctor"

SIZE_LIMIT = 400
SIZE_EXEMPT = {"mfdoctor.checks.registry"}  # a pure data table

# Resolution and the key catalog know nothing of checks or output.
CONFIG_MAY_NOT_IMPORT = ("mfdoctor.render", "mfdoctor.checks")
# Renderers see findings, the registry and the view of `show`, never what computes them.
RENDER_MAY_IMPORT = {
    "mfdoctor",  # the package itself: `__version__` (SARIF's tool version)
    "mfdoctor.findings", "mfdoctor.checks.registry", "mfdoctor.ids",
    "mfdoctor.vocabulary", "mfdoctor.redact", "mfdoctor.view", "mfdoctor.workdir",
}
RENDER_MAY_IMPORT_EXTERNAL = set(sys.stdlib_module_names) | {"rich", "typer"}


# -- the module graph -----------------------------------------------------------------

@dataclass
class Module:
    name: str  # dotted: mfdoctor.render.show_table
    is_package: bool  # an __init__.py
    lines: int
    tree: ast.Module


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported from, absolute
    names: tuple  # names taken from it by `from target import ...` (submodules excluded)
    line: int

    @property
    def internal(self) -> bool:
        return self.target == PACKAGE or self.target.startswith(PACKAGE + ".")


def parse_modules(files: Dict[str, str]) -> Dict[str, Module]:
    """{relative path ("mfdoctor/x/y.py"): source} -> {dotted name: Module}."""
    out = {}
    for path, text in files.items():
        parts = path[:-len(".py")].split("/")
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        name = ".".join(parts)
        out[name] = Module(name, is_package, len(text.splitlines()), ast.parse(text, path))
    return out


def read_package(root: str = ROOT) -> Dict[str, Module]:
    files = {}
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, PACKAGE)):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for fn in filenames:
            if fn.endswith(".py"):
                path = os.path.join(dirpath, fn)
                with open(path, encoding="utf-8") as f:
                    files[os.path.relpath(path, root).replace(os.sep, "/")] = f.read()
    return parse_modules(files)


def _base(mod: Module, node: ast.ImportFrom) -> str:
    """The absolute module a `from ... import` reads from."""
    if not node.level:
        return node.module
    package = mod.name.split(".") if mod.is_package else mod.name.split(".")[:-1]
    package = package[:len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def imports_of(mod: Module, modules: Dict[str, Module]) -> List[Import]:
    """Every import in `mod`, at any depth (functions, `if` blocks, `try`)."""
    out = []
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Import):
            out.extend(Import(mod.name, a.name, (), node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _base(mod, node)
            names = []
            for a in node.names:
                if "%s.%s" % (base, a.name) in modules:  # `from . import x`: the submodule x
                    out.append(Import(mod.name, "%s.%s" % (base, a.name), (), node.lineno))
                else:
                    names.append(a.name)
            if names:
                out.append(Import(mod.name, base, tuple(names), node.lineno))
    return out


def all_imports(modules: Dict[str, Module]) -> List[Import]:
    return [imp for mod in modules.values() for imp in imports_of(mod, modules)]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _dotted(node) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return head and "%s.%s" % (head, node.attr)
    return None


def _module_bindings(mod: Module, modules: Dict[str, Module]) -> Dict[str, str]:
    """Local names bound to an internal module by an import: {name: module}."""
    bound = {}
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    bound[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = _base(mod, node)
            for a in node.names:
                if "%s.%s" % (base, a.name) in modules:
                    bound[a.asname or a.name] = "%s.%s" % (base, a.name)
    return bound


# -- the rules: each returns its breaches, [] when kept --------------------------------

def oversized(modules: Dict[str, Module]) -> List[str]:
    return sorted("%s: %d lines" % (m.name, m.lines) for m in modules.values()
                  if m.lines > SIZE_LIMIT and m.name not in SIZE_EXEMPT)


def private_uses(modules: Dict[str, Module]) -> List[str]:
    """`from x import _y`, and `x._y` on a module `x` imported from the package."""
    out = []
    for mod in modules.values():
        for imp in imports_of(mod, modules):
            if imp.internal:
                out.extend((mod.name, imp.line, "from %s import %s" % (imp.target, n))
                           for n in imp.names if _private(n))
        bound = _module_bindings(mod, modules)
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                value = _dotted(node.value)
                if value is None or value.split(".")[0] not in bound:
                    continue
                head, _, rest = value.partition(".")
                target = bound[head] + ("." + rest if rest else "")
                if target in modules:
                    out.append((mod.name, node.lineno, "%s.%s" % (target, node.attr)))
    return ["%s:%d: %s" % where for where in sorted(out)]


def in_room(name: str, room: str) -> bool:
    return name == room or name.startswith(room + ".")


def _where(i: Import) -> tuple:
    return (i.source, i.line, i.target)


def forbidden_imports(imports: List[Import], room: str, forbidden) -> List[str]:
    """Imports by modules of `room` of anything in the `forbidden` rooms."""
    return ["%s:%d imports %s" % (i.source, i.line, i.target) for i in sorted(imports, key=_where)
            if in_room(i.source, room) and any(in_room(i.target, f) for f in forbidden)]


def imports_beyond(imports: List[Import], room: str, allowed, allowed_external) -> List[str]:
    """Imports by modules of `room` of anything but its own room, the `allowed` modules
    (exact names) and the `allowed_external` top-level packages."""
    out = []
    for i in sorted(imports, key=_where):
        if not in_room(i.source, room) or in_room(i.target, room):
            continue
        ok = i.target in allowed if i.internal else i.target.split(".")[0] in allowed_external
        if not ok:
            out.append("%s:%d imports %s" % (i.source, i.line, i.target))
    return out


def import_cycles(modules: Dict[str, Module]) -> List[List[str]]:
    """The strongly connected components of the import graph with more than one module
    (Tarjan's algorithm), each sorted."""
    graph = {name: set() for name in modules}
    for imp in all_imports(modules):
        if imp.target in modules and imp.target != imp.source:
            graph[imp.source].add(imp.target)
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def renderer_table(modules: Dict[str, Module]) -> dict:
    """render/__init__.py's FORMATS literal: {command: {format: module}}."""
    for node in modules["mfdoctor.render"].tree.body:
        if isinstance(node, ast.Assign) and [_dotted(t) for t in node.targets] == ["FORMATS"]:
            return ast.literal_eval(node.value)
    raise AssertionError("no FORMATS table in mfdoctor/render/__init__.py")


# -- the real package ---------------------------------------------------------------

@pytest.fixture(scope="module")
def package():
    return read_package()


def test_no_module_over_the_size_limit(package):
    assert oversized(package) == []


def test_no_use_of_private_names_of_other_modules(package):
    assert private_uses(package) == []


def test_config_imports_neither_render_nor_checks(package):
    assert forbidden_imports(all_imports(package), "mfdoctor.config", CONFIG_MAY_NOT_IMPORT) == []


def test_render_imports_only_findings_registry_and_view(package):
    assert imports_beyond(all_imports(package), "mfdoctor.render", RENDER_MAY_IMPORT,
                          RENDER_MAY_IMPORT_EXTERNAL) == []


def test_no_import_cycle(package):
    assert import_cycles(package) == []


def test_every_format_has_a_renderer_with_the_one_signature(package):
    for command, formats in renderer_table(package).items():
        for fmt, name in formats.items():
            mod = package.get("mfdoctor.render." + name)
            assert mod is not None, (command, fmt, name)
            writes = [n for n in mod.tree.body if isinstance(n, ast.FunctionDef) and n.name == "write"]
            assert [[a.arg for a in w.args.args] for w in writes] in (
                [["shown", "out", "options"]], [["info", "out", "options"]],
                [["report", "out", "options"]]), (name, "write(data, out, options)")


# -- each rule catches a breach ------------------------------------------------------

def _pkg(files: Dict[str, str]) -> Dict[str, Module]:
    """A synthetic package from {"render/x": source}; "render/__init__" makes a package."""
    return parse_modules({"mfdoctor/__init__.py": "",
                          **{"mfdoctor/%s.py" % path: text for path, text in files.items()}})


def test_rule_size_limit():
    big = "x = 1\n" * (SIZE_LIMIT + 1)
    assert oversized(_pkg({"a": "x = 1\n" * SIZE_LIMIT})) == []
    assert oversized(_pkg({"a": big})) == ["mfdoctor.a: 401 lines"]
    assert oversized(_pkg({"checks/registry": big})) == []


def test_rule_private_names():
    mods = _pkg({
        "a": "_y = 1\n", "p/__init__": "", "p/b": "",
        "ok": "from . import __version__\nfrom .a import y\nimport mfdoctor.a\nself._x\n",
        "c": "from .a import _y\n",
        "d": "def f():\n    from . import a\n    return a._y\n",
        "e": "import mfdoctor.a as m\nm._y\n",
        "f": "import mfdoctor.p.b\nmfdoctor.p.b._z\n",
        "p/g": "from .b import _z\nfrom .. import a\n",
    })
    assert private_uses(mods) == [
        "mfdoctor.c:1: from mfdoctor.a import _y",
        "mfdoctor.d:3: mfdoctor.a._y",
        "mfdoctor.e:2: mfdoctor.a._y",
        "mfdoctor.f:2: mfdoctor.p.b._z",
        "mfdoctor.p.g:1: from mfdoctor.p.b import _z",
    ]


def test_rule_config_layer():
    mods = _pkg({
        "config/__init__": "from .resolve import r\n", "config/resolve": "from ..findings import F\n",
        "config/explain": "def f():\n    from ..render.show_json import key_dict\n",
        "config/x": "from ..checks import registry\n",
        "checks/registry": "", "findings": "", "render/__init__": "", "render/show_json": "",
    })
    assert forbidden_imports(all_imports(mods), "mfdoctor.config", CONFIG_MAY_NOT_IMPORT) == [
        "mfdoctor.config.explain:2 imports mfdoctor.render.show_json",
        "mfdoctor.config.x:1 imports mfdoctor.checks.registry",
    ]


def test_rule_render_layer():
    mods = _pkg({
        "render/__init__": "",
        "render/a": "import json\nimport rich.text\nfrom . import b\nfrom .. import __version__\n"
                    "from ..findings import Report\nfrom ..view import Shown\n",
        "render/b": "from ..config.resolve import resolve\nimport azure.identity\n",
        "render/c": "from ..checks.registry import describe\nfrom ..checks.lint import run\n",
        "findings": "", "view": "", "config/__init__": "", "config/resolve": "",
        "checks/registry": "", "checks/lint": "",
    })
    assert imports_beyond(all_imports(mods), "mfdoctor.render", RENDER_MAY_IMPORT,
                          RENDER_MAY_IMPORT_EXTERNAL) == [
        "mfdoctor.render.b:1 imports mfdoctor.config.resolve",
        "mfdoctor.render.b:2 imports azure.identity",
        "mfdoctor.render.c:2 imports mfdoctor.checks.lint",
    ]


def test_rule_no_cycles():
    assert import_cycles(_pkg({"a": "from . import b\n", "b": "from .c import x\n", "c": ""})) == []
    # at module level, through a package's relative `from . import x`
    mods = _pkg({"p/__init__": "", "p/a": "from . import b\n", "p/b": "from .a import f\n"})
    assert import_cycles(mods) == [["mfdoctor.p.a", "mfdoctor.p.b"]]
    # hidden in a function, two levels up, and through a package __init__
    mods = _pkg({"p/__init__": "from .a import f\n", "p/a": "def f():\n    from ..q.b import g\n",
                 "q/__init__": "", "q/b": "from ..p import f\n", "other": "import mfdoctor.q.b\n"})
    assert import_cycles(mods) == [["mfdoctor.p", "mfdoctor.p.a", "mfdoctor.q.b"]]


def test_rule_renderer_table():
    mods = _pkg({"render/__init__": 'FORMATS = {"show": {"table": "show_table"}}\n'})
    assert renderer_table(mods) == {"show": {"table": "show_table"}}
