"""Extension config modules, replayed as Python runs them (after core's from_conf calls).

For each config module, in Metaflow's load order: its program (catalog/extensions/
program.py) runs in its own namespace, where `from metaflow.metaflow_config import X`
binds the value resolved so far; its `from_conf` calls look at the same layers as
core's; then `metaflow_config` copies the module's globals over its own. So:

- an imported name copied back unchanged changes nothing (it is the same value);
- a global the module assigns replaces the key's value (source `extension`), and a
  value the user set for that key gets a `config.no-effect` finding naming the module;
- a value the interpreter cannot follow is *unknown*, computed by extension code
  (module, line): never a guessed value or null, and no other key's source changes.
"""

from __future__ import annotations

from typing import Any, Optional

from .. import ids
from ..catalog.evaluate import EvalError, Evaluator, Namespace, Unknown
from ..findings import WARNING, Finding
from ..vocabulary import USER_SET

# Config-module names Metaflow treats specially instead of copying.
_SPECIAL = {"DEBUG_OPTIONS", "TOGGLE_DECOSPECS"}
_METHODS = {"append", "extend", "insert", "update", "setdefault", "pop", "remove", "clear"}


class ConfigModuleRef(Namespace):
    """`import metaflow.metaflow_config as m`: `m.X` reads the value resolved so far."""


def _targets(ops: list) -> list:
    out = []
    for op in ops:
        if op["op"] == "if":
            out.extend(_targets(op["body"]) + _targets(op["orelse"]))
        elif "target" in op:
            out.append(op["target"])
    return out


class ModuleRun:
    def __init__(self, rep, cfg: dict, path: str):
        self.rep = rep
        self.path = path
        self.module = cfg.get("module") or path
        self.ns: dict = {}
        self.unknown: dict = {}  # name -> why (module, line, statement)
        self.refs: set = set()  # names still holding a value imported from metaflow_config
        self.own: dict = {}  # target -> key name, for the module's own from_conf calls
        self.eval = Evaluator(self.ns, rep.env, rep.eval.cwd)
        self.findings: list = []

    def mark_unknown(self, name: str, line: Optional[int], text: str) -> None:
        self.ns.pop(name, None)
        self.refs.discard(name)
        self.own.pop(name, None)
        self.unknown[name] = "computed by extension code (%s, line %s: %s)" % (
            self.module, line if line is not None else "?", " ".join(text.split()))

    def bind(self, name: str, value: Any) -> None:
        self.ns[name] = value
        self.unknown.pop(name, None)
        self.refs.discard(name)
        self.own.pop(name, None)

    def run(self, ops: list) -> None:
        for op in ops:
            kind = op["op"]
            target = op.get("target")
            try:
                if kind == "ref":
                    name = op["name"]
                    if name in self.rep.ns:
                        self.bind(target, self.rep.ns[name])
                        self.refs.add(target)
                    else:
                        self.mark_unknown(target, op.get("line"), "import of %s, which mfdoctor "
                                          "does not know the value of" % name)
                elif kind == "ref_module":
                    self.bind(target, ConfigModuleRef(self.rep.ns))
                elif kind == "conf":
                    rk = self.rep.from_conf(op["key"], target, op["default"], op.get("choices"),
                                            evaluator=self.eval, where=(self.module, op.get("line")),
                                            validator=op.get("validator_rules"))
                    if rk.unknown:
                        self.mark_unknown(target, op.get("line"), "from_conf(%r, ...)" % op["key"])
                        self.unknown[target] = rk.unknown
                    else:
                        self.bind(target, rk.value)
                    self.own[target] = rk.name
                elif kind == "let":
                    self.bind(target, self.eval(op["expr"]))
                elif kind == "setitem":
                    self.ns[target][self.eval(op["index"])] = self.eval(op["expr"])
                elif kind == "setdefault":
                    self.ns[target].setdefault(self.eval(op["index"]), self.eval(op["expr"]))
                elif kind == "call":
                    obj = self.ns[target] if target in self.ns else None
                    if not isinstance(obj, (list, dict)) or op["method"] not in _METHODS:
                        raise Unknown(op["method"])
                    getattr(obj, op["method"])(*[self.eval(a) for a in op["args"]])
                elif kind == "if":
                    test = self.eval(op["test"])
                    self.run(op["body"] if test else op["orelse"])
                elif kind == "unknown":
                    self.mark_unknown(target, op.get("line"), op.get("text", ""))
            except (Unknown, EvalError, TypeError, KeyError, AttributeError, IndexError, ValueError):
                # Not followed (or Python would raise here): every name this statement
                # may bind is unknown. Never a guess.
                line = op.get("line")
                text = ("if %s: ..." % op["test"] if kind == "if" else
                        "%s = %s" % (target, op["expr"]) if "expr" in op else "%s ..." % (target or kind))
                for name in ([target] if target else _targets([op])):
                    self.mark_unknown(name, line, text)

    def copy_globals(self) -> None:
        """metaflow_config: `globals()[n] = o` for each non-dunder, non-module global."""
        rep = self.rep
        for name, value in self.ns.items():
            if name.startswith("__") or name in _SPECIAL or name in self.refs:
                continue
            if isinstance(value, ConfigModuleRef):
                continue
            if name in self.own:
                rep.ns[name] = value  # the module's own key: already resolved as such
                continue
            rep.ns[name] = value
            self.override(name, value, None)
        for name, why in self.unknown.items():
            if name.startswith("__") or name in _SPECIAL:
                continue
            rep.ns.pop(name, None)
            if name in self.own:
                continue  # its ResolvedKey already says why
            self.override(name, None, why)

    def override(self, target: str, value: Any, unknown: Optional[str]) -> None:
        rk = self.rep.key_for_target(target)
        if rk is None:
            return  # a helper name in the extension module, not a config key
        user = [lv for lv in rk.layers if lv.source in USER_SET]
        self.rep.extension_value(target, value, self.path, unknown)
        if user and (unknown or value != user[0].value):
            self.findings.append(Finding(
                ids.CONFIG_NO_EFFECT, WARNING,
                "%s is set in %s, but the Metaflow extension %s replaces it%s, so the "
                "setting has no effect." % (
                    rk.name, _where(user[0]), self.module,
                    " with a value mfdoctor cannot compute" if unknown else " with %r" % (value,)),
                key=rk.name,
                fix="Remove the setting, or change it in the extension (%s)." % self.path,
                location=user[0].location,
            ))


def _where(layer) -> str:
    return "the environment" if layer.source == "env" else layer.origin


def run_extension_configs(rep) -> list:
    """Replay every extension config module; the `config.no-effect` findings they cause."""
    findings = []
    for ext in rep.catalog.extensions:
        for cfg in ext.get("configs", []):
            path = cfg.get("path") or ext.get("name", "extension")
            run = ModuleRun(rep, cfg, path)
            run.run(cfg.get("program", []))
            # metaflow_config extends DEBUG_OPTIONS (making DEBUG_<X> keys)...
            for typ in cfg.get("debug_options", []):
                key = "DEBUG_%s" % str(typ).upper()
                rep.from_conf(key, key, "False", None)
            # ...and copies the module's other globals over its own.
            run.copy_globals()
            findings.extend(run.findings)
    return findings
