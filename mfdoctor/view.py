"""What `show` and `explain` may reveal of a resolved key, whatever the output format.

Below both `config/explain.py` (which builds explain's data) and the renderers, so
neither imports the other: every value on its way out passes through `shown_value`
(secrets redacted, SAS signatures cut) and every key through `key_dict`, the
`mfdoctor/show/v1` shape of one key.
"""

from __future__ import annotations

from dataclasses import dataclass

from .findings import sanitize
from .redact import REDACTED, fingerprint, redact_text, redact_value


# The `value` of a key mfdoctor cannot compute statically (`"known": false` says so).
UNKNOWN = "<unknown>"


@dataclass(frozen=True)
class Shown:
    """What `show` renders: the resolution and the keys selected from it, in order."""

    res: object  # a config.Resolution
    keys: list  # its ResolvedKeys
    # `show --target T`: a config.remote.RemoteView; `res` is then the task's resolution.
    remote: object = None


def shown_value(rk, value):
    """A value as it may appear in any output: secrets redacted, SAS signatures cut."""
    return sanitize(redact_value(rk.name, value, rk.secret))


def shown_error(rk):
    """Metaflow's rejection message, with the raw value cut out for secrets."""
    if not rk.error:
        return None
    # coerce() already words a secret key's rejection without its value; the raw value
    # is cut again here in case another message (an extension's, a default's) echoes it.
    text = rk.error.replace(str(rk.raw), REDACTED) if rk.secret and rk.raw else rk.error
    return redact_text(text)


def key_dict(rk) -> dict:
    out = {
        "name": rk.name,
        "value": shown_value(rk, rk.value),
        "source": rk.source,
        "origin": rk.origin,
        # A literal default is public (it is in Metaflow's source); a computed one may not be.
        "default": sanitize(rk.default) if rk.spec.literal else shown_value(rk, rk.default),
        "secret": rk.secret,
        "overrides": [
            {"source": o.source, "origin": o.origin, "value": shown_value(rk, o.value)}
            for o in rk.overrides
        ],
    }
    if rk.secret and rk.value is not None:
        fp = fingerprint(rk.name, rk.value)  # None unless --fingerprints
        if fp:
            out["fingerprint"] = fp
        if isinstance(rk.value, dict):
            # SERVICE_HEADERS: which headers are set is useful and not secret.
            out["redacted_keys"] = sorted(str(k) for k in rk.value)
    if getattr(rk, "unknown", None):
        # Not statically known (computed by extension code, say): never a guessed value.
        out["value"] = UNKNOWN
        out["known"] = False
        out["unknown"] = sanitize(rk.unknown)
    if rk.error:
        out["error"] = shown_error(rk)
    if rk.notes:
        out["notes"] = list(rk.notes)
    if rk.spec.derived_from:
        out["derived_from"] = list(rk.spec.derived_from)
    return out


def catalog_source(cat) -> str:
    """Where the key catalog came from, in words (`show`'s header, `--version`)."""
    if cat.source.startswith("bundled"):
        why = cat.source[len("bundled"):].strip(" ()") or "no installed Metaflow was found"
        return "bundled snapshot of Metaflow %s (%s)" % (cat.version, why)
    return "installed (read from %s)" % cat.data.get("package_dir", "its source")
