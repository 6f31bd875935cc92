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

# Loaded on first use (PEP 562): `lint` of a file with an Azure value needs the sysroot and
# endpoint rules, not the flow scanner that `run` brings in (about 6 ms of imports).
_HOME = {
    "check_client_provider": "choices", "check_secrets_backend": "choices", "check_workload_type": "choices",
    "check_credential_env": "credential_env",
    "check_endpoint": "endpoint", "endpoint_facts": "endpoint",
    "check_images": "images", "image_reference_problem": "images",
    "azure_applies": "run", "has_key_vault": "run", "no_key_vault": "run", "run_azure_static": "run",
    "startup_blockers": "run",
    "check_sysroot": "sysroot", "suggest_sysroot": "sysroot",
    "check_secret_ids": "vault", "check_vault_cloud": "vault", "check_vault_prefix": "vault",
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    from importlib import import_module

    value = getattr(import_module("." + module, __name__), name)
    globals()[name] = value
    return value
