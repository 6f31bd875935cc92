"""§6 the AZURE_* credential variables, judged the way azure-identity's
DefaultAzureCredential reads them: incomplete service principals, workload identity
outside its pod, malformed ids, plain-http authority hosts."""

from __future__ import annotations

import os
import re
from typing import Mapping

from ...findings import ERROR, INFO, OK, WARNING
from ... import ids
from ..messages import PYTHON, finding, quote

# AZURE_* variables read by azure-identity's DefaultAzureCredential (1.27).
_TOKEN_CREDENTIALS_VALUES = (
    "dev", "prod", "environmentcredential", "workloadidentitycredential", "managedidentitycredential",
    "visualstudiocodecredential", "azureclicredential", "azuredeveloperclicredential",
    "azurepowershellcredential", "interactivebrowsercredential",
)
_GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TENANT_RE = re.compile(r"[0-9a-zA-Z.-]+")


def check_credential_env(env: Mapping[str, str], *, exists=os.path.exists) -> list:
    """Incomplete or broken AZURE_* credential variable sets, judged the way
    azure-identity's EnvironmentCredential / WorkloadIdentityCredential read them
    (a variable set to '' counts as set for EnvironmentCredential)."""
    out = []
    C = ids.AZURE_CREDENTIAL_ENV

    def has(n):  # EnvironmentCredential: `is not None`
        return env.get(n) is not None

    def truthy(n):  # WorkloadIdentityCredential / ManagedIdentityCredential: truthiness
        return bool(env.get(n))

    def err(sev, msg, fix, **d):
        out.append(finding(C, sev, msg, fix=fix, **d))

    sp_secret = all(has(n) for n in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"))
    sp_cert = all(has(n) for n in ("AZURE_CLIENT_ID", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_TENANT_ID"))
    user_pw = all(has(n) for n in ("AZURE_CLIENT_ID", "AZURE_USERNAME", "AZURE_PASSWORD"))
    configured = None
    tok = env.get("AZURE_TOKEN_CREDENTIALS")
    if tok is not None and tok.strip():
        if tok.strip().lower() not in _TOKEN_CREDENTIALS_VALUES:
            err(ERROR, "AZURE_TOKEN_CREDENTIALS=%s is not valid; DefaultAzureCredential() raises "
                       "ValueError before trying any credential (valid: %s)"
                % (quote(tok, style=PYTHON), ", ".join(_TOKEN_CREDENTIALS_VALUES)),
                "export AZURE_TOKEN_CREDENTIALS=prod  (or dev, or unset it)", key_name="AZURE_TOKEN_CREDENTIALS")
        else:
            out.append(finding(C, INFO, "AZURE_TOKEN_CREDENTIALS=%s narrows DefaultAzureCredential's chain"
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
                       "when the credential is created" % quote(path, style=PYTHON),
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
                       "fails reading it (normal outside the AKS pod: check it inside the pod)" % quote(path, style=PYTHON),
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
            err(WARNING, "%s=%s is not a GUID (application/client ids are GUIDs)" % (n, quote(v, style=PYTHON)),
                "copy the Application (client) ID from the app registration or managed identity")
    v = env.get("AZURE_TENANT_ID")
    if v and not (_GUID_RE.fullmatch(v.strip()) or _TENANT_RE.fullmatch(v.strip())):
        err(ERROR, "AZURE_TENANT_ID=%s is neither a GUID nor a domain name; azure-identity rejects it"
            % quote(v, style=PYTHON), "export AZURE_TENANT_ID=<directory (tenant) id GUID>")
    ah = env.get("AZURE_AUTHORITY_HOST")
    if ah and ah.lower().startswith("http://"):
        err(ERROR, "AZURE_AUTHORITY_HOST=%s is not https://; azure-identity refuses it" % quote(ah, style=PYTHON),
            "export AZURE_AUTHORITY_HOST=https://%s" % ah.split("://", 1)[1])
    if truthy("IDENTITY_ENDPOINT") and not truthy("IDENTITY_HEADER") and not truthy("IMDS_ENDPOINT"):
        err(WARNING, "IDENTITY_ENDPOINT is set without IDENTITY_HEADER (App Service) or IMDS_ENDPOINT "
                     "(Azure Arc); the managed identity credential cannot use it",
            "set IDENTITY_HEADER, or unset IDENTITY_ENDPOINT")
    if not any(f.severity in (ERROR, WARNING) for f in out):
        msg = ("AZURE_* credential variables form a complete set (%s)" % configured if configured else
               "no AZURE_* service-principal variables are set; DefaultAzureCredential will try managed "
               "identity, then the Azure CLI login (checked by the live probe)")
        out.append(finding(C, OK, msg))
    return out
