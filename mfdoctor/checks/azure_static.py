"""Offline Azure checks: everything about Metaflow-on-Azure visible without the network.

Issue 4 §2-§6: the blob sysroot and its derived roots, the blob endpoint, the
Key Vault prefix and secret ids, the workload type and client provider, the
AZURE_* credential variables, container image references, and (through
`flows.py`) the `@secrets` decorators of flow files.

Metaflow's own rules are mirrored in `azure_rules.py`; this module turns them
into findings with exact fixes. Nothing here imports metaflow or azure.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from typing import Iterable, Mapping, Optional, Sequence
from urllib.parse import urlsplit

from ..findings import ERROR, INFO, OK, SKIPPED, WARNING, Finding, Location
from ..redact import has_url_secret, redact_text
from . import azure_rules as R
from .fixtext import set_value, unset_value, where
from .flows import SecretRef, collect_secret_refs, find_flow_files, scan_flow_file

__all__ = [  # the flow-file helpers are re-exported for the CLI's convenience
    "SecretRef", "azure_applies", "check_client_provider", "check_credential_env", "check_endpoint",
    "check_images", "check_secret_id", "check_secret_ids", "check_secrets_backend", "check_sysroot",
    "check_vault_prefix", "check_workload_type", "collect_secret_refs", "find_flow_files",
    "injected_env_var_name", "run_azure_static", "scan_flow_file", "startup_blockers", "suggest_sysroot",
]

CHECK_SYSROOT = "azure.sysroot"
CHECK_ENDPOINT = "azure.endpoint"
CHECK_VAULT_PREFIX = "azure.vault-prefix"
CHECK_SECRET_ID = "azure.secret-id"
CHECK_WORKLOAD = "azure.workload-type"
CHECK_CLIENT_PROVIDER = "azure.client-provider"
CHECK_CREDENTIAL_ENV = "azure.credential-env"
CHECK_IMAGE = "azure.image"
CHECK_SECRETS_BACKEND = "secrets.backend"
CHECK_INVALID_VALUE = "config.invalid-value"

SYSROOT_KEY = "METAFLOW_DATASTORE_SYSROOT_AZURE"
ENDPOINT_KEY = "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"
VAULT_PREFIX_KEY = "METAFLOW_AZURE_KEY_VAULT_PREFIX"
WORKLOAD_KEY = "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE"
CLIENT_PROVIDER_KEY = "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER"
SECRETS_BACKEND_KEY = "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE"
DATASTORE_KEY = "METAFLOW_DEFAULT_DATASTORE"
# Roots that default to the sysroot joined with a suffix; checked only when set.
DERIVED_ROOT_KEYS = (
    "METAFLOW_DATATOOLS_AZUREROOT",
    "METAFLOW_CARD_AZUREROOT",
    "METAFLOW_CONDA_PACKAGE_AZUREROOT",
)
WORKLOAD_CHOICES = ("general", "high_throughput")
AZ_KEY_VAULT = "az-key-vault"
DEFAULT_SECRETS_BACKENDS = ("inline", "aws-secrets-manager", "gcp-secret-manager", AZ_KEY_VAULT)
DEFAULT_AZURE_CLIENT_PROVIDERS = ("azure-default",)

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _f(check, severity, message, *, key=None, fix=None, suggestion=None, location=None, **detail):
    return Finding(check=check, severity=severity, message=message, key=key, fix=fix,
                   suggestion=suggestion, location=location,
                   detail={k: v for k, v in detail.items() if v is not None})


def _show(value) -> str:
    """A value for a message: repr-like so whitespace and newlines are visible; SAS redacted."""
    if value is None:
        return "(unset)"
    text = redact_text(str(value))
    if text != text.strip() or any(ord(c) < 32 for c in text) or text == "":
        return repr(text)
    return "'%s'" % text


# ---------------------------------------------------------------------------
# §2 sysroot
# ---------------------------------------------------------------------------

_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://(.*)", re.S)
_AZURE_BLOB_HOST_RE = re.compile(
    r"([^.]+)\.(blob|dfs)\.(core\.windows\.net|core\.chinacloudapi\.cn|core\.usgovcloudapi\.net"
    r"|core\.cloudapi\.de|z\d\d\.(?:blob|dfs)\.storage\.azure\.net)$",
    re.I,
)


def _is_ip_or_local(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in ("localhost", "host.docker.internal"):
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def suggest_sysroot(value: str):
    """The `<container>/<prefix>` a URL-ish or untidy sysroot most likely means.

    Returns (corrected_or_None, account_or_None, host_or_None). `corrected` is only
    returned when it passes both Metaflow's parser and Azure's naming rules.
    """
    v = value.strip()
    account = host = None
    m = _SCHEME_RE.fullmatch(v)
    if m:
        scheme, rest = m.group(1).lower(), m.group(2)
        rest = re.split(r"[?#]", rest, maxsplit=1)[0]
        netloc, _, path = rest.partition("/")
        if "@" in netloc:  # abfss://container@account.dfs.core.windows.net/path, wasbs://...
            container, host = netloc.split("@", 1)
            body = container + "/" + path
            account = host.split(".")[0] if "." in host else None
        elif scheme in ("http", "https") or _AZURE_BLOB_HOST_RE.match(netloc.split(":")[0]):
            host = netloc
            hostname = netloc.split(":")[0]
            if _is_ip_or_local(hostname) or "." not in hostname:
                # Emulator form: http(s)://127.0.0.1:10000/<account>/<container>/<prefix>
                account, _, body = path.partition("/")
            else:
                account = hostname.split(".")[0]
                body = path
        else:
            # az://container/prefix (fsspec/adlfs convention), s3://bucket/prefix, ...
            body = netloc + "/" + path
    else:
        body = v
    body = re.sub(r"/+", "/", body).strip("/")
    container, sep, prefix = body.partition("/")
    if container and any("A" <= c <= "Z" for c in container):
        container = container.lower()  # Azure container names are lowercase only
    corrected = container + (sep + prefix if prefix else "")
    if not corrected or corrected == value:
        return None, account, host
    try:
        c, p = R.mf_parse_azure_full_path(corrected)
    except R.SysrootError:
        return None, account, host
    if R.azure_container_problems(c) or R.azure_prefix_problems(p):
        return None, account, host
    return corrected, account, host


def _endpoint_for_host(host: Optional[str], account: Optional[str]) -> Optional[str]:
    """The blob endpoint a sysroot URL's host implies (for the fix text)."""
    if not host or not account:
        return None
    hostname = host.split(":")[0].lower()
    m = _AZURE_STORAGE_HOST_RE.fullmatch(hostname) or _AZURE_DNSZONE_HOST_RE.fullmatch(hostname)
    if m:
        return "https://%s/" % hostname.replace(".%s." % m.group("service"), ".blob.", 1)
    if _is_ip_or_local(hostname) or "." not in hostname:
        return "https://%s/%s" % (host, account)
    return None


def check_sysroot(value, key: str = SYSROOT_KEY, location: Optional[Location] = None, *,
                  source: Optional[str] = None, origin: Optional[str] = None,
                  required: bool = False) -> list:
    """`<container>/<prefix>` as parse_azure_full_path reads it, plus Azure's naming rules."""
    out = []
    if value is None:
        if required:
            out.append(_f(
                CHECK_SYSROOT, ERROR,
                "%s is not set; with the azure datastore every run fails with \"Could not find the "
                "location of the datastore -- did you correctly set the %s environment variable?\""
                % (key, key),
                key=key, location=location,
                fix="export %s=<container>/<prefix> (e.g. metaflow/data: no scheme, no account, "
                    "no leading or trailing slash)" % key))
        return out
    if not isinstance(value, str):
        value = str(value)
    corrected, account, host = suggest_sysroot(value)

    def fix_to(v):
        return set_value(key, v, source, location, origin)

    mf_error = None
    container = prefix = None
    try:
        container, prefix = R.mf_parse_azure_full_path(value)
    except R.SysrootError as e:
        mf_error = str(e)
    scheme = _SCHEME_RE.fullmatch(value.strip())
    if scheme:
        what = "a URL (%s://...)" % scheme.group(1)
        if host:
            what += " with the storage host %s" % host
        msg = ("%s is %s; Metaflow expects <container>/<prefix> with no scheme and no account"
               % (key, what))
        msg += (" and rejects it with \"%s\"" % mf_error) if mf_error else \
            " and would read '%s' as the container name" % container
        fix = fix_to(corrected) if corrected else \
            "write it as <container>/<prefix>, without scheme, host or account"
        ep = _endpoint_for_host(host, account)
        if ep and corrected:
            fix += "  (the account belongs in %s=%s)" % (ENDPOINT_KEY, ep)
        return [_f(CHECK_SYSROOT, ERROR, msg, key=key, fix=fix, suggestion=corrected,
                   location=location, metaflow_error=mf_error, value=redact_text(value))]
    if mf_error:
        return [_f(CHECK_SYSROOT, ERROR,
                   "%s=%s is rejected by Metaflow: %s" % (key, _show(value), mf_error),
                   key=key, location=location, suggestion=corrected, metaflow_error=mf_error,
                   fix=fix_to(corrected) if corrected else
                   "write it as <container>/<prefix>: no leading or trailing '/', no '//'")]
    cproblems = R.azure_container_problems(container)
    pproblems = R.azure_prefix_problems(prefix)
    if cproblems:
        fix = fix_to(corrected) if corrected else (
            "use the container's real name: 3-63 lowercase letters, digits and single hyphens, "
            "starting and ending with a letter or digit%s"
            % (" (e.g. '%s')" % container.replace("_", "-").lower() if "_" in container else ""))
        out.append(_f(CHECK_SYSROOT, ERROR,
                      "%s: container %s %s; Azure rejects the name (Metaflow does not check it, "
                      "so this fails later at the first blob request)"
                      % (key, _show(container), "; ".join(cproblems)),
                      key=key, location=location, fix=fix, suggestion=corrected,
                      container=container, azure_rule=cproblems))
    if pproblems:
        out.append(_f(CHECK_SYSROOT, ERROR, "%s: %s" % (key, "; ".join(pproblems)),
                      key=key, location=location,
                      fix="use a shorter blob prefix (e.g. %s)" % (container + "/metaflow")))
    if container == "$web":
        out.append(_f(CHECK_SYSROOT, WARNING,
                      "%s uses the static-website container '$web': every artifact becomes "
                      "publicly readable if static website hosting is enabled" % key,
                      key=key, location=location, fix="use a dedicated container, e.g. metaflow/data"))
    for w in R.azure_prefix_warnings(prefix):
        out.append(_f(CHECK_SYSROOT, WARNING, "%s: %s" % (key, w), key=key, location=location,
                      fix=fix_to(corrected) if corrected else "rename the prefix"))
    if not cproblems and not pproblems:
        out.append(_f(CHECK_SYSROOT, OK,
                      "%s=%s parses as container '%s'%s; the container name follows Azure's rules"
                      % (key, _show(value), container,
                         ", blob prefix '%s'" % prefix if prefix else " (no prefix)"),
                      key=key, location=location, container=container, prefix=prefix))
    return out


# ---------------------------------------------------------------------------
# §3 blob endpoint
# ---------------------------------------------------------------------------

_BLOB_CLOUDS = {
    "core.windows.net": "Azure public cloud",
    "core.chinacloudapi.cn": "Azure China",
    "core.usgovcloudapi.net": "Azure US Government",
    "core.cloudapi.de": "Azure Germany (closed in 2021)",
}
_AZURE_STORAGE_HOST_RE = re.compile(
    r"(?P<account>[^.]+)\.(?P<private>privatelink\.)?(?P<service>blob|dfs|file|queue|table|web)\."
    r"(?P<suffix>core\.windows\.net|core\.chinacloudapi\.cn|core\.usgovcloudapi\.net|core\.cloudapi\.de)$")
_AZURE_DNSZONE_HOST_RE = re.compile(
    r"(?P<account>[^.]+)\.(?P<zone>z\d\d)\.(?P<service>blob|dfs|file|queue|table|web)\.storage\.azure\.net$")
_ACCOUNT_RE = re.compile(r"[a-z0-9]{3,24}")
_FEATURE_SUFFIXES = ("-ipv6", "-dualstack")


def check_endpoint(value, *, client_provider: Optional[str] = "azure-default",
                   location: Optional[Location] = None, key: str = ENDPOINT_KEY,
                   source: Optional[str] = None, origin: Optional[str] = None,
                   required: bool = True, account_hint: Optional[str] = None) -> list:
    """The blob service endpoint as the Azure SDK's BlobServiceClient will read it."""
    def fix_to(v):
        return set_value(key, v, source, location, origin)

    example = "https://%s.blob.core.windows.net/" % (account_hint or "<account>")
    if value is None or value == "":
        if not required:
            return []
        return [_f(CHECK_ENDPOINT, ERROR,
                   "%s is %s; the azure datastore fails with \"Must configure %s\""
                   % (key, "empty" if value == "" else "not set", key),
                   key=key, location=location, fix=fix_to(example),
                   suggestion=example if account_hint else None)]
    shown = _show(value)
    out = []
    secret_in_url = has_url_secret(value)
    v = value
    if v != v.strip(" "):
        stripped = v.strip()
        return [_f(CHECK_ENDPOINT, ERROR,
                   "%s=%s has leading or trailing spaces, which end up in the request URL" % (key, shown),
                   key=key, location=location, fix=fix_to(redact_text(stripped)),
                   suggestion=None if secret_in_url else stripped)]
    if v != v.strip():
        out.append(_f(CHECK_ENDPOINT, WARNING,
                      "%s=%s has a leading or trailing tab or newline; Python's URL parser drops it, "
                      "but the shell command that downloads the code package in remote tasks does not"
                      % (key, shown), key=key, location=location, fix=fix_to(redact_text(v.strip()))))
        v = v.strip()
    if "://" in v and not v.lower().startswith(("http://", "https://")):
        return out + [_f(CHECK_ENDPOINT, ERROR,
                         "%s=%s uses the scheme %s://; the blob endpoint is an https:// URL (the Azure SDK "
                         "would turn it into https://%s)" % (key, shown, v.split("://")[0], v),
                         key=key, location=location, fix=fix_to(example))]
    if not v.lower().startswith("http"):
        # BlobServiceClient prepends https:// itself (azure.storage.blob._parse_url).
        out.append(_f(CHECK_ENDPOINT, WARNING,
                      "%s=%s has no scheme; the Azure SDK assumes https://, but write it out"
                      % (key, shown), key=key, location=location,
                      fix=fix_to(redact_text("https://" + v)),
                      suggestion=None if secret_in_url else "https://" + v))
        v = "https://" + v
    try:
        u = urlsplit(v.rstrip("/"))
        port = u.port
    except ValueError as e:
        return out + [_f(CHECK_ENDPOINT, ERROR, "%s=%s is not a valid URL: %s" % (key, shown, e),
                         key=key, location=location, fix=fix_to(example))]
    if not u.netloc:
        return out + [_f(CHECK_ENDPOINT, ERROR,
                         "%s=%s is not a valid URL (no host); the Azure SDK raises \"Invalid URL\""
                         % (key, shown), key=key, location=location, fix=fix_to(example))]
    if u.scheme.lower() not in ("http", "https"):
        return out + [_f(CHECK_ENDPOINT, ERROR,
                         "%s=%s uses the scheme %s://; the blob endpoint is an https:// URL"
                         % (key, shown, u.scheme), key=key, location=location, fix=fix_to(example))]
    if "@" in u.netloc:
        return out + [_f(CHECK_ENDPOINT, ERROR,
                         "%s=%s has user information ('...@') in the host part; the blob endpoint is "
                         "just the account URL" % (key, shown), key=key, location=location,
                         fix=fix_to("https://%s/" % u.netloc.rsplit("@", 1)[1]))]
    host_raw = u.netloc.rsplit(":", 1)[0] if port is not None else u.netloc
    host = (u.hostname or "").lower()
    path = u.path.strip("/")
    kind, account, cloud = "custom", None, None
    m = _AZURE_STORAGE_HOST_RE.fullmatch(host) or _AZURE_DNSZONE_HOST_RE.fullmatch(host)
    if m:
        account = m.group("account")
        service = m.group("service")
        cloud = _BLOB_CLOUDS.get(m.groupdict().get("suffix") or "core.windows.net", "Azure")
        kind = "azure"
        base_host = host
        if service != "blob":
            base_host = host.replace(".%s." % service, ".blob.", 1)
            out.append(_f(CHECK_ENDPOINT, ERROR,
                          "%s=%s is the %s endpoint of account '%s'; Metaflow talks to the Blob "
                          "service and needs the .blob. endpoint" % (key, shown, service, account),
                          key=key, location=location, fix=fix_to("https://%s/" % base_host),
                          suggestion="https://%s/" % base_host))
        if m.groupdict().get("private"):
            public = host.replace(".privatelink.", ".", 1)
            out.append(_f(CHECK_ENDPOINT, WARNING,
                          "%s=%s names the private-endpoint host; use the public name %s, which "
                          "resolves to the private endpoint inside the VNet (and matches the TLS "
                          "certificate)" % (key, shown, public),
                          key=key, location=location, fix=fix_to("https://%s/" % public),
                          suggestion="https://%s/" % public))
        acct = account
        if acct.endswith("-secondary"):
            acct = acct[: -len("-secondary")]
            out.append(_f(CHECK_ENDPOINT, ERROR,
                          "%s=%s is the read-only secondary endpoint of account '%s'; Metaflow "
                          "writes artifacts, and every write fails there" % (key, shown, acct),
                          key=key, location=location,
                          fix=fix_to("https://%s/" % base_host.replace("-secondary.", ".", 1))))
        for sfx in _FEATURE_SUFFIXES:
            if acct.endswith(sfx):
                acct = acct[: -len(sfx)]
        account = acct
        if not _ACCOUNT_RE.fullmatch(account):
            out.append(_f(CHECK_ENDPOINT, ERROR,
                          "%s=%s: storage account name '%s' must be 3-24 lowercase letters and digits"
                          % (key, shown, account), key=key, location=location,
                          fix="use the storage account's real name: %s" % fix_to(
                              "https://<account>.blob.%s/" % (m.groupdict().get("suffix") or "core.windows.net"))))
        elif host_raw != host_raw.lower():
            out.append(_f(CHECK_ENDPOINT, WARNING,
                          "%s=%s has uppercase letters in the host; DNS ignores case but account names "
                          "are lowercase" % (key, shown), key=key, location=location,
                          fix=fix_to("https://%s/" % host)))
        if "Germany" in (cloud or ""):
            out.append(_f(CHECK_ENDPOINT, WARNING,
                          "%s=%s is in Azure Germany, which closed in October 2021" % (key, shown),
                          key=key, location=location))
        if path:
            out.append(_f(CHECK_ENDPOINT, WARNING,
                          "%s=%s has a path ('/%s') after the account; the Azure SDK drops it for "
                          "Azure hosts, so it has no effect (containers and prefixes belong in %s)"
                          % (key, shown, path, SYSROOT_KEY),
                          key=key, location=location, fix=fix_to("https://%s/" % u.netloc.lower()),
                          suggestion="https://%s/" % u.netloc.lower()))
        if port not in (None, 443):
            out.append(_f(CHECK_ENDPOINT, WARNING,
                          "%s=%s uses port %d; Azure Storage serves HTTPS on 443" % (key, shown, port),
                          key=key, location=location, fix=fix_to("https://%s/" % host)))
    elif _is_ip_or_local(host) or ("." not in host and host):
        kind = "emulator"
        segs = [s for s in path.split("/") if s] if path else []
        account = segs[0] if segs else None
        cloud = "emulator"
        if not segs:
            out.append(_f(CHECK_ENDPOINT, ERROR,
                          "%s=%s points at %s without an account name; for the Azurite emulator "
                          "the account is the first path segment (http(s)://%s/<account>)"
                          % (key, shown, u.netloc, u.netloc), key=key, location=location,
                          fix=fix_to("https://%s/devstoreaccount1" % u.netloc)))
        elif len(segs) > 1:
            out.append(_f(CHECK_ENDPOINT, WARNING,
                          "%s=%s has a path after the account '%s'; with an emulator host the Azure SDK "
                          "keeps it, so every blob silently goes into container '%s' instead of the "
                          "sysroot's" % (key, shown, segs[0], segs[1]),
                          key=key, location=location,
                          fix=fix_to("%s://%s/%s" % (u.scheme, u.netloc, segs[0]))))
    else:
        out.append(_f(CHECK_ENDPOINT, WARNING,
                      "%s=%s is not an Azure Storage host (*.blob.core.windows.net or a sovereign "
                      "cloud); a custom domain or private endpoint can work, but cannot be verified "
                      "offline" % (key, shown), key=key, location=location,
                      fix="make sure the host serves the Blob API with a certificate for that name, "
                          "or use https://<account>.blob.core.windows.net/"))
    if u.scheme.lower() != "https":
        out.append(_f(CHECK_ENDPOINT, ERROR,
                      "%s=%s uses http://; Metaflow authenticates with a token credential (%s), and "
                      "the Azure SDK refuses it: \"Token credential is only supported with HTTPS.\""
                      % (key, shown, client_provider or "azure-default"),
                      key=key, location=location,
                      fix=fix_to(redact_text("https://" + value.split("://", 1)[1]))
                      + ("  (start Azurite with --cert/--key and --oauth basic)" if kind == "emulator" else "")))
    if u.query:
        if has_url_secret("?" + u.query):
            out.append(_f(CHECK_ENDPOINT, WARNING,
                          "%s contains a SAS token (shown redacted); Metaflow uses a token credential "
                          "anyway, and the SAS is appended to every request and leaks into logs and "
                          "task environments" % key, key=key, location=location,
                          fix=fix_to("%s://%s/%s" % (u.scheme, u.netloc, path) if path else "%s://%s/" % (u.scheme, u.netloc))))
        else:
            out.append(_f(CHECK_ENDPOINT, WARNING,
                          "%s=%s has a query string, which is not part of an account URL"
                          % (key, shown), key=key, location=location,
                          fix=fix_to("%s://%s/" % (u.scheme, u.netloc))))
    if u.fragment:
        out.append(_f(CHECK_ENDPOINT, WARNING, "%s=%s has a '#fragment'" % (key, shown),
                      key=key, location=location, fix=fix_to("%s://%s/" % (u.scheme, u.netloc))))
    if not any(f.severity in (ERROR, WARNING) for f in out):
        desc = {"azure": "account '%s' in %s" % (account, cloud),
                "emulator": "the Azurite/storage emulator form (account '%s'); an emulator, not Azure"
                            % account}.get(kind, "a custom host")
        out.append(_f(CHECK_ENDPOINT, OK, "%s=%s is %s" % (key, shown, desc),
                      key=key, location=location, account=account, cloud=cloud, kind=kind))
    for f in out:
        f.detail.setdefault("kind", kind)
        if account:
            f.detail.setdefault("account", account)
    return out


def endpoint_facts(value) -> dict:
    """kind ('azure'|'emulator'|'custom'), account, cloud of an endpoint (best effort)."""
    if not value:
        return {}
    for f in check_endpoint(value, required=False):
        if "kind" in f.detail:
            return {k: f.detail.get(k) for k in ("kind", "account", "cloud")}
    return {}


# ---------------------------------------------------------------------------
# §4 Key Vault prefix and secret ids
# ---------------------------------------------------------------------------


def _vault_url_guess(value: str) -> Optional[str]:
    """`https://<vault><domain>` for a prefix written with a wrong scheme, path or case."""
    v = value.strip()
    if "://" not in v:
        v = "https://" + v
    try:
        u = urlsplit(v)
    except ValueError:
        return None
    host = (u.hostname or "").lower()
    dom = next((d for d in R.KEY_VAULT_DOMAINS if host.endswith(d)), None)
    if dom is None:
        # my-kv.vault.azure.com and similar near misses of the public domain
        mm = re.fullmatch(r"([a-z0-9-]+)\.vault(?:\.azure)?(?:\.[a-z]+)?", host)
        if not mm:
            return None
        name, dom = mm.group(1), ".vault.azure.net"
    else:
        name = host[: -len(dom)]
    if R.azure_vault_name_problems(name) or not R.mf_is_valid_vault_name(name):
        return None
    return "https://%s%s" % (name, dom)


def check_vault_prefix(value, location: Optional[Location] = None, *, key: str = VAULT_PREFIX_KEY,
                       source: Optional[str] = None, origin: Optional[str] = None) -> list:
    """METAFLOW_AZURE_KEY_VAULT_PREFIX: the vault URL that short secret ids are appended to."""
    if value is None or value == "":
        return []

    def fix_to(v):
        return set_value(key, v, source, location, origin)

    shown = _show(value)
    guess = _vault_url_guess(value)
    # Metaflow builds "<prefix without trailing '/'>/secrets/<id>" and validates the
    # result as a full URL; a prefix is usable iff an ordinary name passes.
    probe = "%s/secrets/%s" % (value.rstrip("/"), "probe")
    mf_error = None
    try:
        if not R.mf_check_full_url(probe):
            mf_error = "unsupported partial secret"
    except R.KeyVaultIdError as e:
        mf_error = str(e)
    out = []
    if mf_error:
        if not value.startswith("https://"):
            why = "does not start with https://"
        else:
            u = urlsplit(value)
            if u.path.strip("/"):
                why = ("has a path ('%s'); Metaflow appends /secrets/<name> itself, so the prefix "
                       "must be the bare vault URL" % u.path)
            elif u.query or u.fragment:
                why = "has a query string or fragment"
            elif not any(d in u.netloc for d in R.KEY_VAULT_DOMAINS):
                why = ("is not on a Key Vault domain (%s; matched case-sensitively)"
                       % ", ".join(R.KEY_VAULT_DOMAINS))
            else:
                why = "does not name a valid vault (%s)" % mf_error
        out.append(_f(CHECK_VAULT_PREFIX, ERROR,
                      "%s=%s %s; every short secret id (name or name/version) fails with "
                      "\"unsupported partial secret\" or \"%s\"" % (key, shown, why, mf_error),
                      key=key, location=location, suggestion=guess, metaflow_error=mf_error,
                      fix=fix_to(guess) if guess else fix_to("https://<vault-name>.vault.azure.net")))
        return out
    from urllib.parse import urlparse as _up

    netloc = _up(value).netloc
    dom = next(d for d in R.KEY_VAULT_DOMAINS if d in netloc)
    vault = netloc[: -len(dom)]
    problems = R.azure_vault_name_problems(vault)
    if problems:
        out.append(_f(CHECK_VAULT_PREFIX, ERROR,
                      "%s=%s: vault name '%s' %s (Azure's rule; Metaflow accepts it, the lookup "
                      "then fails)" % (key, shown, vault, "; ".join(problems)),
                      key=key, location=location, azure_rule=problems,
                      fix="use the vault's real name: %s" % fix_to("https://<vault-name>%s" % dom)))
    if value != value.strip() or any(ord(c) < 32 for c in value):
        out.append(_f(CHECK_VAULT_PREFIX, WARNING,
                      "%s=%s contains whitespace or control characters (Python's URL parser drops "
                      "some of them, so it happens to work)" % (key, shown),
                      key=key, location=location, fix=fix_to("https://%s%s" % (vault, dom))))
    if "Germany" in R.KEY_VAULT_CLOUDS[dom]:
        out.append(_f(CHECK_VAULT_PREFIX, WARNING,
                      "%s=%s is in Azure Germany, which closed in October 2021" % (key, shown),
                      key=key, location=location))
    if not problems:
        out.append(_f(CHECK_VAULT_PREFIX, OK,
                      "%s=%s names vault '%s' (%s); short secret ids resolve to "
                      "https://%s%s/secrets/<name>" % (key, shown, vault, R.KEY_VAULT_CLOUDS[dom], vault, dom),
                      key=key, location=location, vault=vault, cloud=R.KEY_VAULT_CLOUDS[dom]))
    return out


def injected_env_var_name(secret_name: Optional[str] = None, *, env_var_name=None,
                          secret_id: Optional[str] = None,
                          vault_prefix: Optional[str] = None) -> Optional[str]:
    """The environment variable az-key-vault injects: `options.env_var_name` if given, else
    the secret's name, with '-', '.', '/' replaced by '_' and the case kept.

    (Metaflow takes the name from Key Vault's answer; names are case-insensitive in Key Vault,
    so a secret created as 'API-Key' and asked for as 'api-key' is injected as 'API_Key'.)
    """
    if env_var_name is not None:
        return R.sanitize_env_var_name(env_var_name) if isinstance(env_var_name, str) else env_var_name
    if secret_name is None and secret_id is not None:
        try:
            secret_name = R.mf_parse_secret_id(secret_id, vault_prefix).name
        except R.KeyVaultIdError:
            return None
    return None if secret_name is None else R.sanitize_env_var_name(secret_name)


def _prefix_usable(vault_prefix: str) -> bool:
    try:
        return R.mf_check_full_url("%s/secrets/probe" % vault_prefix.rstrip("/"))
    except R.KeyVaultIdError:
        return False


def _secret_id_fix(secret_id: str, err: R.KeyVaultIdError, vault_prefix: Optional[str]):
    """(explanation, fix, suggestion) for an id the provider rejects."""
    sid = secret_id or ""
    if err.kind == "ValueError":  # short id without a prefix
        return ("a short id needs %s (the vault URL)" % VAULT_PREFIX_KEY,
                "export %s=https://<vault-name>.vault.azure.net, or give the full URL "
                "https://<vault-name>.vault.azure.net/secrets/%s" % (VAULT_PREFIX_KEY, sid.strip("/")),
                None)
    if sid == "":
        return ("the id is empty", "give the secret's name or its full URL", None)
    if sid.startswith("http://"):
        s = "https://" + sid[len("http://"):]
        return ("Key Vault URLs are https://", "use %s" % s, s)
    if sid != sid.strip():
        return ("the id has leading or trailing whitespace", "use %r" % sid.strip(), sid.strip())
    if not sid.startswith("https://"):
        parts = sid.strip("/").split("/")
        if len(parts) > 2:
            hint = ""
            if parts[0].startswith("vault.") or ".vault." in parts[0] or parts[0].endswith(".net"):
                hint = (" (this looks like the tail of a URL cut at its first '.', as a string "
                        "source \"https://<vault>.vault.azure.net/...\" is)")
            return ("a short id is <name> or <name>/<version>, this one has %d parts%s"
                    % (len(parts), hint),
                    "give <name>, <name>/<version>, or the full https:// URL", None)
        if vault_prefix is not None and not _prefix_usable(vault_prefix):
            why = "%s is not a usable https:// vault URL (see azure.vault-prefix)" % VAULT_PREFIX_KEY
            fix = "fix %s to https://<vault-name>.vault.azure.net" % VAULT_PREFIX_KEY
            try:  # and the id itself, as it would be read with a good prefix
                R.mf_parse_secret_id(sid, "https://probe-vault.vault.azure.net")
            except R.KeyVaultIdError as e2:
                why2, fix2, _ = _secret_id_fix(sid, e2, "https://probe-vault.vault.azure.net")
                why += "; the id itself is also invalid: " + why2
                fix += "; " + fix2
            return why, fix, None
        name = parts[0]
        version = parts[1] if len(parts) == 2 else None
    else:
        u = urlsplit(sid) if "[" not in sid else None
        if u is None:
            return ("the URL cannot be parsed", "use https://<vault>.vault.azure.net/secrets/<name>", None)
        netloc = u.netloc
        dom = next((d for d in R.KEY_VAULT_DOMAINS if d in netloc), None)
        guess = _vault_url_guess(sid)
        path = u.path.strip("/").split("/")
        if dom is None or err.kind == "MetaflowAzureKeyVaultBadVault":
            if guess and len(path) >= 2 and path[0] == "secrets":
                s = guess + "/" + "/".join(path)
                return ("the host must be <vault>%s (or a sovereign-cloud vault domain)"
                        % R.KEY_VAULT_DOMAINS[0], "use %s" % s, s)
            return ("the host must be <vault> followed by one of %s, and the vault name 3-24 "
                    "letters, digits and single hyphens" % ", ".join(R.KEY_VAULT_DOMAINS),
                    "use https://<vault-name>.vault.azure.net/secrets/<name>", None)
        if err.kind == "MetaflowAzureKeyVaultBadSecretType":
            return ("only secrets are supported (the path must start with /secrets/, not /%s/)" % path[0],
                    "store the value as a Key Vault secret and use https://<vault>%s/secrets/<name>" % dom, None)
        if err.kind == "MetaflowAzureKeyVaultBadSecretPath":
            return ("the path must be /secrets/<name> or /secrets/<name>/<version>",
                    "use https://%s/secrets/<name>[/<version>]" % netloc, None)
        name = path[1] if len(path) > 1 else ""
        version = path[2] if len(path) > 2 else None
    if not R.mf_is_valid_secret_name(name):
        cand = re.sub(r"[^A-Za-z0-9-]", "-", name).strip("-")
        cand = re.sub(r"-{2,}", "-", cand)
        if cand and not cand[0].isalpha():
            cand = ""
        why = ("secret name '%s' must be 1-127 characters, start with a letter, and contain only "
               "letters, digits and hyphens" % name)
        if "_" in name:
            why += " (Key Vault names cannot contain '_'; Metaflow turns '-' into '_' only for the env var)"
        if cand and cand != name:
            s = sid.replace(name, cand, 1)
            return (why, "use the secret's real name, probably '%s': %s" % (cand, s), s)
        return (why, "use the secret's real name", None)
    if version is not None and not R.mf_is_valid_version(version):
        base = sid[: sid.rfind(version)].rstrip("/")
        return ("version '%s' must be 32 letters and digits (the hex id shown in the portal)" % version,
                "omit the version to get the latest (%s), or copy the full version id" % base, base)
    return (str(err), "give <name>, <name>/<version> or https://<vault>.vault.azure.net/secrets/<name>", None)


_FORM_LABEL = {"name": "short (name)", "name+version": "short (name/version)",
               "url": "full-URL", "url+version": "full-URL (with version)"}


def check_secret_id(secret_id, *, vault_prefix: Optional[str], location: Optional[Location] = None,
                    env_var_name=None, key: Optional[str] = None, label: Optional[str] = None):
    """An az-key-vault secret id as the provider receives it.

    Returns (findings, parsed): `parsed` is an azure_rules.ParsedSecretId, or None when
    Metaflow (or Azure's naming rules) reject the id.
    """
    label = label or "secret id %s" % _show(secret_id)
    try:
        parsed = R.mf_parse_secret_id(secret_id, vault_prefix)
    except R.KeyVaultIdError as e:
        why, fix, sugg = _secret_id_fix(secret_id if isinstance(secret_id, str) else "", e, vault_prefix)
        return [_f(CHECK_SECRET_ID, ERROR,
                   "%s is rejected by Metaflow's az-key-vault provider (%s: %s): %s"
                   % (label, e.kind, e, why),
                   key=key, location=location, fix=fix, suggestion=sugg,
                   metaflow_error="%s: %s" % (e.kind, e), secret_id=redact_text(secret_id or ""))], None
    out = []
    problems = R.azure_vault_name_problems(parsed.vault_name)
    if problems:
        out.append(_f(CHECK_SECRET_ID, ERROR,
                      "%s: vault name '%s' %s (Azure's rule; Metaflow accepts it and the lookup then "
                      "fails)" % (label, parsed.vault_name, "; ".join(problems)),
                      key=key, location=location, azure_rule=problems,
                      fix="use the vault's real name (3-24 letters, digits and single hyphens, starting "
                          "with a letter, ending with a letter or digit)"))
    vw = R.version_warning(parsed.version)
    if vw:
        out.append(_f(CHECK_SECRET_ID, WARNING, "%s: %s" % (label, vw), key=key, location=location,
                      fix="copy the version id from `az keyvault secret list-versions`, or omit it"))
    if isinstance(secret_id, str) and (secret_id != secret_id.strip() or any(ord(c) < 32 for c in secret_id)
                                       or re.search(r"[?#;]", secret_id)):
        out.append(_f(CHECK_SECRET_ID, WARNING,
                      "%s has whitespace, a query, a fragment or ';' parameters that Python's URL "
                      "parser drops: Metaflow fetches '%s'" % (label, parsed.name),
                      key=key, location=location,
                      fix="write the id without them: %s" % (
                          parsed.name + ("/" + parsed.version if parsed.version else "")
                          if parsed.form.startswith("name") else
                          "%s/secrets/%s%s" % (parsed.vault_url, parsed.name,
                                               "/" + parsed.version if parsed.version else ""))))
    if "Germany" in R.KEY_VAULT_CLOUDS[parsed.domain]:
        out.append(_f(CHECK_SECRET_ID, WARNING, "%s is in Azure Germany, which closed in 2021" % label,
                      key=key, location=location))
    env_name = injected_env_var_name(parsed.name, env_var_name=env_var_name)
    env_problem = R.env_var_name_problem(env_name)
    if env_problem:
        out.append(_f(CHECK_SECRET_ID, ERROR,
                      "%s would be injected as %r, which Metaflow refuses: %s"
                      % (label, env_name, env_problem), key=key, location=location,
                      fix='give another name: {"type": "az-key-vault", "id": %s, "options": '
                          '{"env_var_name": "<NAME>"}}' % json.dumps(secret_id),
                      env_var_name=env_name if isinstance(env_name, str) else None))
    if not problems and not env_problem:
        case_note = ""
        if isinstance(env_name, str) and env_name != env_name.upper():
            case_note = " (case kept: not %s)" % env_name.upper()
        out.append(_f(CHECK_SECRET_ID, OK,
                      "%s is a valid %s id: vault '%s'%s, secret '%s'%s; Metaflow injects it as $%s%s"
                      % (label, _FORM_LABEL[parsed.form], parsed.vault_name,
                         "" if parsed.domain == ".vault.azure.net" else " (%s)" % R.KEY_VAULT_CLOUDS[parsed.domain],
                         parsed.name, ", version %s" % parsed.version if parsed.version else "",
                         env_name, case_note),
                      key=key, location=location, env_var_name=env_name, **parsed.to_dict()))
    for f in out:
        f.detail.setdefault("vault_url", parsed.vault_url)
        f.detail.setdefault("name", parsed.name)
    if problems:
        return out, None
    return out, parsed


def check_env_var_collisions(items: Sequence, *, check: str = CHECK_SECRET_ID,
                             env: Optional[Mapping[str, str]] = None,
                             allow_override=False) -> list:
    """items: (label, env_var_name, location). Metaflow's validate_env_vars_across_secrets and
    (unless allow_override) validate_env_vars_vs_existing_env."""
    out = []
    seen = {}
    for label, name, loc in items:
        if not isinstance(name, str):
            continue
        if name in seen:
            out.append(_f(check, ERROR,
                          "Secret %s will inject '%s' as env var, and it is also added by %s"
                          % (label, name, seen[name]), location=loc,
                          fix='give one of them another name with {"options": {"env_var_name": "..."}}',
                          env_var_name=name))
        else:
            seen[name] = label
    if env is not None and allow_override is not True:
        for label, name, loc in items:
            if isinstance(name, str) and name in env:
                if allow_override is None:
                    out.append(_f(check, SKIPPED,
                                  "%s injects '%s', which is already set in this environment; whether "
                                  "that fails depends on allow_override, which is not a literal"
                                  % (label, name), location=loc, env_var_name=name))
                else:
                    out.append(_f(check, ERROR,
                                  "Secret %s will inject '%s' as env var, but it already exists in env"
                                  % (label, name), location=loc,
                                  fix="unset %s before the run, rename the secret's variable with "
                                      "options.env_var_name, or pass allow_override=True" % name,
                                  env_var_name=name))
    return out


# ---------------------------------------------------------------------------
# §6 other settings
# ---------------------------------------------------------------------------

_SEED_WORKLOAD = {"default": "general", "highcpu": "high_throughput", "highmemory": "high_throughput"}


def check_workload_type(value, *, error: Optional[str] = None, key: str = WORKLOAD_KEY,
                        location: Optional[Location] = None, source: Optional[str] = None,
                        origin: Optional[str] = None) -> list:
    if value is None:
        return []
    raw = str(value)
    if raw in WORKLOAD_CHOICES and not error:
        return [_f(CHECK_WORKLOAD, OK, "%s=%s is one of %s" % (key, _show(raw), ", ".join(WORKLOAD_CHOICES)),
                   key=key, location=location)]
    norm = raw.strip().lower().replace("-", "_")
    target = norm if norm in WORKLOAD_CHOICES else _SEED_WORKLOAD.get(norm.replace("_", ""))
    seed = ""
    if norm.replace("_", "") in _SEED_WORKLOAD:
        seed = (" ('default', 'highCpu' and 'highMemory' come from wrong docs; Metaflow has only "
                "'general' (threads) and 'high_throughput' (processes, for many large artifacts))")
    fix = set_value(key, target or "general", source, location, origin)
    if target != "general":
        fix += "  (or 'general', the default)"
    return [_f(CHECK_WORKLOAD, ERROR,
               "%s=%s is not accepted: every `import metaflow` fails, Azure or not, with \"%s must be "
               "set to one of ['general', 'high_throughput']. Got '%s'.\"%s"
               % (key, _show(raw), key, raw, seed),
               key=key, location=location, fix=fix, suggestion=target or "general",
               metaflow_error=error)]


def _suggest_name(value: str, candidates: Iterable[str]) -> Optional[str]:
    from ..suggest import suggest

    cands = list(candidates)
    low = value.strip().lower()
    aliases = {AZ_KEY_VAULT: ("azure-key-vault", "azure_key_vault", "azurekeyvault", "key-vault",
                              "keyvault", "akv", "azure", "az-keyvault", "azure-keyvault", "az_key_vault")}
    for target, names in aliases.items():
        if low in names and target in cands:
            return target
    for c in cands:
        if c.lower() == low:
            return c
    return suggest(value, cands)


def check_client_provider(value, known: Sequence[str] = DEFAULT_AZURE_CLIENT_PROVIDERS, *,
                          key: str = CLIENT_PROVIDER_KEY, location: Optional[Location] = None,
                          source: Optional[str] = None, origin: Optional[str] = None) -> list:
    if value is None:
        return []
    known = list(known) or list(DEFAULT_AZURE_CLIENT_PROVIDERS)
    if value in known:
        return [_f(CHECK_CLIENT_PROVIDER, OK, "%s=%s is a known Azure client provider" % (key, _show(value)),
                   key=key, location=location)]
    best = _suggest_name(value, known) or known[0]
    return [_f(CHECK_CLIENT_PROVIDER, ERROR,
               "%s=%s is not an installed Azure client provider (known: %s); the first Azure "
               "credential fails with \"Cannot find Azure Client provider %s\"%s"
               % (key, _show(value), ", ".join(known), value,
                  " (azure-default already uses the Azure CLI login through DefaultAzureCredential)"
                  if "cli" in str(value).lower() else ""),
               key=key, location=location, suggestion=best,
               fix=set_value(key, best, source, location, origin)
               + ("  (or %s)" % unset_value(key, source, location, origin) if best == "azure-default" else ""))]


def check_secrets_backend(value, known: Sequence[str] = DEFAULT_SECRETS_BACKENDS, *,
                          key: str = SECRETS_BACKEND_KEY, location: Optional[Location] = None,
                          source: Optional[str] = None, origin: Optional[str] = None) -> list:
    if value is None:
        return []
    known = list(known) or list(DEFAULT_SECRETS_BACKENDS)
    if value in known:
        return [_f(CHECK_SECRETS_BACKEND, OK, "%s=%s is a known secrets backend" % (key, _show(value)),
                   key=key, location=location)]
    best = _suggest_name(value, known)
    return [_f(CHECK_SECRETS_BACKEND, ERROR,
               "%s=%s is not a secrets backend (known: %s); Metaflow does not check it at load time, "
               "but every @secrets source without a 'type.' prefix fails with \"Unknown secrets "
               "backend type %s\"" % (key, _show(value), ", ".join(k for k in known if k != "inline"),
                                      value),
               key=key, location=location, suggestion=best,
               fix=set_value(key, best, source, location, origin) if best else
               "set %s to one of %s" % (key, ", ".join(known)))]


# AZURE_* variables read by azure-identity's DefaultAzureCredential (1.27).
_TOKEN_CREDENTIALS_VALUES = (
    "dev", "prod", "environmentcredential", "workloadidentitycredential", "managedidentitycredential",
    "visualstudiocodecredential", "azureclicredential", "azuredeveloperclicredential",
    "azurepowershellcredential", "interactivebrowsercredential",
)
_GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TENANT_RE = re.compile(r"[0-9a-zA-Z.-]+")
_SECRET_ENV = ("AZURE_CLIENT_SECRET", "AZURE_PASSWORD", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
               "IDENTITY_HEADER", "MSI_SECRET")


def check_credential_env(env: Mapping[str, str], *, exists=os.path.exists) -> list:
    """Incomplete or broken AZURE_* credential variable sets, judged the way
    azure-identity's EnvironmentCredential / WorkloadIdentityCredential read them
    (a variable set to '' counts as set for EnvironmentCredential)."""
    out = []
    C = CHECK_CREDENTIAL_ENV

    def has(n):  # EnvironmentCredential: `is not None`
        return env.get(n) is not None

    def truthy(n):  # WorkloadIdentityCredential / ManagedIdentityCredential: truthiness
        return bool(env.get(n))

    def err(sev, msg, fix, **d):
        out.append(_f(C, sev, msg, fix=fix, **d))

    sp_secret = all(has(n) for n in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"))
    sp_cert = all(has(n) for n in ("AZURE_CLIENT_ID", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_TENANT_ID"))
    user_pw = all(has(n) for n in ("AZURE_CLIENT_ID", "AZURE_USERNAME", "AZURE_PASSWORD"))
    configured = None
    tok = env.get("AZURE_TOKEN_CREDENTIALS")
    if tok is not None and tok.strip():
        if tok.strip().lower() not in _TOKEN_CREDENTIALS_VALUES:
            err(ERROR, "AZURE_TOKEN_CREDENTIALS=%s is not valid; DefaultAzureCredential() raises "
                       "ValueError before trying any credential (valid: %s)"
                % (_show(tok), ", ".join(_TOKEN_CREDENTIALS_VALUES)),
                "export AZURE_TOKEN_CREDENTIALS=prod  (or dev, or unset it)", key_name="AZURE_TOKEN_CREDENTIALS")
        else:
            out.append(_f(C, INFO, "AZURE_TOKEN_CREDENTIALS=%s narrows DefaultAzureCredential's chain"
                          % tok.strip().lower()))
    if sp_secret:
        configured = "service principal with client secret"
        for n in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"):
            if env.get(n) == "":
                err(ERROR, "%s is set but empty; ClientSecretCredential rejects it when "
                           "DefaultAzureCredential is created, so every Azure call fails" % n,
                    "set %s or unset all of AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID" % n)
    elif has("AZURE_CLIENT_SECRET"):
        missing = [n for n in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID") if not has(n)]
        err(ERROR, "AZURE_CLIENT_SECRET is set but %s %s not: EnvironmentCredential ignores the "
                   "secret and DefaultAzureCredential silently tries the next credential"
            % (" and ".join(missing), "is" if len(missing) == 1 else "are"),
            "export %s" % " ".join("%s=<...>" % n for n in missing))
    if not sp_secret and sp_cert:
        configured = "service principal with certificate"
        path = env.get("AZURE_CLIENT_CERTIFICATE_PATH") or ""
        if not exists(os.path.expanduser(path)):
            err(ERROR, "AZURE_CLIENT_CERTIFICATE_PATH=%s does not exist; CertificateCredential fails "
                       "when the credential is created" % _show(path),
                "point AZURE_CLIENT_CERTIFICATE_PATH at the PEM or PKCS12 file (with private key)")
    elif not sp_secret and has("AZURE_CLIENT_CERTIFICATE_PATH"):
        missing = [n for n in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID") if not has(n)]
        err(ERROR, "AZURE_CLIENT_CERTIFICATE_PATH is set but %s not: EnvironmentCredential ignores it"
            % " and ".join(missing), "export %s" % " ".join("%s=<...>" % n for n in missing))
    if not sp_secret and not sp_cert and user_pw:
        configured = "username and password"
        err(WARNING, "AZURE_USERNAME/AZURE_PASSWORD configure username+password authentication, which "
                     "azure-identity deprecates (no MFA) and Entra ID blocks for most tenants",
            "use a service principal, workload identity or managed identity")
    elif not sp_secret and not sp_cert and (has("AZURE_USERNAME") or has("AZURE_PASSWORD")):
        missing = [n for n in ("AZURE_CLIENT_ID", "AZURE_USERNAME", "AZURE_PASSWORD") if not has(n)]
        err(ERROR, "username/password authentication is half configured: %s not set"
            % ", ".join(missing), "export %s, or unset AZURE_USERNAME and AZURE_PASSWORD"
            % " ".join("%s=<...>" % n for n in missing))
    # Workload identity (AKS): tenant, client id and token file, all non-empty.
    if truthy("AZURE_FEDERATED_TOKEN_FILE"):
        missing = [n for n in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID") if not truthy(n)]
        path = env["AZURE_FEDERATED_TOKEN_FILE"]
        if missing:
            err(ERROR, "AZURE_FEDERATED_TOKEN_FILE is set but %s not: WorkloadIdentityCredential is "
                       "unavailable" % " and ".join(missing),
                "label the pod azure.workload.identity/use: \"true\" with a service account annotated "
                "azure.workload.identity/client-id, or export %s" % " ".join("%s=<...>" % n for n in missing))
        elif not exists(path):
            err(ERROR, "AZURE_FEDERATED_TOKEN_FILE=%s does not exist here; WorkloadIdentityCredential "
                       "fails reading it (normal outside the AKS pod: check it inside the pod)" % _show(path),
                "run the check inside the workload-identity pod, or unset AZURE_FEDERATED_TOKEN_FILE")
        else:
            configured = configured or "workload identity"
    if (has("AZURE_CLIENT_ID") and has("AZURE_TENANT_ID") and not configured
            and not has("AZURE_CLIENT_SECRET") and not has("AZURE_CLIENT_CERTIFICATE_PATH")
            and not truthy("AZURE_FEDERATED_TOKEN_FILE") and not has("AZURE_USERNAME")):
        err(WARNING, "AZURE_CLIENT_ID and AZURE_TENANT_ID are set without AZURE_CLIENT_SECRET, "
                     "AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE: no service principal "
                     "is configured, and DefaultAzureCredential uses AZURE_CLIENT_ID as a user-assigned "
                     "managed identity (the classic half-configured pod)",
            "add AZURE_CLIENT_SECRET (service principal), enable workload identity on the pod "
            "(AZURE_FEDERATED_TOKEN_FILE), or unset AZURE_TENANT_ID if a user-assigned managed "
            "identity is meant")
    for n in ("AZURE_CLIENT_ID",):
        v = env.get(n)
        if v and not _GUID_RE.fullmatch(v.strip()):
            err(WARNING, "%s=%s is not a GUID (application/client ids are GUIDs)" % (n, _show(v)),
                "copy the Application (client) ID from the app registration or managed identity")
    v = env.get("AZURE_TENANT_ID")
    if v and not (_GUID_RE.fullmatch(v.strip()) or _TENANT_RE.fullmatch(v.strip())):
        err(ERROR, "AZURE_TENANT_ID=%s is neither a GUID nor a domain name; azure-identity rejects it"
            % _show(v), "export AZURE_TENANT_ID=<directory (tenant) id GUID>")
    ah = env.get("AZURE_AUTHORITY_HOST")
    if ah and ah.lower().startswith("http://"):
        err(ERROR, "AZURE_AUTHORITY_HOST=%s is not https://; azure-identity refuses it" % _show(ah),
            "export AZURE_AUTHORITY_HOST=https://%s" % ah.split("://", 1)[1])
    if truthy("IDENTITY_ENDPOINT") and not truthy("IDENTITY_HEADER") and not truthy("IMDS_ENDPOINT"):
        err(WARNING, "IDENTITY_ENDPOINT is set without IDENTITY_HEADER (App Service) or IMDS_ENDPOINT "
                     "(Azure Arc); the managed identity credential cannot use it",
            "set IDENTITY_HEADER, or unset IDENTITY_ENDPOINT")
    if not any(f.severity in (ERROR, WARNING) for f in out):
        msg = ("AZURE_* credential variables form a complete set (%s)" % configured if configured else
               "no AZURE_* service-principal variables are set; DefaultAzureCredential will try managed "
               "identity, then the Azure CLI login (checked by the live probe)")
        out.append(_f(C, OK, msg))
    return out


# Docker image references (github.com/distribution/reference grammar).
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = r"(?:%s(?:\.%s)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?" % (_DOMAIN_COMPONENT, _DOMAIN_COMPONENT)
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*"
_NAME = r"(?:%s/)?%s(?:/%s)*" % (_DOMAIN, _PATH_COMPONENT, _PATH_COMPONENT)
_REFERENCE_RE = re.compile(
    r"(?P<name>%s)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?"
    % _NAME, re.ASCII)


def image_reference_problem(ref: str) -> Optional[str]:
    """Why a container runtime rejects `ref` (None when it parses)."""
    if ref == "":
        return "it is empty"
    if ref != ref.strip():
        return "it has leading or trailing whitespace"
    if "://" in ref:
        return "it has a URL scheme (image references have none)"
    m = _REFERENCE_RE.fullmatch(ref)
    if not m:
        if _REFERENCE_RE.fullmatch(ref.lower()):
            return "repository names must be lowercase"
        return "it is not a valid image reference ([registry/]repository[:tag][@digest])"
    if len(m.group("name")) > 255:
        return "the repository name is longer than 255 characters"
    return None


def _mf_docker_registry(image: str) -> Optional[str]:
    """metaflow.plugins.aws.aws_utils.get_docker_registry."""
    m = re.match(r"^(.+?(?:[:.].+?)\/)?(.*?)(?:[@:])?((?<=[@:]).*)?$", image)
    reg = m.group(1) if m else None
    return reg.rstrip("/") if reg is not None else None


def check_images(values: Mapping[str, tuple], *, python_version: str = "3") -> list:
    """values: key -> (value, source, origin, location) for KUBERNETES_CONTAINER_IMAGE,
    DEFAULT_CONTAINER_IMAGE, KUBERNETES_CONTAINER_REGISTRY (None when unset)."""
    out = []
    img_key = "METAFLOW_KUBERNETES_CONTAINER_IMAGE"
    reg_key = "METAFLOW_KUBERNETES_CONTAINER_REGISTRY"
    image, isrc, iorig, iloc = values.get(img_key) or (None, None, None, None)
    registry, rsrc, rorig, rloc = values.get(reg_key) or (None, None, None, None)
    for key in ("METAFLOW_DEFAULT_CONTAINER_IMAGE", img_key):
        v, src, orig, loc = values.get(key) or (None, None, None, None)
        if v is None or src in ("default", "derived"):
            continue
        prob = image_reference_problem(v)
        if prob:
            out.append(_f(CHECK_IMAGE, ERROR,
                          "%s=%s is not a valid image reference: %s; pods fail with InvalidImageName"
                          % (key, _show(v), prob), key=key, location=loc,
                          fix=set_value(key, v.strip().lower().split("://", 1)[-1], src, loc, orig)
                          if prob != "it is not a valid image reference ([registry/]repository[:tag][@digest])"
                          else "write it as [registry/]repository[:tag], e.g. myregistry.azurecr.io/my-image:v1.0"))
        else:
            out.append(_f(CHECK_IMAGE, OK, "%s=%s is a valid image reference" % (key, _show(v)),
                          key=key, location=loc))
    # What @kubernetes will actually pull (kubernetes_decorator.py): the image, or python:X.Y,
    # prefixed with the registry when the image names none.
    if registry:
        eff_image = image or "python:%s" % python_version
        if not _mf_docker_registry(eff_image):
            eff = "%s/%s" % (registry.rstrip("/"), eff_image)
            prob = image_reference_problem(eff)
            if prob:
                out.append(_f(CHECK_IMAGE, ERROR,
                              "%s=%s makes @kubernetes pull %s, which is not a valid image reference: %s"
                              % (reg_key, _show(registry), _show(eff), prob), key=reg_key, location=rloc,
                              fix="write the registry as a host name, e.g. myregistry.azurecr.io"))
            elif not image:
                out.append(_f(CHECK_IMAGE, WARNING,
                              "no container image is set, so @kubernetes uses %s from %s=%s; a private "
                              "registry rarely has that image" % (eff_image, reg_key, _show(registry)),
                              key=img_key, fix="export %s=<registry>/<image>:<tag>" % img_key))
            elif eff_image.split("/")[0] == "localhost":
                out.append(_f(CHECK_IMAGE, WARNING,
                              "%s starts with 'localhost/', which Metaflow does not recognise as a registry; "
                              "it pulls %s" % (img_key, eff), key=img_key, location=iloc))
    return out


# ---------------------------------------------------------------------------
# wiring over the config Resolution
# ---------------------------------------------------------------------------


def _rk(res, name):
    try:
        return res.get(name)
    except Exception:  # unknown key in this catalog
        return None


def _is_set(rk) -> bool:
    return rk is not None and rk.source not in ("default", "derived", None) and rk.raw is not None


def _plugins(res, category, fallback):
    try:
        names = list(res.catalog.plugins.get(category) or [])
    except Exception:
        names = []
    return names or list(fallback)


def azure_applies(res) -> bool:
    """The azure group runs when the datastore is azure, any Azure key is set, or the
    secrets backend is (or looks like a misspelt) az-key-vault."""
    if (res.value("DEFAULT_DATASTORE") or "") == "azure":
        return True
    backend = str(res.value("DEFAULT_SECRETS_BACKEND_TYPE") or "").lower()
    if backend == AZ_KEY_VAULT or "azure" in backend or "vault" in backend:
        return True
    try:
        names = res.catalog.known_names()
    except Exception:
        names = set(res.catalog.keys)
    for name in names:
        if "AZURE" in name and _is_set(_rk(res, name)):
            return True
    return False


def _key_args(rk):
    return dict(location=getattr(rk, "location", None), source=getattr(rk, "source", None),
                origin=getattr(rk, "origin", None))


def startup_blockers(res, *, azure_only: bool = False) -> list:
    """Configuration errors that make every `import metaflow` fail: config-file problems and
    values Metaflow rejects at load time (the resolution's rk.error)."""
    out = []
    if not azure_only:
        out.extend(getattr(res, "problems", []) or [])
    try:
        names = sorted(res.catalog.known_names())
    except Exception:
        names = sorted(res.catalog.keys)
    for name in names:
        if azure_only != ("AZURE" in name):
            continue
        if name == WORKLOAD_KEY:
            continue  # its own check
        rk = _rk(res, name)
        if rk is None or not getattr(rk, "error", None):
            continue
        out.append(_f(CHECK_INVALID_VALUE, ERROR,
                      "%s=%s (from %s) stops Metaflow from starting: %s"
                      % (name, _show(rk.raw), where(rk.source, rk.origin, rk.location), rk.error),
                      key=name, location=rk.location,
                      fix=unset_value(name, rk.source, rk.location, rk.origin) + " or give a valid value"))
    return out


def check_secret_ids(ids: Sequence[str], *, vault_prefix: Optional[str],
                     env: Optional[Mapping[str, str]] = None) -> list:
    """--secret ID...: each id as the az-key-vault provider receives it, plus collisions."""
    out, names = [], []
    for sid in ids:
        fs, parsed = check_secret_id(sid, vault_prefix=vault_prefix, label="--secret %s" % _show(sid))
        out.extend(fs)
        if parsed is not None:
            names.append(("%s (az-key-vault)" % sid, injected_env_var_name(parsed.name), None))
    out.extend(check_env_var_collisions(names, env=env))
    return out


def run_azure_static(res, *, flows: Sequence[str] = (), secrets: Sequence[str] = (), cwd=None,
                     include_config_errors: bool = False) -> list:
    """Everything in issue 4 §2-§6 over a config Resolution; flow files per §5.

    The Azure keys' load-time errors are always included; `include_config_errors` adds
    every other error that stops `import metaflow` (config files, other keys' values), for
    `check azure` run alone, when the config lint does not run."""
    out = []
    env = getattr(res, "env", None) or {}
    if include_config_errors:
        out.extend(startup_blockers(res))
    out.extend(startup_blockers(res, azure_only=True))
    datastore = res.value("DEFAULT_DATASTORE")
    is_azure_ds = datastore == "azure"

    # §2 sysroot and derived roots
    rk = _rk(res, SYSROOT_KEY)
    sysroot = rk.value if rk is not None else None
    sys_findings = check_sysroot(sysroot, SYSROOT_KEY, required=is_azure_ds, **_key_args(rk))
    out.extend(sys_findings)
    for name in DERIVED_ROOT_KEYS:
        drk = _rk(res, name)
        if _is_set(drk) and drk.value is not None:
            out.extend(check_sysroot(drk.value, name, **_key_args(drk)))

    # §3 endpoint
    erk = _rk(res, ENDPOINT_KEY)
    endpoint = erk.value if erk is not None else None
    hint = None
    if sysroot:
        _, hint, _h = suggest_sysroot(sysroot)
    provider = res.value("DEFAULT_AZURE_CLIENT_PROVIDER") or "azure-default"
    out.extend(check_endpoint(endpoint, client_provider=provider, required=is_azure_ds,
                              account_hint=hint, **_key_args(erk)))

    # §6 workload type, client provider, secrets backend
    wrk = _rk(res, WORKLOAD_KEY)
    if _is_set(wrk) or (wrk is not None and getattr(wrk, "error", None)):
        out.extend(check_workload_type(wrk.raw if wrk.raw is not None else wrk.value,
                                       error=getattr(wrk, "error", None), **_key_args(wrk)))
    crk = _rk(res, CLIENT_PROVIDER_KEY)
    if crk is not None and crk.value is not None:
        out.extend(check_client_provider(crk.value, _plugins(res, "azure_client_provider",
                                                             DEFAULT_AZURE_CLIENT_PROVIDERS),
                                         **_key_args(crk)))
    known_backends = _plugins(res, "secrets_provider", DEFAULT_SECRETS_BACKENDS)
    brk = _rk(res, SECRETS_BACKEND_KEY)
    if brk is not None and brk.value is not None:
        out.extend(check_secrets_backend(brk.value, known_backends, **_key_args(brk)))

    # §4 vault prefix and --secret ids
    vrk = _rk(res, VAULT_PREFIX_KEY)
    vault_prefix = vrk.value if vrk is not None else None
    out.extend(check_vault_prefix(vault_prefix, **_key_args(vrk)))
    if secrets:
        out.extend(check_secret_ids(list(secrets), vault_prefix=vault_prefix, env=env))
    if vault_prefix and endpoint:
        vf = endpoint_facts(endpoint)
        vd = next((d for d in R.KEY_VAULT_DOMAINS if d in vault_prefix), None)
        if vf.get("kind") == "azure" and vd and vf.get("cloud") and \
                R.KEY_VAULT_CLOUDS[vd].split(" (")[0] != vf["cloud"].split(" (")[0]:
            out.append(_f(CHECK_VAULT_PREFIX, WARNING,
                          "the Key Vault (%s) and the storage account (%s) are in different clouds; "
                          "one credential rarely works for both" % (R.KEY_VAULT_CLOUDS[vd], vf["cloud"]),
                          key=VAULT_PREFIX_KEY, location=getattr(vrk, "location", None)))

    # §6 credential variables and images
    out.extend(check_credential_env(env))
    img = {}
    for name in ("METAFLOW_KUBERNETES_CONTAINER_IMAGE", "METAFLOW_DEFAULT_CONTAINER_IMAGE",
                 "METAFLOW_KUBERNETES_CONTAINER_REGISTRY"):
        irk = _rk(res, name)
        if irk is not None and irk.value is not None:
            img[name] = (irk.value, irk.source, irk.origin, irk.location)
    out.extend(check_images(img))

    # §5 flow files
    from .flows import run_flow_checks

    out.extend(run_flow_checks(res, flows=flows, cwd=cwd, known_backends=known_backends))
    return out
