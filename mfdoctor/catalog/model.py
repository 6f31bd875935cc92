"""The key catalog: what configuration keys the installed Metaflow knows.

A `Catalog` wraps the JSON data produced by `mfdoctor.catalog.build` (cached on disk,
or the bundled snapshot) and derives `KeySpec`s from it on demand.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Optional

from ..redact import is_secret_doc, is_secret_name
from ..vocabulary import PREFIX
from .evaluate import referenced_names
from .parse import program_conf_ops


def full_name(name: str) -> str:
    name = name.strip()
    return name if name.upper().startswith(PREFIX) else PREFIX + name


@dataclass
class KeySpec:
    name: str  # METAFLOW_X
    target: str  # the module variable it sets (usually X)
    default_expr: Optional[str]  # source text, None when there is no default
    literal: bool  # default_expr is a literal (not derived)
    default: Any  # the literal default (None when derived or absent)
    type: str  # bool|int|float|str|list|dict|any|derived
    choices: Optional[list]
    secret: bool
    doc: str
    section: str
    origin: str  # "metaflow_config", "plugins", "debug", or "extension:<org>"
    derived_from: list = field(default_factory=list)  # METAFLOW_ names
    condition: Optional[str] = None  # only read when this Python test holds
    line: Optional[int] = None
    module: Optional[str] = None  # the extension module that defines it
    validator: Optional[dict] = None  # a custom validate_fn as rules (extensions/validators.py)

    @property
    def short(self) -> str:
        return self.name[len(PREFIX):]


def literal_value(expr: Optional[str]):
    """(True, value) when the expression text `expr` is a Python literal; (True, None)
    when there is no expression (no default).

    Python's own value, not `pyast.literal_json`'s: a key's type is the type of the
    default Metaflow holds (a tuple default is not a list, bytes are not derived)."""
    if expr is None:
        return True, None
    try:
        return True, ast.literal_eval(expr)
    except (ValueError, SyntaxError):
        return False, None


def _type_of(literal: bool, value: Any, expr: Optional[str]) -> str:
    if not literal:
        return "derived"
    if expr is None or value is None:
        return "any"
    for t in (bool, int, float, str, list, dict):
        if isinstance(value, t):
            return t.__name__
    return "any"


class Catalog:
    def __init__(self, data: dict):
        self.data = data
        self.version: str = data.get("metaflow_version") or "unknown"
        # What identifies this catalog across runs (load_catalog sets it; None: nothing
        # computed from it is kept between runs).
        self.cache_key: Optional[str] = None
        self.source: str = data.get("source", "bundled")
        self.program: list = data["program"]
        self.debug_options: list = list(data.get("debug_options", []))
        self.plugins: dict = data.get("plugins", {})
        self.plugin_categories: list = data.get("plugin_categories", [])
        self.extensions: list = data.get("extensions", [])
        self.release: dict = data.get("release", {})
        # Set when the bundled snapshot stands in for an installed release it could not read.
        self.installed_version: Optional[str] = None
        self._keys: Optional[dict] = None
        self._kinds: Optional[dict] = None

    @property
    def supported(self) -> bool:
        """False for a release below the oldest one mfdoctor supports (catalog/release.py)."""
        from .release import supported  # tiny module; keeps model.py free of release rules

        return supported(self.version)

    @property
    def reads_local_file(self) -> bool:
        """Whether this release reads the project-local `.metaflow/config.json`."""
        return bool(self.release.get("local_config", True))

    # -- key specs ---------------------------------------------------------
    def _spec(self, op: dict, origin: str, condition: Optional[str] = None) -> KeySpec:
        expr = op.get("default")
        literal, value = literal_value(expr)
        name = PREFIX + op["key"]
        return KeySpec(
            name=name,
            target=op["target"],
            default_expr=expr,
            literal=literal,
            default=value if literal else None,
            type=_type_of(literal, value, expr),
            choices=op.get("choices"),
            secret=is_secret_name(name) or is_secret_doc(op.get("doc", "")),
            doc=op.get("doc", ""),
            section=op.get("section", ""),
            origin=origin,
            condition=condition,
            line=op.get("line"),
            validator=op.get("validator_rules"),
        )

    def _walk(self, ops: list, origin: str, out: dict, condition=None):
        for op in ops:
            kind = op["op"]
            if kind == "conf":
                spec = self._spec(op, origin, condition)
                out.setdefault(spec.name, spec)
            elif kind == "if":
                self._walk(op["body"], origin, out, op["test"])
                self._walk(op["orelse"], origin, out, "not (%s)" % op["test"])
            elif kind == "debug_loop":
                for typ in self.debug_options:
                    name = "DEBUG_%s" % typ.upper()
                    spec = self._spec(
                        {"key": name, "target": name, "default": "False",
                         "doc": self.data.get("debug_doc", ""), "section": "Debug configuration",
                         "line": op.get("line")},
                        "debug",
                        condition,
                    )
                    out.setdefault(spec.name, spec)

    @property
    def keys(self) -> dict:
        """Every key `from_conf` reads, by full name, in evaluation order."""
        if self._keys is None:
            out: dict = {}
            self._walk(self.program, "metaflow_config", out)
            for cat in self.plugin_categories:
                name = "ENABLED_%s" % cat.upper()
                out.setdefault(
                    PREFIX + name,
                    KeySpec(
                        name=PREFIX + name, target=name, default_expr=None, literal=True,
                        default=None, type="list", choices=None, secret=False,
                        doc="JSON list of the %s plugins to enable; unset enables every "
                        "installed one." % cat.replace("_", " "),
                        section="Plugin configuration", origin="plugins",
                    ),
                )
            for ext in self.extensions:
                origin = "extension:%s" % ext.get("name", ext.get("org", "?"))
                section = "Extension %s" % ext.get("name", "")
                for cfg in ext.get("configs", []):
                    for op in program_conf_ops(cfg.get("program", [])):
                        spec = self._spec(dict(op, section=section), origin)
                        spec.module = cfg.get("module")
                        # The extension's definition is the effective one: its global
                        # replaces core's (netflixext redefines CONDA_DEPENDENCY_RESOLVER).
                        out[spec.name] = spec
                    for typ in cfg.get("debug_options", []):
                        name = "DEBUG_%s" % str(typ).upper()
                        out.setdefault(PREFIX + name, self._spec(
                            {"key": name, "target": name, "default": "False",
                             "doc": "Debug flag added by an extension.",
                             "section": "Debug configuration"}, origin))
            targets = {s.target: s.name for s in out.values()}
            for spec in out.values():
                if spec.default_expr and not spec.literal:
                    spec.derived_from = [
                        targets[n] for n in referenced_names(spec.default_expr) if n in targets
                    ]
            self._keys = out
        return self._keys

    def key(self, name: str) -> Optional[KeySpec]:
        return self.keys.get(full_name(name).upper())

    # -- names Metaflow knows besides from_conf keys -----------------------
    def extra_names(self) -> dict:
        """Other valid METAFLOW_* names, by kind."""
        out = {
            "read": list(self.data.get("env_read", [])),
            "set": list(self.data.get("env_set", [])),
            "cli": list(self.data.get("cli_envvars", [])),
            "other": list(self.data.get("env_other", [])),
        }
        # An extension's plain module globals (ACME_TIMEOUT = 30) are not read from the
        # environment, so METAFLOW_ACME_TIMEOUT would do nothing: not a known name.
        return out

    def _kind_map(self) -> dict:
        if getattr(self, "_kinds", None) is None:
            kinds = {}
            for kind, names in self.extra_names().items():
                for n in names:
                    kinds.setdefault(n, kind)
            kinds.update({n: "config" for n in self.keys})
            self._kinds = kinds
        return self._kinds

    def known_names(self) -> set:
        return set(self._kind_map())

    def kind_of(self, name: str) -> Optional[str]:
        """How Metaflow uses a METAFLOW_* name: config|read|set|cli|other|None."""
        return self._kind_map().get(full_name(name).upper())
