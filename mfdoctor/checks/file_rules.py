"""The domain rules `check` applies to the effective configuration, applied to one
value found in a file (`lint PATH`): the same functions, a second caller.

`check_value` (values.py) covers what `from_conf` does with any key; here are the
rules of the services behind some keys: the Azure sysroot as parse_azure_full_path
reads it, the blob endpoint as the Azure SDK reads it (http with a token
credential), the Key Vault prefix, container image references as a container runtime
parses them; and, for one file, a Key Vault and a storage account in different
clouds, and the Key Vault ids of `secrets` decorator specs (decospecs.py). A value holding an unrendered template
placeholder is unknown: only what its literal part decides is checked (a scheme
before the placeholder is wrong whatever the placeholder becomes).
"""

from __future__ import annotations

from typing import List, Optional

from ..findings import ERROR, OK, SKIPPED, Finding, Location
from .. import ids
from .azure_static import check_endpoint, check_images, check_sysroot, check_vault_cloud, check_vault_prefix
from .azure_static.keys import (DERIVED_ROOT_KEYS, ENDPOINT_KEY, IMAGE_KEYS, REGISTRY_KEY,
                                SECRETS_BACKEND_KEY, SYSROOT_KEY)
from .decospecs import check_decospecs_secrets, is_decospecs_key
from .keyvault_ids import VAULT_PREFIX_KEY
from .messages import quote

_SYSROOTS = (SYSROOT_KEY,) + tuple(DERIVED_ROOT_KEYS)
RULE_KEYS = frozenset(_SYSROOTS + (ENDPOINT_KEY, VAULT_PREFIX_KEY) + IMAGE_KEYS)


def _not_ok(findings: list) -> list:
    return [f for f in findings if f.severity != OK]


def file_value_findings(name: str, value: str, location: Optional[Location], *,
                        client_provider: Optional[str], source: Optional[str] = None) -> List[Finding]:
    """Findings of the service rules for `name=value` written at `location`.
    client_provider: the Azure client provider in effect (decides http vs token)."""
    if name not in RULE_KEYS or not isinstance(value, str) or value == "":
        return []
    kw = dict(location=location, source=source, origin=location.path if location else None)
    if name in _SYSROOTS:
        return _not_ok(check_sysroot(value, name, **kw))
    if name == ENDPOINT_KEY:
        return _not_ok(check_endpoint(value, client_provider=client_provider or "azure-default",
                                      required=False, key=name, **kw))
    if name in IMAGE_KEYS:
        found = check_images({name: (value, source, kw["origin"], location)})
        # A registry alone: the image it is joined with may be set elsewhere; only a
        # registry that breaks every image is certain.
        return [f for f in found if f.severity == ERROR or (name != REGISTRY_KEY and f.severity != OK)]
    return _not_ok(check_vault_prefix(value, key=name, **kw))


def file_pair_findings(values: dict, res) -> List[Finding]:
    """Rules over several values of one file: values {name: (value, location)}, its
    literal values; `res` the resolution, for what the file does not set. A Key Vault
    and a storage account in different clouds (both set here); the Key Vault ids of
    `secrets` decorator specs (with the file's default backend and vault prefix, else
    the effective ones)."""
    out: List[Finding] = []
    if VAULT_PREFIX_KEY in values and ENDPOINT_KEY in values:
        (prefix, loc), (endpoint, _) = values[VAULT_PREFIX_KEY], values[ENDPOINT_KEY]
        out += check_vault_cloud(prefix, endpoint, loc)
    specs = [(n, v) for n, v in values.items() if is_decospecs_key(n) and "secrets:" in v[0]]
    if specs:
        def setting(key):
            return values[key][0] if key in values else res.value(key)

        for name, (value, loc) in specs:
            out += check_decospecs_secrets(name, value, loc, default_backend=setting(SECRETS_BACKEND_KEY),
                                           vault_prefix=setting(VAULT_PREFIX_KEY))
    return out


def template_value_findings(name: str, value: str, placeholder: str,
                            location: Optional[Location], *, source: Optional[str] = None) -> List[Finding]:
    """A value with a template placeholder: `skipped`, except the errors its literal
    prefix already decides (az://bucket/{nonce}: the scheme)."""
    out = [Finding(ids.CONFIG_INVALID_VALUE, SKIPPED,
                   "%s=%s holds the template placeholder %s: its value is unknown until the "
                   "template is rendered; value checks skipped" % (
                       name, quote(value, key=name), quote(placeholder)),
                   key=name, location=location)]
    head = value.split(placeholder, 1)[0] if placeholder in value else ""
    if name in _SYSROOTS and "://" in head:
        kw = dict(location=location, source=source, origin=location.path if location else None)
        # The first error is the scheme's (the rule reads a URL before anything else).
        out += [f for f in check_sysroot(value, name, **kw) if f.severity == ERROR][:1]
    return out
