"""azure.rbac against the local ARM server (role assignments, definitions, Resource Graph)."""

from __future__ import annotations

import pytest
from conftest import one, settings_for

from harness.arm_kv import ROLES, account_id, container_scope, vault_id
from harness.azurite import ACCOUNT
from harness.identity import identity_env
from harness.tokens import OBJECT_ID
from mfdoctor.checks.azure_live import run_live
from mfdoctor.checks.azure_live.rbac import glob_match, grants

GROUP = "9c9c9c9c-0000-4000-8000-000000000001"
_B = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/"


def rbac(env, **kw):
    return [f for f in run_live(settings_for(env, **kw), timeout=15) if f.check == "azure.rbac"]


def test_glob_matching():
    assert glob_match("Microsoft.Storage/*", _B + "read")
    assert glob_match("microsoft.storage/storageaccounts/blobservices/containers/blobs/*", _B + "write")
    assert glob_match("*", _B + "delete")
    assert not glob_match(_B + "read", _B + "write")
    assert not glob_match("Microsoft.Storage/*/read", "Microsoft.KeyVault/vaults/secrets/getSecret/action")


def test_not_data_actions_subtract_within_the_item():
    perms = ROLES["Blob Writer No Delete"]["properties"]["permissions"]
    assert grants(perms, _B + "write") and not grants(perms, _B + "delete")
    # A separate item that grants delete is not cut back by another item's notDataActions.
    assert grants(perms + [{"dataActions": [_B + "delete"], "notDataActions": []}], _B + "delete")


def test_data_contributor_at_container_scope(live_env, arm):
    c = live_env["_container"]
    arm.state.assign("Storage Blob Data Contributor", OBJECT_ID, container_scope(ACCOUNT, c))
    f = one(rbac(live_env), "azure.rbac")
    assert f.severity == "ok", f.message
    assert "'Storage Blob Data Contributor' at the container" in f.message


def test_group_assignment_at_account_scope(live_env, arm):
    arm.state.groups[OBJECT_ID] = [GROUP]
    arm.state.assign("Storage Blob Data Contributor", GROUP, account_id(ACCOUNT), principal_type="Group")
    f = one(rbac(live_env), "azure.rbac")
    assert f.severity == "ok", f.message
    assert "storage account %s (via group %s)" % (ACCOUNT, GROUP) in f.message
    row = f.detail["assignments"][0]
    assert row["via_group"] and row["principal_type"] == "Group"


def test_assignments_are_paged(live_env, arm):
    c = live_env["_container"]
    arm.state.page_size = 1
    arm.state.assign("Reader", OBJECT_ID, "/subscriptions/00000000-0000-0000-0000-000000000001")
    arm.state.assign("Storage Blob Data Reader", OBJECT_ID, account_id(ACCOUNT))
    arm.state.assign("Blob Writer No Delete", OBJECT_ID, container_scope(ACCOUNT, c))
    arm.state.assign("Storage Blob Data Contributor", OBJECT_ID, container_scope(ACCOUNT, "another"))
    f = one(rbac(live_env), "azure.rbac")
    assert len(f.detail["assignments"]) == 3  # the other container's assignment is not above this one
    assert f.detail["missing"] == ["delete"]
    pages = [r for r in arm.state.requests if r["path"].endswith("roleAssignments")]
    assert len(pages) == 3


def test_owner_without_data_role_is_called_out(live_env, arm):
    arm.state.assign("Owner", OBJECT_ID, "/subscriptions/00000000-0000-0000-0000-000000000001")
    findings = run_live(settings_for(dict(live_env, METAFLOW_DATASTORE_SYSROOT_AZURE="nosuch/x")), timeout=15)
    f = one(findings, "azure.rbac")
    assert f.severity == "error"
    assert "Owner at subscription" in f.message and "grant no blob data access" in f.message
    assert f.fix.startswith('az role assignment create --role "Storage Blob Data Contributor"')


def test_missing_grant_but_data_plane_works_is_a_warning(live_env, arm):
    # Azurite checks no roles: the write probe succeeds, so the missing grant cannot be the whole story.
    f = one(rbac(live_env), "azure.rbac")
    assert f.severity == "warning" and "container probe read, wrote and deleted" in f.message


def test_cannot_read_assignments_is_skipped(live_env, arm):
    arm.state.cannot_read_assignments.add(OBJECT_ID)
    arm.state.assign("Storage Blob Data Reader", OBJECT_ID, account_id(ACCOUNT))
    f = one(rbac(live_env), "azure.rbac")
    assert f.severity == "skipped" and "AuthorizationFailed" in f.message
    assert "container probe's verdict stands" in f.message
    # The permissions API (no role-assignment read needed) still says what the roles add up to.
    assert "effective permissions there lack write/delete (have read/list)" in f.message


def test_account_invisible_is_skipped_with_the_option(live_env, arm):
    arm.state.resources.clear()
    arm.state.graph_forbidden = True
    f = one(rbac(live_env), "azure.rbac")
    assert f.severity == "skipped" and "--storage-account-id" in f.message


def test_listing_fallback(live_env, arm):
    arm.state.graph_forbidden = True
    arm.state.assign("Storage Blob Data Contributor", OBJECT_ID, account_id(ACCOUNT))
    f = one(rbac(live_env), "azure.rbac")
    assert f.severity == "ok"
    assert any(r["path"].endswith("/resources") for r in arm.state.requests)


def test_explicit_account_id_skips_the_lookup(live_env, arm):
    arm.state.resources.clear()
    arm.state.assign("Storage Blob Data Contributor", OBJECT_ID, account_id(ACCOUNT))
    f = one(rbac(live_env, storage_account_id=account_id(ACCOUNT)), "azure.rbac")
    assert f.severity == "ok"
    assert not any("ResourceGraph" in r["path"] for r in arm.state.requests)


def test_fix_uses_the_discovered_scope_for_another_principal(live_env, arm, identity, proxy):
    from harness.proxy import Rule

    other = "11111111-aaaa-4bbb-8ccc-000000000002"
    env = dict(live_env, **identity_env(identity, "healthy", oid=other))
    env["METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"] = "%s/%s" % (proxy.url, ACCOUNT)
    proxy.rules[env["_container"]] = Rule(403, "AuthorizationPermissionMismatch")
    findings = run_live(settings_for(env), timeout=15)
    c = next(f for f in findings if f.check == "azure.container")
    assert "--assignee-object-id %s" % other in c.fix
    assert c.fix.endswith(container_scope(ACCOUNT, env["_container"]))


def test_propagation_note_when_assignment_exists(live_env, arm, proxy):
    from harness.proxy import Rule

    env = dict(live_env, METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="%s/%s" % (proxy.url, ACCOUNT))
    arm.state.assign("Storage Blob Data Contributor", OBJECT_ID, container_scope(ACCOUNT, env["_container"]),
                     created="2025-06-01T12:00:00Z")
    proxy.rules[env["_container"]] = Rule(403, "AuthorizationPermissionMismatch")
    findings = run_live(settings_for(env), timeout=15)
    c = next(f for f in findings if f.check == "azure.container")
    assert "still propagating" in c.message and "2025-06-01" in c.message


@pytest.mark.parametrize("role, severity", [("Key Vault Secrets User", "ok"), ("Reader", "error")])
def test_vault_rbac_model(live_env, arm, role, severity):
    arm.state.add_vault("kv-team", rbac=True)
    arm.state.assign(role, OBJECT_ID, vault_id("kv-team"))
    got = [f for f in rbac(live_env, secrets=["https://kv-team.vault.azure.net/secrets/db-password"])
           if f.detail.get("vault") == "kv-team"]
    assert got[0].severity == severity, got[0].message
    if severity == "error":
        assert "Reader" in got[0].message and '"Key Vault Secrets User"' in got[0].fix
        assert vault_id("kv-team") in got[0].fix


def test_vault_access_policy_model(live_env, arm):
    arm.state.add_vault("kv-pol", rbac=False, policies=[
        {"tenantId": "t", "objectId": OBJECT_ID, "permissions": {"secrets": ["Get", "List"]}}])
    arm.state.add_vault("kv-nopol", rbac=False, policies=[])
    got = {f.detail.get("vault"): f for f in rbac(live_env, secrets=[
        "https://kv-pol.vault.azure.net/secrets/a", "https://kv-nopol.vault.azure.net/secrets/b"])}
    assert got["kv-pol"].severity == "ok"
    assert got["kv-nopol"].severity == "warning"
    assert got["kv-nopol"].fix == "az keyvault set-policy --name kv-nopol --object-id %s --secret-permissions get" % OBJECT_ID
