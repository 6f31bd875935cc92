"""`show --target T`: the task's view, built from the local resolution (in-process), and the
CLI's formats. Expected values come from Metaflow's rules as FACTS.md and
/work/research/remote.md state them (measured against real templates there; the
differential in tests/live/test_live_remote.py measures them again)."""

from __future__ import annotations

import json

import pytest
from env_helpers import clean_env, resolve_in, run_mfdoctor

from mfdoctor.checks.flows.remote_decos import read_flows
from mfdoctor.config.remote import UnknownTarget, remote_view


def profile(home, **keys):
    (home / ".metaflowconfig" / "config.json").write_text(json.dumps(
        {"METAFLOW_" + k: v for k, v in keys.items()}))


def view(home, tmp_path, target, flows=None, **env):
    res = resolve_in(home, tmp_path, **{"METAFLOW_" + k: v for k, v in env.items()})
    return remote_view(res, target, flows)


def test_service_url_falls_back_through_the_internal_url(home, tmp_path):
    v = view(home, tmp_path, "argo-workflows", SERVICE_URL="https://mf.example.com/api")
    e = v.entries["METAFLOW_SERVICE_URL"]
    assert (e.value, e.source, e.origin) == ("https://mf.example.com/api", "forwarded", "METAFLOW_SERVICE_URL")
    v = view(home, tmp_path, "argo-workflows", SERVICE_URL="https://mf.example.com/api",
             SERVICE_INTERNAL_URL="http://mf.svc:8080")
    e = v.entries["METAFLOW_SERVICE_URL"]
    assert (e.value, e.origin) == ("http://mf.svc:8080", "METAFLOW_SERVICE_INTERNAL_URL")
    task = v.task.keys["METAFLOW_SERVICE_URL"]
    assert (task.value, task.source) == ("http://mf.svc:8080", "forwarded")
    # In the pod, SERVICE_INTERNAL_URL defaults to the SERVICE_URL it received.
    assert v.task.keys["METAFLOW_SERVICE_INTERNAL_URL"].source == "derived"


def test_debug_and_conda_travel_from_config_files_as_str(home, tmp_path):
    profile(home, DEBUG_S3CLIENT="1", CONDA_PACKAGE_AZUREROOT="c/conda")
    v = view(home, tmp_path, "kubernetes", DEBUG_SUBCOMMAND="", CONDA_PACKAGE_S3ROOT="")
    assert v.entries["METAFLOW_DEBUG_S3CLIENT"].value == "True"  # str() of the coerced bool
    assert v.entries["METAFLOW_CONDA_PACKAGE_AZUREROOT"].value == "c/conda"
    assert "METAFLOW_DEBUG_SUBCOMMAND" not in v.entries  # empty is False: the default
    assert v.entries["METAFLOW_CONDA_PACKAGE_S3ROOT"].value == ""  # default None: sent


def test_what_stays_behind(home, tmp_path):
    profile(home, DEFAULT_AZURE_CLIENT_PROVIDER="azure-cli", AZURE_STORAGE_WORKLOAD_TYPE="high_throughput",
            DEFAULT_AWS_CLIENT_PROVIDER="boto3")
    k8s = view(home, tmp_path, "kubernetes")
    argo = view(home, tmp_path, "argo-workflows")
    behind = {t: {rk.name for rk in v.not_forwarded} for t, v in (("k8s", k8s), ("argo", argo))}
    assert behind["k8s"] == {"METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER", "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE"}
    assert behind["argo"] == behind["k8s"] | {"METAFLOW_DEFAULT_AWS_CLIENT_PROVIDER"}
    assert argo.task.keys["METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER"].value == "azure-default"
    for v in (k8s, argo):
        assert not {rk.name for rk in v.not_forwarded} & set(v.entries)


def test_skip_list_only_on_argo(home, tmp_path):
    env = dict(DATASTORE_SYSROOT_AZURE="c/mf", ARGO_WORKFLOWS_ENV_VARS_TO_SKIP="METAFLOW_DATASTORE_SYSROOT_AZURE")
    assert "METAFLOW_DATASTORE_SYSROOT_AZURE" not in view(home, tmp_path, "argo-workflows", **env).entries
    assert "METAFLOW_DATASTORE_SYSROOT_AZURE" in view(home, tmp_path, "kubernetes", **env).entries


def test_metaflow_sets_its_own_values(home, tmp_path):
    v = view(home, tmp_path, "argo-workflows", USER="alice", DEFAULT_DATASTORE="azure")
    assert v.task.keys["METAFLOW_USER"].value == "argo-workflows"
    assert v.task.keys["METAFLOW_USER"].source == "metaflow"
    b = view(home, tmp_path, "batch", DEFAULT_DATASTORE="azure")
    assert b.task.keys["METAFLOW_DEFAULT_DATASTORE"].value == "s3"
    a = view(home, tmp_path, "airflow")
    assert a.task.keys["METAFLOW_DEFAULT_METADATA"].value == "service"


def test_airflow_keeps_python_values(home, tmp_path):
    # Airflow's DAG file is not str()'d: a truthiness test drops "" (airflow.py:411).
    v = view(home, tmp_path, "airflow", AZURE_KEY_VAULT_PREFIX="")
    assert "METAFLOW_AZURE_KEY_VAULT_PREFIX" not in v.entries
    assert "METAFLOW_AZURE_KEY_VAULT_PREFIX" in view(home, tmp_path, "kubernetes", AZURE_KEY_VAULT_PREFIX="").entries


FLOW = '''
from metaflow import FlowSpec, step, environment, kubernetes

class F(FlowSpec):
    @kubernetes(secrets=["mf-secrets"])
    @environment(vars={"METAFLOW_DEFAULT_DATASTORE": "from-deco", "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": "general"})
    @step
    def start(self):
        self.next(self.end)

    @environment(vars=make_vars())
    @step
    def end(self):
        pass
'''


def test_environment_decorator_precedence_by_target(home, tmp_path):
    (tmp_path / "flow.py").write_text(FLOW)
    flows = read_flows([str(tmp_path / "flow.py")])
    k8s = view(home, tmp_path, "kubernetes", flows, DEFAULT_DATASTORE="azure")
    argo = view(home, tmp_path, "argo-workflows", flows, DEFAULT_DATASTORE="azure")
    # run --with kubernetes applies @environment last; Argo lets Metaflow's entry win.
    assert k8s.entries["METAFLOW_DEFAULT_DATASTORE"].value == "from-deco"
    assert argo.entries["METAFLOW_DEFAULT_DATASTORE"].value == "azure"
    assert argo.entries["METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE"].source == "flow"
    assert any("make_vars()" in n for n in argo.notes)  # not literal: said, not guessed
    assert [s for s, _ in argo.secrets] == ["mf-secrets"]


def test_kubernetes_secrets_from_config(home, tmp_path):
    env = dict(KUBERNETES_SECRETS="a,b", ARGO_WORKFLOWS_KUBERNETES_SECRETS="c")
    assert [s for s, _ in view(home, tmp_path, "argo-workflows", **env).secrets] == ["c", "a", "b"]
    assert [s for s, _ in view(home, tmp_path, "kubernetes", **env).secrets] == ["a", "b"]
    assert view(home, tmp_path, "batch", **env).secrets == []


def test_unknown_target(home, tmp_path):
    with pytest.raises(UnknownTarget):
        view(home, tmp_path, "nomad")


def _show(home, tmp_path, *args, **env):
    p = run_mfdoctor(["show", *args], clean_env(home, METAFLOW_HOME=home / ".metaflowconfig", **env), tmp_path)
    assert "Traceback" not in p.stderr + p.stdout
    return p


def test_cli_json_contract_and_no_secret(home, tmp_path):
    profile(home, SERVICE_AUTH_KEY="sekrit-123", DEFAULT_AZURE_CLIENT_PROVIDER="azure-cli")
    p = _show(home, tmp_path, "--target", "argo-workflows", "--all", "--format", "json")
    doc = json.loads(p.stdout)
    assert doc["schema"] == "mfdoctor/show/v1" and doc["target"] == "argo-workflows"
    assert {"name": "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER", "source": "profile",
            "origin": str(home / ".metaflowconfig" / "config.json")} in doc["not_forwarded"]
    headers = next(k for k in doc["keys"] if k["name"] == "METAFLOW_SERVICE_HEADERS")
    assert headers["source"] == "forwarded" and headers["origin"] == "METAFLOW_SERVICE_AUTH_KEY"
    for fmt in ("json", "table", "env"):
        out = _show(home, tmp_path, "--target", "argo-workflows", "--all", "-f", fmt).stdout
        assert "sekrit-123" not in out
        assert "METAFLOW_SERVICE_HEADERS" in out


def test_cli_table_lists_what_stays_behind(home, tmp_path):
    profile(home, AZURE_STORAGE_WORKLOAD_TYPE="high_throughput")
    out = _show(home, tmp_path, "--target", "kubernetes").stdout
    assert "Target: kubernetes" in out
    behind = out.split("Stays behind")[1]
    assert "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE" in behind


def test_cli_bad_input(home, tmp_path):
    assert _show(home, tmp_path, "--target", "nomad").returncode == 2
    assert _show(home, tmp_path, "--flow", "x.py").returncode == 2
    assert _show(home, tmp_path, "--target", "batch", "--flow", "missing.py").returncode == 2
