"""Installed Metaflow extensions (`metaflow_extensions/<org>/...`), found and read without
importing them.

Mirrors `metaflow/extension_support/__init__.py` (`_get_extension_packages`):
- the `metaflow_extensions` namespace package is located with importlib's finders
  (no code runs: a namespace package has none);
- distributions whose `top_level.txt` names `metaflow_extensions` load first, ordered by
  their requirements on each other (alphabetical on ties), then directories found only
  through `sys.path`/PYTHONPATH, alphabetically;
- `METAFLOW_EXTENSIONS_SEARCH_DIRS` (os.pathsep-separated) keeps only packages below one
  of those directories;
- an extension point's module is `<org>/<point>/mfextinit_*.py` or `<org>/<point>/__init__.py`
  (exactly one; more than one, or files without one, make `import metaflow` fail).

For the catalog, the config modules (`<org>/config/mfextinit_*.py`) matter most: after
all `from_conf` calls, Metaflow copies every top-level name of each one (except dunder
names and modules) into `metaflow_config`, so their values beat the environment, and a
new UPPERCASE name is a new key. `DEBUG_OPTIONS` there extends the `DEBUG_*` family and
`TOGGLE_DECOSPECS` feeds `DEFAULT_DECOSPECS`; neither is copied. Plugins modules
(`<org>/plugins/mfextinit_*.py`) add plugins per category and may set `ENABLED_<CAT>` /
`TOGGLE_<CAT>`.

Not mirrored: the INFO file of a code package (only inside a running task) and the
meta-module file filters (they only affect packaging).
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from .plugins import desc_var, module_plugin_descs, plugin_categories, unique_names
from ..pyast import dotted, literal_json, source_of
from .pysource import module_file, resolve_relative, try_parse_file

EXT_PKG = "metaflow_extensions"
SEARCH_DIRS_VAR = "METAFLOW_EXTENSIONS_SEARCH_DIRS"

# Defaults as in Metaflow 2.19; read from the installed source when we have it.
_DEFAULT_CONFIG_RE = r"^mfextinit_[a-zA-Z0-9_-]+\.py$"
_DEFAULT_POINTS = [
    "plugins.env_escape",
    "plugins.cards",
    "plugins.datatools",
    "plugins",
    "config",
    "exceptions",
    "toplevel",
    "cmd",
    "alias",
]
# Config-module names Metaflow treats specially instead of copying.
_SPECIAL_CONFIG_NAMES = {"DEBUG_OPTIONS", "TOGGLE_DECOSPECS"}
_REQ_NAME = re.compile(r"^(([a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9])|[a-zA-Z0-9]).*$")
_FINDER_TRANS = str.maketrans(".-", "__")


# --------------------------------------------------------------------------- rules
def _extension_rules(pkg_dir: Optional[str]):
    """(config file regexp, extension points) from the installed extension_support."""
    pattern, points = _DEFAULT_CONFIG_RE, list(_DEFAULT_POINTS)
    if pkg_dir:
        parsed = try_parse_file(os.path.join(pkg_dir, "extension_support", "__init__.py"))
        if parsed:
            for node in parsed[1].body:
                if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
                    continue
                name = node.targets[0].id
                if name == "_extension_points":
                    ok, val = literal_json(node.value)
                    if ok and isinstance(val, list):
                        points = val
                elif name == "EXT_CONFIG_REGEXP" and isinstance(node.value, ast.Call) and node.value.args:
                    ok, val = literal_json(node.value.args[0])
                    if ok and isinstance(val, str):
                        pattern = val
    return re.compile(pattern), points


# ----------------------------------------------------------------------- discovery
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


# ------------------------------------------------------------------ module reading
class _Assignments:
    """Top-level names a module defines, the way Metaflow's loader will see them.

    literals: name -> JSON value; expressions: name -> source text (value not known
    statically); from_conf: name -> {"key", "default", "default_source", "line"};
    conditional: names assigned under if/try/with/for (the last branch is recorded).
    """

    def __init__(self, source: str, module: str, path: str, roots: dict, depth: int = 0):
        self.source = source
        self.module = module
        self.is_package = os.path.basename(path) == "__init__.py"
        self.roots = roots
        self.depth = depth
        self.literals: Dict[str, object] = {}
        self.expressions: Dict[str, str] = {}
        self.from_conf: Dict[str, dict] = {}
        self.lines: Dict[str, int] = {}
        self.functions: List[str] = []
        self.imports: Dict[str, str] = {}
        self.star_imports: List[str] = []
        self.conditional: List[str] = []

    # -- recording
    def _forget(self, name):
        self.literals.pop(name, None)
        self.expressions.pop(name, None)
        self.from_conf.pop(name, None)

    def _set_literal(self, name, value, line, cond):
        self._forget(name)
        self.literals[name] = value
        self._mark(name, line, cond)

    def _set_expr(self, name, text, line, cond):
        self._forget(name)
        self.expressions[name] = text
        self._mark(name, line, cond)

    def _mark(self, name, line, cond):
        self.lines[name] = line
        if cond and name not in self.conditional:
            self.conditional.append(name)

    # -- statements
    def run(self, body: Iterable[ast.stmt], cond: bool = False) -> "_Assignments":
        for node in body:
            self._stmt(node, cond)
        return self

    def _stmt(self, node: ast.stmt, cond: bool) -> None:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            if node.value is None:
                return
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                self._assign(t, node.value, node.lineno, cond)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
            ok, add = literal_json(node.value)
            cur = self.literals.get(name)
            if (
                ok
                and not cond
                and name in self.literals
                and isinstance(node.op, ast.Add)
                and type(cur) is type(add)
                and isinstance(cur, (list, str, int, float))
            ):
                self._set_literal(name, cur + add, node.lineno, cond)
            else:
                self._set_expr(name, source_of(self.source, node), node.lineno, cond)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self._mutating_call(node.value, node.lineno, cond)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._forget(node.name)
            if node.name not in self.functions:
                self.functions.append(node.name)
            self.lines[node.name] = node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                # `import a.b` binds `a`: a module, which Metaflow does not copy.
                self._forget(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            mod = resolve_relative(self.module, self.is_package, node.level, node.module)
            for alias in node.names:
                if alias.name == "*":
                    self.star_imports.append(mod)
                    self._star(mod, node.lineno, cond)
                    continue
                local = alias.asname or alias.name
                self.imports[local] = "%s.%s" % (mod, alias.name)
                self._imported(local, mod, alias.name, node.lineno, cond)
        elif isinstance(node, ast.Delete):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    self._forget(t.id)
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for field in ("body", "orelse", "finalbody"):
                self.run(getattr(node, field, []) or [], cond=True)
            for h in getattr(node, "handlers", []) or []:
                self.run(h.body, cond=True)

    def _assign(self, target: ast.AST, value: ast.AST, line: int, cond: bool) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            conf = self._from_conf_call(value)
            if conf is not None:
                self._forget(name)
                conf["line"] = line
                self.from_conf[name] = conf
                self._mark(name, line, cond)
                return
            ok, val = literal_json(value)
            if ok and not cond:
                self._set_literal(name, val, line, cond)
            else:
                self._set_expr(name, source_of(self.source, value), line, cond)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                for t, v in zip(target.elts, value.elts):
                    self._assign(t, v, line, cond)
            else:
                for t in target.elts:
                    if isinstance(t, ast.Name):
                        self._set_expr(t.id, source_of(self.source, value), line, cond)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            # X["k"] = v on a known literal dict stays literal; otherwise X becomes unknown.
            name = target.value.id
            ok_k, key = literal_json(target.slice)
            ok_v, val = literal_json(value)
            cur = self.literals.get(name)
            if ok_k and ok_v and not cond and isinstance(cur, dict) and isinstance(key, str):
                self._set_literal(name, dict(cur, **{key: val}), line, cond)
            elif name in self.literals or name in self.expressions:
                after = "%s = %s" % (source_of(self.source, target), source_of(self.source, value))
                self._set_expr(name, "%s  # then: %s" % (self._text(name), after), line, cond)

    def _text(self, name):
        if name in self.literals:
            return repr(self.literals[name])
        return self.expressions.get(name, name)

    def _mutating_call(self, call: ast.Call, line: int, cond: bool) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        name = func.value.id
        if name not in self.literals and name not in self.expressions:
            return
        cur = self.literals.get(name)
        args = [literal_json(a) for a in call.args]
        known = not cond and name in self.literals and not call.keywords and len(args) == 1 and args[0][0]
        arg = args[0][1] if known else None
        new = None
        if known and isinstance(cur, list) and func.attr == "append":
            new = cur + [arg]
        elif known and isinstance(cur, list) and func.attr == "extend" and isinstance(arg, list):
            new = cur + arg
        elif known and isinstance(cur, dict) and func.attr == "update" and isinstance(arg, dict):
            new = dict(cur, **arg)
        if new is not None:
            self._set_literal(name, new, line, cond)
        elif func.attr in ("append", "extend", "insert", "update", "pop", "remove", "clear", "setdefault"):
            after = source_of(self.source, call)
            self._set_expr(name, "%s  # then: %s" % (self._text(name), after), line, cond)

    @staticmethod
    def _from_conf_call(value: ast.AST) -> Optional[dict]:
        if not isinstance(value, ast.Call):
            return None
        fname = dotted(value.func) or ""
        if fname.split(".")[-1] != "from_conf" or not value.args:
            return None
        ok, key = literal_json(value.args[0])
        if not ok or not isinstance(key, str):
            return None
        default = value.args[1] if len(value.args) > 1 else None
        for kw in value.keywords:
            if kw.arg == "default":
                default = kw.value
        out = {"key": key, "default": None, "default_source": None}
        if default is not None:
            out["default_source"] = ast.unparse(default)
            ok, val = literal_json(default)
            if ok:
                out["default"] = val
        return out

    # -- imports: UPPERCASE names imported from another module of the extension are
    # copied into metaflow_config like any other, so follow them one or two levels.
    def _other(self, mod: str) -> Optional["_Assignments"]:
        if self.depth >= 2 or not mod.startswith(EXT_PKG + "."):
            return None
        path = module_file(mod, self.roots)
        parsed = try_parse_file(path) if path else None
        if parsed is None:
            return None
        return _Assignments(parsed[0], mod, path, self.roots, self.depth + 1).run(parsed[1].body)

    def _imported(self, local: str, mod: str, name: str, line: int, cond: bool) -> None:
        self._forget(local)
        if not _is_key_name(local):
            return
        other = self._other(mod)
        if other is not None and name in other.literals and not cond:
            self._set_literal(local, other.literals[name], line, cond)
        else:
            self._set_expr(local, "from %s import %s" % (mod, name), line, cond)

    def _star(self, mod: str, line: int, cond: bool) -> None:
        other = self._other(mod)
        if other is None:
            return
        for n, v in other.literals.items():
            if _is_key_name(n):
                if cond:
                    self._set_expr(n, "from %s import *" % mod, line, cond)
                else:
                    self._set_literal(n, v, line, cond)
        for n in other.expressions:
            if _is_key_name(n):
                self._set_expr(n, "from %s import *" % mod, line, cond)
        for n, c in other.from_conf.items():
            if _is_key_name(n):
                self._forget(n)
                self.from_conf[n] = dict(c, line=line)
                self._mark(n, line, cond)


_KEY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _is_key_name(name: str) -> bool:
    return bool(_KEY_NAME.match(name))


def parse_config_module(path: str, module: str, roots: dict) -> dict:
    """What one extension config module contributes to `metaflow_config`."""
    out = {"module": module, "path": path}
    parsed = try_parse_file(path)
    if parsed is None:
        out["error"] = "cannot read or parse %s" % path
        return out
    source, tree = parsed
    a = _Assignments(source, module, path, roots).run(tree.body)
    special = {n: a.literals.pop(n) for n in list(a.literals) if n in _SPECIAL_CONFIG_NAMES}
    special_expr = {n: a.expressions.pop(n) for n in list(a.expressions) if n in _SPECIAL_CONFIG_NAMES}
    drop = lambda d: {k: v for k, v in d.items() if not k.startswith("__")}  # noqa: E731
    out.update(
        literals=drop(a.literals),
        expressions=drop(a.expressions),
        from_conf=drop(a.from_conf),
        functions=[f for f in a.functions if not f.startswith("__")],
        lines={k: v for k, v in a.lines.items() if not k.startswith("__") and k not in _SPECIAL_CONFIG_NAMES},
        conditional=[n for n in a.conditional if not n.startswith("__")],
        star_imports=a.star_imports,
        debug_options=_str_list(special.get("DEBUG_OPTIONS")),
        toggle_decospecs=_str_list(special.get("TOGGLE_DECOSPECS")),
    )
    # Names an extension sets that Metaflow will read from the environment too.
    out["keys"] = sorted(
        {n for n in list(out["literals"]) + list(out["expressions"]) if _is_key_name(n)}
        | {c["key"] for c in out["from_conf"].values()}
        | {"DEBUG_%s" % d.upper() for d in out["debug_options"]}
    )
    if special_expr:
        out["special_expressions"] = special_expr
    return out


def _str_list(value) -> List[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def parse_plugins_module(path: str, module: str, categories: List[str], roots: dict) -> dict:
    """Plugins one extension plugins module adds, and its ENABLED_*/TOGGLE_* settings."""
    out = {"module": module, "path": path}
    parsed = try_parse_file(path)
    if parsed is None:
        out["error"] = "cannot read or parse %s" % path
        return out
    source, tree = parsed
    descs = module_plugin_descs(path, module, categories, roots)
    out["plugin_descs"] = {c: p for c, p in descs.items() if p}
    out["plugins"] = {c: unique_names(p) for c, p in descs.items() if p}
    a = _Assignments(source, module, path, roots).run(tree.body)
    upper = {c.upper() for c in categories}
    enabled, toggles, unknown = {}, {}, {}
    for name in list(a.literals) + list(a.expressions):
        for prefix, dest in (("ENABLED_", enabled), ("TOGGLE_", toggles)):
            if name.startswith(prefix) and name[len(prefix):] in upper:
                if name in a.literals:
                    dest[name] = a.literals[name]
                else:
                    unknown[name] = a.expressions[name]
    out["enabled"] = enabled
    out["toggles"] = toggles
    if unknown:
        out["unknown"] = unknown
    # A DESC list we could not evaluate (built by a function, say): say so.
    unresolved = sorted(
        n for n in a.expressions if n in {desc_var(c) for c in categories} | {"TRAMPOLINE_CLIS_DESC"}
    )
    if unresolved:
        out["unresolved_descs"] = unresolved
    return out


# ------------------------------------------------------------------ per package
def _point_modules(pkg: dict, config_re, points: List[str]):
    """Metaflow's process_file(): ({(point, org): [module files]}, [orgs], [(org|None, error)])."""
    split_points = [p.split(".") for p in points]
    init_points = {p[0] for p in split_points}
    found: Dict[tuple, list] = {}
    orgs: List[str] = []
    errors: List[tuple] = []

    def error(org, msg):
        if (org, msg) not in errors:
            errors.append((org, msg))

    name = pkg["name"]
    for root, rel in pkg["files"]:
        parts = rel.split("/")
        if len(parts) < 2 or parts[0] != EXT_PKG:
            continue
        if len(parts) == 2 and parts[1] == "__init__.py":
            error(None, "%s: '%s' is not an implicit namespace package (has __init__.py)" % (name, EXT_PKG))
        if parts[1] in init_points:
            msg = "%s: should be '%s.X.%s' (X = your organization), not '%s.%s'"
            error(None, msg % (name, EXT_PKG, parts[1], EXT_PKG, parts[1]))
        if len(parts) <= 3:
            continue
        for point, plist in zip(points, split_points):
            if len(parts) > len(plist) + 2 and parts[2 : 2 + len(plist)] == plist:
                if parts[1] not in orgs:
                    orgs.append(parts[1])
                entry = found.setdefault((point, parts[1]), [])
                is_init = config_re.match(parts[-1]) or parts[-1] == "__init__.py"
                if len(parts) == len(plist) + 3 and is_init:
                    entry.append((root, rel))
                break
    for (point, org), mods in found.items():
        if len(mods) > 1:
            files = ", ".join(m[1] for m in mods)
            error(org, "%s[%s]: more than one configuration file for '%s': %s" % (name, org, point, files))
        elif not mods and point != "plugins.cards":
            msg = "%s[%s]: no configuration file (mfextinit_*.py or __init__.py) for '%s'"
            error(org, msg % (name, org, point))
    return found, orgs, errors


def _module_name(rel: str) -> str:
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def extension_configs(
    pkg_dir: Optional[str] = None, env=None, search_path: Optional[List[str]] = None
) -> List[dict]:
    """One entry per (package, org) in Metaflow's load order (later entries win):

    {"org", "package", "version", "distribution", "root",
     "config_paths": [abs path], "configs": [parse_config_module(...)],
     "plugin_paths": [abs path], "plugin_modules": [parse_plugins_module(...)],
     "errors": [why `import metaflow` would fail]}

    `pkg_dir` (the installed metaflow) supplies the plugin categories and extension rules;
    `env` defaults to os.environ (for METAFLOW_EXTENSIONS_SEARCH_DIRS), `search_path` to sys.path.
    """
    packages = discover_packages(env=env, search_path=search_path)
    if not packages:
        return []
    config_re, points = _extension_rules(pkg_dir)
    categories = plugin_categories(pkg_dir) if pkg_dir else []
    roots = {EXT_PKG: [r for p in packages for r in p["roots"]]}
    if pkg_dir:
        roots["metaflow"] = pkg_dir
    out = []
    for pkg in packages:
        found, orgs, errors = _point_modules(pkg, config_re, points)
        if not orgs:
            if errors:
                root = pkg["roots"][0] if pkg["roots"] else None
                out.append(_entry(pkg, None, root, [msg for _, msg in errors]))
            continue
        for org in orgs:
            root = next((r for r, rel in pkg["files"] if rel.split("/")[1:2] == [org]), None)
            entry = _entry(pkg, org, root, [msg for o, msg in errors if o in (None, org)])
            for r, rel in found.get(("config", org), []):
                path = os.path.join(os.path.dirname(r), rel)
                entry["config_paths"].append(path)
                entry["configs"].append(parse_config_module(path, _module_name(rel), roots))
            for r, rel in found.get(("plugins", org), []):
                path = os.path.join(os.path.dirname(r), rel)
                entry["plugin_paths"].append(path)
                parsed = parse_plugins_module(path, _module_name(rel), categories, roots)
                entry["plugin_modules"].append(parsed)
            out.append(entry)
    return out


def _entry(pkg: dict, org: Optional[str], root: Optional[str], errors: List[str]) -> dict:
    return {
        "org": org,
        "package": pkg["name"],
        "version": pkg["version"],
        "distribution": pkg["distribution"],
        "root": root,
        "config_paths": [],
        "configs": [],
        "plugin_paths": [],
        "plugin_modules": [],
        "errors": errors,
    }


def extension_source_files(env=None, search_path: Optional[List[str]] = None) -> List[str]:
    """Every .py file under the installed extensions' config/ and plugins/ folders, in the
    packages Metaflow would load (for cache fingerprints)."""
    files = []
    for pkg in discover_packages(env=env, search_path=search_path):
        for root, rel in pkg["files"]:
            parts = rel.split("/")
            if len(parts) >= 4 and parts[2] in ("config", "plugins") and rel.endswith(".py"):
                files.append(os.path.join(os.path.dirname(root), rel))
    return sorted(files)


__all__ = [
    "EXT_PKG",
    "discover_packages",
    "extension_configs",
    "extension_source_files",
    "parse_config_module",
    "parse_plugins_module",
]
