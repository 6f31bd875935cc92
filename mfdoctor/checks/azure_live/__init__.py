"""Live Azure probes for `mfdoctor check azure`: credential, container, RBAC, Key Vault.

Entry point: `run_live(settings, timeout=15.0, read_only=False, verbose=False)`
returns findings with the ids in `mfdoctor.ids.AZURE_LIVE`. Build the settings with
`settings_from_resolution(res, ...)` from a config Resolution, or directly.

Where things live: `settings` (what the probes read), `runner` (the probes run
concurrently under one deadline), `shared` (what they share), one module per
probe (`credential` with `chain` and `claims`, `container` with `write_probe`,
`rbac` with `arm`, `keyvault`), `errors` (Azure's error codes explained),
`deadline` and `environ` (time bounds; the diagnosed environment).

Base URLs (sovereign clouds, private endpoints, tests):
  MFDOCTOR_AZURE_MANAGEMENT_URL  ARM and Resource Graph (default https://management.azure.com);
                                 the token scope follows it (<origin>/.default).
  MFDOCTOR_AZURE_VAULT_URL       send Key Vault calls here instead of the vault's own URL
                                 (`{vault}` is replaced by the vault name); this disables the
                                 SDK's check that the auth challenge names the vault's domain.
TLS trust follows the SDK: `connection_verify` if given, else REQUESTS_CA_BUNDLE, else
CURL_CA_BUNDLE, else the system store.

The Azure SDK is imported only inside functions: importing this package is cheap
and `mfdoctor show`/`lint` never load azure.
"""

from __future__ import annotations

from .runner import run_live
from .settings import (DEFAULT_MANAGEMENT_URL, MANAGEMENT_URL_ENV, VAULT_URL_ENV, LiveSettings,
                       settings_from_resolution)

__all__ = ["LiveSettings", "run_live", "settings_from_resolution",
           "MANAGEMENT_URL_ENV", "VAULT_URL_ENV", "DEFAULT_MANAGEMENT_URL"]
