"""`mfdoctor show --format json`: the mfdoctor/show/v1 contract (see DESIGN.md)."""

from __future__ import annotations

import json

from ..findings import sanitize
from ..redact import REDACTED, fingerprint, redact_text, redact_value

SCHEMA = "mfdoctor/show/v1"


def shown_value(rk, value):
    """A value as it may appear in any output: secrets redacted, SAS signatures cut."""
    return sanitize(redact_value(rk.name, value, rk.secret))


def shown_error(rk):
    """Metaflow's rejection message, with the raw value cut out for secrets."""
    if not rk.error:
        return None
    return rk.error.replace(str(rk.raw), REDACTED) if rk.secret else redact_text(rk.error)


def key_dict(rk) -> dict:
    out = {
        "name": rk.name,
        "value": shown_value(rk, rk.value),
        "source": rk.source,
        "origin": rk.origin,
        # A literal default is public (it is in Metaflow's source); a computed one may not be.
        # A literal default is public (it is in Metaflow's source); a computed one may not be.
        "default": sanitize(rk.default) if rk.spec.literal else shown_value(rk, rk.default),
        "secret": rk.secret,
        "overrides": [
            {"source": o.source, "origin": o.origin, "value": shown_value(rk, o.value)}
            for o in rk.overrides
        ],
    }
    if rk.secret and rk.value is not None:
        out["fingerprint"] = fingerprint(rk.value)
        if isinstance(rk.value, dict):
            # SERVICE_HEADERS: which headers are set is useful and not secret.
            out["redacted_keys"] = sorted(str(k) for k in rk.value)
    if rk.error:
        out["error"] = shown_error(rk)
    if rk.notes:
        out["notes"] = list(rk.notes)
    if rk.spec.derived_from:
        out["derived_from"] = list(rk.spec.derived_from)
    return out


def show_document(res, keys) -> dict:
    files = res.files
    return {
        "schema": SCHEMA,
        "metaflow": {"version": res.catalog.version, "catalog": res.catalog.source},
        "files": {
            "profile": files.profile.to_dict(),
            "local": files.local.to_dict() if files.local is not None else None,
        },
        "keys": [key_dict(rk) for rk in keys],
        "problems": [f.to_dict() for f in res.problems],
    }


def render(res, keys) -> str:
    return json.dumps(show_document(res, keys), indent=2, default=str)
