"""§6 settings with a fixed set of values: the storage workload type, the Azure client
provider and the secrets backend (both plugin names)."""

from __future__ import annotations

from typing import Optional, Sequence

from ...findings import ERROR, OK, Location
from ... import ids
from ..fixtext import set_value, unset_value
from ..keyvault_ids import DEFAULT_SECRETS_BACKENDS, suggest_plugin_name
from ..messages import PYTHON, finding, quote
from .keys import (CLIENT_PROVIDER_KEY, DEFAULT_AZURE_CLIENT_PROVIDERS, SECRETS_BACKEND_KEY,
                   WORKLOAD_CHOICES, WORKLOAD_KEY)

_SEED_WORKLOAD = {"default": "general", "highcpu": "high_throughput", "highmemory": "high_throughput"}


def check_workload_type(value, *, error: Optional[str] = None, key: str = WORKLOAD_KEY,
                        location: Optional[Location] = None, source: Optional[str] = None,
                        origin: Optional[str] = None) -> list:
    if value is None:
        return []
    raw = str(value)
    if raw in WORKLOAD_CHOICES and not error:
        return [finding(ids.AZURE_WORKLOAD_TYPE, OK, "%s=%s is one of %s" % (key, quote(raw, style=PYTHON), ", ".join(WORKLOAD_CHOICES)),
                        key=key, location=location)]
    norm = raw.strip().lower().replace("-", "_")
    target = norm if norm in WORKLOAD_CHOICES else _SEED_WORKLOAD.get(norm.replace("_", ""))
    seed = None
    if norm.replace("_", "") in _SEED_WORKLOAD:
        seed = ("'default', 'highCpu' and 'highMemory' come from wrong docs; Metaflow has only "
                "'general' (threads) and 'high_throughput' (processes, for many large artifacts)")
    fix = set_value(key, target or "general", source, location, origin)
    if target != "general":
        fix += "  (or 'general', the default)"
    # One sentence; Metaflow's own words and where the bad value comes from are shown
    # under -v (the detail).
    return [finding(ids.AZURE_WORKLOAD_TYPE, ERROR,
                    "%s=%s is not accepted: every `import metaflow` fails, Azure or not"
                    % (key, quote(raw, style=PYTHON)),
                    key=key, location=location, fix=fix, suggestion=target or "general",
                    metaflow_error=error or "%s must be set to one of ['general', 'high_throughput']. "
                    "Got '%s'." % (key, raw), why=seed)]



def check_client_provider(value, known: Sequence[str] = DEFAULT_AZURE_CLIENT_PROVIDERS, *,
                          key: str = CLIENT_PROVIDER_KEY, location: Optional[Location] = None,
                          source: Optional[str] = None, origin: Optional[str] = None) -> list:
    if value is None:
        return []
    known = list(known) or list(DEFAULT_AZURE_CLIENT_PROVIDERS)
    if value in known:
        return [finding(ids.AZURE_CLIENT_PROVIDER, OK, "%s=%s is a known Azure client provider" % (key, quote(value, style=PYTHON)),
                        key=key, location=location)]
    best = suggest_plugin_name(value, known) or known[0]
    return [finding(ids.AZURE_CLIENT_PROVIDER, ERROR,
                    "%s=%s is not an installed Azure client provider (known: %s); the first Azure "
                    "credential fails with \"Cannot find Azure Client provider %s\"%s"
                    % (key, quote(value, style=PYTHON), ", ".join(known), value,
                       " (azure-default already uses the Azure CLI login through DefaultAzureCredential)"
                       if "cli" in str(value).lower() else ""),
                    key=key, location=location, suggestion=best,
                    fix=set_value(key, best, source, location, origin)
                    + ("  (or %s)" % unset_value(key, source, location, origin) if best == "azure-default" else ""))]


def check_secrets_backend(value, known: Sequence[str] = DEFAULT_SECRETS_BACKENDS, *,
                          key: str = SECRETS_BACKEND_KEY, location: Optional[Location] = None,
                          source: Optional[str] = None, origin: Optional[str] = None) -> list:
    if value is None:
        return []
    known = list(known) or list(DEFAULT_SECRETS_BACKENDS)
    if value in known:
        return [finding(ids.SECRETS_BACKEND, OK, "%s=%s is a known secrets backend" % (key, quote(value, style=PYTHON)),
                        key=key, location=location)]
    best = suggest_plugin_name(value, known)
    return [finding(ids.SECRETS_BACKEND, ERROR,
                    "%s=%s is not a secrets backend (known: %s); Metaflow does not check it at load time, "
                    "but every @secrets source without a 'type.' prefix fails with \"Unknown secrets "
                    "backend type %s\"" % (key, quote(value, style=PYTHON), ", ".join(k for k in known if k != "inline"),
                                           value),
                    key=key, location=location, suggestion=best,
                    fix=set_value(key, best, source, location, origin) if best else
                    "set %s to one of %s" % (key, ", ".join(known)))]
