"""Broken configurations, proven broken by the real Metaflow.

For each case the real Metaflow runs in a subprocess with the case's
environment, working directory and config files, and must fail (at `import
metaflow`, when a flow starts, or at first use of the thing configured). Then
`mfdoctor lint` (the real CLI, as a subprocess, same environment) must exit 1
with an error that names the key or the file (with line and column for files),
and print no traceback. All subprocesses of the module run concurrently.
"""

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from env_helpers import PYTHON, clean_env, run_mfdoctor

FLOW = '''from metaflow import FlowSpec, step


class Hello(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    Hello()
'''

# How each case is proven broken.
PROOF = {
    "import": ["-c", "import metaflow"],
    "flow": ["hello.py", "--no-pylint", "show"],
    "blob-client": ["-c", "from metaflow.plugins.azure.blob_service_client_factory import "
                    "get_azure_blob_service_client as g; g()"],
    "azure-credential": ["-c", "from metaflow.plugins.azure.azure_utils import "
                         "create_cacheable_azure_credential as c; c()"],
    "secrets-backend": ["-c", "from metaflow.plugins.secrets.utils import get_secrets_backend_provider as g, "
                        "get_default_secrets_backend_type as d; g(d())"],
}

# id: (env, files {relative path: text or bytes} ("~/" = HOME), proof, lint args,
#      expected (check, key or None, file suffix or None))
CASES = {
    "workload-type-env": ({"METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": "highCpu"}, {}, "import", [],
                          ("config.invalid-value", "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE", None)),
    "enabled-datastore-string": ({"METAFLOW_ENABLED_DATASTORE": "azure"}, {}, "import", [],
                                 ("config.unknown-plugin", "METAFLOW_ENABLED_DATASTORE", None)),
    "enabled-datastore-unknown-in-file": (
        {}, {"~/.metaflowconfig/config.json": '{\n  "METAFLOW_ENABLED_DATASTORE": ["local", "azur"]\n}\n'},
        "import", [], ("config.unknown-plugin", "METAFLOW_ENABLED_DATASTORE", ".metaflowconfig/config.json")),
    "profile-trailing-comma": (
        {}, {"~/.metaflowconfig/config.json": '{\n  "METAFLOW_DEFAULT_DATASTORE": "local",\n}\n'},
        "import", [], ("config.file-invalid", None, ".metaflowconfig/config.json")),
    "local-config-invalid": ({}, {".metaflow/config.json": '{"METAFLOW_USER": "a"'}, "import", [],
                             ("config.file-invalid", None, ".metaflow/config.json")),
    "config-not-an-object": ({}, {"~/.metaflowconfig/config.json": '["METAFLOW_USER"]'}, "import", [],
                             ("config.file-invalid", None, ".metaflowconfig/config.json")),
    "config-not-utf8": ({}, {"~/.metaflowconfig/config.json": b'{"METAFLOW_USER": "caf\xe9"}'}, "import", [],
                        ("config.file-invalid", None, ".metaflowconfig/config.json")),
    "profile-missing": ({"METAFLOW_PROFILE": "nope"}, {}, "import", [],
                        ("config.profile-missing", "METAFLOW_PROFILE", None)),
    "int-not-a-number": ({"METAFLOW_S3_RETRY_COUNT": "seven"}, {}, "import", [],
                         ("config.invalid-value", "METAFLOW_S3_RETRY_COUNT", None)),
    "derived-int-not-a-number": ({"METAFLOW_DEFAULT_RUNTIME_LIMIT": "5days"}, {}, "import", [],
                                 ("config.invalid-value", "METAFLOW_DEFAULT_RUNTIME_LIMIT", None)),
    "dict-given-a-list": ({"METAFLOW_BATCH_DEFAULT_TAGS": "[1]"}, {}, "import", [],
                          ("config.invalid-value", "METAFLOW_BATCH_DEFAULT_TAGS", None)),
    "dict-bad-json": ({"METAFLOW_SERVICE_HEADERS": "{x: 1}"}, {}, "import", [],
                      ("config.invalid-value", "METAFLOW_SERVICE_HEADERS", None)),
    "bool-key-number-in-file": (
        {}, {"~/.metaflowconfig/config.json": '{\n  "METAFLOW_DEBUG_S3CLIENT": 0\n}\n'}, "import", [],
        ("config.invalid-value", "METAFLOW_DEBUG_S3CLIENT", ".metaflowconfig/config.json")),
    "datastore-typo": ({"METAFLOW_DEFAULT_DATASTORE": "azur"}, {}, "flow", [],
                       ("config.unknown-plugin", "METAFLOW_DEFAULT_DATASTORE", None)),
    "datastore-empty": ({"METAFLOW_DEFAULT_DATASTORE": ""}, {}, "flow", [],
                        ("config.unknown-plugin", "METAFLOW_DEFAULT_DATASTORE", None)),
    "datastore-typo-in-local-file": (
        {}, {".metaflow/config.json": '{\n  "METAFLOW_DEFAULT_DATASTORE": "azur"\n}\n'}, "flow", [],
        ("config.unknown-plugin", "METAFLOW_DEFAULT_DATASTORE", ".metaflow/config.json")),
    "datastore-not-enabled": (
        {"METAFLOW_DEFAULT_DATASTORE": "azure"},
        {"~/.metaflowconfig/config.json": '{"METAFLOW_ENABLED_DATASTORE": ["local", "s3"]}'}, "flow", [],
        ("config.unknown-plugin", "METAFLOW_DEFAULT_DATASTORE", None)),
    "metadata-typo": ({"METAFLOW_DEFAULT_METADATA": "servic"}, {}, "flow", [],
                      ("config.unknown-plugin", "METAFLOW_DEFAULT_METADATA", None)),
    "environment-typo": ({"METAFLOW_DEFAULT_ENVIRONMENT": "condaa"}, {}, "flow", [],
                         ("config.unknown-plugin", "METAFLOW_DEFAULT_ENVIRONMENT", None)),
    "event-logger-typo": ({"METAFLOW_DEFAULT_EVENT_LOGGER": "debuglogger"}, {}, "flow", [],
                          ("config.unknown-plugin", "METAFLOW_DEFAULT_EVENT_LOGGER", None)),
    "monitor-typo": ({"METAFLOW_DEFAULT_MONITOR": "debugmonitor"}, {}, "flow", [],
                     ("config.unknown-plugin", "METAFLOW_DEFAULT_MONITOR", None)),
    "azure-without-sysroot": ({"METAFLOW_DEFAULT_DATASTORE": "azure"}, {}, "flow", [],
                              ("config.missing-required", "METAFLOW_DATASTORE_SYSROOT_AZURE", None)),
    "azure-without-endpoint": (
        {"METAFLOW_DEFAULT_DATASTORE": "azure", "METAFLOW_DATASTORE_SYSROOT_AZURE": "c/p"}, {},
        "blob-client", [], ("config.missing-required", "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT", None)),
    "s3-without-sysroot": ({"METAFLOW_DEFAULT_DATASTORE": "s3"}, {}, "flow", [],
                           ("config.missing-required", "METAFLOW_DATASTORE_SYSROOT_S3", None)),
    "gs-without-sysroot": ({"METAFLOW_DEFAULT_DATASTORE": "gs"}, {}, "flow", [],
                           ("config.missing-required", "METAFLOW_DATASTORE_SYSROOT_GS", None)),
    "service-without-url": ({"METAFLOW_DEFAULT_METADATA": "service"}, {}, "flow", [],
                            ("config.missing-required", "METAFLOW_SERVICE_URL", None)),
    "azure-client-provider": ({"METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER": "azure-cli"}, {}, "azure-credential", [],
                              ("config.unknown-plugin", "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER", None)),
    "secrets-backend-typo": ({"METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": "azure-key-vault"}, {}, "secrets-backend",
                             [], ("config.unknown-plugin", "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE", None)),
    # Values written in repository files, linted as files; the proof runs
    # Metaflow with the value the file sets.
    "dockerfile-datastore-typo": (
        {"METAFLOW_DEFAULT_DATASTORE": "azur"},
        {"repo/Dockerfile": "FROM python:3.11\nENV METAFLOW_USER=ci \\\n    METAFLOW_DEFAULT_DATASTORE=azur\n"},
        "flow", ["repo"], ("config.unknown-plugin", "METAFLOW_DEFAULT_DATASTORE", "repo/Dockerfile:3:32")),
    "dotenv-enabled-string": (
        {"METAFLOW_ENABLED_DATASTORE": "azure,local"},
        {"repo/.env": "METAFLOW_ENABLED_DATASTORE=azure,local\n"},
        "import", ["repo/.env"], ("config.unknown-plugin", "METAFLOW_ENABLED_DATASTORE", "repo/.env:1:28")),
    "k8s-workload-type": (
        {"METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": "highMemory"},
        {"repo/deploy/pod.yaml": "spec:\n  containers:\n    - env:\n        - name: METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE\n"
                                 "          value: highMemory\n"},
        "import", ["repo"], ("config.invalid-value", "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE",
                             "repo/deploy/pod.yaml:5:18")),
    "compose-int": (
        {"METAFLOW_S3_WORKER_COUNT": "sixty"},
        {"repo/docker-compose.yml": "services:\n  flow:\n    environment:\n      - METAFLOW_S3_WORKER_COUNT=sixty\n"},
        "import", ["repo"], ("config.invalid-value", "METAFLOW_S3_WORKER_COUNT", "repo/docker-compose.yml:4:34")),
    "checked-in-profile-trailing-comma": (
        {},
        {"repo/.metaflowconfig/config.json": '{\n  "METAFLOW_DEFAULT_DATASTORE": "local",\n}\n',
         "~/.metaflowconfig/config.json": '{\n  "METAFLOW_DEFAULT_DATASTORE": "local",\n}\n'},
        "import", ["repo"], ("config.file-invalid", None, "repo/.metaflowconfig/config.json:3:1")),
}


def _setup(tmp_root, case_id, case):
    env_extra, files, _, _, _ = case
    base = tmp_root / case_id
    home = base / "home"
    cwd = base / "work"
    (home / ".metaflowconfig").mkdir(parents=True)
    cwd.mkdir()
    (cwd / "hello.py").write_text(FLOW)
    for rel, text in files.items():
        path = home / rel[2:] if rel.startswith("~/") else cwd / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return home, cwd, clean_env(home, **env_extra)


def _run_case(tmp_root, case_id):
    case = CASES[case_id]
    home, cwd, env = _setup(tmp_root, case_id, case)
    proof = subprocess.run([PYTHON] + PROOF[case[2]], env=env, cwd=str(cwd), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
    lint_env = dict(env)
    if case[3]:
        # Files mode: lint the files, in a clean environment (so the verdict comes
        # from the file, not from the variables the proof needed).
        lint_env = clean_env(home)
    lint = run_mfdoctor(["lint", "--format", "json"] + case[3], lint_env, cwd)
    human = run_mfdoctor(["lint"] + case[3], lint_env, cwd)
    return proof, lint, human


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, cache_dir):
    root = tmp_path_factory.mktemp("broken")
    # Warm the catalog cache once, so the concurrent runs do not all build it.
    run_mfdoctor(["lint", "--format", "json"], clean_env(root), root)
    with ThreadPoolExecutor(max_workers=4) as ex:
        futs = {cid: ex.submit(_run_case, root, cid) for cid in CASES}
        return {cid: f.result() for cid, f in futs.items()}


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_metaflow_fails_and_lint_reports_it(outcomes, case_id):
    proof, lint, human = outcomes[case_id]
    check, key, where = CASES[case_id][4]
    assert proof.returncode != 0, "Metaflow did not fail:\n" + proof.stdout[-2000:]
    assert lint.returncode == 1, lint.stdout + lint.stderr
    for p in (lint, human):
        assert "Traceback" not in p.stdout + p.stderr
    assert human.returncode == 1
    data = json.loads(lint.stdout)
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    match = [f for f in errors if f["check"] == check and (key is None or f["key"] == key)]
    assert match, json.dumps(errors, indent=1)
    f = match[0]
    if where:
        loc = f["location"]
        assert loc is not None
        shown = "%s:%s:%s" % (loc["path"], loc["line"], loc["column"])
        if ":" in where:
            assert shown.endswith(where), shown
        else:
            assert loc["path"].endswith(where) and loc["line"] and loc["column"], shown
        assert where.split(":")[0] in human.stdout
    if key:
        assert key in f["message"] or key in human.stdout
    assert f["fix"]
