"""Everything about one key, as data (rendered by render/explain_text.py and explain_json.py)."""

from __future__ import annotations

import json
import shlex

from ..catalog import full_name
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


def explain_key(res, name: str) -> dict:
    """{"found": False, "suggestion": ...} or the full explanation of `name`."""
    name = full_name(name).upper()
    rk = res.get(name)
    catalog = res.catalog
    if rk is None:
        kind = catalog.kind_of(name)
        if kind:
            text = _KIND_TEXT.get(kind, kind)
            cli = catalog.data.get("cli_details", {}).get(name)
            if cli:
                text += ": option %s of `%s`" % (cli.get("option"), cli.get("command") or "the flow CLI")
            where = (cli or {}).get("location") or catalog.data.get("env_locations", {}).get(name)
            if where:
                text += " (%s)" % where
            layers = [dict(l.to_dict(), value=redact_value(name, l.value)) for l in res.layers_of(name)]
            return {"found": True, "name": name, "kind": kind, "text": text, "layers": layers,
                    "problems": [f.to_dict() for f in res.problems]}
        from ..suggest import suggest  # only when the key is unknown

        return {"found": False, "name": name,
                "suggestion": suggest(name, sorted(catalog.known_names()), preferred=list(catalog.keys))}
    spec = rk.spec
    derived_to = [s.name for s in catalog.keys.values() if name in s.derived_from]
    derived_to += [
        other.name for other in res.keys.values()
        if other is not rk and any(spec.target in n for n in other.notes)
    ]
    # The "how to set it" example: the current value, unless Metaflow rejects it.
    sample = rk.value
    if rk.error or sample is None:
        sample = (spec.choices or [None])[0] or (rk.default if rk.default is not None else "...")
    example = shown_value(rk, sample)
    file_value = json.dumps(example if not isinstance(example, str) else example)
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
    return {
        "found": True,
        "kind": "config",
        "name": name,
        "key": key_dict(rk),
        "doc": spec.doc,
        "section": spec.section,
        "defined_in": "%s%s" % (spec.origin, (" line %d" % spec.line) if spec.line else ""),
        "type": spec.type,
        "choices": spec.choices,
        "default_expr": spec.default_expr,
        "condition": spec.condition,
        "derived_from": spec.derived_from,
        "derived_to": sorted(set(derived_to)),
        "layers": layers,
        "why": _WHY.get(rk.source, ""),
        "set_env": None if overridden_by else
        "export %s=%s" % (name, shlex.quote(example if isinstance(example, str) else json.dumps(example))),
        "set_file": None if overridden_by else '{"%s": %s}' % (name, file_value),
        "overridden_by": overridden_by,
        "unknown": rk.unknown,
        "files": {"local": res.files.local.path if res.files.local else None,
                  "profile": res.files.profile.path},
        "problems": [f.to_dict() for f in res.problems],
    }
