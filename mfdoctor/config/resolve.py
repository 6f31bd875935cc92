"""Resolve every key the way `import metaflow` would, keeping every layer's value.

The catalog's program (the parsed `metaflow_config.py`) is replayed in source order:
each `from_conf` looks at the environment, the nearest `.metaflow/config.json`, the
profile file, then its default (which may be an expression over earlier keys); then
the post-processing statements run (`SERVICE_HEADERS["x-api-key"] = SERVICE_AUTH_KEY`
and the like); then the `ENABLED_*` plugin keys; then extension config modules, whose
values replace anything before them.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from .. import ids
from ..catalog import Catalog, KeySpec, full_name, load_catalog
from ..catalog.evaluate import EvalError, Evaluator, Unknown, referenced_names
from ..catalog.model import literal_value
from ..findings import ERROR, Finding, Location
from ..vocabulary import PREFIX, Source
from .coerce import coerce
from .extensions import run_extension_configs
from .files import ConfigFiles, config_files, register_secrets
from .loader import apply_config_loader
from ..catalog.plugin_list import enabled_plugins
from .release_notes import release_problems


@dataclass
class LayerValue:
    source: Source
    origin: str
    value: Any
    location: Optional[Location] = None

    def to_dict(self) -> dict:
        return {"source": self.source, "origin": self.origin, "value": self.value}


@dataclass
class ResolvedKey:
    spec: KeySpec
    value: Any  # what Metaflow sees (coerced); the raw value when `error` is set
    raw: Any  # the winning layer's value before coercion (or the default)
    source: Source
    origin: str
    default: Any
    layers: list = field(default_factory=list)  # every set layer, winner first
    error: Optional[str] = None
    notes: list = field(default_factory=list)
    is_default: bool = True
    # Set when mfdoctor cannot compute the value statically: why, and where the code is
    # (`value` is then None and means "not known", never "unset").
    unknown: Optional[str] = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def secret(self) -> bool:
        return self.spec.secret

    @property
    def location(self) -> Optional[Location]:
        for layer in self.layers:
            if layer.source == self.source and layer.origin == self.origin:
                return layer.location
        return None

    @property
    def overrides(self) -> list:
        """Layers that had a value but lost to the winner."""
        won = False
        out = []
        for layer in self.layers:
            if not won and layer.source == self.source and layer.origin == self.origin:
                won = True
                continue
            out.append(layer)
        return out


@dataclass
class Resolution:
    catalog: Catalog
    env: Mapping[str, str]
    cwd: str
    files: ConfigFiles
    keys: dict  # full name -> ResolvedKey, in evaluation order
    problems: list  # findings about the config files

    def get(self, name: str) -> Optional[ResolvedKey]:
        return self.keys.get(full_name(name).upper())

    def value(self, name: str, default: Any = None) -> Any:
        rk = self.get(name)
        return default if rk is None or rk.value is None else rk.value

    def layers_of(self, name: str) -> list:
        """Every place a METAFLOW_* name is set, known key or not (for lint)."""
        return set_layers(self.env, self.files, full_name(name))


def set_layers(env: Mapping[str, str], files: ConfigFiles, name: str) -> list:
    """The layers that set `name`, highest precedence first (env, local file, profile file)."""
    out = []
    if name in env:
        out.append(LayerValue(Source.ENV, name, env[name]))
    profile = files.remote if getattr(files, "remote", None) is not None else files.profile
    for cf in (files.local, profile):
        if cf is not None and cf.data is not None and name in cf.data:
            out.append(LayerValue(cf.kind, cf.path, cf.data[name], cf.location_of(name)))
    return out


class _Replayer:
    def __init__(self, catalog: Catalog, env: Mapping[str, str], cwd: str, files: ConfigFiles):
        self.catalog = catalog
        self.env = env
        self.files = files
        self.ns: dict = {}
        self.keys: dict = {}
        self.by_target: dict = {}
        self.eval = Evaluator(self.ns, env, cwd)
        self.specs = catalog.keys

    # -- one from_conf -------------------------------------------------
    def from_conf(self, key: str, target: str, default_expr: Optional[str], choices,
                  evaluator: Optional[Evaluator] = None, where: Optional[tuple] = None,
                  validator: Optional[dict] = None) -> ResolvedKey:
        """One from_conf call; `evaluator` is the calling module's namespace (an
        extension's), `where` its (module, line) for values it computes, `validator`
        its custom validate_fn as rules."""
        name = PREFIX + key
        spec = self.specs.get(name)
        if spec is None:  # a key only an if-branch or extension defines
            spec = KeySpec(name, target, default_expr, True, None, "any", choices,
                           False, "", "", "metaflow_config")
        layers = set_layers(self.env, self.files, name)
        notes = []
        default = None
        default_known = True
        failure = None
        if default_expr is not None:
            try:
                default = (evaluator or self.eval)(default_expr)
            except Unknown as exc:
                default_known = False
                notes.append("default `%s` could not be evaluated statically (%s)" % (default_expr, exc))
            except EvalError as exc:
                default_known = False
                failure = "Metaflow fails at import computing the default `%s`: %s" % (
                    " ".join(default_expr.split()), exc)
        refs = [self.by_target[n] for n in referenced_names(default_expr or "") if n in self.by_target]
        if layers:
            raw, source, origin = layers[0].value, layers[0].source, layers[0].origin
        else:
            # A copy: post-processing mutates the value (SERVICE_HEADERS gains x-api-key),
            # and the default must still show as written.
            raw = copy.deepcopy(default) if isinstance(default, (dict, list)) else default
            derived = default_expr is not None and not spec.literal and refs
            source = Source.DERIVED if derived else Source.DEFAULT
            origin = refs[0] if derived else "default"
        if default_known:
            value, error = coerce(name, raw, default, choices, spec.secret, validator)
        else:
            value, error = raw, None
        rk = ResolvedKey(spec, value, raw, source, origin, default, layers, error or failure, notes)
        if not default_known and not layers and failure is None:
            module, line = where or ("metaflow_config", spec.line)
            rk.unknown = "default computed by %s code (%s, line %s: %s)" % (
                "extension" if where else "Metaflow", module, line, " ".join(default_expr.split()))
        if source == Source.DEFAULT:
            rk.is_default = True
        elif source == Source.DERIVED:
            rk.is_default = all(self.keys[r].is_default for r in refs if r in self.keys)
        else:
            rk.is_default = False
        self.keys[name] = rk
        self.by_target[target] = name
        self.ns[target] = value
        return rk

    # -- post-processing ----------------------------------------------
    def key_of(self, target: str) -> Optional[ResolvedKey]:
        name = self.by_target.get(target)
        return self.keys.get(name) if name else None

    def replaced(self, target: str, origin_key: Optional[str], how: str) -> None:
        """A later statement replaced a key's whole value (the AWS sandbox block does)."""
        rk = self.key_of(target)
        if rk is None:
            return
        value = self.ns.get(target)
        rk.layers.insert(0, LayerValue(Source.DERIVED, origin_key or how, value))
        rk.value, rk.raw, rk.error = value, value, None
        rk.source, rk.origin = Source.DERIVED, origin_key or how
        src = self.keys.get(origin_key) if origin_key else None
        rk.is_default = bool(src and src.is_default)
        rk.notes.append(how)

    def touched(self, target: str, expr: str, how: str) -> None:
        """A statement changed an item of a key's dict (SERVICE_HEADERS["x-api-key"] = ...)."""
        rk = self.key_of(target)
        if rk is None:
            return
        src_keys = self.refs(expr)
        rk.notes.append("%s (`%s`)" % (how, expr))
        rk.value = self.ns.get(target)
        if rk.source in (Source.DEFAULT, Source.DERIVED) and src_keys:
            rk.source, rk.origin = Source.DERIVED, src_keys[0]
            rk.is_default = all(self.keys[k].is_default for k in src_keys if k in self.keys)

    def refs(self, expr: str) -> list:
        return [self.by_target[n] for n in referenced_names(expr) if n in self.by_target]

    def fails(self, op: dict, exc: Exception) -> None:
        """Metaflow raises on this statement with these values: blame the key involved."""
        kind = op["op"]
        text = {
            "setitem": "%s[%s] = %s", "setdefault": "%s.setdefault(%s, %s)",
        }.get(kind, "%s = %s" if kind == "let" else "os.environ[%s] = %s")
        args = ((op["target"], op["index"], op["expr"]) if kind in ("setitem", "setdefault")
                else (op["target"], op["expr"]) if kind == "let" else (op.get("index"), op["expr"]))
        stmt = text % args
        names = ([self.by_target.get(op["target"])] if "target" in op else []) + self.refs(op["expr"])
        for name in names:
            if name and name in self.keys:
                if not self.keys[name].error:  # Metaflow stops at the first failure
                    self.keys[name].error = "Metaflow fails at import on `%s`: %s: %s" % (
                        stmt, type(exc).__name__, exc)
                return

    def run(self, ops: list) -> None:
        for op in ops:
            kind = op["op"]
            try:
                if kind == "conf":
                    if op["key"] != op["target"] and op["target"] in self.by_target:
                        # e.g. SFN_STATE_MACHINE_PREFIX = from_conf("AWS_SANDBOX_STACK_NAME")
                        rk = self.from_conf(op["key"], "_mfd_" + op["key"], op["default"], op.get("choices"))
                        self.ns[op["target"]] = rk.value
                        self.replaced(op["target"], rk.name, "replaced by %s" % rk.name)
                    else:
                        self.from_conf(op["key"], op["target"], op["default"], op.get("choices"))
                elif kind == "let":
                    self.ns[op["target"]] = self.eval(op["expr"])
                    refs = self.refs(op["expr"])
                    self.replaced(op["target"], refs[0] if refs else None,
                                  "reassigned: %s = %s" % (op["target"], op["expr"]))
                elif kind == "setitem":
                    self.ns[op["target"]][self.eval(op["index"])] = self.eval(op["expr"])
                    self.touched(op["target"], op["expr"], "item %s set" % op["index"])
                elif kind == "setdefault":
                    self.ns[op["target"]].setdefault(self.eval(op["index"]), self.eval(op["expr"]))
                    self.touched(op["target"], op["expr"], "item %s defaulted" % op["index"])
                elif kind == "setenv":
                    value = self.eval(op["expr"])
                    if not isinstance(value, str):
                        raise TypeError("str expected, not %s" % type(value).__name__)
                elif kind == "if":
                    self.run(op["body"] if self.eval(op["test"]) else op["orelse"])
                elif kind == "debug_loop":
                    options = self.ns.get(op["list"]) or self.catalog.debug_options
                    for typ in options:
                        key = "DEBUG_%s" % str(typ).upper()
                        self.from_conf(key, key, "False", None)
            except Unknown:
                if kind == "let":
                    self.ns.pop(op["target"], None)
            except (EvalError, TypeError, KeyError, AttributeError, IndexError) as exc:
                if kind != "if":
                    self.fails(op, exc)

    def enabled_plugins(self) -> None:
        # extension_support/plugins.py: ENABLED_<CAT> = from_conf(...) with no default;
        # None means every plugin; any value is iterated as plugin names.
        overrides, toggles = self.extension_plugin_settings()
        for cat in self.catalog.plugin_categories:
            key = "ENABLED_%s" % cat.upper()
            rk = self.from_conf(key, key, None, None)
            names = list(self.catalog.plugins.get(cat, []))
            if key in overrides:
                # An extension's plugins module sets ENABLED_<CAT>: it beats any config.
                path, value = overrides[key]
                rk.layers.insert(0, LayerValue(Source.EXTENSION, path, value))
                rk.value, rk.raw, rk.source, rk.origin = value, value, Source.EXTENSION, path
                rk.is_default = False
            if rk.value is None:
                rk.value = rk.default = names + toggles.get(cat, [])
                rk.source, rk.origin = Source.DEFAULT, "every installed %s plugin" % cat.replace("_", " ")
            rk.error = rk.error or _plugin_list_error(cat, rk.value, names)

    def extension_plugin_settings(self):
        """ENABLED_<CAT> set by extension plugin modules (last wins), and TOGGLE_ lists."""
        overrides, toggles = {}, {}
        for ext in self.catalog.extensions:
            for mod in ext.get("plugin_modules", []):
                for name, value in (mod.get("enabled") or {}).items():
                    overrides[name] = (mod.get("path", ext.get("name", "extension")), value)
                for name, value in (mod.get("toggles") or {}).items():
                    toggles.setdefault(name[len("TOGGLE_"):].lower(), []).extend(value or [])
        return overrides, toggles

    def key_for_target(self, target: str) -> Optional[ResolvedKey]:
        return self.key_of(target) or self.keys.get(full_name(target))

    def extension_value(self, target: str, value: Any, path: str, unknown: Optional[str] = None) -> None:
        """An extension module's global replaces the key's value (or makes it unknown)."""
        rk = self.key_for_target(target)
        if rk is None:
            return  # a helper name in the extension module, not a config key
        rk.layers.insert(0, LayerValue(Source.EXTENSION, path, value))
        rk.value, rk.raw, rk.source, rk.origin, rk.error = value, value, Source.EXTENSION, path, None
        rk.is_default = False
        rk.unknown = unknown


def _plugin_list_error(category: str, value: Any, names: list) -> Optional[str]:
    """Mirror `resolve_plugins`: "-x" removes x, "+x" and "x" add x; each must exist."""
    if not isinstance(value, (list, str, dict)):
        return "TypeError: '%s' object is not iterable (ENABLED_%s must be a JSON list)" % (
            type(value).__name__, category.upper())
    for item in value:
        if not isinstance(item, str):
            return "AttributeError: '%s' object has no attribute 'startswith' (plugin names are strings)" % (
                type(item).__name__)
    unknown = [e for e in enabled_plugins(value) if e not in names]
    if not unknown:
        return None
    how = " (a plain string is read letter by letter: use a JSON list in a config file)" if isinstance(value, str) else ""
    return "Configuration requested %s plugin '%s' but no such plugin is available%s" % (
        category, unknown[0], how)


def resolve(env: Optional[Mapping[str, str]] = None, cwd: Optional[str] = None,
            profile: Optional[str] = None, catalog: Optional[Catalog] = None,
            files: Optional[ConfigFiles] = None) -> Resolution:
    """The effective configuration, as `import metaflow` would compute it here.

    `files` replaces the config files found from `env` and `cwd` (a remote task's view
    is resolved without the laptop's files)."""
    env = dict(os.environ if env is None else env)
    if profile is not None:
        env["METAFLOW_PROFILE"] = profile
    cwd_problems = []
    if cwd is None:
        try:
            cwd = os.getcwd()
        except OSError as exc:
            cwd = os.environ.get("PWD") or "/"
            cwd_problems.append(Finding(
                ids.CONFIG_FILE_INVALID, ERROR,
                "The current directory (%s) no longer exists: Metaflow looks for .metaflow/ "
                "from it, and every `import metaflow` fails (%s from os.getcwd())."
                % (cwd, type(exc).__name__),
                fix="cd to an existing directory and run again."))
    catalog = catalog or load_catalog()
    constants = {op["target"]: op["expr"] for op in catalog.program if op["op"] == "let"}
    local_dir = _literal_str(constants.get("DATASTORE_LOCAL_DIR"), ".metaflow")
    local_file = _literal_str(constants.get("LOCAL_CONFIG_FILE"), "config.json")
    if files is None:
        files = config_files(env, cwd, local_dir, local_file, read_local=catalog.reads_local_file,
                             release=catalog.version)
        apply_config_loader(catalog, env, files, cwd)
    register_secrets(env, files)
    rep = _Replayer(catalog, env, cwd, files)
    rep.run(catalog.program)
    rep.enabled_plugins()
    ext_findings = run_extension_configs(rep)
    problems = (cwd_problems + release_problems(catalog) + list(files.problems)
                + _extension_problems(catalog) + ext_findings)
    return Resolution(catalog, env, cwd, files, rep.keys, problems)


def _extension_problems(catalog: Catalog) -> list:
    """Extensions Metaflow would fail to load (every `import metaflow` then fails)."""
    out = []
    for ext in catalog.extensions:
        for msg in ext.get("errors", []):
            out.append(Finding(
                ids.CONFIG_EXTENSION, ERROR,
                "Metaflow extension %s: %s" % (ext.get("name"), msg),
                fix="Fix or uninstall the extension package %s." % (ext.get("package") or ext.get("name")),
                location=Location(ext["root"]) if ext.get("root") else None,
            ))
    return out


def _literal_str(expr: Optional[str], fallback: str) -> str:
    ok, val = literal_value(expr) if expr else (False, None)
    return val if ok and isinstance(val, str) else fallback
