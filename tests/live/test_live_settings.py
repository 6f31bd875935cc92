"""settings_from_resolution: LiveSettings from the config Resolution (env, config files, options)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from mfdoctor.checks.azure_live import DEFAULT_MANAGEMENT_URL, LiveSettings, settings_from_resolution
from mfdoctor.config import resolve
from mfdoctor.findings import Location


@dataclass
class Ref:  # shaped like the flow scan's SecretRef
    backend: str
    id: str
    location: Location


def test_from_profile_file_and_env(tmp_path):
    home = tmp_path / "mfhome"
    home.mkdir()
    (home / "config.json").write_text(json.dumps({
        "METAFLOW_DATASTORE_SYSROOT_AZURE": "mf/root",
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": "https://acct.blob.core.windows.net/",
    }, indent=1))
    env = {"METAFLOW_HOME": str(home), "METAFLOW_DEFAULT_DATASTORE": "azure",
           "METAFLOW_AZURE_KEY_VAULT_PREFIX": "https://kv.vault.azure.net/",
           "MFDOCTOR_AZURE_VAULT_URL": "https://127.0.0.1:1/{vault}", "HOME": str(tmp_path)}
    res = resolve(env=env, cwd=str(tmp_path))
    loc = Location("flow.py", 3)
    s = settings_from_resolution(res, secrets=["a", Ref("az-key-vault", "b", loc), Ref("inline", "c", loc)],
                                 storage_account_id=None, management_url=None)
    assert s.sysroot == "mf/root" and s.blob_endpoint == "https://acct.blob.core.windows.net/"
    assert s.datastore == "azure" and s.client_provider == "azure-default"
    assert s.key_vault_prefix == "https://kv.vault.azure.net/"
    assert s.secrets == [("a", None), ("b", loc)]  # another backend's secret is not ours
    assert s.management_url == DEFAULT_MANAGEMENT_URL
    assert s.vault_url == "https://127.0.0.1:1/{vault}"
    assert "azure-default" in (s.known_client_providers or [])
    assert s.location("METAFLOW_DATASTORE_SYSROOT_AZURE").path.endswith("config.json")


def test_options_override_environment():
    env = {"MFDOCTOR_AZURE_MANAGEMENT_URL": "https://management.chinacloudapi.cn/", "REQUESTS_CA_BUNDLE": "/x.pem"}
    s = LiveSettings(env=env)
    assert s.management_url == "https://management.chinacloudapi.cn" and s.ca_bundle == "/x.pem"
    s = LiveSettings(env=env, management_url="https://m.example/", connection_verify="/y.pem")
    assert s.management_url == "https://m.example" and s.ca_bundle == "/y.pem"
