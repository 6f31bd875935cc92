"""The offline Azure checks over a config Resolution, in report order: load-time
errors, §2 sysroot, §3 endpoint, §6 choices, §4 Key Vault, §6 credential variables
and images, §5 flow files."""

from __future__ import annotations

from typing import Sequence

from ...findings import ERROR, SKIPPED, WARNING, Finding
from ...view import shown_error, shown_value
from ...vocabulary import Source
from ... import ids
from ..fixtext import unset_value, where
from ..flows import run_flow_checks
from ..keyvault_ids import AZ_KEY_VAULT, DEFAULT_SECRETS_BACKENDS, VAULT_PREFIX_KEY
from ..messages import PYTHON, finding, quote
from .choices import check_client_provider, check_secrets_backend, check_workload_type
from .credential_env import check_credential_env
from .endpoint import check_endpoint
from .images import check_images
from .keys import (CLIENT_PROVIDER_KEY, DEFAULT_AZURE_CLIENT_PROVIDERS, DERIVED_ROOT_KEYS, ENDPOINT_KEY,
                   IMAGE_KEYS, SECRETS_BACKEND_KEY, SYSROOT_KEY, WORKLOAD_KEY)
from .sysroot import check_sysroot, suggest_sysroot
from .vault import check_secret_ids, check_vault_cloud, check_vault_prefix

def _rk(res, name):
    try:
        return res.get(name)
    except Exception:  # unknown key in this catalog
        return None


class _AsText:
    """The resolution as the Azure rules read it: a key without a typed default holds the
    string Metaflow passes on to the SDK, and a config file may give it a number, a list
    or a bool instead. The rules see its str(), as the SDK would, never a crash."""

    _TYPED = ("bool", "int", "float", "list", "dict")

    def __init__(self, res):
        self._res = res

    def get(self, name):
        import dataclasses

        rk = self._res.get(name)
        if rk is None or rk.value is None or isinstance(rk.value, str) or rk.spec.type in self._TYPED:
            return rk
        return dataclasses.replace(rk, value=str(rk.value))

    def value(self, name, default=None):
        rk = self.get(name)
        return default if rk is None or rk.value is None else rk.value

    def __getattr__(self, name):
        return getattr(self._res, name)


def _is_set(rk) -> bool:
    return rk is not None and rk.source not in (Source.DEFAULT, Source.DERIVED, None) and rk.raw is not None


def _plugins(res, category, fallback):
    try:
        names = list(res.catalog.plugins.get(category) or [])
    except Exception:
        names = []
    return names or list(fallback)


def _unknown(rk) -> bool:
    return rk is not None and bool(getattr(rk, "unknown", None))


def _not_known(check: str, rk) -> Finding:
    """A value extension code computes: not judged (never a false error)."""
    return Finding(check, SKIPPED, "%s is %s; not checked. `mfdoctor check --verify` compares "
                   "with the value Metaflow computes." % (rk.name, rk.unknown), key=rk.name)


def has_key_vault(res) -> bool:
    """Whether the installed release ships the az-key-vault secrets provider (2.11.16 on;
    2.9 has only inline and aws-secrets-manager). A catalog without plugin data: assume so."""
    names = (getattr(res.catalog, "plugins", None) or {}).get("secrets_provider")
    return not names or AZ_KEY_VAULT in names


def no_key_vault(res, check: str, severity: str) -> Finding:
    return Finding(
        check, severity,
        "Metaflow %s has no %s secrets provider (module metaflow/plugins/azure/"
        "azure_secret_manager_secrets_provider.py, added in 2.11.16), so @secrets cannot read "
        "Key Vault secrets with this release; the secret ids were not checked." % (
            res.catalog.version, AZ_KEY_VAULT),
        fix="Upgrade Metaflow to 2.12 or later to read secrets from Azure Key Vault.",
    )


def azure_applies(res) -> bool:
    """The azure group runs when the datastore is azure, any Azure key is set, or the
    secrets backend is (or looks like a misspelt) az-key-vault."""
    if (res.value("DEFAULT_DATASTORE") or "") == "azure":
        return True
    backend = str(res.value("DEFAULT_SECRETS_BACKEND_TYPE") or "").lower()
    if backend == AZ_KEY_VAULT or "azure" in backend or "vault" in backend:
        return True
    try:
        names = res.catalog.known_names()
    except Exception:
        names = set(res.catalog.keys)
    for name in names:
        if "AZURE" in name and _is_set(_rk(res, name)):
            return True
    return False


def _key_args(rk):
    return dict(location=getattr(rk, "location", None), source=getattr(rk, "source", None),
                origin=getattr(rk, "origin", None))


def startup_blockers(res, *, azure_only: bool = False) -> list:
    """Configuration errors that make every `import metaflow` fail: config-file problems and
    values Metaflow rejects at load time (the resolution's rk.error)."""
    out = []
    if not azure_only:
        out.extend(getattr(res, "problems", []) or [])
    try:
        names = sorted(res.catalog.known_names())
    except Exception:
        names = sorted(res.catalog.keys)
    for name in names:
        if azure_only != ("AZURE" in name):
            continue
        if name == WORKLOAD_KEY:
            continue  # its own check
        rk = _rk(res, name)
        if rk is None or not getattr(rk, "error", None):
            continue
        out.append(finding(ids.CONFIG_INVALID_VALUE, ERROR,
                           "%s=%s (from %s) stops Metaflow from starting: %s"
                           % (name, quote(shown_value(rk, rk.raw), style=PYTHON),
                              where(rk.source, rk.origin, rk.location), shown_error(rk)),
                           key=name, location=rk.location,
                           fix=unset_value(name, rk.source, rk.location, rk.origin) + " or give a valid value"))
    return out


def run_azure_static(res, *, flows: Sequence[str] = (), secrets: Sequence[str] = (), cwd=None,
                     include_config_errors: bool = False) -> list:
    """Everything in issue 4 §2-§6 over a config Resolution; flow files per §5.

    The Azure keys' load-time errors are always included; `include_config_errors` adds
    every other error that stops `import metaflow` (config files, other keys' values), for
    `check azure` run alone, when the config lint does not run."""
    res = _AsText(res)
    out = []
    env = getattr(res, "env", None) or {}
    if include_config_errors:
        out.extend(startup_blockers(res))
    out.extend(startup_blockers(res, azure_only=True))
    datastore = res.value("DEFAULT_DATASTORE")
    is_azure_ds = datastore == "azure"

    # §2 sysroot and derived roots
    rk = _rk(res, SYSROOT_KEY)
    sysroot = rk.value if rk is not None else None
    if _unknown(rk):
        out.append(_not_known(ids.AZURE_SYSROOT, rk))
    else:
        out.extend(check_sysroot(sysroot, SYSROOT_KEY, required=is_azure_ds, **_key_args(rk)))
    for name in DERIVED_ROOT_KEYS:
        drk = _rk(res, name)
        if _is_set(drk) and drk.value is not None:
            out.extend(check_sysroot(drk.value, name, **_key_args(drk)))

    # §3 endpoint
    erk = _rk(res, ENDPOINT_KEY)
    endpoint = erk.value if erk is not None else None
    hint = None
    if sysroot:
        _, hint, _ = suggest_sysroot(str(sysroot))
    provider = res.value("DEFAULT_AZURE_CLIENT_PROVIDER") or "azure-default"
    if _unknown(erk):
        out.append(_not_known(ids.AZURE_ENDPOINT, erk))
    else:
        out.extend(check_endpoint(endpoint, client_provider=provider, required=is_azure_ds,
                                  account_hint=hint, **_key_args(erk)))

    # §6 workload type, client provider, secrets backend
    wrk = _rk(res, WORKLOAD_KEY)
    if _is_set(wrk) or (wrk is not None and getattr(wrk, "error", None)):
        out.extend(check_workload_type(wrk.raw if wrk.raw is not None else wrk.value,
                                       error=getattr(wrk, "error", None), **_key_args(wrk)))
    crk = _rk(res, CLIENT_PROVIDER_KEY)
    if crk is not None and crk.value is not None:
        out.extend(check_client_provider(crk.value, _plugins(res, "azure_client_provider",
                                                             DEFAULT_AZURE_CLIENT_PROVIDERS),
                                         **_key_args(crk)))
    known_backends = _plugins(res, "secrets_provider", DEFAULT_SECRETS_BACKENDS)
    brk = _rk(res, SECRETS_BACKEND_KEY)
    if brk is not None and brk.value is not None:
        out.extend(check_secrets_backend(brk.value, known_backends, **_key_args(brk)))

    # §4 vault prefix and --secret ids
    vrk = _rk(res, VAULT_PREFIX_KEY)
    vault_prefix = vrk.value if vrk is not None else None
    out.extend(check_vault_prefix(vault_prefix, **_key_args(vrk)))
    if secrets and not has_key_vault(res):
        out.append(no_key_vault(res, ids.AZURE_SECRET_ID, WARNING))
    elif secrets:
        out.extend(check_secret_ids(list(secrets), vault_prefix=vault_prefix, env=env))
    out.extend(check_vault_cloud(vault_prefix, endpoint, getattr(vrk, "location", None)))

    # §6 credential variables and images
    out.extend(check_credential_env(env))
    img = {}
    for name in IMAGE_KEYS:
        irk = _rk(res, name)
        if irk is not None and irk.value is not None:
            img[name] = (irk.value, irk.source, irk.origin, irk.location)
    out.extend(check_images(img))

    # §5 flow files
    out.extend(run_flow_checks(res, flows=flows, cwd=cwd, known_backends=known_backends))
    return out
