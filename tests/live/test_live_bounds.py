"""Import hygiene, deadlines, concurrency and the global timeout."""

from __future__ import annotations

import subprocess
import sys
import time

from conftest import by_check, settings_for

from harness.arm_kv import Secret
from harness.azurite import ACCOUNT
from harness.proxy import Rule
from mfdoctor.checks.azure_live import run_live


def test_import_does_not_load_azure_or_metaflow():
    code = ("import sys\n"
            "import mfdoctor.checks.azure_live\n"
            "from mfdoctor.checks.azure_live import (arm, chain, claims, container, credential, deadline, environ,\n"
            "    errors, keyvault, rbac, runner, settings, shared, write_probe)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('azure', 'metaflow', 'msal', 'requests'))\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_secrets_are_probed_concurrently(live_env, arm):
    arm.state.kv_delay = 0.5  # each secret: challenge + read = 1 s
    names = ["s%d" % i for i in range(5)]
    for n in names:
        arm.state.secrets[("kv-team", n)] = Secret()
    t = time.monotonic()
    findings = run_live(settings_for(live_env, secrets=["https://kv-team.vault.azure.net/secrets/%s" % n
                                                         for n in names]), timeout=15)
    took = time.monotonic() - t
    assert [f.severity for f in by_check(findings, "azure.keyvault")] == ["ok"] * 5
    assert took < 3.5, took  # sequential would be > 5 s


def test_global_timeout_skips_what_did_not_finish(live_env, arm, proxy):
    arm.state.kv_delay = 10
    env = dict(live_env, METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="%s/%s" % (proxy.url, ACCOUNT))
    proxy.rules[env["_container"]] = Rule(hang=10, passthrough_after_hang=True)
    t = time.monotonic()
    findings = run_live(settings_for(env, secrets=["https://kv-team.vault.azure.net/secrets/x"]), timeout=2)
    took = time.monotonic() - t
    assert took < 3, took
    assert by_check(findings, "azure.credential")[0].severity == "ok"
    for check in ("azure.container", "azure.keyvault"):
        f = by_check(findings, check)[0]
        # Skipped by the global timeout, or (same instant) the call's own timeout, which the deadline bounds.
        assert f.severity in ("skipped", "error"), f.message
        assert ("timeout" in f.message or "did not answer" in f.message or "timed out" in f.message), f.message
