"""Azure naming rules, as Metaflow applies them and as Azure itself applies them.

Pure functions over strings: no findings, no I/O, no imports of metaflow or
azure. Two kinds of rule live here and are kept apart on purpose:

* ``mf_*``: line-for-line mirrors of Metaflow 2.19's own validators
  (``metaflow/plugins/azure/azure_utils.py::parse_azure_full_path`` and
  ``azure_secret_manager_secrets_provider.py``), including their quirks
  (``re.match`` with ``$`` accepts a trailing newline; the vault domain is found
  with ``in``, case-sensitively; ``urlparse`` drops tabs and newlines).
  A differential test runs the real ones on the same inputs.
* ``azure_*``: Azure's own rules where Azure is stricter than Metaflow
  (container names; vault names must start with a letter and end with a letter
  or digit). Metaflow accepts these values and the failure comes later, from
  Azure, as a 400/404 or a DNS error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlparse

# --------------------------------------------------------------------------
# Blob sysroot: <container>/<prefix>
# --------------------------------------------------------------------------


class SysrootError(ValueError):
    """Raised with Metaflow's own message when parse_azure_full_path rejects."""


def mf_parse_azure_full_path(blob_full_uri: str):
    """Mirror of metaflow.plugins.azure.azure_utils.parse_azure_full_path."""
    if blob_full_uri.endswith("/"):
        raise SysrootError("sysroot may not end with slash (got %s)" % blob_full_uri)
    if blob_full_uri.startswith("/"):
        raise SysrootError("sysroot may not start with slash (got %s)" % blob_full_uri)
    if "//" in blob_full_uri:
        raise SysrootError(
            "sysroot may not contain any consecutive slashes (got %s)" % blob_full_uri
        )
    parts = blob_full_uri.split("/", 1)
    container_name = parts[0]
    if container_name == "":
        raise SysrootError(
            "Container name part of sysroot may not be empty (tried to parse %s)"
            % (blob_full_uri,)
        )
    blob_name = None if len(parts) == 1 else parts[1]
    return container_name, blob_name


# Azure: 3-63 chars; lowercase letters, digits, hyphens; starts and ends with a
# letter or digit; every hyphen between two letters/digits (so no "--").
_CONTAINER_RE = re.compile(r"[a-z0-9](?:-?[a-z0-9])*")
_CONTAINER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# Containers Azure creates itself. `$web` (static website) works as a datastore,
# the other two cannot hold Metaflow's blobs.
SPECIAL_CONTAINERS = {
    "$web": None,
    "$root": "is Azure's root container, whose blob names may not contain '/' (Metaflow's all do)",
    "$logs": "is Azure's storage-analytics log container, which clients cannot write to",
}
# Azure's blob-name limits (the prefix is the start of every blob name).
BLOB_NAME_MAX = 1024
BLOB_SEGMENTS_MAX = 254


def azure_container_problems(name: str) -> list:
    """Why Azure rejects `name` as a container name ([] when it is valid)."""
    if name in SPECIAL_CONTAINERS:
        why = SPECIAL_CONTAINERS[name]
        return [why] if why else []
    out = []
    if not 3 <= len(name) <= 63:
        out.append("must be 3-63 characters long (is %d)" % len(name))
    if any("A" <= c <= "Z" for c in name):
        out.append("may not contain uppercase letters")
    bad = sorted({c for c in name if c not in _CONTAINER_CHARS and not "A" <= c <= "Z"})
    if bad:
        out.append("may contain only lowercase letters, digits and hyphens (found %s)"
                   % ", ".join(repr(c) for c in bad))
    if name[:1] == "-" or name[-1:] == "-":
        out.append("must start and end with a letter or digit")
    if "--" in name:
        out.append("may not contain consecutive hyphens")
    if not out and not _CONTAINER_RE.fullmatch(name):  # pragma: no cover - belt and braces
        out.append("is not a valid container name")
    return out


def azure_prefix_problems(prefix: Optional[str]) -> list:
    """Hard Azure limits the blob prefix breaks ([] when none)."""
    if not prefix:
        return []
    out = []
    if len(prefix) + 2 > BLOB_NAME_MAX:  # "<prefix>/<at least one character>"
        out.append(
            "the blob prefix is %d characters; Azure blob names are at most %d, "
            "so no blob fits under it" % (len(prefix), BLOB_NAME_MAX)
        )
    segs = prefix.count("/") + 1
    if segs >= BLOB_SEGMENTS_MAX:
        out.append(
            "the blob prefix has %d path segments; Azure allows at most %d per blob name"
            % (segs, BLOB_SEGMENTS_MAX)
        )
    return out


def azure_prefix_warnings(prefix: Optional[str]) -> list:
    """Legal but risky blob prefixes."""
    if not prefix:
        return []
    out = []
    if prefix != prefix.strip():
        out.append("the blob prefix starts or ends with whitespace")
    segs = prefix.split("/")
    if any(s in (".", "..") for s in segs):
        out.append("a path segment is '.' or '..' (URL normalisation changes such names)")
    elif any(s.endswith(".") for s in segs):
        out.append("a path segment ends with '.' (invalid on accounts with hierarchical namespace)")
    if "\\" in prefix:
        out.append("the blob prefix contains a backslash (some Azure tools turn it into '/')")
    if any(ord(c) < 32 or ord(c) == 127 for c in prefix):
        out.append("the blob prefix contains control characters")
    if 900 < len(prefix) <= BLOB_NAME_MAX - 2:
        out.append(
            "the blob prefix is %d characters; Metaflow's object paths under it "
            "(about 80 more) may exceed Azure's %d-character limit" % (len(prefix), BLOB_NAME_MAX)
        )
    return out


# --------------------------------------------------------------------------
# Key Vault secret ids
# --------------------------------------------------------------------------

KEY_VAULT_DOMAINS = (
    ".vault.azure.net",
    ".vault.azure.cn",
    ".vault.usgovcloudapi.net",
    ".vault.microsoftazure.de",
)
KEY_VAULT_CLOUDS = {
    ".vault.azure.net": "Azure public cloud",
    ".vault.azure.cn": "Azure China",
    ".vault.usgovcloudapi.net": "Azure US Government",
    ".vault.microsoftazure.de": "Azure Germany (closed in 2021)",
}
_MF_VAULT_RE = re.compile(r"^(?!.*--)[a-zA-Z0-9-]{3,24}$")
_MF_SECRET_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,126}$")
_MF_VERSION_RE = re.compile(r"^[a-zA-Z0-9]{32}$")
# Azure: 3-24 chars, letters digits hyphens, starts with a letter, ends with a
# letter or digit, no "--" (https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates).
_AZ_VAULT_RE = re.compile(r"[a-zA-Z](?:-?[a-zA-Z0-9])*")
_HEX32_RE = re.compile(r"[0-9a-f]{32}")


class KeyVaultIdError(ValueError):
    """Metaflow's provider would raise. `kind` names Metaflow's exception class."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def mf_is_valid_vault_name(name: str) -> bool:
    return _MF_VAULT_RE.match(name) is not None


def mf_is_valid_secret_name(name: str) -> bool:
    return _MF_SECRET_RE.match(name) is not None


def mf_is_valid_version(version: str) -> bool:
    return _MF_VERSION_RE.match(version) is not None


def azure_vault_name_problems(name: str) -> list:
    """Azure's vault naming rules, stricter than Metaflow's pattern."""
    out = []
    if not 3 <= len(name) <= 24:
        out.append("must be 3-24 characters long (is %d)" % len(name))
    bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c == "-"))})
    if bad:
        out.append("may contain only letters, digits and hyphens (found %s)"
                   % ", ".join(repr(c) for c in bad))
    if name[:1] and not (name[0].isascii() and name[0].isalpha()):
        out.append("must start with a letter")
    if name[-1:] == "-":
        out.append("must end with a letter or digit")
    if "--" in name:
        out.append("may not contain consecutive hyphens")
    if not out and not _AZ_VAULT_RE.fullmatch(name):  # pragma: no cover
        out.append("is not a valid vault name")
    return out


def mf_check_full_url(secret_id) -> bool:
    """Mirror of AzureKeyVaultSecretsProvider._is_secret_id_fully_qualified_url.

    Returns False where Metaflow returns False; raises KeyVaultIdError where it raises.
    """
    if secret_id is None or secret_id == "" or not secret_id.startswith("https://"):
        return False
    try:
        parsed = urlparse(secret_id)
    except ValueError:
        return False
    hostname = parsed.netloc
    domain = next((d for d in KEY_VAULT_DOMAINS if d in hostname), None)
    if domain is None:
        raise KeyVaultIdError("MetaflowAzureKeyVaultBadVault", "bad key vault domain %s" % secret_id)
    vault_name = hostname[: -len(domain)]
    if not mf_is_valid_vault_name(vault_name):
        raise KeyVaultIdError("MetaflowAzureKeyVaultBadVault", "bad key vault name %s" % vault_name)
    path_parts = parsed.path.strip("/").split("/")
    if len(path_parts) < 2 or len(path_parts) > 3:
        raise KeyVaultIdError("MetaflowAzureKeyVaultBadSecretPath", "bad secret uri path %s" % path_parts)
    if path_parts[0] != "secrets":
        raise KeyVaultIdError("MetaflowAzureKeyVaultBadSecretType", "bad secret type %s" % path_parts[0])
    if not mf_is_valid_secret_name(path_parts[1]):
        raise KeyVaultIdError("MetaflowAzureKeyVaultBadSecretName", "bad secret name %s" % path_parts[1])
    if len(path_parts) == 3 and not mf_is_valid_version(path_parts[2]):
        raise KeyVaultIdError("MetaflowAzureKeyVaultBadSecretVersion", "bad secret version %s" % path_parts[2])
    return True


@dataclass(frozen=True)
class ParsedSecretId:
    """What Metaflow's az-key-vault provider will ask Key Vault for."""

    form: str  # "url" | "url+version" | "name" | "name+version"
    full_url: str  # as Metaflow builds it
    vault_url: str  # https://<vault><domain>
    vault_name: str
    domain: str
    name: str
    version: Optional[str]

    def to_dict(self) -> dict:
        return {
            "form": self.form,
            "vault_url": self.vault_url,
            "vault_name": self.vault_name,
            "domain": self.domain,
            "name": self.name,
            "version": self.version,
        }


def mf_parse_secret_id(secret_id, vault_prefix: Optional[str]) -> ParsedSecretId:
    """Mirror of the validation half of AzureKeyVaultSecretsProvider.get_secret_as_dict.

    Raises KeyVaultIdError (kind = Metaflow's exception class) exactly where Metaflow
    raises before it creates a credential; otherwise returns what it would fetch.
    """
    if secret_id is None or secret_id == "":
        raise KeyVaultIdError("MetaflowAzureKeyVaultBadSecret", "empty secret id is not supported")
    if not secret_id.startswith("https://"):
        parts = secret_id.strip("/").split("/")
        if len(parts) < 1 or len(parts) > 2:
            raise KeyVaultIdError("MetaflowAzureKeyVaultBadSecret", "unsupported partial secret %s" % secret_id)
        if not vault_prefix:
            raise KeyVaultIdError(
                "ValueError",
                "cannot use simple secret id without setting METAFLOW_AZURE_KEY_VAULT_PREFIX. %s" % vault_prefix,
            )
        full = "%s/secrets/%s" % (vault_prefix.rstrip("/"), secret_id)
        if not mf_check_full_url(full):
            raise KeyVaultIdError("MetaflowAzureKeyVaultBadSecret", "unsupported partial secret %s" % secret_id)
        short = True
    else:
        if not mf_check_full_url(secret_id):
            raise KeyVaultIdError("MetaflowException", "unsupported secret %s" % secret_id)
        full = secret_id
        short = False
    res = urlparse(full)
    data = res.path.strip("/").split("/")[1:]
    name = data[0]
    version = data[1] if len(data) > 1 else None
    domain = next(d for d in KEY_VAULT_DOMAINS if d in res.netloc)
    form = ("name" if short else "url") + ("+version" if version else "")
    return ParsedSecretId(
        form=form,
        full_url=full,
        vault_url="%s://%s" % (res.scheme, res.netloc),
        vault_name=res.netloc[: -len(domain)],
        domain=domain,
        name=name,
        version=version,
    )


def version_warning(version: Optional[str]) -> Optional[str]:
    """Key Vault versions are 32 lowercase hex digits; Metaflow accepts any 32 alphanumerics."""
    if version and not _HEX32_RE.fullmatch(version):
        return (
            "version '%s' is not 32 lowercase hex digits; Key Vault never generates such a "
            "version, so the lookup will return 404 (SecretNotFound)" % version
        )
    return None


# --------------------------------------------------------------------------
# Environment variable names injected by @secrets
# --------------------------------------------------------------------------

_ENV_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
DISALLOWED_ENV_PREFIXES = ("METAFLOW_",)


def sanitize_env_var_name(key: str) -> str:
    """AzureKeyVaultSecretsProvider._sanitize_key_as_env_var: case is kept."""
    return key.replace("-", "_").replace(".", "_").replace("/", "_")


def env_var_name_problem(name) -> Optional[str]:
    """Metaflow's validate_env_vars, for one name (None when valid)."""
    if not isinstance(name, str):
        return "Found non string key %s (%s)" % (str(name), type(name))
    if not _ENV_NAME_RE.fullmatch(name):
        return "Found invalid env var name '%s'." % name
    for p in DISALLOWED_ENV_PREFIXES:
        if name.startswith(p):
            return "Found disallowed env var name '%s' (starts with '%s')." % (name, p)
    return None
