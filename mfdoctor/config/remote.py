"""What a task on a remote target resolves: `mfdoctor show --target T`.

Metaflow builds a remote task's environment explicitly (the catalog's `remote` part
lists each entry and the local key it comes from). Here those entries are evaluated
over the local resolution, exactly as the deploying process would: a condition over
config keys decides, None drops the entry, the value is sent as `str()` (not on
Airflow), Argo removes the names in ARGO_WORKFLOWS_ENV_VARS_TO_SKIP, and the step's
`@environment(vars=...)` goes first or last by target. The task's configuration is
then resolved from that environment alone: the laptop's config files stay behind,
and what the image's own config file holds is unknown.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Optional

from ..catalog.evaluate import EvalError, Evaluator, Unknown, referenced_names
from ..vocabulary import PREFIX, USER_SET, Source
from .files import ConfigFile, ConfigFiles
from .resolve import Resolution, resolve

TARGETS = ("kubernetes", "argo-workflows", "batch", "step-functions", "airflow")
IMAGE_CONFIG = "(the container image's own config file: not known here)"


class UnknownTarget(ValueError):
    pass


@dataclass
class Entry:
    """One environment entry a task receives."""

    name: str
    value: Optional[str]  # as sent; None when Metaflow computes it per task
    source: Source  # FORWARDED, METAFLOW or FLOW
    origin: str  # the local key, Metaflow's expression, or the flow file:line
    carried: tuple = ()  # the local keys whose values travel in it
    condition: Optional[str] = None  # sent only when this (flow-dependent) test holds
    steps: tuple = ()  # FLOW: the steps whose @environment sets it


@dataclass
class RemoteView:
    target: str
    local: Resolution
    task: Resolution  # the task's own resolution (ResolvedKeys re-labelled from entries)
    entries: dict  # name -> Entry
    not_forwarded: list  # local ResolvedKeys, set and not at default, that stay behind
    secrets: list = field(default_factory=list)  # (secret name, where it is named)
    notes: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # catalog functions not found


def _local_values(res: Resolution) -> dict:
    return {rk.spec.target: rk.value for rk in res.keys.values()}


def _root(res: Resolution, name: str) -> list:
    """`name` and the keys its value derives from: SERVICE_INTERNAL_URL -> SERVICE_URL."""
    chain = [name]
    rk = res.keys.get(name)
    while rk is not None and rk.source == Source.DERIVED and rk.origin in res.keys \
            and rk.origin not in chain:
        chain.append(rk.origin)
        rk = res.keys.get(rk.origin)
    return chain


def _passes_like_metaflow(rk) -> bool:
    """`config_values()`: a from_conf value that is not None and not its default."""
    if rk.value is None or rk.error or rk.source == Source.EXTENSION:
        return False
    if rk.source not in USER_SET:
        return False
    if isinstance(rk.default, (list, dict)) and isinstance(rk.raw, (list, dict)):
        return False  # metaflow_config_funcs.py marks a JSON value from a file as default
    return rk.value != rk.default


def _serialized(rk) -> str:
    """config_values()' serializer: json.dumps for list/dict defaults, else str."""
    import json  # only for the passthrough of list or dict keys

    return json.dumps(rk.value) if isinstance(rk.default, (list, dict)) else str(rk.value)


class _Builder:
    def __init__(self, res: Resolution, data: dict):
        self.res, self.data = res, data
        self.values = _local_values(res)
        self.by_target = {rk.spec.target: name for name, rk in res.keys.items()}
        self.eval = Evaluator(self.values, res.env, res.cwd)
        self.entries: dict = {}

    def condition(self, tests: list):
        """(holds, flow-dependent text): config-only tests are decided here."""
        flow = []
        for test in tests:
            names = referenced_names(test)
            if names and all(n in self.values for n in names):
                try:
                    if not self.eval(test):
                        return False, None
                    continue
                except (Unknown, EvalError):
                    pass
            flow.append(test)
        return True, " and ".join(flow) or None

    def sent(self, value: Any) -> Any:
        return str(value) if self.data["stringify"] else value

    def add(self, e: dict) -> None:
        holds, flow_cond = self.condition(e.get("conditions", []))
        if not holds:
            return
        kind = e["kind"]
        if kind == "prefix":
            for name, rk in self.res.keys.items():
                if any(name.startswith(p) for p in e["prefixes"]) and _passes_like_metaflow(rk):
                    self.entries[name] = Entry(name, _serialized(rk), Source.FORWARDED, name,
                                               (name,), flow_cond)
            return
        name = e["name"]
        if kind == "config":
            try:
                value = self.eval(e["expr"])
            except (Unknown, EvalError):
                return
            if value is None:
                return  # every target drops None
            keys = [self.by_target[r] for r in e.get("refs", []) if r in self.by_target]
            carried = tuple(k for key in keys for k in _root(self.res, key))
            origin = next((k for k in carried if self.res.keys[k].source in USER_SET
                           or self.res.keys[k].source == Source.EXTENSION), keys[0] if keys else e["expr"])
            self.entries[name] = Entry(name, self.sent(value), Source.FORWARDED, origin,
                                       carried, flow_cond)
        elif kind == "set":
            where = "%s:%s" % (e["file"].rsplit("/", 1)[-1], e["line"])
            value = e.get("literal")
            if value is None and e["expr"].endswith("datastore.TYPE"):
                value = self.res.value("DEFAULT_DATASTORE")  # the datastore in use
            origin = where if "literal" in e else "%s %s" % (where, e["expr"])
            self.entries[name] = Entry(name, None if value is None else self.sent(value),
                                       Source.METAFLOW, origin, (), flow_cond)
        elif kind == "fieldref":
            self.entries[name] = Entry(name, None, Source.METAFLOW,
                                       "Kubernetes fieldRef %s" % e.get("literal"), (), flow_cond)

    def skip(self) -> list:
        names = set()
        for var in self.data.get("skip_list", []):
            value = self.values.get(var)
            if isinstance(value, str):
                names |= {n for n in value.split(",") if n}
        for n in names:
            if n in self.entries and self.entries[n].source != Source.METAFLOW:
                del self.entries[n]
        return sorted(names)


def _flow_entries(b: _Builder, flows, user_env: str) -> list:
    """Fold the steps' @environment vars in: first (Metaflow's entries win) or last."""
    notes = []
    by_name: dict = {}
    for f in flows.of_kind("var"):
        by_name.setdefault(f.name, []).append(f)
    for name, facts in by_name.items():
        f = facts[0]
        steps = tuple(sorted({x.step for x in facts}))
        if name in b.entries and user_env == "first":
            notes.append("@environment sets %s on step %s, but Metaflow's own entry replaces it "
                         "on this target" % (name, ", ".join(steps)))
            continue
        b.entries[name] = Entry(name, f.value, Source.FLOW, "%s @environment on step %s" % (
            f.location, ", ".join(steps)), (), None, steps)
    for f in flows.of_kind("unknown"):
        notes.append("%s: @%s(%s) on step %s is not a literal, so what it adds is not known "
                     "offline" % (f.location, f.name, f.text, f.step))
    return notes


def _secrets(b: _Builder, flows) -> list:
    out = []
    for var in b.data.get("secrets", []):
        value = b.values.get(var)
        if isinstance(value, str):
            out.extend((s, PREFIX + var) for s in value.split(",") if s)
    if flows is not None and b.data.get("secrets"):  # the target mounts Kubernetes secrets
        out.extend((f.name, "%s, @kubernetes on step %s" % (f.location, f.step))
                   for f in flows.of_kind("secret"))
    return out


def _task_files() -> ConfigFiles:
    return ConfigFiles(home=IMAGE_CONFIG, profile=ConfigFile(Source.PROFILE, IMAGE_CONFIG, False),
                       local=None)


def _relabel(task: Resolution, local: Resolution, entries: dict) -> None:
    """The task's keys whose value arrived in an entry say where it came from."""
    for name, rk in task.keys.items():
        e = entries.get(name)
        if e is None:
            continue
        if e.condition is not None:
            rk.notes.append("%s sends it (%s) only when `%s`" % (
                "Metaflow" if e.source != Source.FLOW else "@environment", e.origin, e.condition))
            continue
        if e.value is None and e.source == Source.METAFLOW:
            # Computed per task (the launcher's user name, a pod field): not known here.
            rk.value = rk.raw = None
            rk.source, rk.origin, rk.is_default, rk.layers = e.source, e.origin, False, []
            continue
        if rk.source != Source.ENV:
            continue
        if e.source == Source.FORWARDED:
            # Sent, but only a default travelled: not worth showing without --all.
            rk.is_default = all(local.keys[k].is_default for k in e.carried if k in local.keys)
        rk.source, rk.origin = e.source, e.origin
        rk.layers = [copy.copy(layer) for layer in rk.layers]
        for layer in rk.layers:
            if layer.source == Source.ENV:
                layer.source, layer.origin = e.source, e.origin


def _launcher(res: Resolution, flows) -> Resolution:
    """The configuration of the process that builds the task's environment. Under
    `run --with kubernetes|batch` it is the `kubernetes step`/`batch step` subprocess, whose
    environment @environment's vars join (environment_decorator.py: `cli_args.env`), so a
    METAFLOW_* var there changes what it forwards (all steps' vars together, here)."""
    extra = {f.name: f.value for f in (flows.of_kind("var") if flows is not None else [])
             if f.name.startswith(PREFIX) and f.value is not None}
    if not extra:
        return res
    env = dict(res.env)
    env.update(extra)
    return resolve(env=env, cwd=res.cwd, catalog=res.catalog, files=res.files)


def remote_view(res: Resolution, target: str, flows=None) -> RemoteView:
    """The configuration a task on `target` resolves, given the local resolution `res`
    and the flow files' facts (`checks.flows.remote_decos.FlowRemote`, or None)."""
    remote = res.catalog.data.get("remote") or {}
    if target not in remote:
        raise UnknownTarget("unknown target %r (one of: %s)" % (target, ", ".join(remote or TARGETS)))
    data = remote[target]
    b = _Builder(_launcher(res, flows) if data["user_env"] == "last" else res, data)
    notes = []
    if flows is not None and data["user_env"] == "first":
        notes += _flow_entries(b, flows, "first")
    for e in data["entries"]:
        b.add(e)
    if flows is not None and data["user_env"] == "last":
        notes += _flow_entries(b, flows, "last")
    skipped = b.skip()
    if skipped:
        notes.append("ARGO_WORKFLOWS_ENV_VARS_TO_SKIP removes %s" % ", ".join(skipped))
    env = {n: str(e.value) for n, e in b.entries.items() if e.value is not None and e.condition is None}
    task = resolve(env=env, cwd="/", catalog=res.catalog, files=_task_files())
    _relabel(task, res, b.entries)
    carried = {k for e in b.entries.values() for k in e.carried}
    # Values an extension's code sets are not "behind": an image with the same
    # extensions sets them too (the task's resolution includes them).
    stays = [rk for name, rk in res.keys.items()
             if not rk.is_default and rk.source in USER_SET
             and name not in carried and name not in b.entries]
    return RemoteView(target, res, task, b.entries, stays, _secrets(b, flows), notes,
                      list(data.get("missing", [])))
