"""Finding the installed Metaflow extension packages, as Metaflow's
`extension_support._get_extension_packages` does, without importing them:

- the `metaflow_extensions` namespace package is located with importlib's finders
  (no code runs: a namespace package has none);
- distributions whose `top_level.txt` names `metaflow_extensions` load first, ordered by
  their requirements on each other (alphabetical on ties), then directories found only
  through `sys.path`/PYTHONPATH, alphabetically;
- `METAFLOW_EXTENSIONS_SEARCH_DIRS` (os.pathsep-separated) keeps only packages below one
  of those directories.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Dict, List, Optional

EXT_PKG = "metaflow_extensions"
SEARCH_DIRS_VAR = "METAFLOW_EXTENSIONS_SEARCH_DIRS"

_REQ_NAME = re.compile(r"^(([a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9])|[a-zA-Z0-9]).*$")
_FINDER_TRANS = str.maketrans(".-", "__")


def _namespace_spec(search_path: Optional[List[str]]):
    try:
        if search_path is None:
            return importlib.util.find_spec(EXT_PKG)
        return importlib.machinery.PathFinder.find_spec(EXT_PKG, search_path)
    except (ImportError, ValueError):
        return None


def _package_dirs(spec, search_path):
    """(all dirs of the namespace package, {finder file name: dirs}) as Metaflow walks them."""
    all_paths, finders_to_paths, seen = set(), {}, set()
    new_paths = list(spec.submodule_search_locations or [])
    while new_paths:
        paths, new_paths = new_paths, []
        for p in paths:
            if p in seen:
                continue
            seen.add(p)
            if os.path.isdir(p):
                all_paths.add(Path(p).resolve().as_posix())
                continue
            # An editable install's path hook entry ("__editable__...__path_hook__").
            finder = sys.path_importer_cache.get(p) if search_path is None else None
            finders = [finder] if finder is not None else []
            if not finders:
                for hook in sys.path_hooks:
                    try:
                        finders.append(hook(p))
                        break
                    except ImportError:
                        continue
            for f in finders:
                try:
                    sub = f.find_spec(EXT_PKG)
                except Exception:  # a third-party finder; never fatal for a doctor
                    sub = None
                if sub is not None and sub.submodule_search_locations:
                    new_dirs = [d for d in sub.submodule_search_locations if os.path.isdir(d)]
                    finders_to_paths.setdefault(p[:-14].translate(_FINDER_TRANS) + ".py", []).extend(new_dirs)
                    new_paths.extend(sub.submodule_search_locations)
    return all_paths, finders_to_paths


def _restrict_dirs(env) -> Optional[List[str]]:
    dirs = env.get(SEARCH_DIRS_VAR, "").split(os.pathsep)
    if dirs == [""]:
        return None
    return [Path(p).resolve().as_posix() for p in dirs]


def _allowed(path: str, restrict: Optional[List[str]]) -> bool:
    if not restrict:
        return True
    parents = [p.as_posix() for p in Path(path).resolve().parents]
    return any(r in parents for r in restrict)


def _walk_files(top: str, base: str) -> List[str]:
    """Files under `top`, as paths relative to `base` (posix), sorted; no cycles."""
    out, seen = [], set()
    for root, dirs, files in os.walk(top, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        rel_root = os.path.relpath(root, base)
        for f in files:
            out.append(Path(rel_root, f).as_posix())
    return sorted(out)


def discover_packages(env=None, search_path: Optional[List[str]] = None) -> List[dict]:
    """The packages providing `metaflow_extensions`, in Metaflow's load order.

    Each: {"name", "version", "distribution": bool, "roots": [dir of metaflow_extensions],
    "files": [(root, "metaflow_extensions/<org>/...")]}.
    """
    env = os.environ if env is None else env
    spec = _namespace_spec(search_path)
    if spec is None:
        return []
    all_paths, finders_to_paths = _package_dirs(spec, search_path)
    restrict = _restrict_dirs(env)

    from importlib import metadata  # only when there are extensions at all

    dists: Dict[str, dict] = {}
    kwargs = {} if search_path is None else {"path": search_path}
    for dist in metadata.distributions(**kwargs):
        try:
            top = dist.read_text("top_level.txt") or ""
        except OSError:
            continue
        if EXT_PKG not in top.split():
            continue
        name = dist.metadata["Name"]
        if name in dists:
            continue  # duplicate sys.path entries: Metaflow keeps the first
        dist_root = Path(dist.locate_file(EXT_PKG)).resolve().as_posix()
        if not _allowed(dist_root, restrict):
            continue
        files, addl, has_root_files = [], [], False
        for f in dist.files or []:
            if f.suffix == ".pth":
                try:
                    d = f.read_text().strip()
                except OSError:
                    continue
                if os.path.isdir(d):
                    addl.append(d)
            elif str(f).startswith("__editable__"):
                addl.extend(finders_to_paths.get(str(f), []))
            elif f.parts and f.parts[0] == EXT_PKG:
                has_root_files = True
                files.append((dist_root, Path(*f.parts).as_posix()))
        roots = []
        if has_root_files:
            roots.append(dist_root)
            all_paths.discard(dist_root)
        for d in addl:
            if not _allowed(d, restrict):
                continue
            ext_dir = d if os.path.basename(d.rstrip("/")) == EXT_PKG else os.path.join(d, EXT_PKG)
            ext_dir = Path(ext_dir).resolve().as_posix()
            roots.append(ext_dir)
            all_paths.discard(ext_dir)
            base = os.path.dirname(ext_dir)
            files.extend((ext_dir, rel) for rel in _walk_files(ext_dir, base))
        reqs = []
        for r in dist.requires or []:
            m = _REQ_NAME.match(r)
            if m:
                reqs.append(m.group(1))
        dists[name] = {
            "name": name,
            "version": dist.metadata["Version"],
            "distribution": True,
            "roots": roots,
            "files": files,
            "requires": reqs,
        }

    ordered = _topological(dists)
    packages = [dists[n] for n in ordered]
    for count, path in enumerate(sorted(all_paths)):
        if not _allowed(path, restrict):
            continue
        files = [(path, rel) for rel in _walk_files(path, os.path.dirname(path))]
        if files:
            packages.append(
                {
                    "name": "_pythonpath_%d" % count,
                    "version": "_local_",
                    "distribution": False,
                    "roots": [path],
                    "files": files,
                    "requires": [],
                }
            )
    for p in packages:
        p.pop("requires", None)
    return packages


def _topological(dists: Dict[str, dict]) -> List[str]:
    """Dependencies first, alphabetical among equals (Metaflow's load order)."""
    count, dependents = {}, {}
    for name, d in dists.items():
        n = 0
        for req in d["requires"]:
            if req in dists:
                n += 1
                dependents.setdefault(req, []).append(name)
        count[name] = n
    order, todo = [], sorted(n for n, c in count.items() if c == 0)
    while todo:
        order.extend(todo)
        nxt = []
        for name in todo:
            del count[name]
            for dep in dependents.get(name, []):
                count[dep] -= 1
                if count[dep] == 0:
                    nxt.append(dep)
        todo = sorted(nxt)
    # A cycle makes Metaflow raise; keep the rest rather than lose them.
    return order + sorted(count)



def extension_source_files(env=None, search_path: Optional[List[str]] = None) -> List[str]:
    """Every .py file under the installed extensions' config/ and plugins/ folders, in the
    packages Metaflow would load (for cache fingerprints)."""
    files = []
    for pkg in discover_packages(env=env, search_path=search_path):
        for root, rel in pkg["files"]:
            parts = rel.split("/")
            # The org package's own __init__.py too: it may install a config loader.
            if (len(parts) >= 4 and parts[2] in ("config", "plugins") and rel.endswith(".py")) or (
                    len(parts) == 3 and parts[2] == "__init__.py"):
                files.append(os.path.join(os.path.dirname(root), rel))
    return sorted(files)

