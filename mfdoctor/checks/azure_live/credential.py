"""`azure.credential`: the credential Metaflow would use, who it is, and why the chain did what it did.

Metaflow's default client provider (`azure-default`) builds a plain
`DefaultAzureCredential()` (metaflow/plugins/azure/azure_credential.py). We
build exactly that, under the diagnosed environment, and only observe it: each
credential in its chain is wrapped in a recorder that passes calls and
exceptions through unchanged, so the chain's own rules (CredentialUnavailable
moves on, any other error stops) decide, and we learn what each link did.

Tokens are decoded for their claims and dropped at once; a token is never put
in a finding, a log record or an attribute.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ...findings import ERROR, INFO, OK, WARNING, Finding
from ...redact import redact_text
from .deadline import Deadline

CHECK = "azure.credential"
STORAGE_SCOPE = "https://storage.azure.com/.default"
EXPIRY_WARNING_S = 600

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

# Issuer hosts of Microsoft Entra ID (public and sovereign clouds).
_ENTRA_ISSUER_HOSTS = (
    "sts.windows.net", "login.microsoftonline.com", "sts.chinacloudapi.cn", "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn", "login.microsoftonline.us", "login.microsoftonline.de",
)
_STORAGE_AUDIENCES = ("https://storage.azure.com", "e406a681-f3d4-42a8-90b6-c2b029497af1")


# --- token claims ------------------------------------------------------------


def decode_claims(token: str) -> dict:
    """The identity claims of a JWT (no signature check). Returns only non-secret fields."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        data = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except Exception:  # not a JWT (some credentials return opaque tokens)
        return {}
    keep = ("tid", "oid", "appid", "azp", "upn", "unique_name", "preferred_username", "idtyp",
            "exp", "nbf", "iat", "iss", "aud", "name")
    return {k: data[k] for k in keep if k in data}


def subject(claims: Mapping[str, Any]) -> str:
    """A one-line 'who' from claims: user name, or app id for a service principal / managed identity."""
    who = claims.get("upn") or claims.get("preferred_username") or claims.get("unique_name")
    app = claims.get("appid") or claims.get("azp")
    if who:
        return "user %s" % who
    if app:
        return "application %s" % app
    return "an unnamed principal"


def token_claims(credential, scope: str) -> dict:
    """Get a token for `scope` and return its claims; the token itself goes out of scope here."""
    tok = credential.get_token(scope)
    claims = decode_claims(tok.token)
    claims["_expires_on"] = int(tok.expires_on)
    del tok
    return claims


# --- the chain, observed -----------------------------------------------------


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


def _first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return redact_text(line.strip())[:300]
    return ""


class _Recorder:
    """Wraps one chain link; passes everything through and writes down what happened."""

    def __init__(self, inner, link: Link):
        self._inner = inner
        self._link = link
        # The chain names links by this attribute when present, so its error text is unchanged.
        self._credential_name = getattr(inner, "_credential_name", type(inner).__name__)

    def _call(self, fn, *a, **kw):
        from azure.identity import CredentialUnavailableError

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
                self._link.reason = _first_line(getattr(exc, "message", None) or str(exc))

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


@dataclass
class CredentialResult:
    credential: Any = None  # the DefaultAzureCredential (or provider's credential), usable by other probes
    ok: bool = False
    used: Optional[str] = None
    claims: dict = field(default_factory=dict)  # storage token claims
    chain: list = field(default_factory=list)
    findings: list = field(default_factory=list)

    @property
    def object_id(self) -> Optional[str]:
        return self.claims.get("oid")

    @property
    def tenant(self) -> Optional[str]:
        return self.claims.get("tid")


def _make_credential(settings, links: list):
    """Build the credential exactly as Metaflow's configured client provider would."""
    provider = settings.client_provider or "azure-default"
    if provider == "azure-default":
        from azure.identity import DefaultAzureCredential

        cred = DefaultAzureCredential()  # no arguments: exactly AzureDefaultClientProvider
        wrapped = []
        for inner in cred.credentials:
            name = getattr(inner, "_credential_name", type(inner).__name__)
            link = Link(name)
            links.append(link)
            wrapped.append(_Recorder(inner, link))
        cred.credentials = tuple(wrapped)
        return cred
    known = settings.known_client_providers
    if known is not None and provider not in known:
        raise LookupError(provider)
    # A provider from a Metaflow extension: only Metaflow knows how to build it.
    from metaflow.plugins import AZURE_CLIENT_PROVIDERS  # noqa: imported only for extension providers

    for p in AZURE_CLIENT_PROVIDERS:
        if p.name == provider:
            return p.create_cacheable_azure_credential()
    raise LookupError(provider)


def probe_credential(settings, deadline: Deadline, task=None) -> CredentialResult:
    env = settings.env
    res = CredentialResult()
    links: list = []
    provider = settings.client_provider or "azure-default"
    key = "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER"
    loc = settings.locations.get(key) if settings.locations else None
    config = configuration(env)

    if task:
        task.set_step("building %s credential" % provider)
    try:
        cred = _make_credential(settings, links)
    except ValueError as e:
        # DefaultAzureCredential validates AZURE_TOKEN_CREDENTIALS at construction.
        msg = _first_line(str(e))
        if "AZURE_TOKEN_CREDENTIALS" in str(e):
            res.findings.append(Finding(
                CHECK, ERROR,
                "AZURE_TOKEN_CREDENTIALS=%r is invalid: DefaultAzureCredential refuses to start, so every Azure "
                "call Metaflow makes fails. %s" % (env.get("AZURE_TOKEN_CREDENTIALS"), msg),
                key="AZURE_TOKEN_CREDENTIALS",
                fix="unset AZURE_TOKEN_CREDENTIALS, or set it to dev, prod or one credential name "
                    "(e.g. AzureCliCredential, ManagedIdentityCredential)",
            ))
        else:
            res.findings.append(Finding(CHECK, ERROR, "Creating the credential failed: %s" % msg, key=key, location=loc))
        return res
    except LookupError:
        valid = sorted(settings.known_client_providers or ["azure-default"])
        res.findings.append(Finding(
            CHECK, ERROR,
            "Cannot find Azure Client provider %s: Metaflow fails on its first Azure call." % provider,
            key=key, location=loc, suggestion=valid[0] if valid else None,
            fix="set %s to one of: %s (or unset it for azure-default)" % (key, ", ".join(valid)),
        ))
        return res
    except ImportError as e:
        res.findings.append(Finding(CHECK, ERROR, "The Azure client provider %s could not be loaded: %s"
                                    % (provider, _first_line(str(e))), key=key, location=loc,
                                    fix="pip install azure-identity azure-storage-blob azure-keyvault-secrets"))
        return res

    res.credential = cred
    if task:
        task.set_step("getting a storage token from %s" % provider)
    t0 = time.monotonic()
    error = None
    try:
        claims = token_claims(cred, STORAGE_SCOPE)
        res.ok = True
        res.claims = claims
    except Exception as e:  # ClientAuthenticationError and anything a provider raises
        error = e
    seconds = time.monotonic() - t0

    # Which links ran, and what each environment configures for it.
    excluded = _excluded(env)
    for link in links:
        configured, partial = config.get(link.name, (None, None))
        link.configured, link.partial = configured, partial
    reached = {l.name for l in links}
    for name in CHAIN_ORDER:
        if name not in reached and name in excluded:
            links.append(Link(name, status="excluded", reason="excluded by AZURE_TOKEN_CREDENTIALS=%s"
                              % env.get("AZURE_TOKEN_CREDENTIALS")))
    res.chain = [l.to_dict() for l in links]
    used = next((l.name for l in links if l.status == "succeeded"), None)
    res.used = used or (None if links else provider)

    detail = {"provider": provider, "chain": res.chain, "seconds": round(seconds, 3)}
    if res.ok:
        c = res.claims
        detail["identity"] = {k: v for k, v in c.items() if not k.startswith("_")}
        who = subject(c)
        res.findings.append(Finding(
            CHECK, OK,
            "%s got a storage token from %s: %s, object id %s, tenant %s (%.1f s)" % (
                "DefaultAzureCredential" if provider == "azure-default" else "Provider %s" % provider,
                used or provider, who, c.get("oid", "?"), c.get("tid", "?"), seconds),
            key=key if provider != "azure-default" else None, detail=detail,
        ))
        res.findings.extend(_claim_findings(c, env, used))
    else:
        res.findings.extend(_failure_findings(settings, error, links, detail, deadline, task))
    if settings.verbose:
        for link in links:
            text = "%s: %s" % (link.name, link.status)
            if link.reason:
                text += " (%s)" % link.reason
            if link.configured:
                text += "; configured: %s" % link.configured
            res.findings.append(Finding(CHECK, INFO, text, detail=link.to_dict()))
    return res


def _excluded(env) -> set:
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


def _claim_findings(c: dict, env, used) -> list:
    out = []
    now = time.time()
    exp = c.get("exp")
    if isinstance(exp, (int, float)):
        left = exp - now
        if left <= 0:
            out.append(Finding(
                CHECK, ERROR,
                "The storage token from %s expired %d s ago (exp claim), so storage rejects it "
                "(AuthenticationFailed)." % (used, int(-left)),
                fix="Check this machine's clock (timedatectl), then sign in again (az login) or restart the "
                    "token source (managed identity endpoint) that hands out stale tokens.",
                detail={"exp": exp},
            ))
        elif left < EXPIRY_WARNING_S:
            out.append(Finding(
                CHECK, WARNING,
                "The storage token from %s expires in %d s; a flow longer than that needs a refresh that "
                "this credential must be able to provide." % (used, int(left)),
                fix="az login again (or check the token source's lifetime settings)", detail={"exp": exp},
            ))
    aud = c.get("aud")
    if aud is not None:
        auds = aud if isinstance(aud, list) else [aud]
        good = any(str(a).rstrip("/") in _STORAGE_AUDIENCES or
                   (str(a).startswith("https://") and ".blob." in str(a)) for a in auds)
        if not good:
            out.append(Finding(
                CHECK, ERROR,
                "The token %s returned for the storage scope has audience %s, not https://storage.azure.com: "
                "storage rejects it (AuthenticationFailed)." % (used, ", ".join(map(str, auds))),
                fix="Make the token source honour the requested resource (a managed identity or token proxy "
                    "that always returns a token for one fixed resource is the usual cause).",
                detail={"aud": aud},
            ))
    iss = str(c.get("iss") or "")
    if iss:
        host = iss.split("//", 1)[-1].split("/", 1)[0].lower()
        if host not in _ENTRA_ISSUER_HOSTS:
            out.append(Finding(
                CHECK, WARNING,
                "The token's issuer %s is not a Microsoft Entra ID issuer; Azure services will reject it." % iss,
                fix="Check AZURE_AUTHORITY_HOST and the token source; use a Microsoft Entra identity.",
                detail={"iss": iss},
            ))
    tenant_env = env.get("AZURE_TENANT_ID")
    if tenant_env and c.get("tid") and c["tid"].lower() != tenant_env.strip().lower():
        out.append(Finding(
            CHECK, WARNING,
            "The token is from tenant %s but AZURE_TENANT_ID=%s: %s ignored AZURE_TENANT_ID, or it names "
            "the wrong tenant." % (c["tid"], tenant_env, used),
            key="AZURE_TENANT_ID",
            fix="Set AZURE_TENANT_ID to the storage account's tenant, or sign in there: az login --tenant %s"
                % tenant_env,
        ))
    return out


def _failure_findings(settings, error, links, detail, deadline, task) -> list:
    env = settings.env
    out = []
    reason = _first_line(getattr(error, "message", None) or str(error)) if error else "unknown"
    failed = next((l for l in links if l.status == "failed"), None)
    partials = [l for l in links if l.partial]

    # The stale managed-identity endpoint trap: the chain stops at ManagedIdentityCredential.
    if failed and failed.name == "ManagedIdentityCredential" and (env.get("IDENTITY_ENDPOINT") or env.get("MSI_ENDPOINT")):
        var = "IDENTITY_ENDPOINT" if env.get("IDENTITY_ENDPOINT") else "MSI_ENDPOINT"
        later = _try_later_credentials(deadline, task)
        detail["later_credentials"] = later
        working = [n for n, ok in later.items() if ok == "succeeded"]
        unset = "unset IDENTITY_ENDPOINT IDENTITY_HEADER" if var == "IDENTITY_ENDPOINT" else "unset MSI_ENDPOINT MSI_SECRET"
        if working:
            msg = ("%s=%s is set but its managed-identity endpoint fails (%s). DefaultAzureCredential stops at "
                   "ManagedIdentityCredential, so %s, which works here, is never tried."
                   % (var, env.get(var), failed.reason, " and ".join(working)))
            fix = "%s (a stale value from another environment), or set AZURE_TOKEN_CREDENTIALS=%s" % (unset, working[0])
        else:
            msg = ("%s=%s is set but its managed-identity endpoint fails (%s); DefaultAzureCredential stops "
                   "there." % (var, env.get(var), failed.reason))
            fix = ("%s if this machine has no managed identity (a stale value), or fix the endpoint; "
                   "then sign in with az login" % unset)
        out.append(Finding(CHECK, ERROR, msg, key=var, fix=fix, detail=detail))
        return out

    if failed:
        msg = "%s failed, which stops DefaultAzureCredential's chain: %s" % (failed.name, failed.reason)
        fix = _fix_for_failed(failed, env)
    elif links:
        msg = "No credential in DefaultAzureCredential's chain is configured (each one reported unavailable)."
        if partials:
            msg += " Incomplete: " + "; ".join("%s (%s)" % (l.name, l.partial) for l in partials) + "."
        fix = ("For a developer machine: az login. In a pod: configure workload identity "
               "(AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE) or a managed identity. "
               "For a service principal: AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET.")
        if partials and partials[0].name == "EnvironmentCredential":
            fix = "Set the missing variables named above (%s), or unset the partial set." % partials[0].partial
    else:
        msg = "The credential of provider %s failed: %s" % (settings.client_provider, reason)
        fix = "Check the provider's configuration."
    out.append(Finding(CHECK, ERROR, msg, fix=fix, detail=detail))
    return out


def _fix_for_failed(link: Link, env) -> str:
    name, r = link.name, (link.reason or "").lower()
    if name == "AzureCliCredential":
        if "az login" in r or "expired" in r or "refresh token" in r:
            return "az login (the Azure CLI session is missing or expired)"
        return "Check the Azure CLI: az account get-access-token --resource https://storage.azure.com/"
    if name == "EnvironmentCredential":
        if "aadsts7000215" in r or "secret" in r:
            return "AZURE_CLIENT_SECRET is wrong or expired: create a new one (az ad app credential reset --id %s)" % (
                env.get("AZURE_CLIENT_ID") or "<client id>")
        return "Check AZURE_TENANT_ID, AZURE_CLIENT_ID and the secret/certificate for that application."
    if name == "WorkloadIdentityCredential":
        return ("Check the federated credential of the managed identity/app %s and the service account token "
                "at AZURE_FEDERATED_TOKEN_FILE=%s" % (env.get("AZURE_CLIENT_ID"), env.get("AZURE_FEDERATED_TOKEN_FILE")))
    if name == "ManagedIdentityCredential":
        return "Check that this machine/pod has a managed identity assigned (and AZURE_CLIENT_ID names it if user-assigned)."
    return "Fix or disable %s (AZURE_TOKEN_CREDENTIALS selects the credential to use)." % name


def _try_later_credentials(deadline: Deadline, task) -> dict:
    """Would a developer credential after ManagedIdentityCredential have worked? (each on its own, short)."""
    from azure.identity import (AzureCliCredential, AzureDeveloperCliCredential,
                                AzurePowerShellCredential, CredentialUnavailableError)

    out = {}
    for cls in (AzureCliCredential, AzurePowerShellCredential, AzureDeveloperCliCredential):
        left = deadline.remaining()
        if left < 0.5:
            out[cls.__name__] = "not tried (out of time)"
            continue
        if task:
            task.set_step("trying %s on its own" % cls.__name__)
        try:
            c = cls(process_timeout=max(1, int(min(8.0, left))))
            tok = c.get_token(STORAGE_SCOPE)
            del tok
            out[cls.__name__] = "succeeded"
        except CredentialUnavailableError as e:
            out[cls.__name__] = "unavailable: " + _first_line(e.message)
        except Exception as e:
            out[cls.__name__] = "failed: " + _first_line(str(e))
    return out


def silence_azure_logging():
    """Keep azure-identity's WARNING about a failed chain off stderr (checks never print).

    Without a handler, Python's last-resort handler would print it. Returns an undo function.
    """
    logger = logging.getLogger("azure")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    return lambda: logger.removeHandler(handler)
