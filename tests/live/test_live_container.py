"""azure.container against Azurite (directly or through the fault-injecting proxy)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import HERE, by_check, one, settings_for

from harness.azurite import ACCOUNT
from harness.proxy import Rule
from mfdoctor.checks.azure_live import run_live
from mfdoctor.checks.azure_live.write_probe import PROBE_PREFIX


def container_finding(findings):
    return next(f for f in by_check(findings, "azure.container") if f.severity != "skipped" or len(by_check(findings, "azure.container")) == 1)


def via_proxy(env, proxy):
    env = dict(env)
    env["METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"] = "%s/%s" % (proxy.url, ACCOUNT)
    return env


def test_healthy_write_probe_leaves_nothing(live_env, azurite, proxy):
    env = via_proxy(live_env, proxy)
    c = env["_container"]
    findings = run_live(settings_for(env), timeout=15)
    f = container_finding(findings)
    assert f.severity == "ok", f.message
    assert set(f.detail["steps"]) == {"exists", "list", "write", "read", "delete"}
    assert azurite.list_blobs(c) == []
    # Never overwrites: the upload was conditional on absence, the delete on the ETag.
    log = [r for r in proxy.log if ("/%s/" % c) in r["path"] and PROBE_PREFIX in r["path"]]
    put = next(r for r in log if r["method"] == "PUT")
    assert put["headers"].get("if-none-match") == "*"
    delete = next(r for r in log if r["method"] == "DELETE")
    assert delete["headers"].get("if-match", "").strip('"')
    assert put["path"].split("/", 3)[3].startswith("metaflow/" + PROBE_PREFIX)


def test_read_only_skips_the_write(live_env, azurite, proxy):
    env = via_proxy(live_env, proxy)
    findings = run_live(settings_for(env), timeout=15, read_only=True)
    sev = sorted(f.severity for f in by_check(findings, "azure.container"))
    assert sev == ["ok", "skipped"]
    assert not [r for r in proxy.log if r["method"] in ("PUT", "DELETE") and env["_container"] in r["path"]]


def test_container_missing(live_env):
    env = dict(live_env, METAFLOW_DATASTORE_SYSROOT_AZURE="nosuchcontainer/metaflow")
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.severity == "error" and f.detail["error_code"] == "ContainerNotFound"
    assert f.fix == "az storage container create --name nosuchcontainer --account-name %s --auth-mode login" % ACCOUNT


def test_dns_failure(live_env):
    env = dict(live_env, METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://nosuchacct.blob.invalid/")
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.severity == "error" and f.detail["network"] == "dns"
    assert "nosuchacct.blob.invalid" in f.message


def test_tcp_refused_is_fast(live_env, closed_port):
    env = dict(live_env, METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://127.0.0.1:%d/%s" % (closed_port, ACCOUNT))
    t = time.monotonic()
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert time.monotonic() - t < 5
    assert f.severity == "error" and f.detail["network"] == "tcp-refused"


def test_untrusted_certificate(live_env):
    env = dict(live_env)
    del env["REQUESTS_CA_BUNDLE"]
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.severity == "error" and f.detail["network"] == "tls"
    assert "REQUESTS_CA_BUNDLE" in f.fix


def test_tls_to_a_plain_port(live_env, identity):
    # The managed-identity server speaks plain HTTP: a TLS client gets "wrong version number".
    env = dict(live_env, METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://127.0.0.1:%d/%s" % (identity.port, ACCOUNT))
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.detail["network"] == "tls" and "does not speak TLS" in f.fix


def test_plain_http_endpoint(live_env, azurite):
    env = dict(live_env, METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="http://127.0.0.1:%d/%s" % (azurite.port, ACCOUNT))
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.severity == "error" and "only supported with HTTPS" in f.message
    assert f.fix.startswith("export METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=https://")


def test_endpoint_missing_with_azure_datastore(live_env):
    env = dict(live_env)
    del env["METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"]
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.severity == "error" and "Must configure METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT" in f.message


@pytest.mark.parametrize("sysroot", ["https://acct.blob.core.windows.net/c/p", "c/p/", "/c"])
def test_bad_sysroot_is_left_to_the_static_check(live_env, sysroot):
    env = dict(live_env, METAFLOW_DATASTORE_SYSROOT_AZURE=sysroot)
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.severity == "skipped" and "azure.sysroot" in f.message


def test_permission_mismatch(live_env, azurite, proxy, arm):
    env = via_proxy(live_env, proxy)
    c = env["_container"]
    proxy.rules[c] = Rule(403, "AuthorizationPermissionMismatch")
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.severity == "error" and f.detail["error_code"] == "AuthorizationPermissionMismatch"
    assert "propagating" in f.message
    # The fix names the identity and the container scope found through Resource Graph.
    assert f.fix.startswith('az role assignment create --role "Storage Blob Data Contributor" '
                            '--assignee-object-id 0b3f1a9e-5c47-4a0e-9d1c-2a4a5b6c7d8e')
    assert f.fix.endswith("/providers/Microsoft.Storage/storageAccounts/%s/blobServices/default/containers/%s"
                          % (ACCOUNT, c))
    assert "/subscriptions/00000000-0000-0000-0000-000000000001/" in f.fix


def test_read_only_role(live_env, azurite, proxy):
    env = via_proxy(live_env, proxy)
    c = env["_container"]
    proxy.rules[c] = Rule(403, "AuthorizationPermissionMismatch", methods=("PUT", "DELETE"))
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.severity == "error" and "read access only" in f.message
    assert azurite.list_blobs(c) == []


def test_firewall(live_env, proxy):
    env = via_proxy(live_env, proxy)
    proxy.rules[env["_container"]] = Rule(403, "AuthorizationFailure")
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert "firewall" in f.message and "network-rule add --account-name %s" % ACCOUNT in f.fix


def test_throttled(live_env, proxy):
    env = via_proxy(live_env, proxy)
    proxy.rules[env["_container"]] = Rule(429, "ServerBusy", headers={"Retry-After": "7"})
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.severity == "error" and "Retry-After: 7" in f.message


def test_wrong_tenant(live_env, proxy):
    env = via_proxy(live_env, proxy)
    proxy.rules[env["_container"]] = Rule(401, "InvalidAuthenticationInfo", headers={
        "WWW-Authenticate": "Bearer authorization_uri=https://login.microsoftonline.com/"
                            "11111111-2222-3333-4444-555555555555/oauth2/authorize resource_id=https://storage.azure.com"})
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.detail["error_code"] == "InvalidAuthenticationInfo"
    assert "az login --tenant 11111111-2222-3333-4444-555555555555" in f.fix


@pytest.mark.parametrize("variant, needle", [("wrong-audience", "audience"), ("expired", "expired"),
                                             ("foreign-issuer", "issuer")])
def test_azurite_rejects_bad_tokens(live_env, identity, variant, needle):
    from harness.identity import identity_env

    env = dict(live_env, **identity_env(identity, variant))
    f = container_finding(run_live(settings_for(env), timeout=15))
    assert f.severity == "error" and f.detail["error_code"] == "AuthenticationFailed", f.message
    assert needle in (f.message + f.fix).lower()


def test_hang_is_bounded_by_the_timeout(live_env, azurite, proxy):
    env = via_proxy(live_env, proxy)
    proxy.rules[env["_container"]] = Rule(hang=30)
    t = time.monotonic()
    findings = run_live(settings_for(env), timeout=3)
    took = time.monotonic() - t
    f = one(findings, "azure.container")
    assert took < 6, took
    assert f.severity in ("skipped", "error")
    assert "properties" in f.message or "did not answer" in f.message or "Did not finish" in f.message


def test_cleanup_on_global_timeout(live_env, azurite, proxy):
    """The read-back hangs after the upload: the global timeout still deletes the probe blob."""
    env = via_proxy(live_env, proxy)
    c = env["_container"]
    proxy.rules[c] = Rule(methods=("GET",), blob="metaflow/%s*" % PROBE_PREFIX, hang=20)
    findings = run_live(settings_for(env), timeout=3)
    f = one(findings, "azure.container")
    assert f.severity in ("skipped", "error") and "probe blob" in f.message
    assert azurite.list_blobs(c) == []


def test_cleanup_on_ctrl_c_and_sigterm(live_env, azurite, proxy, tmp_path):
    env = via_proxy(live_env, proxy)
    c = env["_container"]
    proxy.rules[c] = Rule(methods=("GET",), blob="metaflow/%s*" % PROBE_PREFIX, hang=30)
    script = tmp_path / "run.py"
    script.write_text(
        "import sys, json\nsys.path[:0] = [%r, %r]\n" % (HERE, os.path.dirname(os.path.dirname(HERE))) +
        "from conftest import settings_for\nfrom mfdoctor.checks.azure_live import run_live\n"
        "env = json.loads(sys.argv[1])\nprint('started', flush=True)\n"
        "try:\n    run_live(settings_for(env), timeout=60)\nexcept KeyboardInterrupt:\n    print('interrupted', flush=True)\n")
    import json

    for sig in (signal.SIGINT, signal.SIGTERM):
        before = len(proxy.log)
        p = subprocess.Popen([sys.executable, str(script), json.dumps(env)], stdout=subprocess.PIPE, text=True,
                             cwd=os.path.dirname(os.path.dirname(HERE)))
        # Wait until the upload has happened and the read-back is hanging.
        end = time.monotonic() + 20
        while time.monotonic() < end and not any(r["method"] == "GET" and PROBE_PREFIX in r["path"]
                                                 for r in proxy.log[before:]):
            time.sleep(0.05)
        assert [b for b in azurite.list_blobs(c) if PROBE_PREFIX in b], "probe blob should exist mid-probe"
        p.send_signal(sig)
        out, _ = p.communicate(timeout=20)
        assert "interrupted" in out
        assert azurite.list_blobs(c) == [], sig


def test_cleanup_of_an_upload_cut_off_by_the_timeout(live_env, azurite, proxy):
    """The upload is held past the global timeout and then committed by the server anyway."""
    env = via_proxy(live_env, proxy)
    c = env["_container"]
    proxy.rules[c] = Rule(methods=("PUT",), blob="metaflow/%s*" % PROBE_PREFIX, hang=2.5, passthrough_after_hang=True)
    findings = run_live(settings_for(env), timeout=1.5)
    f = one(findings, "azure.container")
    assert f.severity in ("skipped", "error")
    time.sleep(1.5)  # anything still in flight has landed by now
    assert azurite.list_blobs(c) == []
