"""Everything about one key, as data (rendered by render/explain_text.py and explain_json.py).

The verdict on the current value comes from the checks (checks/verdict.py, run by the
CLI: config/ does not import checks/) and arrives here as finding dicts."""

from __future__ import annotations

import json
import shlex
from typing import List, Optional

from ..catalog import full_name
from ..catalog.evaluate import EvalError, Evaluator, Unknown
from ..catalog.facts import key_facts, key_type
from ..redact import redact_value
from ..view import key_dict, shown_value
from ..vocabulary import Source

_WHY = {
    Source.ENV: "the environment variable wins over every file",
    Source.LOCAL: "the project file .metaflow/config.json wins over the profile file and the default",
    Source.PROFILE: "the profile file wins over the default",
    Source.REMOTE: "an extension's config loader supplies this layer in place of the profile file",
    Source.EXTENSION: "extension config modules are applied after everything and replace any value",
    Source.DEFAULT: "nothing sets it, so Metaflow uses its default",
    Source.DERIVED: "nothing sets it, so its default is computed from another key",
}

_KIND_TEXT = {
    "read": "read directly from the environment by Metaflow (not a config key: config files do not set it)",
    "set": "set by Metaflow itself for its tasks at run time; setting it by hand is rarely right",
    "cli": "a flow CLI option given through click's auto-envvar (METAFLOW_<COMMAND>_<OPTION>)",
    "other": "used as a name in Metaflow's source",
    "extension": "defined by an installed Metaflow extension",
}


EXPLAIN_SCHEMA = "mfdoctor/explain/v1"
# A stand-in a user replaces, for keys whose value must never be printed (secrets).
YOUR_VALUE = "<your value>"


def example_value(spec, current=None, usable: bool = False):
    """A value Metaflow accepts for `spec`, for "how to set it": the current one when
    `usable` (set, accepted, not secret), else the documented example, the first
    allowed choice, the literal default, or a stand-in. Never a redacted placeholder."""
    if usable and not spec.secret:
        return current
    facts = key_facts(spec.name)
    if facts:
        return facts.example
    if spec.secret:
        return YOUR_VALUE
    if spec.choices:
        return spec.choices[0]
    if spec.literal and spec.default is not None:
        return spec.default
    return "..."


def how_to_set(name: str, example) -> dict:
    """The environment and config-file lines that set `name` to `example`."""
    text = example if isinstance(example, str) else json.dumps(example)
    return {"set_env": "export %s=%s" % (name, shlex.quote(text)),
            "set_file": '{"%s": %s}' % (name, json.dumps(example))}


def facts_dict(spec) -> dict:
    """The type and rules Metaflow's validators apply to `spec`, for explain and the reference."""
    facts = key_facts(spec.name)
    if facts:
        return {"format": facts.type, "rules": list(facts.rules), "read_by": facts.read_by,
                "example": facts.example}
    v = getattr(spec, "validator", None)
    if not v:
        return {}
    # An extension's own validate_fn (catalog/extensions/validators.py), rule by rule.
    rules = []
    params = v.get("params") or ["name", "value"]
    for r in v.get("rules", []):
        raises = r["raises"] if r.get("bound", True) else "NameError (%s is not imported there)" % r["raises"]
        message = r.get("message")
        try:  # the message as users would read it, when it depends on the name only
            message = repr(Evaluator({params[0]: spec.name}, {}, "")(message)) if message else None
        except (Unknown, EvalError):
            pass
        rules.append("rejected when `%s`: raises %s%s" % (
            r["test"], raises, (", meaning %s" % message) if message else ""))
    return {"format": "checked by the extension's validator %s (%s)" % (v.get("function"), v.get("where")),
            "rules": rules, "read_by": None, "example": None}


def explain_key(res, name: str, verdict: Optional[List[dict]] = None) -> dict:
    """{"found": False, "suggestion": ...} or the full explanation of `name`.
    `verdict`: the checks' findings about this key (finding dicts), worst first."""
    name = full_name(name).upper()
    rk = res.get(name)
    catalog = res.catalog
    if rk is None:
        kind = catalog.kind_of(name)
        removed = catalog.data.get("cli_disabled", {}).get(name)
        if removed and not kind:
            kind = "cli-removed"
            text = ("option %s of `%s`, a flow CLI command group that %s removes (TOGGLE_CLI): "
                    "nothing reads it while that extension is installed" % (
                        removed.get("option"), removed.get("command"), removed.get("removed_by")))
        elif kind:
            text = _KIND_TEXT.get(kind, kind)
            cli = catalog.data.get("cli_details", {}).get(name)
            if cli:
                text += ": option %s of `%s`" % (cli.get("option"), cli.get("command") or "the flow CLI")
            where = (cli or {}).get("location") or catalog.data.get("env_locations", {}).get(name)
            if where:
                text += " (%s)" % where
        if kind:
            layers = [dict(l.to_dict(), value=redact_value(name, l.value)) for l in res.layers_of(name)]
            return {"schema": EXPLAIN_SCHEMA, "found": True, "name": name, "kind": kind,
                    "text": text, "layers": layers,
                    "problems": [f.to_dict() for f in res.problems]}
        from ..suggest import suggest  # only when the key is unknown

        return {"schema": EXPLAIN_SCHEMA, "found": False, "name": name,
                "suggestion": suggest(name, sorted(catalog.known_names()), preferred=list(catalog.keys))}
    spec = rk.spec
    derived_to = [s.name for s in catalog.keys.values() if name in s.derived_from]
    derived_to += [
        other.name for other in res.keys.values()
        if other is not rk and any(spec.target in n for n in other.notes)
    ]
    verdict = list(verdict or [])
    rejected = bool(rk.error) or any(f["severity"] == "error" for f in verdict)
    # The "how to set it" example: the current value, unless a check rejects it or it
    # is a secret (then an accepted example: never the "<redacted>" placeholder).
    usable = rk.value is not None and not rejected and shown_value(rk, rk.value) == rk.value
    example = example_value(spec, rk.value, usable=usable)
    # A rejected value: the check's own suggestion (the corrected value), when it has one,
    # so the verdict's fix and "how to set it" agree.
    fixed = [f["suggestion"] for f in verdict if f["severity"] == "error"
             and isinstance(f.get("suggestion"), str) and not f["suggestion"].startswith("METAFLOW_")]
    if rejected and fixed and not spec.secret:
        example = fixed[0]
    layers = []
    for src, label in ((Source.EXTENSION, "extension"), (Source.ENV, "environment"),
                       (Source.LOCAL, "local file"), (Source.PROFILE, "profile file")):
        hits = [l for l in rk.layers if l.source == src]
        for l in hits:
            layers.append({"layer": label, "origin": l.origin, "value": shown_value(rk, l.value),
                           "wins": l.source == rk.source and l.origin == rk.origin})
        if not hits:
            where = {Source.ENV: name,
                     Source.LOCAL: res.files.local.path if res.files.local else "(no .metaflow/ directory)",
                     Source.PROFILE: res.files.profile.path, Source.EXTENSION: None}[src]
            if where:
                layers.append({"layer": label, "origin": where, "value": None, "wins": False, "unset": True})
    # An extension's global beats every layer: exporting a value would change nothing.
    overridden_by = rk.origin if rk.source == Source.EXTENSION else None
    layers.append({"layer": "default", "origin": spec.default_expr or "None",
                   "value": shown_value(rk, rk.default), "wins": rk.source in (Source.DEFAULT, Source.DERIVED)})
    out = {
        "schema": EXPLAIN_SCHEMA,
        "found": True,
        "kind": "config",
        "name": name,
        "key": key_dict(rk),
        "doc": spec.doc,
        "section": spec.section,
        "defined_in": "%s%s" % (spec.origin, (" line %d" % spec.line) if spec.line else ""),
        "type": key_type(spec),
        "facts": facts_dict(spec),
        "verdict": verdict,
        "choices": spec.choices,
        "default_expr": spec.default_expr,
        "condition": spec.condition,
        "derived_from": spec.derived_from,
        "derived_to": sorted(set(derived_to)),
        "layers": layers,
        "why": _WHY.get(rk.source, ""),
        "overridden_by": overridden_by,
        "unknown": rk.unknown,
        "files": {"local": res.files.local.path if res.files.local else None,
                  "profile": res.files.profile.path},
        "problems": [f.to_dict() for f in res.problems],
    }
    if overridden_by:
        out.update(set_env=None, set_file=None)
    else:
        out.update(how_to_set(name, example))
    return out
