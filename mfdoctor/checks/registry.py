"""Every check id mfdoctor reports, with a one-line description and its
documentation. `mfdoctor lint --list-checks`, the SARIF rules and the README
table are generated from here, so a new check id must be added here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, List, Optional

from .. import ids


@dataclass(frozen=True)
class CheckInfo:
    id: str
    severity: str  # the usual severity of a failure (some checks vary)
    title: str  # one line
    doc: str  # what it checks, why it matters, how to fix
    example: str = ""  # what a failure looks like (the input that triggers it)
    fix: str = ""  # the usual fix, when the doc does not end with it

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]


_CHECKS = [
    # -- config: names and values, as Metaflow reads them ---------------------
    CheckInfo(
        ids.CONFIG_UNKNOWN_NAME, "error",
        "A METAFLOW_* name the installed Metaflow does not know.",
        "Metaflow silently ignores names it does not read, so a misspelled "
        "`METAFLOW_DEFAULT_DATSTORE` or a name copied from wrong docs "
        "(`METAFLOW_SECRETS_BACKEND_TYPE`) leaves the setting at its default. The known "
        "set is every key the installed Metaflow (and its extensions) reads through "
        "`from_conf`, the `ENABLED_*` and `DEBUG_*` families, the variables it reads or "
        "sets directly, and the flow CLI's auto-envvars (`METAFLOW_RUN_MAX_WORKERS`). "
        "Linting a tree adds its flows' Parameters (`METAFLOW_RUN_<PARAM>`), its flow "
        "decorators' options and its extensions' `from_conf` names. "
        "An error in a Metaflow config file, for a typo of a known name, or for a renamed "
        "key; elsewhere a warning, since another program may read the name (the Metaflow "
        "UI reads `METAFLOW_SERVICE`). The intended name is given as `suggestion` only when "
        "it means the same thing (letter typos, reordered words, a missing leading word); "
        "renamed keys get their new name. Add names other programs read to `known-names` "
        "in `[tool.mfdoctor]`.",
    ),
    CheckInfo(
        ids.CONFIG_IGNORED_KEY, "warning",
        "A setting Metaflow never reads where it is written.",
        "A config-file key without the `METAFLOW_` prefix (`\"DEFAULT_DATASTORE\"`), an "
        "environment variable in the wrong case (`metaflow_default_datastore`), or a name "
        "Metaflow only reads from the environment (`METAFLOW_PROFILE`, "
        "`METAFLOW_RUN_MAX_WORKERS`) written into a config file: Metaflow ignores it "
        "without a word. The fix names the key as Metaflow expects it.",
    ),
    CheckInfo(
        ids.CONFIG_INVALID_VALUE, "error",
        "A value Metaflow rejects when it loads its configuration.",
        "Checked exactly as `from_conf` coerces: integers and floats must parse, list and "
        "dict keys need JSON of that type, `validate_fn` choices "
        "(`AZURE_STORAGE_WORKLOAD_TYPE`: `general` or `high_throughput`) must match, a "
        "bool key in a config file must be a JSON boolean or a string. Any of these makes "
        "every `import metaflow` fail with a bare traceback; mfdoctor names the key, and "
        "for files the file, line and column. A bad value hidden by a higher layer is a "
        "warning (it fails as soon as the override goes away).",
    ),
    CheckInfo(
        ids.CONFIG_UNKNOWN_PLUGIN, "error",
        "A plugin name that no installed Metaflow plugin has.",
        "`DEFAULT_DATASTORE`, `DEFAULT_METADATA`, `DEFAULT_ENVIRONMENT`, "
        "`DEFAULT_EVENT_LOGGER`, `DEFAULT_MONITOR`, `DEFAULT_*_CLIENT_PROVIDER`, "
        "`DEFAULT_SECRETS_BACKEND_TYPE`, `DEFAULT_FROM_DEPLOYMENT_IMPL` and every "
        "`ENABLED_*` list must name plugins that exist (Metaflow's own and its extensions', "
        "restricted by `ENABLED_<category>` when that is set). An unknown one fails when a "
        "flow starts or at first use; an `ENABLED_*` value given as a plain string "
        "(`METAFLOW_ENABLED_DATASTORE=azure`) is read letter by letter and breaks every "
        "`import metaflow`. Did-you-mean included; extra in-house plugins go in "
        "`[tool.mfdoctor.plugins]`.",
    ),
    CheckInfo(
        ids.CONFIG_AMBIGUOUS_BOOL, "warning",
        "A boolean spelled other than true/false/1/0.",
        "Metaflow reads a string as a bool with `value.lower() not in (\"0\", \"false\", \"\")`, "
        "so `no`, `off`, `disabled` and `false ` (with a space) all mean **True**. The "
        "message says what Metaflow will read; write `true`/`false`.",
    ),
    CheckInfo(
        ids.CONFIG_WHITESPACE, "warning",
        "A value with leading or trailing whitespace.",
        "Metaflow uses the value as written, spaces included: a sysroot, URL or plugin "
        "name with a trailing space or a CRLF line ending (`\\r`) does not match. Harmless "
        "for numbers, which `int()`/`float()` strip (reported as info).",
    ),
    CheckInfo(
        ids.CONFIG_EMPTY_OVERRIDE, "warning",
        "An empty environment variable that hides a configured value.",
        "An environment variable that is set but empty still wins (`METAFLOW_X=` gives "
        "`''`), over the config files and over the default. Unset it (`unset METAFLOW_X`) "
        "to let the file value or the default apply.",
    ),
    CheckInfo(
        ids.CONFIG_MISSING_REQUIRED, "error",
        "A setting that another setting requires is missing.",
        "Cross-key requirements: datastore `azure` needs `DATASTORE_SYSROOT_AZURE` and "
        "`AZURE_STORAGE_BLOB_SERVICE_ENDPOINT`; `s3` needs `DATASTORE_SYSROOT_S3`; `gs` "
        "needs `DATASTORE_SYSROOT_GS`; the `service` metadata provider needs "
        "`SERVICE_URL`. Without them a flow fails at start or at its first datastore access.",
    ),
    CheckInfo(
        ids.CONFIG_NO_EFFECT, "info",
        "A setting that does nothing given the rest of the configuration.",
        "For example an Azure sysroot while the datastore is not `azure`, a Key Vault "
        "prefix while the default secrets backend is not `az-key-vault`, `SERVICE_URL` "
        "while metadata is `local`, or `METAFLOW_PROFILE` set to an empty string (which "
        "selects the default profile file). Not an error, but usually not what was meant.",
    ),
    CheckInfo(
        ids.CONFIG_DUPLICATE_KEY, "warning",
        "The same key twice in one config file.",
        "JSON allows it and Metaflow silently keeps the last value; the first one is dead "
        "and misleading. Remove one of them.",
    ),
    CheckInfo(
        ids.CONFIG_FILE_INVALID, "error",
        "A Metaflow config file Metaflow cannot load.",
        "Invalid JSON (a trailing comma, a missing quote), a file that is not a JSON "
        "object, or bytes that are not UTF-8 in `.metaflow/config.json` or the profile "
        "file make every `import metaflow` fail with a bare `JSONDecodeError` that names "
        "no file. mfdoctor names the file, line and column.",
    ),
    CheckInfo(
        ids.CONFIG_PROFILE_MISSING, "error",
        "METAFLOW_PROFILE names a profile file that does not exist.",
        "`METAFLOW_PROFILE=P` makes Metaflow read `$METAFLOW_HOME/config_P.json`; when that "
        "file does not exist every `import metaflow` fails (\"Unable to locate "
        "METAFLOW_PROFILE\"). The profiles that exist are listed, with did-you-mean.",
    ),
    CheckInfo(
        ids.CONFIG_EXTENSION, "error",
        "An installed Metaflow extension that Metaflow would fail to load.",
        "Config modules of `metaflow_extensions` packages run at every `import metaflow`; "
        "one that cannot be loaded (a syntax error, a missing module it imports) breaks "
        "every flow. Fix or uninstall the extension package.",
    ),
    CheckInfo(
        ids.CONFIG_RELEASE, "warning",
        "Results that describe another Metaflow release than the one installed.",
        "mfdoctor reads the installed Metaflow's source (2.9 and later). Below 2.9, or when "
        "the installed source cannot be read and the bundled snapshot stands in for it, "
        "the results describe another release than the one that will run: this says so, "
        "and which release they describe.",
    ),
    CheckInfo(
        ids.CONFIG_VERIFY, "warning",
        "`--verify`: a key whose real value differs from mfdoctor's model.",
        "`show --verify` and `check --verify` import the installed Metaflow in a subprocess "
        "(same environment and directory, bounded by a timeout) and compare every key's "
        "effective value (the `metaflow_config` global, after extensions) with mfdoctor's "
        "static model. A difference names the key, both values and the extension or code "
        "that explains it: trust Metaflow's value. Use it after installing an extension, "
        "and in CI once per image.",
    ),
    # -- lint: the files themselves ---------------------------------------------
    CheckInfo(
        ids.LINT_FILE_SKIPPED, "skipped",
        "A file that could not be linted (unreadable, binary, too large).",
        "Reported rather than silently dropped; the other files are still linted. With "
        "`--strict` a skipped file fails the run.",
    ),
    CheckInfo(
        ids.LINT_PARSE_ERROR, "warning",
        "A YAML, JSON or Terraform file that does not parse (a Python file: info).",
        "Its METAFLOW_* names are still found by text, but values that need the structure "
        "(Kubernetes `env` lists, compose maps) are not read; an invalid Terraform file is "
        "not read at all. Helm templates are read with their `{{ ... }}` actions masked. A "
        "Python file that does not parse (Python 2, a template) is only `info`: its "
        "environment accesses are found by text.",
    ),
    CheckInfo(
        ids.LINT_FILE_ENCODING, "warning",
        "A file that is not valid UTF-8.",
        "It is read with replacement characters; tools that read it as UTF-8 (Metaflow's "
        "own config loader among them) fail on it.",
    ),
    CheckInfo(
        ids.LINT_SETTINGS, "warning",
        "A problem in the [tool.mfdoctor] settings.",
        "Invalid TOML, an unknown option, a value of the wrong type, or a select/ignore "
        "entry that matches no check id (with did-you-mean).",
    ),
    # -- user identity ------------------------------------------------------------
    CheckInfo(
        ids.USER_IDENTITY, "error",
        "Metaflow can determine who the user is (no \"Unknown user\").",
        "Walks Metaflow's chain: `METAFLOW_PRODUCTION_TOKEN`, then the `USER` config key "
        "(environment or config file), `SUDO_USER`, `USERNAME`, `USER`, skipping empty "
        "values and `root`. Nothing left is Metaflow's \"Unknown user\" (typical in "
        "containers running as root); user names with `@`, spaces, dots or capitals that "
        "later break Kubernetes/Argo labels are warnings.",
    ),
    # -- Azure, offline -----------------------------------------------------------
    CheckInfo(
        ids.AZURE_SYSROOT, "error",
        "METAFLOW_DATASTORE_SYSROOT_AZURE is a valid <container>/<prefix>.",
        "Parsed as Metaflow parses it (no leading or trailing `/`, no `//`, non-empty "
        "container, no scheme such as `az://` or `https://`) plus Azure's container naming "
        "rules (3-63 lowercase letters, digits, single hyphens). The derived roots "
        "(`DATATOOLS_AZUREROOT`, `CARD_AZUREROOT`, ...) are checked the same way.",
    ),
    CheckInfo(
        ids.AZURE_ENDPOINT, "error",
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT is a usable blob account URL.",
        "Required for the azure datastore; `https://<account>.blob.core.windows.net/` or a "
        "sovereign-cloud equivalent, or the Azurite emulator form. A path after the "
        "account, `http://` with token credentials, or a SAS query string are reported.",
    ),
    CheckInfo(
        ids.AZURE_VAULT_PREFIX, "error",
        "METAFLOW_AZURE_KEY_VAULT_PREFIX is a Key Vault URL Metaflow accepts.",
        "The vault domains the `az-key-vault` provider accepts and Azure's vault naming "
        "rules (3-24 characters, starts with a letter, no `--`).",
    ),
    CheckInfo(
        ids.AZURE_SECRET_ID, "error",
        "A Key Vault secret id (from @secrets or --secret) Metaflow can resolve.",
        "The id forms the `az-key-vault` provider accepts, the vault/secret/version "
        "patterns, the environment variable name Metaflow will inject (case kept) and its "
        "collisions; also `@secrets` sources in flow files read with `ast` (unknown "
        "backend, a full URL in string form split at its first dot, arguments the "
        "decorator does not take).",
    ),
    CheckInfo(
        ids.AZURE_WORKLOAD_TYPE, "error",
        "AZURE_STORAGE_WORKLOAD_TYPE is one Metaflow accepts.",
        "Only `general` and `high_throughput`; anything else (`default`, `highCpu`, "
        "`highMemory`) makes every `import metaflow` fail, Azure user or not.",
    ),
    CheckInfo(
        ids.AZURE_CLIENT_PROVIDER, "error",
        "DEFAULT_AZURE_CLIENT_PROVIDER names an installed Azure client provider.",
        "An unknown provider (`azure-cli`) fails with \"Cannot find Azure Client provider\" "
        "when the first Azure credential is made.",
    ),
    CheckInfo(
        ids.AZURE_CREDENTIAL_ENV, "warning",
        "The AZURE_* credential environment variables form a complete set.",
        "A client id and tenant without a secret or certificate, a certificate path or "
        "federated token file that does not exist: DefaultAzureCredential skips or fails "
        "that credential with a message that is easy to miss.",
    ),
    CheckInfo(
        ids.AZURE_IMAGE, "warning",
        "Container image references can be parsed.",
        "`KUBERNETES_CONTAINER_IMAGE` and `DEFAULT_CONTAINER_IMAGE` must be valid image "
        "references.",
    ),
    CheckInfo(
        ids.SECRETS_BACKEND, "error",
        "DEFAULT_SECRETS_BACKEND_TYPE names a secrets backend that exists.",
        "Metaflow does not check it at load time, but every `@secrets` source without a "
        "`<type>.` prefix fails with \"Unknown secrets backend type\" (`az-key-vault`, not "
        "`azure-key-vault`).",
    ),
    CheckInfo(
        ids.FLOW_SECRETS, "error",
        "`@secrets` decorators in flow files are ones Metaflow can run.",
        "Flow files are read with `ast`, never imported: arguments the decorator does not "
        "take (`secrets=[...]`), `@secrets` below `@step` or on the class, sources Metaflow "
        "would split wrongly (a full URL in string form is split at its first dot), an "
        "unknown or missing backend, injected environment variable names that are invalid, "
        "collide, or already exist without `allow_override=True`. Values the AST cannot "
        "resolve are `skipped`, never guessed.",
    ),
    # -- remote: what a task on Kubernetes, Argo, Batch... receives ---------------
    CheckInfo(
        ids.REMOTE_STAYS_BEHIND, "warning",
        "A setting that matters in a remote task but is not sent to it.",
        "Metaflow builds a remote task's environment explicitly (`mfdoctor show --target T` "
        "shows it); a setting that lives only in this machine's config file or environment "
        "and is not among the entries of that target falls back to its default in the pod "
        "or container, unless the image carries its own config. Runs when the flows use "
        "`@kubernetes`/`@batch` or for each `--target`. A step's `@environment(vars=...)` "
        "counts as sending it; with Kubernetes secrets mounted (whose keys cannot be read "
        "offline) the finding is `info`. Fix: `@environment`, a Kubernetes secret, the "
        "image's config file.",
    ),
    CheckInfo(
        ids.REMOTE_SERVICE_URL, "warning",
        "The metadata service URL a remote task gets is one only this machine can reach.",
        "A task receives `METAFLOW_SERVICE_URL` set to the local `SERVICE_INTERNAL_URL`, "
        "which defaults to `SERVICE_URL`. A `localhost`, `127.0.0.1` or port-forward URL "
        "works on the laptop but not in a pod. Fix: set `METAFLOW_SERVICE_INTERNAL_URL` to "
        "the address pods use (e.g. the service's cluster DNS name).",
    ),
    CheckInfo(
        ids.REMOTE_DATASTORE, "warning",
        "The datastore is one the remote target cannot use (`local`; not `s3` on Batch).",
        "`@kubernetes`, Argo Workflows and Airflow need a cloud datastore (`s3`, `azure`, "
        "`gs`), `@batch` and Step Functions need `s3`; with any other Metaflow refuses to "
        "start the step unless `--datastore` is given on the command line.",
    ),
    CheckInfo(
        ids.REMOTE_AZURE_CLIENT_PROVIDER, "warning",
        "An Azure client provider set here that a remote task does not receive.",
        "No target forwards `DEFAULT_AZURE_CLIENT_PROVIDER` (the AWS and GCP ones travel on "
        "plain Kubernetes only), so a task uses `azure-default` (DefaultAzureCredential) "
        "whatever this machine says. Fix: `@environment`, a Kubernetes secret or the "
        "image's config.",
    ),
    # -- Azure, live --------------------------------------------------------------
    CheckInfo(
        ids.AZURE_CREDENTIAL, "error",
        "A credential for Azure can be obtained, and whose it is.",
        "Reproduces Metaflow's `DefaultAzureCredential()`, reports which credential in the "
        "chain produced the token and why the others were skipped or failed, decodes the "
        "token's claims (tenant, object id, expiry) and detects the chain's traps (a stale "
        "`IDENTITY_ENDPOINT`, an invalid `AZURE_TOKEN_CREDENTIALS`).",
    ),
    CheckInfo(
        ids.AZURE_CONTAINER, "error",
        "The datastore container is reachable, listable and writable.",
        "DNS, TCP and TLS failures told apart; container exists; list under the sysroot; a "
        "write probe (upload with If-None-Match, read back, delete; always cleaned up; "
        "`--read-only` skips it). Every Azure error code is mapped to its cause and fix.",
    ),
    CheckInfo(
        ids.AZURE_RBAC, "error",
        "The identity holds the data roles the datastore and Key Vault need.",
        "Role assignments at and above the container scope (groups included), resolved "
        "to data actions (blob read, write, delete, list). Owner/Contributor without a "
        "data role is called out. Skipped (not failed) when role assignments cannot be "
        "read.",
    ),
    CheckInfo(
        ids.AZURE_KEYVAULT, "error",
        "Each referenced Key Vault secret can be read.",
        "`get_secret` for each secret the flows reference and each `--secret`; only "
        "metadata (enabled, expiry, version) is reported, never the value.",
    ),
]

# Grouped by area, in the order reports show them (stable within an area).
_CHECKS.sort(key=lambda c: ids.AREA_ORDER.index(c.area) if c.area in ids.AREA_ORDER else len(ids.AREA_ORDER))
# What a failure looks like, and the usual fix: `mfdoctor explain CHECK_ID` shows them.
_EXAMPLES = {
    ids.CONFIG_UNKNOWN_NAME: ("METAFLOW_DEFAULT_DATSTORE=azure in .env",
                              "rename it to METAFLOW_DEFAULT_DATASTORE"),
    ids.CONFIG_IGNORED_KEY: ('{"DEFAULT_DATASTORE": "azure"} in ~/.metaflowconfig/config.json',
                             'write "METAFLOW_DEFAULT_DATASTORE"'),
    ids.CONFIG_INVALID_VALUE: ("METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE=highCpu",
                               "use one of the allowed values: general, high_throughput"),
    ids.CONFIG_AMBIGUOUS_BOOL: ("METAFLOW_DEBUG_S3CLIENT=no (Metaflow reads True)",
                                "write METAFLOW_DEBUG_S3CLIENT=false"),
    ids.CONFIG_EMPTY_OVERRIDE: ("METAFLOW_USER= (set but empty)", "unset METAFLOW_USER"),
    ids.CONFIG_MISSING_REQUIRED: ("METAFLOW_DEFAULT_DATASTORE=azure without "
                                  "METAFLOW_DATASTORE_SYSROOT_AZURE",
                                  "export METAFLOW_DATASTORE_SYSROOT_AZURE=metaflow-container/metaflow"),
    ids.CONFIG_FILE_INVALID: ("a trailing comma in .metaflow/config.json",
                              "fix the JSON at the line and column given"),
    ids.CONFIG_PROFILE_MISSING: ("METAFLOW_PROFILE=prod with no config_prod.json",
                                 "create the profile file, or use one of the profiles listed"),
    ids.USER_IDENTITY: ("a container running as root with no METAFLOW_USER",
                        "export METAFLOW_USER=ci-bot (or run as a non-root user)"),
    ids.AZURE_SYSROOT: ("METAFLOW_DATASTORE_SYSROOT_AZURE=az://metaflow/flows/",
                        "METAFLOW_DATASTORE_SYSROOT_AZURE=metaflow/flows (<container>/<prefix>)"),
    ids.AZURE_ENDPOINT: ("METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=https://acct.blob.core."
                         "windows.net/container",
                         "the account URL only: https://acct.blob.core.windows.net/"),
    ids.AZURE_VAULT_PREFIX: ("METAFLOW_AZURE_KEY_VAULT_PREFIX=myvault",
                             "the vault URL: https://myvault.vault.azure.net/"),
    ids.AZURE_WORKLOAD_TYPE: ("METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE=highCpu",
                              "general (the default) or high_throughput"),
    ids.AZURE_CLIENT_PROVIDER: ("METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER=azure-cli",
                                "azure-default (it uses the Azure CLI login too)"),
    ids.SECRETS_BACKEND: ("METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE=azure-key-vault",
                          "az-key-vault"),
    ids.AZURE_CREDENTIAL: ("IDENTITY_ENDPOINT left over from another environment, which hangs",
                           "unset IDENTITY_ENDPOINT/IDENTITY_HEADER, or log in with az login"),
    ids.REMOTE_STAYS_BEHIND: ("METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE=high_throughput only in "
                              "~/.metaflowconfig/config.json, and a @kubernetes step",
                              "@environment(vars={...}) on the step, a Kubernetes secret, or the "
                              "image's config file"),
    ids.REMOTE_SERVICE_URL: ("METAFLOW_SERVICE_URL=http://localhost:8080 (a port-forward), no "
                             "METAFLOW_SERVICE_INTERNAL_URL",
                             "export METAFLOW_SERVICE_INTERNAL_URL=http://metaflow-service."
                             "default.svc.cluster.local:8080"),
    ids.REMOTE_DATASTORE: ("METAFLOW_DEFAULT_DATASTORE=local and a @kubernetes step",
                           "METAFLOW_DEFAULT_DATASTORE=azure (or s3, gs) with its sysroot"),
    ids.REMOTE_AZURE_CLIENT_PROVIDER: ("METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER set on the laptop only",
                                       "pass it with @environment or put it in the image's config file"),
    ids.AZURE_RBAC: ("Owner on the storage account but no data role",
                     "assign Storage Blob Data Contributor at container scope"),
}
_CHECKS = [replace(c, example=_EXAMPLES[c.id][0], fix=_EXAMPLES[c.id][1]) if c.id in _EXAMPLES else c
           for c in _CHECKS]
_BY_ID: Dict[str, CheckInfo] = {c.id: c for c in _CHECKS}


def all_checks() -> List[CheckInfo]:
    return list(_CHECKS)


def all_ids() -> List[str]:
    return [c.id for c in _CHECKS]


def get(check_id: str) -> Optional[CheckInfo]:
    return _BY_ID.get(check_id)


def describe(check_id: str) -> CheckInfo:
    """The registered info, or a neutral one (a renderer never fails on an id
    that was not registered)."""
    return _BY_ID.get(check_id) or CheckInfo(check_id, "warning", check_id, "")


def format_checks() -> str:
    """Plain-text list for `mfdoctor lint --list-checks`."""
    width = max(len(c.id) for c in _CHECKS)
    lines = []
    area = None
    for c in _CHECKS:
        if c.area != area:
            if area is not None:
                lines.append("")
            area = c.area
        lines.append("%-*s  %-7s  %s" % (width, c.id, c.severity, c.title))
    return "\n".join(lines)


def markdown_table() -> str:
    """The README's check table (a test keeps the README's copy equal). Each row has an
    anchor named by the check id: SARIF's `helpUri` links to it."""
    rows = ["| Check id | Severity | What it checks |", "|---|---|---|"]
    for c in _CHECKS:
        rows.append('| <a id="%s"></a>`%s` | %s | %s |' % (c.id, c.id, c.severity, c.title.replace("|", "\\|")))
    return "\n".join(rows)
