"""Reading Python source files of Metaflow (and its extensions) without importing them.

Shared by the source scanners in this package (plugins, extensions, cli_envvars,
env_names): a small parse cache and the module-name -> file mapping. AST helpers
(dotted names, literals) are in `mfdoctor.pyast`.
"""

from __future__ import annotations

import ast
import functools
import os
from typing import Optional, Tuple

# Files are parsed once per (path, size, mtime) in a process. The scanners run only when
# the catalog cache is cold, and several of them look at the same files (cli.py,
# plugins/__init__.py, the *_cli.py modules), so this halves a cold run.
_CACHE_SIZE = 512


def read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _parse_cached(path: str, size: int, mtime_ns: int) -> Tuple[str, ast.Module]:
    source = read_text(path)
    return source, ast.parse(source, path)


def parse_file(path: str) -> Tuple[str, ast.Module]:
    """(source, tree) of a Python file. Raises OSError / SyntaxError."""
    st = os.stat(path)
    return _parse_cached(os.path.abspath(path), st.st_size, st.st_mtime_ns)


def try_parse_file(path: str) -> Optional[Tuple[str, ast.Module]]:
    """Like `parse_file`, but None for a missing, unreadable or unparsable file."""
    try:
        return parse_file(path)
    except (OSError, SyntaxError, ValueError):
        return None


def clear_cache() -> None:
    _parse_cached.cache_clear()


def module_file(module: str, roots: dict) -> Optional[str]:
    """The .py file of dotted `module`, given {top-level package name: its directory}.

    `roots` maps e.g. "metaflow" to the package dir and "metaflow_extensions" to the
    list of extension root dirs (a namespace package may span several directories).
    """
    parts = module.split(".")
    bases = roots.get(parts[0])
    if bases is None:
        return None
    if isinstance(bases, str):
        bases = [bases]
    for base in bases:
        stem = os.path.join(base, *parts[1:])
        for cand in (stem + ".py", os.path.join(stem, "__init__.py")):
            if os.path.isfile(cand):
                return cand
    return None


def dict_keys_assigned(stmt: ast.stmt, name: str) -> Optional[list]:
    """The string keys, in source order, when `stmt` is `name = {...}`; else None."""
    if not (
        isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
        and isinstance(stmt.value, ast.Dict)
    ):
        return None
    return [k.value for k in stmt.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]


def module_name(rel: str) -> str:
    """The dotted module of a .py file given relative to its top package's parent
    ("metaflow/plugins/__init__.py" -> "metaflow.plugins"); `/` or os.sep separated."""
    parts = rel[:-3].replace(os.sep, "/").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def resolve_relative(module: str, is_package: bool, level: int, target: Optional[str]) -> str:
    """The absolute module named by `from <level dots><target> import ...` inside `module`."""
    if level == 0:
        return target or ""
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".")
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    base = ".".join(parts)
    return base + "." + target if target else base


def rel_location(path: str, pkg_dir: str, line: Optional[int]) -> str:
    """"metaflow/x/y.py:12": relative to the directory holding the package; a file
    outside it (an extension elsewhere) keeps its absolute path."""
    base = os.path.dirname(os.path.abspath(pkg_dir))
    path = os.path.abspath(path)
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        rel = path
    if rel.startswith(".."):
        rel = path
    rel = rel.replace(os.sep, "/")
    return "%s:%d" % (rel, line) if line else rel
