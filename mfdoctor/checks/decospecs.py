"""Decorator specs written in a setting (`METAFLOW_DEFAULT_DECOSPECS`, and the `--with`
option's variables `METAFLOW_DECOSPECS`, `METAFLOW_RUN_DECOSPECS`, ...): the Key Vault
ids of a `secrets:sources=[...]` spec, checked as `check azure --secret ID` checks them.

Read as Metaflow reads them: the value split on whitespace (cli.py:
`DEFAULT_DECOSPECS.split()`; click splits a multiple option's variable the same way),
each spec `name:attr=value,attr=value` (decorators.py
`extract_args_kwargs_from_decorator_spec`: attributes split at `,` before `name=`,
each value JSON when it parses), each string source `<backend>.<id>` or `<id>` with the
default backend (secrets_spec.py `secret_spec_from_str`), each dict source
`{"type", "id", "options"}`. Only what is certain is judged: a source whose backend is
not az-key-vault, or not known here, is left to `check`.
"""

from __future__ import annotations

import json
import re
from typing import List, Optional

from ..findings import OK, Finding, Location
from .keyvault_ids import AZ_KEY_VAULT, check_secret_id
from .messages import PYTHON, quote

_ATTR_SPLIT = re.compile(r""",(?=[\s\w]+=)""")


def is_decospecs_key(name: str) -> bool:
    return name.endswith("DECOSPECS")


def _attributes(spec: str) -> dict:
    attrs = {}
    for a in _ATTR_SPLIT.split(spec):
        if "=" not in a:
            continue  # Metaflow fails on it (ValueError); not a secrets question
        k, v = a.split("=", 1)
        try:
            attrs[k.strip()] = json.loads(v.strip().replace('\\"', '"'))
        except ValueError:
            attrs[k.strip()] = v.strip()
    return attrs


def secret_sources(value: str) -> List:
    """The sources of every `secrets` spec in a decospecs value (lists only)."""
    out: List = []
    for spec in value.split():
        name, _, attrs = spec.partition(":")
        if name != "secrets" or not attrs:
            continue
        sources = _attributes(attrs).get("sources")
        if isinstance(sources, list):
            out.extend(sources)
    return out


def check_decospecs_secrets(name: str, value: str, location: Optional[Location], *,
                            default_backend: Optional[str], vault_prefix: Optional[str]) -> List[Finding]:
    """Findings (never `ok`) for the az-key-vault ids in `name=value`'s secrets specs."""
    out: List[Finding] = []
    for src in secret_sources(value):
        env_var_name = None
        if isinstance(src, str):
            backend, sid = src.split(".", 1) if "." in src else (default_backend, src)
        elif isinstance(src, dict):
            backend, sid = src.get("type", default_backend), src.get("id")
            options = src.get("options")
            env_var_name = options.get("env_var_name") if isinstance(options, dict) else None
        else:
            continue
        if backend != AZ_KEY_VAULT or not isinstance(sid, str):
            continue
        found, _ = check_secret_id(sid, vault_prefix=vault_prefix, location=location,
                                   env_var_name=env_var_name, key=name,
                                   label="%s source %s" % (name, quote(sid, style=PYTHON)))
        out.extend(f for f in found if f.severity != OK)
    return out
