"""DefaultAzureCredential's chain: what the environment configures for each link, and what each did.

Each credential in the chain is wrapped in a recorder that passes calls and
exceptions through unchanged, so the chain's own rules (CredentialUnavailable
moves on, any other error stops) decide, and we learn what each link did.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from typing import Mapping, Optional

from ...redact import redact_text

# The Azure SDK is imported inside the functions that call it: importing this
# module must not load azure (show and lint import the checks package).

# The order of DefaultAzureCredential's chain in azure-identity 1.27 (names as the chain reports them).
CHAIN_ORDER = [
    "EnvironmentCredential",
    "WorkloadIdentityCredential",
    "ManagedIdentityCredential",
    "SharedTokenCacheCredential",
    "VisualStudioCodeCredential",
    "AzureCliCredential",
    "AzurePowerShellCredential",
    "AzureDeveloperCliCredential",
    "BrokerCredential",
]

_ENV_SETS = {
    # EnvironmentCredential tries these in order; the first complete set wins.
    "EnvironmentCredential": [
        ("client secret", ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")),
        ("client certificate", ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_CERTIFICATE_PATH")),
        ("username/password", ("AZURE_CLIENT_ID", "AZURE_USERNAME", "AZURE_PASSWORD")),
    ],
    "WorkloadIdentityCredential": [
        ("workload identity", ("AZURE_FEDERATED_TOKEN_FILE", "AZURE_TENANT_ID", "AZURE_CLIENT_ID")),
    ],
}
# Variables that only make sense for EnvironmentCredential (AZURE_CLIENT_ID and
# AZURE_TENANT_ID alone also select a user-assigned managed identity / tenant).
_ENV_ONLY = ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME", "AZURE_PASSWORD")


@dataclass
class Link:
    name: str
    status: str = "not reached"  # succeeded | unavailable | failed | not reached | excluded
    reason: Optional[str] = None
    seconds: Optional[float] = None
    configured: Optional[str] = None  # what the environment configures for it (if anything)
    partial: Optional[str] = None  # a partial variable set, named

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def first_line(text: str) -> str:
    """The first non-blank line of an error text, redacted and cut to 300 characters."""
    for line in str(text).splitlines():
        if line.strip():
            return redact_text(line.strip())[:300]
    return ""


class _Recorder:
    """Wraps one chain link; passes everything through and writes down what happened."""

    def __init__(self, inner, link: Link, on_try=None):
        self._inner = inner
        self._link = link
        self._on_try = on_try
        # The chain names links by this attribute when present, so its error text is unchanged.
        self._credential_name = getattr(inner, "_credential_name", type(inner).__name__)

    def _call(self, fn, *a, **kw):
        from azure.identity import CredentialUnavailableError

        if self._on_try is not None and self._link.status == "not reached":
            self._on_try(self._link.name)  # the progress display and a timeout name it
        t = time.monotonic()
        try:
            out = fn(*a, **kw)
        except CredentialUnavailableError as e:
            self._note("unavailable", e, t)
            raise
        except Exception as e:
            self._note("failed", e, t)
            raise
        self._note("succeeded", None, t)
        return out

    def _note(self, status, exc, t):
        if self._link.status == "not reached":  # keep the first call's outcome (the storage token)
            self._link.status = status
            self._link.seconds = round(time.monotonic() - t, 3)
            if exc is not None:
                self._link.reason = first_line(getattr(exc, "message", None) or str(exc))

    def get_token(self, *scopes, **kwargs):
        return self._call(self._inner.get_token, *scopes, **kwargs)

    def get_token_info(self, *scopes, options=None):
        if hasattr(self._inner, "get_token_info"):
            return self._call(self._inner.get_token_info, *scopes, options=options)
        from azure.core.credentials import AccessTokenInfo

        tok = self._call(self._inner.get_token, *scopes, **(options or {}))
        return AccessTokenInfo(tok.token, tok.expires_on)

    def __enter__(self):
        self._inner.__enter__()
        return self

    def __exit__(self, *args):
        self._inner.__exit__(*args)

    def close(self):
        close = getattr(self._inner, "close", None)
        if close:
            close()


def observe(cred, links: list, on_try=None) -> None:
    """Wrap each link of a DefaultAzureCredential in a recorder; append its `Link` to `links`.
    `on_try(name)` is called when a link is first tried."""
    wrapped = []
    for inner in cred.credentials:
        name = getattr(inner, "_credential_name", type(inner).__name__)
        link = Link(name)
        links.append(link)
        wrapped.append(_Recorder(inner, link, on_try))
    cred.credentials = tuple(wrapped)


def _host_port(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return url
    return "%s:%d" % (parts.hostname or url, port)


def link_target(name: str, env: Mapping[str, str]):
    """(what a chain link waits on, what to check when it hangs) for the progress display
    and the timeout's fix; (None, None) when there is nothing more specific to say."""
    if name == "ManagedIdentityCredential":
        for var in ("IDENTITY_ENDPOINT", "MSI_ENDPOINT"):
            if env.get(var):
                where = _host_port(env[var])
                return ("%s (%s)" % (where, var),
                        "%s=%s did not answer: check that this managed identity endpoint is "
                        "reachable from here, or unset %s if it was left over from another "
                        "environment" % (var, env[var], " and ".join(
                            (var, "IDENTITY_HEADER") if var == "IDENTITY_ENDPOINT" else (var, "MSI_SECRET"))))
        return ("169.254.169.254:80 (the Azure instance metadata service)",
                "the instance metadata service did not answer: outside an Azure VM or pod it does "
                "not exist; log in with `az login`, or set AZURE_CLIENT_ID/AZURE_TENANT_ID/"
                "AZURE_CLIENT_SECRET")
    tools = {"AzureCliCredential": "az", "AzurePowerShellCredential": "pwsh",
             "AzureDeveloperCliCredential": "azd"}
    if name in tools:
        return ("`%s` (a subprocess)" % tools[name],
                "`%s` did not return a token in time: run it by hand to see whether it waits for "
                "a login or a network call" % tools[name])
    authority = env.get("AZURE_AUTHORITY_HOST") or "login.microsoftonline.com"
    if name in ("EnvironmentCredential", "WorkloadIdentityCredential"):
        return ("%s (Microsoft Entra ID)" % _host_port(authority if "://" in authority else "https://" + authority),
                "the sign-in endpoint did not answer: check the network path (proxy, firewall) to %s"
                % authority)
    return (None, None)


def configuration(env: Mapping[str, str]) -> dict:
    """name -> (configured description or None, partial description or None), from the environment alone."""
    out = {}
    for name, sets in _ENV_SETS.items():
        configured = partial = None
        for label, names in sets:
            present = [n for n in names if env.get(n) is not None]
            if len(present) == len(names):
                configured = configured or "%s (%s)" % (label, ", ".join(names))
            elif present and (name != "EnvironmentCredential" or any(n in _ENV_ONLY for n in present)):
                missing = [n for n in names if n not in present]
                partial = partial or "%s: %s set but %s missing" % (label, ", ".join(present), ", ".join(missing))
        out[name] = (configured, None if configured else partial)
    mi = None
    if env.get("IDENTITY_ENDPOINT"):
        if env.get("IDENTITY_HEADER"):
            mi = ("Service Fabric (IDENTITY_ENDPOINT, IDENTITY_HEADER, IDENTITY_SERVER_THUMBPRINT)"
                  if env.get("IDENTITY_SERVER_THUMBPRINT") else "App Service (IDENTITY_ENDPOINT, IDENTITY_HEADER)")
        elif env.get("IMDS_ENDPOINT"):
            mi = "Azure Arc (IDENTITY_ENDPOINT, IMDS_ENDPOINT)"
    elif env.get("MSI_ENDPOINT"):
        mi = "Azure ML (MSI_ENDPOINT, MSI_SECRET)" if env.get("MSI_SECRET") else "Cloud Shell (MSI_ENDPOINT)"
    mi_partial = None
    if env.get("IDENTITY_ENDPOINT") and not mi:
        mi_partial = "IDENTITY_ENDPOINT set but IDENTITY_HEADER (App Service) or IMDS_ENDPOINT (Arc) missing"
    out["ManagedIdentityCredential"] = (mi or "IMDS (169.254.169.254%s)" % (
        ", via AZURE_POD_IDENTITY_AUTHORITY_HOST" if env.get("AZURE_POD_IDENTITY_AUTHORITY_HOST") else ""), mi_partial)
    path = env.get("PATH", os.defpath)
    out["AzureCliCredential"] = ("az at %s" % shutil.which("az", path=path) if shutil.which("az", path=path) else None, None)
    pwsh = shutil.which("pwsh", path=path) or shutil.which("powershell", path=path)
    out["AzurePowerShellCredential"] = ("PowerShell at %s" % pwsh if pwsh else None, None)
    azd = shutil.which("azd", path=path)
    out["AzureDeveloperCliCredential"] = ("azd at %s" % azd if azd else None, None)
    return out


def excluded(env) -> set:
    """The links AZURE_TOKEN_CREDENTIALS leaves out of the chain (dev, prod, or one credential's name)."""
    v = (env.get("AZURE_TOKEN_CREDENTIALS") or "").strip().lower()
    if not v:
        return set()
    dev = {"SharedTokenCacheCredential", "VisualStudioCodeCredential", "AzureCliCredential",
           "AzurePowerShellCredential", "AzureDeveloperCliCredential", "BrokerCredential"}
    prod = {"EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential"}
    if v == "dev":
        return prod
    if v == "prod":
        return dev
    return {n for n in CHAIN_ORDER if n.lower() != v}
