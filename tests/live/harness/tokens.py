"""JWTs shaped like Microsoft Entra ID access tokens (v1). Unsigned: Azurite's basic OAuth and our
fake ARM/Key Vault server check claims, not signatures."""

from __future__ import annotations

import base64
import json
import time

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "11111111-2222-3333-4444-555555555555"
OBJECT_ID = "0b3f1a9e-5c47-4a0e-9d1c-2a4a5b6c7d8e"
APP_ID = "6a1d8c2e-3b4f-4e5a-8f9b-0c1d2e3f4a5b"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def make_token(resource: str, *, oid: str = OBJECT_ID, tid: str = TENANT, lifetime: int = 3600,
               issuer: str | None = None, audience: str | None = None, upn: str | None = None) -> str:
    now = int(time.time())
    claims = {
        "aud": audience or resource,
        "iss": issuer or "https://sts.windows.net/%s/" % tid,
        "iat": now - 60, "nbf": now - 60, "exp": now + lifetime,
        "tid": tid, "oid": oid, "sub": oid, "idtyp": "app",
    }
    if upn:
        claims.update(upn=upn, idtyp="user")
    else:
        claims["appid"] = APP_ID
    header = {"typ": "JWT", "alg": "RS256", "kid": "mfdoctor-test"}
    return "%s.%s.%s" % (_b64(header), _b64(claims), base64.urlsafe_b64encode(b"not-a-signature").decode().rstrip("="))


def claims_of(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
