"""The remote part of the catalog, against the installed Metaflow's own source text (read
here with regular expressions, independently of the ast extractor), and against
synthetic plugin sources for the shapes and the failure modes."""

from __future__ import annotations

import os
import re
import textwrap

import pytest

from mfdoctor.catalog import load_catalog
from mfdoctor.catalog.locate import find_metaflow
from mfdoctor.catalog.remote import TARGETS, remote_data

PKG = find_metaflow()
pytestmark = pytest.mark.skipif(PKG is None, reason="needs an installed Metaflow")


def _function_source(rel: str, qualname: str) -> str:
    """The text of one method, cut at the next `def` of the same indentation."""
    text = open(os.path.join(PKG, rel), encoding="utf-8").read()
    text = re.sub(r"#[^\n]*", "", text)  # commented-out entries are not sent
    name = qualname.split(".")[-1]
    m = re.search(r"^(\s*)def %s\(" % re.escape(name), text, re.M)
    assert m, (rel, qualname)
    indent = m.group(1)
    end = re.search(r"^%sdef \w+\(" % re.escape(indent), text[m.end():], re.M)
    return text[m.start(): m.end() + end.start() if end else len(text)]


@pytest.fixture(scope="module")
def data():
    return remote_data(PKG)


def names(data, target, kind=None):
    return {e["name"] for e in data[target]["entries"] if kind in (None, e["kind"])}


def test_every_literal_environment_variable_call_is_in_the_kubernetes_catalog(data):
    src = _function_source("plugins/kubernetes/kubernetes.py", "Kubernetes.create_job_object")
    called = set(re.findall(r'environment_variable\(\s*"(METAFLOW_[A-Z0-9_]+)"', src))
    assert len(called) > 30
    assert called <= names(data, "kubernetes")


def test_every_argo_env_key_in_the_source_is_in_the_argo_catalog(data):
    src = _function_source("plugins/argo/argo_workflows.py", "ArgoWorkflows._container_templates")
    keys = set(re.findall(r'"(METAFLOW_[A-Z0-9_]+)":', src)) | set(re.findall(r'env\["(METAFLOW_[A-Z0-9_]+)"\]', src))
    assert len(keys) > 30
    assert keys <= names(data, "argo-workflows")


def test_what_travels_differs_by_target(data):
    # FACTS.md: plain @kubernetes forwards the AWS and GCP client providers, Argo does not;
    # no target forwards the Azure one or the storage workload type.
    assert "METAFLOW_DEFAULT_AWS_CLIENT_PROVIDER" in names(data, "kubernetes", "config")
    assert "METAFLOW_DEFAULT_AWS_CLIENT_PROVIDER" not in names(data, "argo-workflows")
    for target in TARGETS:
        assert "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER" not in names(data, target)
        assert "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE" not in names(data, target)
        assert not data[target]["missing"], data[target]["missing"]


def test_service_url_comes_from_the_internal_url_everywhere(data):
    for target in TARGETS:
        [e] = [e for e in data[target]["entries"] if e["name"] == "METAFLOW_SERVICE_URL"]
        assert e["kind"] == "config" and e["refs"] == ["SERVICE_INTERNAL_URL"]


def test_prefix_passthrough_skip_list_and_secrets(data):
    for target in TARGETS:
        prefixes = [e["prefixes"] for e in data[target]["entries"] if e["kind"] == "prefix"]
        assert ["METAFLOW_CONDA_", "METAFLOW_DEBUG_"] in prefixes, target
    assert data["argo-workflows"]["skip_list"] == ["ARGO_WORKFLOWS_ENV_VARS_TO_SKIP"]
    assert data["kubernetes"]["skip_list"] == []  # forwarded there, never applied
    assert data["argo-workflows"]["secrets"] == ["ARGO_WORKFLOWS_KUBERNETES_SECRETS", "KUBERNETES_SECRETS"]
    assert data["kubernetes"]["secrets"] == ["KUBERNETES_SECRETS"]
    assert data["batch"]["secrets"] == []


def test_values_metaflow_sets_itself(data):
    def entry(target, name):
        return next(e for e in data[target]["entries"] if e["name"] == name)

    assert entry("argo-workflows", "METAFLOW_USER")["literal"] == "argo-workflows"
    assert entry("batch", "METAFLOW_DEFAULT_DATASTORE")["literal"] == "s3"
    assert entry("airflow", "METAFLOW_DEFAULT_METADATA")["literal"] == "service"
    assert entry("kubernetes", "METAFLOW_DEFAULT_DATASTORE")["kind"] == "set"
    assert entry("kubernetes", "METAFLOW_KUBERNETES_NAMESPACE")["kind"] == "fieldref"


def test_the_cached_catalog_carries_the_remote_part():
    cat = load_catalog()
    assert set(cat.data["remote"]) == set(TARGETS)


def _fake_pkg(tmp_path, body: str):
    d = tmp_path / "metaflow" / "plugins" / "kubernetes"
    d.mkdir(parents=True)
    (d / "kubernetes.py").write_text(textwrap.dedent(body))
    return str(tmp_path / "metaflow")


def test_synthetic_shapes(tmp_path):
    pkg = _fake_pkg(tmp_path, '''
        from metaflow.metaflow_config import A_URL, B_FLAG, SECRET_LIST_KUBERNETES_SECRETS

        class Kubernetes:
            def create_job_object(self, env):
                job = (self.job()
                       .environment_variable("METAFLOW_A", A_URL)
                       .environment_variable("METAFLOW_RUNTIME", "k8s"))
                if B_FLAG is not None:
                    job.environment_variable("METAFLOW_B", str(B_FLAG))
                for k, v in config_values():
                    if k.startswith("METAFLOW_X_"):
                        job.environment_variable(k, v)
                labels = {"app.kubernetes.io/name": "x", "METAFLOW_NOT_ENV": "y"}
                secrets = SECRET_LIST_KUBERNETES_SECRETS.split(",")
    ''')
    d = remote_data(pkg)["kubernetes"]
    by = {e["name"]: e for e in d["entries"] if e["name"]}
    assert by["METAFLOW_A"]["kind"] == "config" and by["METAFLOW_A"]["refs"] == ["A_URL"]
    assert by["METAFLOW_RUNTIME"] == dict(by["METAFLOW_RUNTIME"], kind="set", literal="k8s")
    assert by["METAFLOW_B"]["conditions"] == ["B_FLAG is not None"]
    assert [e["prefixes"] for e in d["entries"] if e["kind"] == "prefix"] == [["METAFLOW_X_"]]
    assert "METAFLOW_NOT_ENV" not in by  # a labels dict is not the environment
    assert d["secrets"] == ["SECRET_LIST_KUBERNETES_SECRETS"]
    # The job spec's file is absent here: said, never a silent pass.
    assert d["missing"] == ["plugins/kubernetes/kubernetes_job.py"]


def test_a_renamed_function_is_reported_missing(tmp_path):
    pkg = _fake_pkg(tmp_path, "class Kubernetes:\n    def build(self):\n        pass\n")
    assert "plugins/kubernetes/kubernetes.py:Kubernetes.create_job_object" in remote_data(pkg)["kubernetes"]["missing"]


def test_unparsable_plugin_file_is_missing_not_a_crash(tmp_path):
    pkg = _fake_pkg(tmp_path, "def (:\n")
    assert "plugins/kubernetes/kubernetes.py" in remote_data(pkg)["kubernetes"]["missing"]


def test_older_function_names_are_read(tmp_path):
    # Metaflow 2.9 builds the Job in Kubernetes.create_job and KubernetesJob.create.
    pkg = _fake_pkg(tmp_path, '''
        from metaflow.metaflow_config import A_URL

        class Kubernetes:
            def create_job(self):
                self.job().environment_variable("METAFLOW_A", A_URL)
    ''')
    d = remote_data(pkg)["kubernetes"]
    assert [e["name"] for e in d["entries"]] == ["METAFLOW_A"]
    assert d["missing"] == ["plugins/kubernetes/kubernetes_job.py"]
