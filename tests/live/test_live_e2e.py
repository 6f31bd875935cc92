"""End to end: the doctor's verdict equals whether a real Metaflow flow on the Azure datastore succeeds.

For each scenario, in one environment: `mfdoctor check azure` (exit code and findings), then the
write probe's leftovers (none, by listing the container), then the real flow
(tests/live/flows/hello_azure.py, two steps) against Azurite. The doctor exits 0 exactly when the
flow succeeds, and otherwise names the failing check.

The flow for the unreachable endpoint would take ~88 s to fail (the SDK's retries); it is given
FLOW_TIMEOUT seconds, and not finishing in that time counts as not succeeding (a healthy run takes
about 3 s here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import HERE

from harness.azurite import ACCOUNT
from harness.identity import identity_env
from harness.proxy import Rule
from mfdoctor.checks.azure_live.write_probe import PROBE_PREFIX

FLOW = os.path.join(HERE, "flows", "hello_azure.py")
REPO = os.path.dirname(os.path.dirname(HERE))
FLOW_TIMEOUT = 25


def doctor_cli(env: dict, cwd: str) -> tuple:
    """`python -m mfdoctor check azure --format json` -> (exit code, findings as dicts)."""
    p = subprocess.run([sys.executable, "-m", "mfdoctor", "check", "azure", "--format", "json"],
                       env=dict(env, PYTHONPATH=REPO), cwd=cwd, capture_output=True, text=True, timeout=60)
    assert p.returncode in (0, 1), p.stdout + p.stderr
    report = json.loads(p.stdout)
    assert report["exit_code"] == p.returncode
    return p.returncode, report["findings"]


def doctor_library(env: dict, cwd: str) -> tuple:
    """The same through the library: config resolution, the offline Azure rules, then run_live."""
    from mfdoctor.checks.azure_live import run_live, settings_from_resolution
    from mfdoctor.checks.azure_static import run_azure_static
    from mfdoctor.config import resolve
    from mfdoctor.findings import Report

    res = resolve(env=env, cwd=cwd)
    report = Report().add(run_azure_static(res, cwd=cwd, include_config_errors=True))
    report.add(run_live(settings_from_resolution(res), timeout=15))
    return report.exit_code(), [f.to_dict() for f in report.findings]


DOCTOR = doctor_cli  # the CLI is the product; doctor_library runs the same checks in-process


def run_flow(env: dict, cwd: str) -> tuple:
    try:
        p = subprocess.run([sys.executable, FLOW, "--no-pylint", "run"], env=env, cwd=cwd,
                           capture_output=True, text=True, timeout=FLOW_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, "did not finish in %d s" % FLOW_TIMEOUT
    return p.returncode == 0, (p.stdout + p.stderr)[-1500:]


def _closed_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# name -> (how to change the healthy environment, checks that may report the failure (None: success))
SCENARIOS = {
    "healthy": (lambda e, x: None, None),
    "container-missing": (lambda e, x: e.update(METAFLOW_DATASTORE_SYSROOT_AZURE="nosuchcontainer/metaflow"),
                          {"azure.container"}),
    "endpoint-missing": (lambda e, x: e.pop("METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"),
                         {"azure.endpoint", "azure.container"}),
    "endpoint-unreachable": (lambda e, x: e.update(METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=
                                                   "https://127.0.0.1:%d/%s" % (_closed_port(), ACCOUNT)),
                             {"azure.container"}),
    "sysroot-scheme": (lambda e, x: e.update(METAFLOW_DATASTORE_SYSROOT_AZURE="az://" + e["_container"] + "/metaflow"),
                       {"azure.sysroot"}),
    "sysroot-trailing-slash": (lambda e, x: e.update(METAFLOW_DATASTORE_SYSROOT_AZURE=e["_container"] + "/metaflow/"),
                               {"azure.sysroot"}),
    "no-credential": (lambda e, x: [e.pop("IDENTITY_ENDPOINT"), e.pop("IDENTITY_HEADER")], {"azure.credential"}),
    "stale-identity-endpoint": (lambda e, x: e.update(IDENTITY_ENDPOINT="http://127.0.0.1:%d/msi/token" % _closed_port()),
                                {"azure.credential"}),
    "wrong-audience": (lambda e, x: e.update(identity_env(x["identity"], "wrong-audience")), {"azure.credential"}),
    "expired-token": (lambda e, x: e.update(identity_env(x["identity"], "expired")), {"azure.credential"}),
    "foreign-issuer": (lambda e, x: e.update(identity_env(x["identity"], "foreign-issuer")), {"azure.container"}),
    "invalid-workload-type": (lambda e, x: e.update(METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE="highCpu"),
                              {"key:METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE"}),
    "plain-http-endpoint": (lambda e, x: e.update(METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=
                                                  "http://127.0.0.1:%d/%s" % (x["azurite"].port, ACCOUNT)),
                            {"azure.endpoint", "azure.container"}),
    "missing-data-role": (lambda e, x: [e.update(METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="%s/%s" % (x["proxy"].url, ACCOUNT)),
                                        x["proxy"].rules.__setitem__(e["_container"], Rule(403, "AuthorizationPermissionMismatch"))],
                          {"azure.container"}),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_doctor_verdict_matches_metaflow(name, live_env, tmp_path, azurite, identity, proxy, arm):
    change, failing = SCENARIOS[name]
    env = dict(live_env)
    container = env["_container"]
    change(env, {"identity": identity, "azurite": azurite, "proxy": proxy})
    env = {k: v for k, v in env.items() if not k.startswith("_")}
    cwd = tmp_path / "work"
    cwd.mkdir()

    code, findings = DOCTOR(env, str(cwd))
    leftovers = [b for b in azurite.list_blobs(container) if PROBE_PREFIX in b]
    assert leftovers == [], "the write probe left %s" % leftovers
    ok, log = run_flow(env, str(cwd))

    errors = [f for f in findings if f["severity"] == "error"]
    summary = ["%s %s: %s" % (f["check"], f["severity"], f["message"][:160]) for f in findings]
    assert (code == 0) == ok, "doctor exit %d but flow %s:\n%s\n--- flow ---\n%s" % (
        code, "succeeded" if ok else "failed", "\n".join(summary), log)
    if failing is None:
        assert not errors
        # The flow really used the Azure datastore: its artifacts are under the sysroot.
        assert any(b.startswith("metaflow/HelloAzureFlow/") for b in azurite.list_blobs(container))
    else:
        named = {f["check"] for f in errors} | {"key:%s" % f["key"] for f in errors if f.get("key")}
        assert named & failing, "expected one of %s among the errors:\n%s" % (failing, "\n".join(summary))
