"""What the live probes read: the resolved Metaflow configuration, plus mfdoctor's own options.

`settings_from_resolution(res, ...)` builds `LiveSettings` from a config Resolution;
tests and benchmarks build `LiveSettings` directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

from ...findings import Location
from .environ import ca_bundle

MANAGEMENT_URL_ENV = "MFDOCTOR_AZURE_MANAGEMENT_URL"
VAULT_URL_ENV = "MFDOCTOR_AZURE_VAULT_URL"
DEFAULT_MANAGEMENT_URL = "https://management.azure.com"

# The Metaflow settings the probes read (findings name them as their `key`).
ENDPOINT_KEY = "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"
SYSROOT_KEY = "METAFLOW_DATASTORE_SYSROOT_AZURE"
DATASTORE_KEY = "METAFLOW_DEFAULT_DATASTORE"
CLIENT_PROVIDER_KEY = "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER"
VAULT_PREFIX_KEY = "METAFLOW_AZURE_KEY_VAULT_PREFIX"
_KEYS = (ENDPOINT_KEY, SYSROOT_KEY, DATASTORE_KEY, CLIENT_PROVIDER_KEY, VAULT_PREFIX_KEY)


@dataclass
class LiveSettings:
    """Plain values the live probes need (what Metaflow would resolve, plus mfdoctor's options)."""

    blob_endpoint: Optional[str] = None  # METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT
    sysroot: Optional[str] = None  # METAFLOW_DATASTORE_SYSROOT_AZURE (<container>/<prefix>)
    datastore: Optional[str] = None  # METAFLOW_DEFAULT_DATASTORE
    client_provider: str = "azure-default"  # METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER
    known_client_providers: Optional[list] = None  # plugin names Metaflow knows (None: not checked)
    key_vault_prefix: Optional[str] = None  # METAFLOW_AZURE_KEY_VAULT_PREFIX
    secrets: list = field(default_factory=list)  # [(secret id, Location or None)]
    storage_account_id: Optional[str] = None  # --storage-account-id
    management_url: Optional[str] = None  # --management-url, else $MFDOCTOR_AZURE_MANAGEMENT_URL
    vault_url: Optional[str] = None  # --vault-url, else $MFDOCTOR_AZURE_VAULT_URL
    connection_verify: Optional[str] = None  # CA bundle path; None: REQUESTS_CA_BUNDLE / system
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    locations: dict = field(default_factory=dict)  # key -> Location where it was set
    verbose: bool = False

    def __post_init__(self):
        self.management_url = (self.management_url or self.env.get(MANAGEMENT_URL_ENV)
                               or DEFAULT_MANAGEMENT_URL).rstrip("/")
        self.vault_url = self.vault_url or self.env.get(VAULT_URL_ENV) or None
        self.secrets = [_secret_ref(s) for s in self.secrets or []]
        self.secrets = [s for s in self.secrets if s is not None]

    @property
    def ca_bundle(self) -> Optional[str]:
        """The CA file the SDK will trust (None: system store)."""
        return ca_bundle(self.env, self.connection_verify)

    @property
    def ca_bundle_explicit(self) -> Optional[str]:
        return self.connection_verify

    def location(self, key: str) -> Optional[Location]:
        return self.locations.get(key)


def _secret_ref(item) -> Optional[tuple]:
    """(id, Location|None) from a string, a tuple, or a flow-scan reference object."""
    if item is None:
        return None
    if isinstance(item, str):
        return (item, None)
    if isinstance(item, (tuple, list)):
        return (item[0], item[1] if len(item) > 1 else None)
    backend = getattr(item, "backend", None) or getattr(item, "type", None)
    if backend not in (None, "az-key-vault"):
        return None  # another backend's secret: not ours to read
    sid = getattr(item, "id", None) or getattr(item, "secret_id", None)
    if not isinstance(sid, str) or not sid:
        return None
    return (sid, getattr(item, "location", None))


def settings_from_resolution(res, secrets: Iterable = (), **overrides) -> LiveSettings:
    """LiveSettings from a config Resolution (mfdoctor.config.resolve); None overrides are ignored."""
    def value(name):
        v = res.value(name)
        return None if v is None or v == "" else str(v)

    locations = {}
    for k in _KEYS:
        rk = res.get(k)
        if rk is not None and rk.location is not None:
            locations[k] = rk.location
    try:
        known = list(res.catalog.plugins.get("azure_client_provider") or []) or None
    except AttributeError:
        known = None
    kw: dict[str, Any] = dict(
        blob_endpoint=value(ENDPOINT_KEY),
        sysroot=value(SYSROOT_KEY),
        datastore=value(DATASTORE_KEY),
        client_provider=value(CLIENT_PROVIDER_KEY) or "azure-default",
        known_client_providers=known,
        key_vault_prefix=value(VAULT_PREFIX_KEY),
        secrets=list(secrets or []),
        env=res.env,
        locations=locations,
    )
    kw.update({k: v for k, v in overrides.items() if v is not None})
    return LiveSettings(**kw)
