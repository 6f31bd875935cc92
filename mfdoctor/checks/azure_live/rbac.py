"""`azure.rbac`: which role assignments grant (or fail to grant) what Metaflow needs, and where.

Storage: the data actions behind the datastore's read, write, delete and list,
evaluated at the container scope over every assignment at or above it for the
principal (group membership included through `assignedTo()`), each role's
permissions matched as Azure does (case-insensitive `*` globs, `notDataActions`
subtracted within the same permission item). Key Vault: the RBAC model's
`secrets/getSecret/action`, or the access-policy model's `get`.

An identity that may not read role assignments (common: data roles only) makes
this check `skipped`, never failed: the container probe's verdict stands.
Deny assignments and ABAC conditions are not evaluated (conditions are named).
"""

from __future__ import annotations

import re
from typing import Optional

from ...findings import (ERROR, OK, REASON_NO_PERMISSION, REASON_NOT_APPLICABLE, SKIPPED, WARNING,
                          Finding)
from ...ids import AZURE_RBAC
from . import errors as E
from .arm import Arm, ArmError
from .settings import SYSROOT_KEY
from .deadline import WAITING_HINT


_BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/"
# What the datastore does -> the data action Azure checks for it (List Blobs is authorized by blobs/read).
BLOB_NEEDS = {
    "read": _BLOBS + "read",
    "write": _BLOBS + "write",
    "delete": _BLOBS + "delete",
    "list": _BLOBS + "read",
}
KV_GET = "Microsoft.KeyVault/vaults/secrets/getSecret/action"

# Built-in role definition GUIDs worth naming (compared by the id's trailing GUID, or by role name).
# Note: b7e6dc6d-... is Storage Blob Data *Owner* and 2a2b9908-... Storage Blob Data *Reader*, not Owner/Reader.
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
CONTROL_PLANE_ONLY = {OWNER: "Owner", CONTRIBUTOR: "Contributor", READER: "Reader"}

STORAGE_TYPE = "microsoft.storage/storageaccounts"
VAULT_TYPE = "microsoft.keyvault/vaults"


def glob_match(pattern: str, action: str) -> bool:
    rx = "^" + ".*".join(re.escape(p) for p in pattern.split("*")) + "$"
    return re.match(rx, action, re.IGNORECASE) is not None


def grants(permissions: list, action: str) -> bool:
    """True when some permission item's dataActions match `action` and its notDataActions do not."""
    for item in permissions or []:
        if any(glob_match(p, action) for p in item.get("dataActions") or []) and not any(
                glob_match(p, action) for p in item.get("notDataActions") or []):
            return True
    return False


def _control_plane(row: dict) -> bool:
    return row["role_id"] in CONTROL_PLANE_ONLY or row["role"] in CONTROL_PLANE_ONLY.values()


def _guid(definition_id: str) -> str:
    return (definition_id or "").rstrip("/").rsplit("/", 1)[-1].lower()


def _scope_label(scope: str, target: str) -> str:
    s, t = scope.rstrip("/").lower(), target.rstrip("/").lower()
    if s == t:
        return "the container" if "/containers/" in t else "the resource"
    if "/providers/" in s:
        kinds = {"microsoft.storage/storageaccounts": "storage account",
                 "microsoft.keyvault/vaults": "key vault"}
        tail = s.rsplit("/providers/", 1)[1].split("/")
        kind = kinds.get("/".join(tail[:2]), "/".join(tail[:2]))
        if "/containers/" in s:
            kind = "container"
        return "%s %s" % (kind, scope.rstrip("/").rsplit("/", 1)[-1])
    if "/resourcegroups/" in s:
        return "resource group " + scope.rstrip("/").rsplit("/", 1)[-1]
    if s.startswith("/subscriptions/"):
        return "subscription " + scope.rstrip("/").rsplit("/", 1)[-1]
    if s in ("", "/"):
        return "root (/)"
    return scope


def _evaluate(arm: Arm, scope: str, object_id: str, needs: dict, cache: dict) -> dict:
    """Role assignments at/above `scope` and what each grants of `needs` (ArmError propagates)."""
    rows = []
    for a in arm.role_assignments(scope, object_id):
        p = a.get("properties") or {}
        rid = p.get("roleDefinitionId", "")
        if rid not in cache:
            try:
                cache[rid] = arm.role_definition(rid)
            except ArmError as e:
                cache[rid] = {"properties": {"roleName": "(unreadable: %s)" % e.code, "permissions": []}}
        rd = cache[rid].get("properties") or {}
        perms = rd.get("permissions") or []
        rows.append({
            "role": rd.get("roleName") or _guid(rid),
            "role_id": _guid(rid),
            "scope": p.get("scope"),
            "at": _scope_label(p.get("scope") or "", scope),
            "principal_type": p.get("principalType"),
            "via_group": (p.get("principalId") or "").lower() != object_id.lower(),
            "principal_id": p.get("principalId"),
            "created": p.get("createdOn"),
            "condition": p.get("condition"),
            "grants": sorted({what for what, act in needs.items() if grants(perms, act)}),
        })
    return {"assignments": rows,
            "granted": {what: [r for r in rows if what in r["grants"]] for what in needs}}


def probe_rbac(task, ctx) -> list:
    s = ctx.settings
    task.set_step("waiting for the credential", WAITING_HINT)
    cred = ctx.wait_credential()
    targets = []
    if ctx.container and ctx.account:
        targets.append("storage")
    vaults = sorted({v for v, _ in ctx.vaults})
    if not targets and not vaults:
        ctx.publish_account_id(None)
        return [Finding(AZURE_RBAC, SKIPPED, "No container or vault to check roles for.",
                        detail={"reason": REASON_NOT_APPLICABLE})]
    if cred is None or not cred.ok or not cred.object_id:
        ctx.publish_account_id(None)
        why = "no credential (see azure.credential)" if (cred is None or not cred.ok) else \
            "the token names no object id (oid)"
        return [Finding(AZURE_RBAC, SKIPPED, "Role assignments not checked: %s." % why)]
    oid = cred.object_id
    arm = Arm(s.management_url, cred.credential, ctx.deadline, verify=s.ca_bundle_explicit)
    out = []

    # Where are the account and vaults? (Resource Graph, then listing; an explicit id wins.)
    wanted = []
    account_id = s.storage_account_id
    if "storage" in targets and not account_id:
        wanted.append((STORAGE_TYPE, ctx.account))
    wanted += [(VAULT_TYPE, v) for v in vaults]
    found, lookup_error = {}, None
    if wanted:
        task.set_step("finding %s in Azure Resource Graph" % ", ".join(n for _, n in wanted))
        try:
            found = arm.find_resources(wanted)
        except ArmError as e:
            lookup_error = e
        except Exception as e:  # network: report as skipped below
            lookup_error = ArmError(None, type(e).__name__, str(e).splitlines()[0] if str(e) else "")
        if len(found) < len(wanted) and not (lookup_error and lookup_error.status is None):
            task.set_step("listing subscriptions to find %s" % ", ".join(n for _, n in wanted))
            try:
                found.update({k: v for k, v in arm.find_resources_by_listing(wanted).items() if k not in found})
            except ArmError as e:
                lookup_error = lookup_error or e
            except Exception as e:
                lookup_error = lookup_error or ArmError(None, type(e).__name__, str(e).splitlines()[0])
    if "storage" in targets and not account_id:
        row = found.get((STORAGE_TYPE, ctx.account.lower()))
        account_id = row.get("id") if row else None
    ctx.publish_account_id(account_id)
    ctx.publish_vault_ids({n: r.get("id") for (t, n), r in found.items() if t == VAULT_TYPE})

    cache: dict = {}
    if "storage" in targets:
        task.set_step("reading role assignments for container %s" % ctx.container)
        out.append(_storage_finding(arm, ctx, oid, account_id, lookup_error, cache))
    for vault in vaults:
        task.set_step("reading access to vault %s" % vault)
        out.append(_vault_finding(arm, ctx, oid, vault, found.get((VAULT_TYPE, vault.lower())), lookup_error, cache))
    return out


def _not_found(what: str, name: str, err: Optional[ArmError], option: str) -> str:
    why = ("the lookup failed: %s %s" % (err.code or err.status, err.message[:160])) if err else \
        "not visible to this identity (it has no control-plane read access there, e.g. data roles only)"
    return "Role assignments not checked: %s '%s' could not be found through Azure Resource Manager (%s)%s." % (
        what, name, why, "; give its resource id with %s" % option if option else "")


def _unreadable(detail: dict) -> dict:
    """A skipped RBAC verdict: 403 is the identity lacking permission to read role
    assignments (`--strict` fails: roles were not verified)."""
    if detail.get("status") == 403:
        detail["reason"] = REASON_NO_PERMISSION
    return detail


def _storage_finding(arm, ctx, oid, account_id, lookup_error, cache) -> Finding:
    if not account_id:
        return Finding(AZURE_RBAC, SKIPPED, _not_found("storage account", ctx.account, lookup_error, "--storage-account-id"),
                       key=SYSROOT_KEY, detail={"account": ctx.account})
    scope = "%s/blobServices/default/containers/%s" % (account_id.rstrip("/"), ctx.container)
    ectx = E.Context(object_id=oid, account=ctx.account, container=ctx.container, account_id=account_id)
    try:
        ev = _evaluate(arm, scope, oid, BLOB_NEEDS, cache)
    except ArmError as e:
        return Finding(AZURE_RBAC, SKIPPED,
                       "Role assignments at container scope could not be read (%s: %s)%s; the container probe's "
                       "verdict stands." % (e.code or e.status, (e.message or "")[:200], _effective(arm, scope)),
                       key=SYSROOT_KEY, detail=_unreadable({"scope": scope, "status": e.status, "code": e.code}))
    except Exception as e:
        return Finding(AZURE_RBAC, SKIPPED, "Role assignments could not be read: %s" % str(e).splitlines()[0][:200],
                       key=SYSROOT_KEY, detail={"scope": scope})
    detail = {"scope": scope, "object_id": oid, "assignments": ev["assignments"],
              "needs": BLOB_NEEDS}
    missing = [w for w, rows in ev["granted"].items() if not rows]
    held = ["%s at %s%s" % (r["role"], r["at"], " (via group %s)" % r["principal_id"] if r["via_group"] else "")
            for r in ev["assignments"]]
    if not missing:
        by = {}
        for w, rows in ev["granted"].items():
            r = rows[0]
            by.setdefault("'%s' at %s%s" % (r["role"], r["at"], " (via group %s)" % r["principal_id"]
                                             if r["via_group"] else ""), []).append(w)
        detail["granted"] = True
        conds = [r for r in ev["assignments"] if r["condition"] and r["grants"]]
        text = "Identity %s may %s under container '%s': %s." % (
            oid, "/".join(BLOB_NEEDS), ctx.container,
            "; ".join("%s by %s" % ("/".join(ws), k) for k, ws in by.items()))
        if conds:
            text += " Some grants carry ABAC conditions, which mfdoctor does not evaluate."
            return Finding(AZURE_RBAC, WARNING, text, key=SYSROOT_KEY, detail=detail,
                           fix="Check the conditions with: az role assignment list --assignee %s --scope %s" % (oid, scope))
        return Finding(AZURE_RBAC, OK, text, key=SYSROOT_KEY, detail=detail)
    detail["granted"] = False
    detail["missing"] = missing
    control = [r for r in ev["assignments"] if _control_plane(r) and not r["grants"]]
    text = "Identity %s lacks the data actions for %s under container '%s' (%s)." % (
        oid, ", ".join(missing), ctx.container,
        ", ".join(sorted({BLOB_NEEDS[m].rsplit("/", 2)[-2] + "/" + BLOB_NEEDS[m].rsplit("/", 1)[-1] for m in missing})))
    if control:
        text += (" It holds %s, which are control-plane roles and grant no blob data access: Metaflow needs a "
                 "data role such as Storage Blob Data Contributor." % ", ".join(
                     "%s at %s" % (r["role"], r["at"]) for r in control))
    elif held:
        text += " Roles held: %s." % "; ".join(held)
    else:
        text += " It has no role assignment at or above the container."
    return Finding(AZURE_RBAC, ERROR, text, key=SYSROOT_KEY, fix=E.fill(E.STORAGE["AuthorizationPermissionMismatch"][1], ectx),
                   detail=detail)


def _effective(arm, scope: str) -> str:
    """What ARM's permissions API (readable by any caller for itself) says, as a clause; '' if unavailable.

    It shows what the caller's roles add up to, not which assignment grants what, and ignores deny
    assignments, so it is evidence for a skipped check, never a verdict."""
    try:
        perms = arm.permissions(scope)
    except Exception:
        return ""
    have = [w for w, act in BLOB_NEEDS.items() if grants(perms, act)]
    lack = [w for w in BLOB_NEEDS if w not in have]
    return "; the caller's effective permissions there %s" % (
        "include every data action Metaflow needs" if not lack else
        "lack %s%s" % ("/".join(lack), " (have %s)" % "/".join(have) if have else ""))


def _vault_finding(arm, ctx, oid, vault, row, lookup_error, cache) -> Finding:
    if not row:
        return Finding(AZURE_RBAC, SKIPPED, _not_found("key vault", vault, lookup_error, ""), detail={"vault": vault})
    vid = row.get("id")
    props = row.get("properties") or {}
    ectx = E.Context(object_id=oid, vault=vault, vault_id=vid)
    if props.get("enableRbacAuthorization"):
        try:
            ev = _evaluate(arm, vid, oid, {"get": KV_GET}, cache)
        except ArmError as e:
            return Finding(AZURE_RBAC, SKIPPED,
                           "Vault '%s' uses Azure RBAC, but its role assignments could not be read (%s); the Key "
                           "Vault probe's verdict stands." % (vault, e.code or e.status),
                           detail=_unreadable({"vault": vault, "status": e.status, "code": e.code}))
        detail = {"vault": vault, "model": "rbac", "scope": vid, "assignments": ev["assignments"]}
        rows = ev["granted"]["get"]
        if rows:
            r = rows[0]
            return Finding(AZURE_RBAC, OK, "Vault '%s' (Azure RBAC): identity %s may read secrets through '%s' at %s."
                           % (vault, oid, r["role"], r["at"]), detail=detail)
        control = [r for r in ev["assignments"] if _control_plane(r)]
        text = "Vault '%s' uses Azure RBAC and no role of identity %s grants %s." % (vault, oid, KV_GET)
        if control:
            text += " %s: control-plane role%s, no secret access." % (
                ", ".join(r["role"] for r in control), "s" if len(control) > 1 else "")
        return Finding(AZURE_RBAC, ERROR, text, fix=E.fill(E.KEYVAULT[("Forbidden", "ForbiddenByRbac")][1], ectx),
                       detail=detail)
    # Access-policy model.
    policies = props.get("accessPolicies") or []
    mine = [p for p in policies if str(p.get("objectId", "")).lower() == oid.lower()]
    detail = {"vault": vault, "model": "access policies", "policies_for_identity": len(mine)}
    if any(x.lower() in ("get", "all") for p in mine for x in (p.get("permissions") or {}).get("secrets") or []):
        return Finding(AZURE_RBAC, OK, "Vault '%s' (access policies): identity %s has the secret 'get' permission."
                       % (vault, oid), detail=detail)
    return Finding(AZURE_RBAC, WARNING if not mine else ERROR,
                   "Vault '%s' uses access policies and none for identity %s grants secret 'get'%s." % (
                       vault, oid, " (policies naming a group it belongs to are not checked)" if not mine else ""),
                   fix=E.fill(E.KEYVAULT[("Forbidden", "AccessDenied")][1], ectx), detail=detail)
