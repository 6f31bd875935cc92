"""A local HTTPS server speaking Azure Resource Manager's and Key Vault's documented JSON.

ARM (base URL = the server; the code under test gets it via MFDOCTOR_AZURE_MANAGEMENT_URL):
  POST /providers/Microsoft.ResourceGraph/resources          Resource Graph ({"totalRecords","count","data"})
  GET  /subscriptions, /subscriptions/{s}/resources?$filter  the listing fallback
  GET  {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope() and assignedTo('{oid}')
       assignments at and above {scope}, the principal's groups included, paged by nextLink
  GET  {roleDefinitionId}                                     role definitions
  GET  {scope}/providers/Microsoft.Authorization/permissions  the caller's effective permissions
Key Vault (MFDOCTOR_AZURE_VAULT_URL=<server>/{vault}):
  GET /{vault}/secrets/{name}[/{version}]  401 challenge without a token, then the secret or an error body.
Tokens are checked for audience (ARM: the server's origin; Key Vault: https://vault.azure.net).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlencode, urlparse

from .servers import Handler, Server
from .tokens import TENANT, claims_of

SUB = "00000000-0000-0000-0000-000000000001"
RG = "metaflow-rg"
_B = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/"


def _role(guid, name, actions=(), data=(), not_data=(), not_actions=()):
    return {
        "id": "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, guid),
        "name": guid, "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {"roleName": name, "type": "BuiltInRole", "description": name,
                       "permissions": [{"actions": list(actions), "notActions": list(not_actions),
                                        "dataActions": list(data), "notDataActions": list(not_data)}],
                       "assignableScopes": ["/"]},
    }


ROLES = {r["properties"]["roleName"]: r for r in [
    _role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", actions=["*"]),
    _role("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor", actions=["*"],
          not_actions=["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"]),
    _role("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", actions=["*/read"]),
    _role("ba92f5b4-2d11-453d-a403-e96b0029c9fe", "Storage Blob Data Contributor",
          actions=["Microsoft.Storage/storageAccounts/blobServices/containers/delete",
                   "Microsoft.Storage/storageAccounts/blobServices/containers/read",
                   "Microsoft.Storage/storageAccounts/blobServices/containers/write",
                   "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"],
          data=[_B + "delete", _B + "read", _B + "write", _B + "move/action", _B + "add/action"]),
    _role("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "Storage Blob Data Reader",
          actions=["Microsoft.Storage/storageAccounts/blobServices/containers/read"], data=[_B + "read"]),
    _role("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Storage Blob Data Owner", data=["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"]),
    _role("4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User",
          data=["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"]),
    # A custom role whose wildcard grant is cut back by notDataActions.
    _role("0f0f0f0f-1111-2222-3333-444444444444", "Blob Writer No Delete",
          data=[_B + "*"], not_data=[_B + "delete"]),
]}


def account_id(name: str) -> str:
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/%s" % (SUB, RG, name)


def vault_id(name: str) -> str:
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.KeyVault/vaults/%s" % (SUB, RG, name)


def container_scope(account: str, container: str) -> str:
    return account_id(account) + "/blobServices/default/containers/" + container


@dataclass
class Secret:
    value: str = "s3cr3t-value"
    version: str = "0123456789abcdef0123456789abcdef"
    enabled: bool = True
    expires: int | None = None  # epoch
    error: tuple | None = None  # (status, code, inner code, message)


@dataclass
class State:
    resources: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    groups: dict = field(default_factory=dict)  # object id -> [group object ids]
    cannot_read_assignments: set = field(default_factory=set)  # object ids that get 403
    graph_forbidden: bool = False
    page_size: int = 2
    kv_delay: float = 0.0  # seconds each Key Vault request takes
    secrets: dict = field(default_factory=dict)  # (vault, name) -> Secret
    requests: list = field(default_factory=list)

    def add_storage_account(self, name: str):
        self.resources.append({"id": account_id(name), "name": name, "type": "Microsoft.Storage/storageAccounts",
                               "subscriptionId": SUB, "resourceGroup": RG, "properties": {}})

    def add_vault(self, name: str, *, rbac: bool = True, policies: list | None = None):
        self.resources.append({"id": vault_id(name), "name": name, "type": "Microsoft.KeyVault/vaults",
                               "subscriptionId": SUB, "resourceGroup": RG,
                               "properties": {"enableRbacAuthorization": rbac, "tenantId": TENANT,
                                              "accessPolicies": policies or [],
                                              "vaultUri": "https://%s.vault.azure.net/" % name}})

    def assign(self, role: str, principal: str, scope: str, principal_type: str = "ServicePrincipal",
               created: str = "2024-01-01T00:00:00Z"):
        g = str(uuid.uuid4())
        self.assignments.append({
            "id": "%s/providers/Microsoft.Authorization/roleAssignments/%s" % (scope, g), "name": g,
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"roleDefinitionId": ROLES[role]["id"], "principalId": principal,
                           "principalType": principal_type, "scope": scope, "condition": None,
                           "createdOn": created},
        })


def _above(assignment_scope: str, scope: str) -> bool:
    a, s = assignment_scope.rstrip("/").lower(), scope.rstrip("/").lower()
    return a == "" or s == a or s.startswith(a + "/")


class _Handler(Handler):
    def _auth(self, audience_ok) -> dict | None:
        h = self.headers.get("Authorization") or ""
        if not h.startswith("Bearer "):
            return None
        try:
            c = claims_of(h[7:])
        except Exception:
            return None
        if c.get("exp", 0) < time.time() or not audience_ok(str(c.get("aud", "")).rstrip("/")):
            return {"_bad": True, **c}
        return c

    def _json(self, status, data, headers=None):
        self.reply(status, json.dumps(data).encode(), headers)

    def _arm_error(self, status, code, message):
        self._json(status, {"error": {"code": code, "message": message}})

    def _handle(self):
        st: State = self.server.state
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        body = self.body()
        st.requests.append({"method": self.command, "path": u.path, "query": q,
                            "auth": bool(self.headers.get("Authorization"))})
        if "/secrets/" in u.path and not u.path.startswith("/subscriptions"):
            return self._keyvault(st, u.path)
        origin = self.server.url
        c = self._auth(lambda aud: aud in (origin, "https://management.azure.com"))
        if c is None:
            return self._json(401, {"error": {"code": "AuthenticationFailed", "message": "Authentication failed. "
                                              "The 'Authorization' header is missing."}},
                              {"WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/%s", '
                                                   'error="invalid_token"' % TENANT})
        if c.get("_bad"):
            return self._arm_error(401, "InvalidAuthenticationToken", "The access token is invalid (audience or expiry).")
        oid = c.get("oid", "")
        path = u.path
        if self.command == "POST" and path.lower() == "/providers/microsoft.resourcegraph/resources":
            if st.graph_forbidden:
                return self._arm_error(403, "AuthorizationFailed", "The client '%s' does not have authorization to "
                                       "perform action 'Microsoft.ResourceGraph/resources/read'." % oid)
            query = json.loads(body or b"{}").get("query", "").lower()
            rows = [r for r in st.resources if "'%s'" % r["name"].lower() in query and r["type"].lower() in query]
            return self._json(200, {"totalRecords": len(rows), "count": len(rows), "data": rows,
                                    "facets": [], "resultTruncated": "false"})
        if path == "/subscriptions":
            return self._json(200, {"value": [{"id": "/subscriptions/" + SUB, "subscriptionId": SUB,
                                               "displayName": "test", "state": "Enabled"}]})
        m = re.fullmatch(r"/subscriptions/([^/]+)/resources", path)
        if m:
            flt = q.get("$filter", "").lower()
            rows = [r for r in st.resources if "'%s'" % r["name"].lower() in flt and r["type"].lower() in flt]
            return self._json(200, {"value": rows})
        if path.lower().endswith("/providers/microsoft.authorization/roleassignments"):
            return self._assignments(st, path[: -len("/providers/Microsoft.Authorization/roleAssignments")], q, oid)
        if path.lower().endswith("/providers/microsoft.authorization/permissions"):
            scope = path[: -len("/providers/Microsoft.Authorization/permissions")]
            perms = []
            for a in self._effective(st, scope, oid):
                perms += ROLES_BY_ID[a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1]]["properties"]["permissions"]
            return self._json(200, {"value": perms, "nextLink": None})
        m = re.search(r"/providers/Microsoft\.Authorization/roleDefinitions/([0-9a-f-]+)$", path, re.I)
        if m and m.group(1).lower() in ROLES_BY_ID:
            return self._json(200, ROLES_BY_ID[m.group(1).lower()])
        self._arm_error(404, "ResourceNotFound", "No route for %s %s" % (self.command, path))

    def _effective(self, st, scope, oid):
        ids = {oid.lower()} | {g.lower() for g in st.groups.get(oid, [])}
        return [a for a in st.assignments if _above(a["properties"]["scope"], scope)
                and a["properties"]["principalId"].lower() in ids]

    def _assignments(self, st, scope, q, caller):
        if caller in st.cannot_read_assignments:
            return self._arm_error(403, "AuthorizationFailed",
                                   "The client '%s' with object id '%s' does not have authorization to perform "
                                   "action 'Microsoft.Authorization/roleAssignments/read' over scope '%s' or the "
                                   "scope is invalid." % (caller, caller, scope))
        m = re.search(r"assignedTo\('([^']+)'\)", q.get("$filter", ""))
        if not m or "atScope()" not in q.get("$filter", ""):
            return self._arm_error(400, "BadRequest", "this fake serves only atScope() and assignedTo() filters")
        rows = self._effective(st, scope, m.group(1))
        skip = int(q.get("$skiptoken", "0"))
        page = rows[skip: skip + st.page_size]
        out = {"value": page}
        if skip + st.page_size < len(rows):
            nq = dict(q, **{"$skiptoken": str(skip + st.page_size)})
            out["nextLink"] = "%s%s?%s" % (self.server.url, quote(urlparse(self.path).path), urlencode(nq))
        self._json(200, out)

    def _keyvault(self, st, path):
        if st.kv_delay:
            time.sleep(st.kv_delay)
        parts = [p for p in path.split("/") if p]
        # /{vault}/secrets/{name}[/{version}]
        if len(parts) < 3 or parts[1] != "secrets":
            return self._json(404, {"error": {"code": "NotFound", "message": "bad path"}})
        vault, name = parts[0], parts[2]
        version = parts[3] if len(parts) > 3 else None
        c = self._auth(lambda aud: aud == "https://vault.azure.net")
        if c is None:
            return self._json(401, {"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a "
                                              "Bearer or PoP token."}},
                              {"WWW-Authenticate": 'Bearer authorization="https://login.microsoftonline.com/%s", '
                                                   'resource="https://vault.azure.net"' % TENANT})
        if c.get("_bad"):
            return self._json(401, {"error": {"code": "Unauthorized", "message": "AKV10022: Invalid audience."}})
        s = st.secrets.get((vault, name))
        if s is None or (version and version != s.version):
            return self._json(404, {"error": {"code": "SecretNotFound", "message": "A secret with (name/id) %s was "
                                              "not found in this key vault." % name}})
        if s.error:
            status, code, inner, msg = s.error
            err = {"code": code, "message": msg}
            if inner:
                err["innererror"] = {"code": inner}
            return self._json(status, {"error": err})
        attrs = {"enabled": s.enabled, "created": 1700000000, "updated": 1700000000,
                 "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90}
        if s.expires:
            attrs["exp"] = s.expires
        self._json(200, {"value": s.value, "id": "https://%s.vault.azure.net/secrets/%s/%s" % (vault, name, s.version),
                         "attributes": attrs, "tags": {}})

    do_GET = do_POST = do_PUT = _handle


ROLES_BY_ID = {r["name"]: r for r in ROLES.values()}


def start_arm_kv(cert: str, key: str) -> Server:
    srv = Server(_Handler, cert=cert, key=key)
    srv.state = State()
    return srv.start()
