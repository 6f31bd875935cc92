"""Token sources for the real azure-identity chain: a managed-identity endpoint and a fake `az`.

Managed identity (App Service protocol, what DefaultAzureCredential picks when
IDENTITY_ENDPOINT and IDENTITY_HEADER are set): GET <IDENTITY_ENDPOINT>?api-version=2019-08-01
&resource=<resource> with header X-IDENTITY-HEADER; the reply is
{"access_token", "expires_on", "resource", "token_type"}.
The endpoint path picks the behaviour: /<variant>/token or /<variant>/<object id>/token.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from urllib.parse import parse_qs, urlparse

from .servers import Handler, Server
from .tokens import OBJECT_ID, OTHER_TENANT, TENANT, make_token

IDENTITY_HEADER = "mfdoctor-test-identity-header"
VARIANTS = ("healthy", "wrong-audience", "expired", "foreign-issuer", "other-tenant", "user", "short-lived", "error")


def _token_for(variant: str, resource: str, oid: str) -> tuple:
    """(access token, expires_on) for a variant."""
    now = int(time.time())
    if variant == "wrong-audience":
        return make_token(resource, oid=oid, audience="https://management.azure.com/"), now + 3600
    if variant == "expired":
        # The JWT's exp is past, while the endpoint claims an hour: a source handing out stale tokens.
        return make_token(resource, oid=oid, lifetime=-600), now + 3600
    if variant == "foreign-issuer":
        return make_token(resource, oid=oid, issuer="https://sts.example.com/%s/" % TENANT), now + 3600
    if variant == "other-tenant":
        return make_token(resource, oid=oid, tid=OTHER_TENANT), now + 3600
    if variant == "user":
        return make_token(resource, oid=oid, upn="ada@example.com"), now + 3600
    if variant == "short-lived":
        return make_token(resource, oid=oid, lifetime=400), now + 400
    return make_token(resource, oid=oid), now + 3600


class _MIHandler(Handler):
    def do_GET(self):
        u = urlparse(self.path)
        parts = [p for p in u.path.split("/") if p]
        q = parse_qs(u.query)
        self.server.requests.append({"path": u.path, "resource": (q.get("resource") or [None])[0]})
        if self.headers.get("X-IDENTITY-HEADER") != IDENTITY_HEADER:
            return self.reply(401, b'{"error": "missing or wrong X-IDENTITY-HEADER"}')
        if len(parts) < 2 or parts[-1] != "token" or parts[0] not in VARIANTS:
            return self.reply(404, b'{"error": "unknown path"}')
        variant = parts[0]
        oid = parts[1] if len(parts) == 3 else OBJECT_ID
        resource = (q.get("resource") or [""])[0]
        if variant == "error":
            return self.reply(400, json.dumps({"statusCode": 400, "message": "No managed identity is assigned "
                                               "to this resource.", "correlationId": "x"}).encode())
        token, exp = _token_for(variant, resource, oid)
        body = {"access_token": token, "expires_on": str(exp), "resource": resource, "token_type": "Bearer",
                "client_id": "6a1d8c2e-3b4f-4e5a-8f9b-0c1d2e3f4a5b"}
        self.reply(200, json.dumps(body).encode())


def start_identity_server() -> Server:
    srv = Server(_MIHandler)
    srv.requests = []
    return srv.start()


def identity_env(server: Server, variant: str = "healthy", oid: str | None = None) -> dict:
    path = "/%s/%s/token" % (variant, oid) if oid else "/%s/token" % variant
    return {"IDENTITY_ENDPOINT": server.url + path, "IDENTITY_HEADER": IDENTITY_HEADER}


FAKE_AZ = r'''#!{python}
"""A fake Azure CLI: answers `az account get-access-token` like a logged-in (or not) az.

FAKE_AZ_MODE: ok (default) | not-logged-in | slow. FAKE_AZ_OID picks the object id."""
import json, os, sys, time
sys.path.insert(0, {harness!r})
from harness.tokens import make_token, TENANT, OBJECT_ID
args = sys.argv[1:]
mode = os.environ.get("FAKE_AZ_MODE", "ok")
if args[:2] != ["account", "get-access-token"]:
    print("fake az: unsupported command %s" % " ".join(args), file=sys.stderr); sys.exit(2)
if mode == "not-logged-in":
    print("ERROR: Please run 'az login' to setup account.", file=sys.stderr); sys.exit(1)
if mode == "slow":
    time.sleep(30)
resource = args[args.index("--resource") + 1] if "--resource" in args else args[args.index("--scope") + 1]
exp = int(time.time()) + 3600
print(json.dumps({{"accessToken": make_token(resource.replace("/.default", ""), oid=os.environ.get("FAKE_AZ_OID", OBJECT_ID),
                                             upn="dev@example.com"),
                  "expiresOn": time.strftime("%Y-%m-%d %H:%M:%S.000000", time.localtime(exp)),
                  "expires_on": exp, "subscription": "00000000-0000-0000-0000-000000000001",
                  "tenant": TENANT, "tokenType": "Bearer"}}))
'''


def install_fake_az(directory: str) -> str:
    """Write an executable `az` into `directory` (put it first on PATH); returns its path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "az")
    harness_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(path, "w") as f:
        f.write(FAKE_AZ.format(python=sys.executable, harness=harness_parent))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path
