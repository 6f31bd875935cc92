"""Every check id and the report areas, each spelled once.

Checks, the registry (`registry.py`, which documents each id) and the renderers
import these names; a test asserts that every id here is registered."""


CONFIG_UNKNOWN_NAME = "config.unknown-name"
CONFIG_IGNORED_KEY = "config.ignored-key"
CONFIG_INVALID_VALUE = "config.invalid-value"
CONFIG_UNKNOWN_PLUGIN = "config.unknown-plugin"
CONFIG_AMBIGUOUS_BOOL = "config.ambiguous-bool"
CONFIG_WHITESPACE = "config.whitespace"
CONFIG_EMPTY_OVERRIDE = "config.empty-override"
CONFIG_MISSING_REQUIRED = "config.missing-required"
CONFIG_NO_EFFECT = "config.no-effect"
CONFIG_DUPLICATE_KEY = "config.duplicate-key"
CONFIG_FILE_INVALID = "config.file-invalid"
CONFIG_PROFILE_MISSING = "config.profile-missing"
CONFIG_EXTENSION = "config.extension"
CONFIG_RELEASE = "config.release"
CONFIG_VERIFY = "config.verify"
LINT_FILE_SKIPPED = "lint.file-skipped"
LINT_PARSE_ERROR = "lint.parse-error"
LINT_FILE_ENCODING = "lint.file-encoding"
LINT_SETTINGS = "lint.settings"
USER_IDENTITY = "user.identity"
AZURE_SYSROOT = "azure.sysroot"
AZURE_ENDPOINT = "azure.endpoint"
AZURE_VAULT_PREFIX = "azure.vault-prefix"
AZURE_SECRET_ID = "azure.secret-id"
AZURE_WORKLOAD_TYPE = "azure.workload-type"
AZURE_CLIENT_PROVIDER = "azure.client-provider"
AZURE_CREDENTIAL_ENV = "azure.credential-env"
AZURE_IMAGE = "azure.image"
SECRETS_BACKEND = "secrets.backend"
FLOW_SECRETS = "flow.secrets"
REMOTE_STAYS_BEHIND = "remote.stays-behind"
REMOTE_SERVICE_URL = "remote.service-url"
REMOTE_DATASTORE = "remote.datastore"
REMOTE_AZURE_CLIENT_PROVIDER = "remote.azure-client-provider"
AZURE_CREDENTIAL = "azure.credential"
AZURE_CONTAINER = "azure.container"
AZURE_RBAC = "azure.rbac"
AZURE_KEYVAULT = "azure.keyvault"

# The live probes of `check azure`, in the order they run and are reported.
AZURE_LIVE = (AZURE_CREDENTIAL, AZURE_CONTAINER, AZURE_RBAC, AZURE_KEYVAULT)

# Report areas (the part of an id before the dot), in the order reports show them.
AREA_ORDER = ("config", "lint", "user", "secrets", "flow", "remote", "azure")
