from metaflow.metaflow_config_funcs import from_conf

ACME_CACHE_ROOT = from_conf("ACME_CACHE_ROOT", "/tmp/acme")
ACME_REMOTE_INSTALLER = from_conf(
    "ACME_REMOTE_INSTALLER",
    None,
)
