"""`check`'s remote.* findings: when they run, what they say, and what they stay quiet about."""

from __future__ import annotations

import json

from env_helpers import clean_env, resolve_in, run_mfdoctor

from mfdoctor.checks.flows.remote_decos import read_flows
from mfdoctor.checks.remote import run_remote_checks

K8S_FLOW = '''
from metaflow import FlowSpec, step, kubernetes, environment

class F(FlowSpec):
    @kubernetes
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
'''


def findings(home, tmp_path, targets=(), flow=None, **env):
    paths = []
    if flow is not None:
        (tmp_path / "flow.py").write_text(flow)
        paths = [str(tmp_path / "flow.py")]
    res = resolve_in(home, tmp_path, **{"METAFLOW_" + k: v for k, v in env.items()})
    return [f for f in run_remote_checks(res, read_flows(paths), targets) if f.severity != "ok"]


def by_check(fs):
    out = {}
    for f in fs:
        out.setdefault(f.check, []).append(f)
    return out


def test_nothing_runs_without_remote_steps_or_target(home, tmp_path):
    assert run_remote_checks(resolve_in(home, tmp_path, METAFLOW_DEFAULT_DATASTORE="local"),
                             read_flows([]), ()) == []


def test_kubernetes_flow_with_a_laptop_config(home, tmp_path):
    fs = by_check(findings(home, tmp_path, flow=K8S_FLOW, DEFAULT_DATASTORE="azure",
                           DATASTORE_SYSROOT_AZURE="c/mf", SERVICE_URL="http://localhost:8080/api",
                           DEFAULT_AZURE_CLIENT_PROVIDER="azure-cli",
                           AZURE_STORAGE_WORKLOAD_TYPE="high_throughput"))
    [svc] = fs["remote.service-url"]
    assert "localhost" in svc.message and "step start (@kubernetes)" in svc.message
    assert "SERVICE_INTERNAL_URL" in svc.fix
    [prov] = fs["remote.azure-client-provider"]
    assert prov.key == "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER" and "'azure-default'" in prov.message
    [wl] = fs["remote.stays-behind"]
    assert wl.key == "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE" and wl.severity == "warning"
    assert "@environment" in wl.fix and "Kubernetes secret" in wl.fix and "image" in wl.fix
    assert "remote.datastore" not in fs


def test_reachable_internal_url_and_forwarded_settings_are_quiet(home, tmp_path):
    fs = findings(home, tmp_path, flow=K8S_FLOW, DEFAULT_DATASTORE="azure", DATASTORE_SYSROOT_AZURE="c/mf",
                  SERVICE_URL="http://localhost:8080/api", SERVICE_INTERNAL_URL="http://mf.default.svc:8080/api",
                  AZURE_KEY_VAULT_PREFIX="https://v.vault.azure.net/",
                  DEFAULT_AZURE_CLIENT_PROVIDER="azure-default")  # the task's value anyway
    assert fs == []


def test_local_datastore_and_batch_needs_s3(home, tmp_path):
    [f] = by_check(findings(home, tmp_path, targets=["argo-workflows"]))["remote.datastore"]
    assert "'local'" in f.message
    [f] = by_check(findings(home, tmp_path, targets=["batch"], DEFAULT_DATASTORE="azure"))["remote.datastore"]
    assert "needs s3" in f.message
    assert "remote.datastore" not in by_check(findings(home, tmp_path, targets=["argo-workflows"],
                                                       DEFAULT_DATASTORE="azure"))


def test_environment_decorator_and_secrets_soften(home, tmp_path):
    flow = K8S_FLOW.replace("    @kubernetes\n", '    @kubernetes(secrets=["mf"])\n'
                            '    @environment(vars={"METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER": "azure-cli"})\n')
    fs = by_check(findings(home, tmp_path, flow=flow, DEFAULT_DATASTORE="azure",
                           DEFAULT_AZURE_CLIENT_PROVIDER="azure-cli", AZURE_STORAGE_WORKLOAD_TYPE="high_throughput"))
    assert "remote.azure-client-provider" not in fs  # @environment sends it
    [wl] = fs["remote.stays-behind"]
    assert wl.severity == "info" and "mf" in wl.message and "cannot be read offline" in wl.message


def test_deploy_side_settings_are_not_reported(home, tmp_path):
    fs = findings(home, tmp_path, targets=["kubernetes"], DEFAULT_DATASTORE="azure",
                  KUBERNETES_CONTAINER_IMAGE="repo/img:1", KUBERNETES_SERVICE_ACCOUNT="sa")
    assert fs == []


def test_cli_check_target_json(home, tmp_path):
    env = clean_env(home, METAFLOW_HOME=home / ".metaflowconfig", METAFLOW_USER="tester",
                    METAFLOW_DEFAULT_DATASTORE="s3", METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER="azure-cli")
    p = run_mfdoctor(["check", "--offline", "--target", "batch", "--format", "json"], env, tmp_path)
    doc = json.loads(p.stdout)
    checks = {f["check"]: f for f in doc["findings"] if f["check"].startswith("remote.")}
    assert checks["remote.azure-client-provider"]["severity"] == "warning"
    assert checks["remote.azure-client-provider"]["fix"].count("Kubernetes") == 0  # Batch mounts none


def test_unreadable_target_code_is_skipped_not_a_flood(home, tmp_path):
    res = resolve_in(home, tmp_path, METAFLOW_DEFAULT_DATASTORE="azure",
                     METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE="high_throughput")
    res.catalog.data["remote"]["kubernetes"]["missing"] = ["plugins/kubernetes/kubernetes.py"]
    [f] = run_remote_checks(res, read_flows([]), ["kubernetes"])
    assert f.severity == "skipped" and "not found" in f.message
