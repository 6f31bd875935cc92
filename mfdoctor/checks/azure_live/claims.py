"""What a token's claims say: who it names, and whether storage will accept it.

Tokens are decoded for their claims and dropped at once; a token is never put
in a finding, a log record or an attribute. No signature check: the claims only
explain what the service will do with the token.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any, Mapping

from ...findings import ERROR, WARNING, Finding
from ...ids import AZURE_CREDENTIAL

EXPIRY_WARNING_S = 600

# Issuer hosts of Microsoft Entra ID (public and sovereign clouds).
_ENTRA_ISSUER_HOSTS = (
    "sts.windows.net", "login.microsoftonline.com", "sts.chinacloudapi.cn", "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn", "login.microsoftonline.us", "login.microsoftonline.de",
)
# The audiences storage accepts: its resource URI and its application id.
STORAGE_AUDIENCES = ("https://storage.azure.com", "e406a681-f3d4-42a8-90b6-c2b029497af1")


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


def claim_findings(c: dict, env, used) -> list:
    """Problems the storage token's claims predict: expired or expiring, wrong audience, issuer or tenant."""
    out = []
    now = time.time()
    exp = c.get("exp")
    if isinstance(exp, (int, float)):
        left = exp - now
        if left <= 0:
            out.append(Finding(
                AZURE_CREDENTIAL, ERROR,
                "The storage token from %s expired %d s ago (exp claim), so storage rejects it "
                "(AuthenticationFailed)." % (used, int(-left)),
                fix="Check this machine's clock (timedatectl), then sign in again (az login) or restart the "
                    "token source (managed identity endpoint) that hands out stale tokens.",
                detail={"exp": exp},
            ))
        elif left < EXPIRY_WARNING_S:
            out.append(Finding(
                AZURE_CREDENTIAL, WARNING,
                "The storage token from %s expires in %d s; a flow longer than that needs a refresh that "
                "this credential must be able to provide." % (used, int(left)),
                fix="az login again (or check the token source's lifetime settings)", detail={"exp": exp},
            ))
    aud = c.get("aud")
    if aud is not None:
        auds = aud if isinstance(aud, list) else [aud]
        good = any(str(a).rstrip("/") in STORAGE_AUDIENCES or
                   (str(a).startswith("https://") and ".blob." in str(a)) for a in auds)
        if not good:
            out.append(Finding(
                AZURE_CREDENTIAL, ERROR,
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
                AZURE_CREDENTIAL, WARNING,
                "The token's issuer %s is not a Microsoft Entra ID issuer; Azure services will reject it." % iss,
                fix="Check AZURE_AUTHORITY_HOST and the token source; use a Microsoft Entra identity.",
                detail={"iss": iss},
            ))
    tenant_env = env.get("AZURE_TENANT_ID")
    if tenant_env and c.get("tid") and c["tid"].lower() != tenant_env.strip().lower():
        out.append(Finding(
            AZURE_CREDENTIAL, WARNING,
            "The token is from tenant %s but AZURE_TENANT_ID=%s: %s ignored AZURE_TENANT_ID, or it names "
            "the wrong tenant." % (c["tid"], tenant_env, used),
            key="AZURE_TENANT_ID",
            fix="Set AZURE_TENANT_ID to the storage account's tenant, or sign in there: az login --tenant %s"
                % tenant_env,
        ))
    return out
