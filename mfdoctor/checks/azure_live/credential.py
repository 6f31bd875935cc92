"""`azure.credential`: the credential Metaflow would use, who it is, and why the chain did what it did.

Metaflow's default client provider (`azure-default`) builds a plain
`DefaultAzureCredential()` (metaflow/plugins/azure/azure_credential.py). We
build exactly that, under the diagnosed environment, and only observe it
(`chain.observe`). The storage token's claims are read by `claims`; the token
itself is never kept.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from ...findings import ERROR, INFO, OK, Finding
from ...ids import AZURE_CREDENTIAL
from .chain import CHAIN_ORDER, Link, configuration, excluded, first_line, link_target, observe
from .claims import claim_findings, subject, token_claims
from .deadline import Deadline
from .settings import CLIENT_PROVIDER_KEY

# The Azure SDK (and Metaflow, for extension providers) is imported inside the
# functions that call it: importing this module must not load either.

STORAGE_SCOPE = "https://storage.azure.com/.default"


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


def _make_credential(settings, links: list, on_try=None):
    """Build the credential exactly as Metaflow's configured client provider would."""
    provider = settings.client_provider or "azure-default"
    if provider == "azure-default":
        from azure.identity import DefaultAzureCredential

        cred = DefaultAzureCredential()  # no arguments: exactly AzureDefaultClientProvider
        observe(cred, links, on_try)
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
    loc = settings.locations.get(CLIENT_PROVIDER_KEY) if settings.locations else None
    config = configuration(env)

    if task:
        task.set_step("building %s credential" % provider)
    def on_try(name):
        if task:
            what, hint = link_target(name, env)
            via = "%s%s" % (name, " at %s" % what if what else "")
            task.set_step("getting a storage token from %s via %s" % (provider, via), hint, via)

    try:
        cred = _make_credential(settings, links, on_try)
    except ValueError as e:
        # DefaultAzureCredential validates AZURE_TOKEN_CREDENTIALS at construction.
        msg = first_line(str(e))
        if "AZURE_TOKEN_CREDENTIALS" in str(e):
            res.findings.append(Finding(
                AZURE_CREDENTIAL, ERROR,
                "AZURE_TOKEN_CREDENTIALS=%r is invalid: DefaultAzureCredential refuses to start, so every Azure "
                "call Metaflow makes fails. %s" % (env.get("AZURE_TOKEN_CREDENTIALS"), msg),
                key="AZURE_TOKEN_CREDENTIALS",
                fix="unset AZURE_TOKEN_CREDENTIALS, or set it to dev, prod or one credential name "
                    "(e.g. AzureCliCredential, ManagedIdentityCredential)",
            ))
        else:
            res.findings.append(Finding(AZURE_CREDENTIAL, ERROR, "Creating the credential failed: %s" % msg,
                                        key=CLIENT_PROVIDER_KEY, location=loc))
        return res
    except LookupError:
        valid = sorted(settings.known_client_providers or ["azure-default"])
        res.findings.append(Finding(
            AZURE_CREDENTIAL, ERROR,
            "Cannot find Azure Client provider %s: Metaflow fails on its first Azure call." % provider,
            key=CLIENT_PROVIDER_KEY, location=loc, suggestion=valid[0] if valid else None,
            fix="set %s to one of: %s (or unset it for azure-default)" % (CLIENT_PROVIDER_KEY, ", ".join(valid)),
        ))
        return res
    except ImportError as e:
        res.findings.append(Finding(AZURE_CREDENTIAL, ERROR, "The Azure client provider %s could not be loaded: %s"
                                    % (provider, first_line(str(e))), key=CLIENT_PROVIDER_KEY, location=loc,
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
    left_out = excluded(env)
    for link in links:
        configured, partial = config.get(link.name, (None, None))
        link.configured, link.partial = configured, partial
    reached = {l.name for l in links}
    for name in CHAIN_ORDER:
        if name not in reached and name in left_out:
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
            AZURE_CREDENTIAL, OK,
            "%s got a storage token from %s: %s, object id %s, tenant %s (%.1f s)" % (
                "DefaultAzureCredential" if provider == "azure-default" else "Provider %s" % provider,
                used or provider, who, c.get("oid", "?"), c.get("tid", "?"), seconds),
            key=CLIENT_PROVIDER_KEY if provider != "azure-default" else None, detail=detail,
        ))
        res.findings.extend(claim_findings(c, env, used))
    else:
        res.findings.extend(_failure_findings(settings, error, links, detail, deadline, task))
    if settings.verbose:
        for link in links:
            text = "%s: %s" % (link.name, link.status)
            if link.reason:
                text += " (%s)" % link.reason
            if link.configured:
                text += "; configured: %s" % link.configured
            res.findings.append(Finding(AZURE_CREDENTIAL, INFO, text, detail=link.to_dict()))
    return res


def _failure_findings(settings, error, links, detail, deadline, task) -> list:
    env = settings.env
    out = []
    reason = first_line(getattr(error, "message", None) or str(error)) if error else "unknown"
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
        out.append(Finding(AZURE_CREDENTIAL, ERROR, msg, key=var, fix=fix, detail=detail))
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
    out.append(Finding(AZURE_CREDENTIAL, ERROR, msg, fix=fix, detail=detail))
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
            out[cls.__name__] = "unavailable: " + first_line(e.message)
        except Exception as e:
            out[cls.__name__] = "failed: " + first_line(str(e))
    return out


def silence_azure_logging():
    """Keep azure-identity's WARNING about a failed chain off stderr (checks never print).

    Without a handler, Python's last-resort handler would print it. Returns an undo function.
    """
    logger = logging.getLogger("azure")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    return lambda: logger.removeHandler(handler)
