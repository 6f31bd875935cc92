"""Differential: what `mfdoctor show --target T` says a task receives, against what the real
Metaflow puts into the task's container, with no cluster.

- Argo Workflows: `python flow.py argo-workflows create --only-json` prints the
  WorkflowTemplate; it uploads the code package, so the Azure datastore runs on Azurite
  with the local token endpoint.
- Kubernetes: `python flow.py run --with kubernetes` against a fake API server
  (harness/fakekube.py) that records the Job `kubernetes step` submits.
- Airflow: `python flow.py airflow create dag.py` writes the DAG, its CONFIG a literal.

Each seed generates a local configuration (keys Metaflow forwards, keys it does not,
DEBUG_*/CONDA_* values of every shape, in the environment, the project file and the
profile file, sometimes in two layers at once). For the `start` step's container:
- the literal entries whose name is a config key (the set Metaflow itself registers)
  equal mfdoctor's `forwarded`, `flow` and known `metaflow` entries, name and value
  (the secret SERVICE_HEADERS by fingerprint);
- no name mfdoctor lists in `not_forwarded` appears anywhere in the template or job.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import random
import subprocess
import sys
import uuid

import pytest
from conftest import HERE, base_env

from harness.fakekube import kubeconfig, start_fake_kube
from harness.identity import identity_env

REPO = os.path.dirname(os.path.dirname(HERE))
FLOW = os.path.join(HERE, "flows", "hello_remote.py")

DECO_FLOW = open(FLOW, encoding="utf-8").read().replace(
    "from metaflow import FlowSpec, step",
    "from metaflow import FlowSpec, step, environment").replace(
    "    @step\n    def start", "    @environment(vars={\"METAFLOW_DEFAULT_DATASTORE\": \"from-deco\", "
    "\"METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE\": \"general\", \"MY_VAR\": \"x\", "
    "\"METAFLOW_SERVICE_INTERNAL_URL\": \"http://from-deco:8080\"})\n    @step\n    def start")

SECRET = "sekrit-%d"

# key -> values it may take (strings for the environment; files get the same, or JSON).
POOL = {
    "SERVICE_URL": ["http://localhost:8080/api", "https://mf.example.com/api"],
    "SERVICE_INTERNAL_URL": ["http://mf.default.svc:8080/api"],
    "SERVICE_AUTH_KEY": [SECRET],
    "SERVICE_HEADERS": ['{"a": "b"}'],
    "DATASTORE_SYSROOT_S3": ["s3://bucket/mf"],
    "DATATOOLS_S3ROOT": ["s3://bucket/data"],
    "S3_ENDPOINT_URL": ["http://127.0.0.1:9"],
    "S3_SERVER_SIDE_ENCRYPTION": ["aws:kms"],
    "DATASTORE_SYSROOT_GS": ["gs://bucket/mf"],
    "CARD_AZUREROOT": ["cards/mf"],
    "DEFAULT_SECRETS_BACKEND_TYPE": ["az-key-vault"],
    "AZURE_KEY_VAULT_PREFIX": ["https://v1.vault.azure.net/", ""],
    "GCP_SECRET_MANAGER_PREFIX": ["projects/1/secrets/"],
    "AWS_SECRETS_MANAGER_DEFAULT_REGION": ["eu-west-1"],
    "DEFAULT_AWS_CLIENT_PROVIDER": ["boto3"],
    "DEFAULT_GCP_CLIENT_PROVIDER": ["gcp-default"],
    "DEFAULT_AZURE_CLIENT_PROVIDER": ["azure-default"],
    "AZURE_STORAGE_WORKLOAD_TYPE": ["general", "high_throughput"],
    "GS_STORAGE_WORKLOAD_TYPE": ["high_throughput"],
    "OTEL_SERVICE_NAME": ["svc-a"],
    "KUBERNETES_FETCH_EC2_METADATA": ["true", "1", "no", "", "false", True, False],
    "KUBERNETES_SANDBOX_INIT_SCRIPT": ["echo hi"],
    "KUBERNETES_NAMESPACE": ["ns-a"],
    "KUBERNETES_SECRETS": ["k-one"],
    "ARGO_WORKFLOWS_KUBERNETES_SECRETS": ["a-one,a-two"],
    "ARGO_WORKFLOWS_ENV_VARS_TO_SKIP": ["METAFLOW_CARD_AZUREROOT,METAFLOW_DEBUG_S3CLIENT", "MY_VAR"],
    "ARGO_EVENTS_INTERNAL_WEBHOOK_URL": ["http://wh.argo:12000"],
    "ARGO_EVENTS_EVENT_BUS": ["bus-a"],
    "ARGO_EVENTS_SERVICE_ACCOUNT": ["sa-a"],
    "ARGO_EVENTS_EVENT": ["ev-a"],
    "DEBUG_S3CLIENT": ["1", "yes", "", "0", True],
    "DEBUG_CONDA": ["true", "false"],
    "CONDA_PACKAGE_AZUREROOT": ["conda/pkgs"],
    "CONDA_PACKAGE_S3ROOT": [""],
    "CONDA_USE_FAST_INIT": ["yes", ""],
    "USER": ["alice"],
    "KUBERNETES_CONTAINER_IMAGE": ["python:3.11"],
    "CARD_LOCALROOT": ["/tmp/cards"],
}


def scenario(seed: int):
    """(environment additions, project file, profile file) for one seed."""
    rng = random.Random(seed)
    env, local, prof = {}, {}, {}
    for key in rng.sample(sorted(POOL), rng.randint(6, 14)):
        value = rng.choice(POOL[key])
        if value == SECRET:
            value = SECRET % seed
        for layer in rng.sample(["env", "local", "profile"], rng.choice([1, 1, 1, 2])):
            target = {"env": env, "local": local, "profile": prof}[layer]
            if layer == "env":
                if isinstance(value, bool):
                    value = "true" if value else "false"
                target["METAFLOW_" + key] = value
            else:
                target["METAFLOW_" + key] = value
    return env, local, prof


@pytest.fixture(scope="module")
def remote_base(azurite, identity, certs):
    container = "remote-%s" % uuid.uuid4().hex[:12]
    azurite.admin().create_container(container)
    env = dict(identity_env(identity, "healthy"))
    env.update({
        "METAFLOW_DEFAULT_DATASTORE": "azure",
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": azurite.url,
        "METAFLOW_DATASTORE_SYSROOT_AZURE": "%s/metaflow" % container,
    })
    return env, certs[0]


@pytest.fixture(scope="module")
def config_names(remote_base, tmp_path_factory):
    """Every config variable the real Metaflow registers (its own oracle of "a config key")."""
    tmp = tmp_path_factory.mktemp("names")
    env = dict(base_env(tmp, remote_base[1]), **remote_base[0])
    p = subprocess.run([sys.executable, "-c",
                        "import json, metaflow, metaflow.metaflow_config_funcs as f;"
                        "print(json.dumps(sorted(f._all_configs)))"],
                       env=env, cwd=str(tmp), capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return set(json.loads(p.stdout.strip().splitlines()[-1]))


def setup(tmp_path, remote_base, seed: int, flow_text: str):
    env_add, local, prof = scenario(seed)
    env = dict(base_env(tmp_path, remote_base[1]), **remote_base[0])
    # A sysroot per test: deployments keep production tokens there, per flow name.
    env["METAFLOW_DATASTORE_SYSROOT_AZURE"] += "-%d" % seed
    env.update(env_add)
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "flow.py").write_text(flow_text)
    if local:
        (proj / ".metaflow").mkdir()
        (proj / ".metaflow" / "config.json").write_text(json.dumps(local))
    home = tmp_path / "home" / ".metaflowconfig"
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.json").write_text(json.dumps(prof))
    return env, str(proj)


def mfdoctor_view(env, cwd, target) -> dict:
    p = subprocess.run([sys.executable, "-m", "mfdoctor", "--fingerprints", "show", "--target", target,
                        "--all", "--format", "json"], env=dict(env, PYTHONPATH=REPO), cwd=cwd,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert SECRET.split("-")[0] + "-" not in p.stdout  # the auth key is never printed
    return json.loads(p.stdout)


def argo_env(env, cwd) -> tuple:
    p = subprocess.run([sys.executable, "flow.py", "--no-pylint", "argo-workflows", "create",
                        "--only-json"], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    doc = json.loads(p.stdout[p.stdout.index("{"):])
    [start] = [t for t in doc["spec"]["templates"] if t["name"] == "start"]
    return start["container"]["env"], doc


def kube_env(env, cwd, fake) -> tuple:
    fake.jobs.clear()
    env = dict(env, KUBECONFIG=kubeconfig(fake, os.path.join(cwd, "kubeconfig")))
    p = subprocess.run([sys.executable, "flow.py", "--no-pylint", "run", "--with", "kubernetes"],
                       env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert fake.jobs, "no Job was submitted:\n" + (p.stdout + p.stderr)[-3000:]
    job = fake.jobs[0]["body"]
    return job["spec"]["template"]["spec"]["containers"][0]["env"], job


def airflow_env(env, cwd) -> tuple:
    """`airflow create` writes a DAG file whose CONFIG is a Python literal (values not str()'d)."""
    out = os.path.join(cwd, "dag.py")
    p = subprocess.run([sys.executable, "flow.py", "--no-pylint", "airflow", "create", out],
                       env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    tree = ast.parse(open(out, encoding="utf-8").read())
    config = next(n.value for n in tree.body if isinstance(n, ast.Assign)
                  and getattr(n.targets[0], "id", None) == "CONFIG")
    conf = ast.literal_eval(config)
    return conf["states"]["start"]["operator_args"]["env_vars"], conf


def fingerprint(name: str, value) -> str:
    # The documented fingerprint (`--fingerprints`): scrypt of the JSON text (sorted keys),
    # salted with the key name, 8 bytes in hex.
    salt = ("mfdoctor-fingerprint:" + name).encode()
    data = json.dumps(value, sort_keys=True).encode()
    return "scrypt:" + hashlib.scrypt(data, salt=salt, n=1 << 14, r=8, p=1, dklen=8).hex()


def compare(view: dict, env_list: list, whole: dict, config_names: set):
    literal = {e["name"]: e["value"] for e in env_list if e.get("value") is not None}
    actual = {k: v for k, v in literal.items() if k in config_names}
    keys = {k["name"]: k for k in view["keys"]}
    predicted, per_task = {}, set()
    for name, k in keys.items():
        if k["source"] in ("forwarded", "flow", "metaflow") and "sent_when" not in k:
            if "sent" in k:
                predicted[name] = k["sent"]
            elif k["source"] == "metaflow":
                per_task.add(name)  # computed per task: only its presence is checkable
    names = {e["name"] for e in env_list}  # literal or fieldRef
    assert per_task <= names, per_task - names
    for name in per_task:
        actual.pop(name, None)
    headers = "METAFLOW_SERVICE_HEADERS"
    if headers in actual:
        assert keys[headers]["fingerprint"] == fingerprint(headers, json.loads(actual[headers]))
        actual[headers] = predicted.get(headers)
    assert predicted == actual
    sent_names = {e["name"] for e in _all_env(whole)}
    leaked = {n["name"] for n in view["not_forwarded"]} & sent_names
    assert not leaked, leaked


def _all_env(node):
    """Every env entry anywhere in a template or job (all containers, hooks included)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "env" and isinstance(v, list):
                yield from (e for e in v if isinstance(e, dict) and "name" in e)
            else:
                yield from _all_env(v)
    elif isinstance(node, list):
        for v in node:
            yield from _all_env(v)


SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
def test_argo_template_matches(seed, tmp_path, remote_base, config_names):
    pytest.importorskip("kubernetes")  # argo-workflows create builds the template with it
    flow = DECO_FLOW if seed % 4 == 3 else open(FLOW, encoding="utf-8").read()
    env, cwd = setup(tmp_path, remote_base, seed, flow)
    view = mfdoctor_view(env, cwd, "argo-workflows")
    env_list, whole = argo_env(env, cwd)
    compare(view, env_list, whole, config_names)


@pytest.fixture(scope="module")
def fake_kube():
    srv = start_fake_kube()
    yield srv
    srv.stop()


@pytest.mark.parametrize("seed", range(100, 106))
def test_kubernetes_job_matches(seed, tmp_path, remote_base, config_names, fake_kube):
    pytest.importorskip("kubernetes")
    flow = DECO_FLOW if seed % 3 == 2 else open(FLOW, encoding="utf-8").read()
    env, cwd = setup(tmp_path, remote_base, seed, flow)
    view = mfdoctor_view(env, cwd, "kubernetes")
    env_list, job = kube_env(env, cwd, fake_kube)
    compare(view, env_list, job, config_names)


@pytest.mark.parametrize("seed", range(200, 204))
def test_airflow_dag_matches(seed, tmp_path, remote_base, config_names):
    pytest.importorskip("kubernetes")
    flow = DECO_FLOW if seed % 2 else open(FLOW, encoding="utf-8").read()
    env, cwd = setup(tmp_path, remote_base, seed, flow)
    view = mfdoctor_view(env, cwd, "airflow")
    env_list, conf = airflow_env(env, cwd)
    compare(view, env_list, conf, config_names)


def test_scenarios_cover_every_layer_and_shape():
    """The seeds exercise what the differential claims: each layer, overrides, empty values."""
    layers, empties, both = set(), 0, 0
    for seed in list(SEEDS) + list(range(100, 106)):
        env, local, prof = scenario(seed)
        layers |= {n for n, d in (("env", env), ("local", local), ("profile", prof)) if d}
        empties += sum(v == "" for d in (env, local, prof) for v in d.values())
        both += len((set(env) & set(prof)) | (set(env) & set(local)) | (set(local) & set(prof)))
    assert layers == {"env", "local", "profile"} and empties and both

