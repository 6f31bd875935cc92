"""azure.keyvault against the local Key Vault server (401 challenge, secret and error bodies)."""

from __future__ import annotations

import json
import logging
import time

import pytest
from conftest import settings_for

from harness.arm_kv import Secret
from harness.tokens import OBJECT_ID
from mfdoctor.checks.azure_live import run_live
from mfdoctor.findings import Location

VALUE = "hunter2-Do-Not-Print-4f1c"


def kv(env, secrets, **kw):
    return [f for f in run_live(settings_for(env, secrets=secrets, **kw), timeout=15) if f.check == "azure.keyvault"]


def test_readable_secret_reports_metadata_only(live_env, arm, caplog):
    arm.state.secrets[("kv-team", "db-password")] = Secret(value=VALUE)
    loc = Location("flows/train.py", 12, 5)
    with caplog.at_level(logging.DEBUG):
        findings = run_live(settings_for(live_env, secrets=[("https://kv-team.vault.azure.net/secrets/db-password", loc)]),
                            timeout=15, verbose=True)
    f = next(f for f in findings if f.check == "azure.keyvault")
    assert f.severity == "ok", f.message
    assert f.location == loc
    assert f.detail["resolved_version"] == "0123456789abcdef0123456789abcdef" and f.detail["enabled"] is True
    everything = json.dumps([x.to_dict() for x in findings]) + caplog.text + repr(findings)
    assert VALUE not in everything
    # The 401 challenge first (unless the SDK cached this host's challenge earlier in the session),
    # then one authenticated read.
    reqs = [r["auth"] for r in arm.state.requests if "/secrets/" in r["path"]]
    assert reqs in ([False, True], [True])


def test_short_form_with_prefix(live_env, arm):
    arm.state.secrets[("kv-team", "api-key")] = Secret()
    f = kv(dict(live_env), ["api-key/0123456789abcdef0123456789abcdef"],
           key_vault_prefix="https://kv-team.vault.azure.net/")[0]
    assert f.severity == "ok", f.message


@pytest.mark.parametrize("error, needle, fix", [
    ((403, "Forbidden", "ForbiddenByRbac", "Caller is not authorized to perform action on resource."),
     "uses Azure RBAC", 'az role assignment create --role "Key Vault Secrets User" --assignee-object-id ' + OBJECT_ID),
    ((403, "Forbidden", "AccessDenied", "The user, group or application does not have secrets get permission."),
     "access policies", "az keyvault set-policy --name kv-team --object-id %s --secret-permissions get" % OBJECT_ID),
    ((403, "Forbidden", "SecretDisabled", "Operation get is not allowed on a disabled secret."),
     "disabled", "az keyvault secret set-attributes --vault-name kv-team --name db-password --enabled true"),
    ((403, "Forbidden", "ForbiddenByFirewall", "Client address is not authorized and caller is not a trusted service."),
     "firewall", "az keyvault network-rule add --name kv-team"),
])
def test_errors_map_to_causes_and_fixes(live_env, arm, error, needle, fix):
    arm.state.secrets[("kv-team", "db-password")] = Secret(error=error)
    f = kv(live_env, ["https://kv-team.vault.azure.net/secrets/db-password"])[0]
    assert f.severity == "error" and needle in f.message, f.message
    assert f.fix.startswith(fix), f.fix


def test_secret_not_found(live_env, arm):
    f = kv(live_env, ["https://kv-team.vault.azure.net/secrets/nope"])[0]
    assert f.severity == "error" and "does not exist" in f.message
    assert "az keyvault secret list --vault-name kv-team" in f.fix


def test_expiring_and_expired(live_env, arm):
    arm.state.secrets[("kv-team", "soon")] = Secret(expires=int(time.time()) + 3 * 86400)
    arm.state.secrets[("kv-team", "gone")] = Secret(expires=int(time.time()) - 60)
    got = {f.detail["name"]: f for f in kv(live_env, ["https://kv-team.vault.azure.net/secrets/soon",
                                                      "https://kv-team.vault.azure.net/secrets/gone"])}
    assert got["soon"].severity == "warning" and "expires in" in got["soon"].message
    assert got["gone"].severity == "error"


def test_invalid_id_is_left_to_the_static_check(live_env, arm):
    f = kv(live_env, ["https://kv-team.vault.azure.net/secrets/bad_name"])[0]
    assert f.severity == "skipped" and "azure.secret-id" in f.message


def test_same_secret_probed_once(live_env, arm):
    arm.state.secrets[("kv-team", "db-password")] = Secret()
    sid = "https://kv-team.vault.azure.net/secrets/db-password"
    assert len(kv(live_env, [sid, (sid, Location("a.py", 1)), sid])) == 1
    assert len([r for r in arm.state.requests if r["auth"] and "/secrets/" in r["path"]]) == 1


def test_vault_unreachable(live_env, arm, closed_port):
    env = dict(live_env, MFDOCTOR_AZURE_VAULT_URL="https://127.0.0.1:%d/{vault}" % closed_port)
    t = time.monotonic()
    f = kv(env, ["https://kv-team.vault.azure.net/secrets/x"])[0]
    assert time.monotonic() - t < 5
    assert f.severity == "error" and "unreachable" in f.message


def test_rbac_fix_names_the_discovered_vault_scope(live_env, arm):
    from harness.arm_kv import vault_id

    arm.state.add_vault("kv-team", rbac=True)
    arm.state.secrets[("kv-team", "db-password")] = Secret(error=(403, "Forbidden", "ForbiddenByRbac", "denied"))
    f = kv(live_env, ["https://kv-team.vault.azure.net/secrets/db-password"])[0]
    assert f.fix.endswith("--scope " + vault_id("kv-team"))
