"""What Metaflow's validators and readers demand of a value, for keys whose default says
nothing about it (`DATASTORE_SYSROOT_AZURE = from_conf("DATASTORE_SYSROOT_AZURE")` has no
default, so its type reads as `any`).

Documentation only: `explain` and the reference show these facts; the checks that
enforce them live in mfdoctor/checks/ and give `explain` its verdict. Each fact was read
in the Metaflow source file named with it (see /work/shared/FACTS.md). The examples are
values Metaflow accepts, for `explain`'s "how to set it" lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple


@dataclass(frozen=True)
class KeyFacts:
    type: str  # what the value is, e.g. "<container>/<prefix>"
    rules: Tuple[str, ...]  # what Metaflow (or Azure) rejects, one fact per line
    example: Any  # a value Metaflow accepts (of the key's type: a dict for a dict key)
    read_by: str = ""  # where Metaflow checks it


_AZURE_PATH = KeyFacts(
    "<container>/<prefix> (a path inside the storage account, not a URL)",
    ("no scheme: az://, abfss:// and https:// are rejected",
     "may not start or end with /, may not contain //",
     "the container part may not be empty; Azure then requires 3-63 lowercase letters, "
     "digits and single hyphens, starting with a letter or digit",
     "the storage account comes from METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"),
    "metaflow-container/metaflow",
    "metaflow/plugins/azure/azure_utils.py: parse_azure_full_path",
)

_FACTS: Dict[str, KeyFacts] = {
    "METAFLOW_DATASTORE_SYSROOT_AZURE": _AZURE_PATH,
    "METAFLOW_DATATOOLS_AZUREROOT": KeyFacts(
        _AZURE_PATH.type, _AZURE_PATH.rules, "metaflow-container/metaflow/data", _AZURE_PATH.read_by),
    "METAFLOW_CARD_AZUREROOT": KeyFacts(
        _AZURE_PATH.type, _AZURE_PATH.rules, "metaflow-container/metaflow/mf.cards",
        _AZURE_PATH.read_by),
    "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": KeyFacts(
        "URL of the storage account's blob service",
        ("required by the Azure datastore (\"Must configure "
         "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT\")",
         "https://<account>.blob.core.windows.net/ (or the sovereign-cloud equivalent); "
         "no container or path after the host",
         "the Azurite emulator form http(s)://127.0.0.1:<port>/<account> also works"),
        "https://mystorageaccount.blob.core.windows.net/",
        "metaflow/plugins/azure/blob_service_client_factory.py",
    ),
    "METAFLOW_AZURE_KEY_VAULT_PREFIX": KeyFacts(
        "URL of a Key Vault",
        ("https://<vault>.vault.azure.net/ (or .vault.azure.cn, .vault.usgovcloudapi.net, "
         ".vault.microsoftazure.de)",
         "vault name: 3-24 letters, digits and hyphens, no --",
         "lets @secrets give a secret by name (<name> or <name>/<version>) instead of a full URL"),
        "https://myvault.vault.azure.net/",
        "metaflow/plugins/azure/azure_secret_manager_secrets_provider.py",
    ),
    "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": KeyFacts(
        "name of a secrets provider plugin",
        ("the backend of @secrets sources given without one (\"<backend>.<id>\")",
         "az-key-vault for Azure Key Vault; not validated when Metaflow loads"),
        "az-key-vault",
        "metaflow/plugins/secrets/secrets_decorator.py",
    ),
    "METAFLOW_SERVICE_HEADERS": KeyFacts(
        "JSON object of HTTP headers sent to the metadata service",
        ("must be a JSON object (a dict), e.g. {\"x-api-key\": \"...\"}",
         "METAFLOW_SERVICE_AUTH_KEY, when set, is copied into it as x-api-key",
         "it travels to every remote task"),
        {"x-api-key": "<your key>"},
        "metaflow/metaflow_config.py",
    ),
    "METAFLOW_SERVICE_AUTH_KEY": KeyFacts(
        "API key of the metadata service (a secret)",
        ("copied into METAFLOW_SERVICE_HEADERS as x-api-key, which travels to remote tasks",),
        "<your key>",
        "metaflow/metaflow_config.py",
    ),
    "METAFLOW_USER": KeyFacts(
        "a user name",
        ("root is skipped, even when given here; then SUDO_USER, USERNAME and USER are tried",
         "@, spaces and dots cause trouble later in Kubernetes and Argo labels"),
        "ci-bot",
        "metaflow/util.py: get_username",
    ),
}


def key_type(spec) -> str:
    """The catalog's type, or "str" for a key without a default whose facts say what it is."""
    return "str" if spec.type == "any" and spec.name in _FACTS else spec.type


def key_facts(name: str) -> Optional[KeyFacts]:
    """The facts of a full `METAFLOW_*` name, or None."""
    return _FACTS.get(name)
