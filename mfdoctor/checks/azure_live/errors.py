"""Azure error codes and network failures → cause and fix.

Each entry says what the code means for a Metaflow user and what to run.
Templates are filled with what the probes learned (`Context`); a value that is
not known stays a readable `<placeholder>` so the command is still copyable
after one substitution.
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Optional

from .claims import STORAGE_AUDIENCES

DATA_CONTRIBUTOR = "Storage Blob Data Contributor"
SECRETS_USER = "Key Vault Secrets User"

PROPAGATION = "An assignment made in the last 30 minutes may still be propagating."


@dataclass
class Context:
    """What is known when an error is explained; unknown values render as placeholders."""

    object_id: Optional[str] = None
    tenant: Optional[str] = None
    account: Optional[str] = None
    container: Optional[str] = None
    prefix: Optional[str] = None
    endpoint: Optional[str] = None
    host: Optional[str] = None
    account_id: Optional[str] = None  # ARM resource id of the storage account
    vault: Optional[str] = None
    vault_id: Optional[str] = None
    secret: Optional[str] = None
    extra: dict = field(default_factory=dict)

    @property
    def container_scope(self) -> str:
        base = self.account_id or (
            "/subscriptions/<subscription id>/resourceGroups/<resource group>"
            "/providers/Microsoft.Storage/storageAccounts/%s" % (self.account or "<account>")
        )
        return "%s/blobServices/default/containers/%s" % (base, self.container or "<container>")

    @property
    def vault_scope(self) -> str:
        return self.vault_id or (
            "/subscriptions/<subscription id>/resourceGroups/<resource group>"
            "/providers/Microsoft.KeyVault/vaults/%s" % (self.vault or "<vault>")
        )

    def values(self) -> dict:
        return {
            "object_id": self.object_id or "<object id>",
            "tenant": self.tenant or "<tenant id>",
            "account": self.account or "<account>",
            "container": self.container or "<container>",
            "prefix": self.prefix or "",
            "endpoint": self.endpoint or "<endpoint>",
            "host": self.host or "<host>",
            "scope": self.container_scope,
            "vault": self.vault or "<vault>",
            "vault_scope": self.vault_scope,
            "secret": self.secret or "<secret>",
            **self.extra,
        }


_ASSIGN_BLOB_ROLE = (
    'az role assignment create --role "%s" --assignee-object-id {object_id} '
    "--assignee-principal-type <User|ServicePrincipal|Group> --scope {scope}" % DATA_CONTRIBUTOR
)

# code -> (cause, fix). Storage codes come from `x-ms-error-code` or the XML <Code>.
STORAGE = {
    "AuthorizationPermissionMismatch": (
        "Identity {object_id} is authenticated but no data role lets it do this in container '{container}' "
        "(Owner, Contributor and Reader grant no data access; %s does). " % DATA_CONTRIBUTOR + PROPAGATION,
        _ASSIGN_BLOB_ROLE,
    ),
    "AuthorizationFailure": (
        "The storage account '{account}' refused the request before checking roles: its firewall, "
        "virtual-network rules or private endpoint do not admit this machine's network.",
        "Allow this network: az storage account network-rule add --account-name {account} "
        "--ip-address <your public IP>  (or run from a network with access to the private endpoint; "
        "check with: az storage account show -n {account} --query networkRuleSet)",
    ),
    "AuthenticationFailed": (
        "The storage service rejected the token itself: {detail}",
        "{auth_fix}",
    ),
    "InvalidAuthenticationInfo": (
        "The token was issued by the wrong tenant for storage account '{account}'{tenant_hint}.",
        "Sign in to the account's tenant: az login --tenant {expected_tenant}  "
        "(or set AZURE_TENANT_ID={expected_tenant} for a service principal)",
    ),
    "ContainerNotFound": (
        "Container '{container}' does not exist in storage account '{account}'; Metaflow does not create it.",
        "az storage container create --name {container} --account-name {account} --auth-mode login",
    ),
    "KeyBasedAuthenticationNotPermitted": (
        "The account forbids shared-key (and SAS) access; only Microsoft Entra tokens are accepted.",
        "Use a Microsoft Entra identity (DefaultAzureCredential) with a data role: " + _ASSIGN_BLOB_ROLE,
    ),
    "NoAuthenticationInformation": (
        "The request reached storage without credentials (the credential produced no token).",
        "Fix azure.credential first; Metaflow authenticates with DefaultAzureCredential.",
    ),
    "AccountIsDisabled": (
        "Storage account '{account}' is disabled.",
        "Re-enable it or point METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT at an active account.",
    ),
    "ServerBusy": (
        "The storage account is throttling requests (ServerBusy){retry_after}.",
        "Retry later; if persistent, reduce parallelism (METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE=general) "
        "or spread data over more accounts.",
    ),
    "OperationTimedOut": (
        "The storage service timed out the operation.",
        "Retry; if persistent, check the account's health in the Azure portal.",
    ),
    "BlobAlreadyExists": (
        "A blob with the probe's unique name already existed; the probe refused to overwrite it.",
        "Nothing to fix; this only means the write probe did not run.",
    ),
    "InvalidResourceName": (
        "Azure rejects the container name '{container}' (3-63 characters: lowercase letters, digits, "
        "single hyphens, starting with a letter or digit).",
        "Rename the container part of METAFLOW_DATASTORE_SYSROOT_AZURE.",
    ),
}

THROTTLED = (
    "The service answered 429 Too Many Requests{retry_after}: the account or this identity is throttled.",
    "Retry after the delay; Metaflow's SDK retries too, but a persistent 429 means too many parallel "
    "requests: lower --max-workers/--max-num-splits or use METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE=general.",
)


def auth_failed_detail(message: str, claims: Optional[dict] = None) -> tuple:
    """Explain an AuthenticationFailed (cause detail, fix).

    Azure puts the reason in <AuthenticationErrorDetail> ("Audience validation failed", "Lifetime
    validation failed. The token is expired.", "Issuer validation failed"); when it is absent (the
    emulator sends only the generic text), the storage token's own claims tell.
    """
    m = (message or "").lower()
    c = claims or {}
    aud = str(c.get("aud") or "")
    exp = c.get("exp")
    iss = str(c.get("iss") or "")
    bad_aud = bool(aud) and not (aud.rstrip("/") in STORAGE_AUDIENCES or ".blob." in aud)
    expired = isinstance(exp, (int, float)) and exp <= time.time()
    foreign = bool(iss) and not iss.startswith(("https://sts.windows.net/", "https://login.microsoftonline.com/",
                                                "https://sts.chinacloudapi.cn/", "https://login.microsoftonline.us/"))
    if "audience" in m or (bad_aud and "validation failed" not in m):
        return (
            "the token's audience%s is not the storage service." % (" (%s)" % aud if aud else ""),
            "Make the credential issue tokens for https://storage.azure.com/ (a managed-identity endpoint or token "
            "proxy that ignores the requested resource is the usual cause).",
        )
    if "lifetime" in m or "expire" in m or expired:
        return (
            "the token has expired (or this machine's clock is wrong).",
            "Check the clock (timedatectl), then get a fresh token: az account get-access-token "
            "--resource https://storage.azure.com/ (az login again if the session expired).",
        )
    if "issuer" in m or foreign:
        return (
            "the token's issuer%s is not trusted for this account (wrong cloud or tenant)." % (" (%s)" % iss if iss else ""),
            "Use an identity from the storage account's tenant and cloud (az login --tenant <tenant id>; "
            "AZURE_AUTHORITY_HOST for sovereign clouds).",
        )
    first = (message or "").strip().splitlines()[0] if message else "no detail given"
    return (first, "Check the token (azure.credential) and the storage account's tenant; an Entra token for "
                   "https://storage.azure.com/ from the account's tenant is required.")


# Key Vault: (code, inner code) -> (cause, fix). `None` inner matches any.
KEYVAULT = {
    ("Forbidden", "ForbiddenByRbac"): (
        "Vault '{vault}' uses Azure RBAC and identity {object_id} has no role granting "
        "secrets/getSecret/action on it. " + PROPAGATION,
        'az role assignment create --role "%s" --assignee-object-id {object_id} '
        "--assignee-principal-type <User|ServicePrincipal|Group> --scope {vault_scope}" % SECRETS_USER,
    ),
    ("Forbidden", "AccessDenied"): (
        "Vault '{vault}' uses access policies and none gives identity {object_id} the secret 'get' "
        "permission.",
        "az keyvault set-policy --name {vault} --object-id {object_id} --secret-permissions get",
    ),
    ("Forbidden", "SecretDisabled"): (
        "Secret '{secret}' is disabled (its current version or the one named).",
        "az keyvault secret set-attributes --vault-name {vault} --name {secret} --enabled true",
    ),
    ("Forbidden", "ForbiddenByFirewall"): (
        "Vault '{vault}' refused this network (firewall or private endpoint).",
        "az keyvault network-rule add --name {vault} --ip-address <your public IP>  "
        "(or run from a network with access to the vault's private endpoint)",
    ),
    ("Forbidden", "ForbiddenByPolicy"): (
        "A policy on vault '{vault}' forbids the operation.",
        "Ask the vault's administrators which Azure Policy denies secret reads.",
    ),
    ("SecretNotFound", None): (
        "Secret '{secret}' does not exist in vault '{vault}' (or the version named does not).",
        "az keyvault secret list --vault-name {vault} --query [].name  (check the id), or create it: "
        "az keyvault secret set --vault-name {vault} --name {secret} --value <value>",
    ),
    ("Unauthorized", None): (
        "Vault '{vault}' did not accept the token (wrong tenant or audience).",
        "Sign in to the vault's tenant: az login --tenant <tenant id>",
    ),
}


def explain_keyvault(code: Optional[str], inner: Optional[str]) -> Optional[tuple]:
    if (code, inner) in KEYVAULT:
        return KEYVAULT[(code, inner)]
    if (code, None) in KEYVAULT:
        return KEYVAULT[(code, None)]
    for (_code, i), v in KEYVAULT.items():
        if inner and i == inner:
            return v
    return None


def fill(template: str, ctx: Context, **more) -> str:
    values = ctx.values()
    values.update(more)
    try:
        return template.format(**values)
    except (KeyError, IndexError):  # a template asked for something we do not have
        return template


# --- network failures --------------------------------------------------------


def classify_network(exc: BaseException) -> Optional[str]:
    """'dns', 'tcp-refused', 'tcp-timeout', 'tcp', 'tls', 'timeout' or None for a network exception.

    Walks the exception's cause/context chain, since the SDK wraps the socket
    error two or three times (ServiceRequestError <- requests ConnectionError
    <- urllib3 NewConnectionError <- socket.gaierror).
    """
    seen = set()
    stack = [exc]
    text = []
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        text.append("%s %s" % (type(e).__name__, e))
        if isinstance(e, socket.gaierror):
            return "dns"
        if isinstance(e, (ssl.SSLError, ssl.CertificateError)):
            return "tls"
        if isinstance(e, ConnectionRefusedError):
            return "tcp-refused"
        if isinstance(e, OSError) and e.errno in (errno.ECONNREFUSED,):
            return "tcp-refused"
        if isinstance(e, OSError) and e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return "tcp"
        stack.extend([e.__cause__, e.__context__])
        for a in getattr(e, "args", ()):
            if isinstance(a, BaseException):
                stack.append(a)
        inner = getattr(e, "inner_exception", None) or getattr(e, "reason", None)
        if isinstance(inner, BaseException):
            stack.append(inner)
    joined = " ".join(text)
    if re.search(r"Name or service not known|nodename nor servname|getaddrinfo failed|"
                 r"Temporary failure in name resolution|NameResolutionError", joined):
        return "dns"
    if re.search(r"CERTIFICATE_VERIFY_FAILED|SSLError|certificate verify failed|wrong version number|"
                 r"WRONG_VERSION_NUMBER|EOF occurred in violation of protocol", joined):
        return "tls"
    if re.search(r"Connection refused|ECONNREFUSED", joined):
        return "tcp-refused"
    if re.search(r"ConnectTimeout|connect timeout|timed out connecting", joined, re.I):
        return "tcp-timeout"
    if re.search(r"ReadTimeout|Read timed out|timed out", joined, re.I):
        return "timeout"
    return None


NETWORK = {
    "dns": (
        "The host name {host} does not resolve (DNS).",
        "Check the account name in METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT ({endpoint}); with a "
        "private endpoint, this machine must use the private DNS zone (nslookup {host}).",
    ),
    "tcp-refused": (
        "Nothing accepts connections at {host} (connection refused).",
        "Check the host and port in METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT ({endpoint}).",
    ),
    "tcp-timeout": (
        "Connecting to {host} timed out (a firewall dropping packets, or no route).",
        "Check network access to {host} on port 443 (proxy, VPN, NSG rules): curl -v https://{host}/",
    ),
    "tcp": (
        "No network route to {host}.",
        "Check network access to {host} (VPN, proxy, routing).",
    ),
    "tls": (
        "The TLS handshake with {host} failed: {detail}",
        "{tls_fix}",
    ),
    "timeout": (
        "{host} accepted the connection but did not answer in time ({detail}).",
        "Retry; if it persists, check proxies between this machine and {host}, and Azure status.",
    ),
}


def tls_fix(detail: str, ca: Optional[str]) -> str:
    d = detail.lower()
    if "wrong version number" in d or "wrong_version_number" in d or "http request" in d:
        return "The server does not speak TLS on that port: check the endpoint's scheme and port."
    if "verify failed" in d or "self-signed" in d or "self signed" in d or "unknown ca" in d:
        if ca:
            return ("The certificate is not signed by a CA in %s: point REQUESTS_CA_BUNDLE at the CA that "
                    "signed the endpoint's certificate (a TLS-inspecting proxy needs its CA added)." % ca)
        return ("The certificate is not trusted by this machine's CA store: set REQUESTS_CA_BUNDLE to the CA "
                "bundle that signed it (e.g. your TLS-inspecting proxy's CA).")
    if "hostname" in d or "doesn't match" in d or "not valid for" in d:
        return "The certificate does not name this host: use the account's real blob host name."
    return "Check the endpoint's certificate and any TLS-inspecting proxy (openssl s_client -connect {host}:443)."
