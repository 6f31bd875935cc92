"""Offline Azure checks: everything about Metaflow-on-Azure visible without the network.

Issue 4 §2-§6, one module per concern: `sysroot` (the blob sysroot and its derived
roots), `endpoint` (the blob endpoint), `vault` (the Key Vault prefix, `--secret` ids),
`choices` (workload type, client provider, secrets backend), `credential_env` (the
AZURE_* credential variables), `images` (container image references), and `run`,
which applies them all to a config Resolution, the `@secrets` of flow files
(`checks.flows`) included.

Metaflow's own rules are mirrored in `azure_rules.py`, the secret-id rules shared with
the flow checks are in `keyvault_ids.py`. Nothing here imports metaflow or azure.
"""

from .choices import check_client_provider, check_secrets_backend, check_workload_type
from .credential_env import check_credential_env
from .endpoint import check_endpoint, endpoint_facts
from .images import check_images, image_reference_problem
from .run import azure_applies, has_key_vault, no_key_vault, run_azure_static, startup_blockers
from .sysroot import check_sysroot, suggest_sysroot
from .vault import check_secret_ids, check_vault_cloud, check_vault_prefix

__all__ = [
    "has_key_vault",
    "no_key_vault",
    "azure_applies", "check_client_provider", "check_credential_env", "check_endpoint", "check_images",
    "check_secret_ids", "check_secrets_backend", "check_sysroot", "check_vault_cloud", "check_vault_prefix",
    "check_workload_type", "endpoint_facts", "image_reference_problem", "run_azure_static",
    "startup_blockers", "suggest_sysroot",
]
