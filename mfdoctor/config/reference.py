"""The reference of every setting the installed Metaflow reads (`explain --all`): the
catalog's keys with their documentation, never this machine's values.

Built from the catalog alone, so it is the same on every machine with the same Metaflow
and extensions (rendered by render/explain_markdown.py and explain_json.py)."""

from __future__ import annotations

from ..catalog.facts import key_type
from .explain import example_value, facts_dict, how_to_set

REFERENCE_SCHEMA = "mfdoctor/reference/v1"


def reference(catalog) -> dict:
    derived_to: dict = {}
    for spec in catalog.keys.values():
        for src in spec.derived_from:
            derived_to.setdefault(src, []).append(spec.name)
    keys = []
    for spec in catalog.keys.values():
        entry = {
            "name": spec.name,
            "section": spec.section,
            "type": key_type(spec),
            "facts": facts_dict(spec),
            "default_expr": spec.default_expr,
            "default": spec.default if spec.literal else None,
            "choices": spec.choices,
            "secret": spec.secret,
            "doc": spec.doc,
            "defined_in": "%s%s" % (spec.origin, (" line %d" % spec.line) if spec.line else ""),
            "condition": spec.condition,
            "derived_from": list(spec.derived_from),
            "derived_to": sorted(derived_to.get(spec.name, [])),
        }
        entry.update(how_to_set(spec.name, example_value(spec)))
        keys.append(entry)
    return {"schema": REFERENCE_SCHEMA, "kind": "reference",
            "metaflow": {"version": catalog.version, "catalog": catalog.source},
            "keys": keys}
