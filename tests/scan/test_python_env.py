"""Python: only environment accesses are settings or reads. Identifiers, constants,
comments, docstrings, messages and format fields named like a setting yield nothing."""

from mfdoctor.scan import scan_text
from scan_helpers import col, occurrences


def occ(text, kind="python"):
    return occurrences(text, kind, "f.py")


# A UI backend serving its own settings (shapes from metaflow-service's frontend).
UI_BACKEND = '''\
import os

METAFLOW_SERVICE = os.environ.get("METAFLOW_SERVICE", "/")
METAFLOW_HEAD = os.environ.get("METAFLOW_HEAD", None)
METAFLOW_ARTIFACT_PREFETCH_RUNS_SINCE = os.environ.get("PREFETCH_RUNS_SINCE", 86400 * 2)
METAFLOW_PARALLEL_STEP_CLI_OPTIONS_TEMPLATE = ("{METAFLOW_PARALLEL_STEP_CLI_OPTIONS_TEMPLATE}")
ENV_EXECUTION_ID = "METAFLOW_FLYTE_EXECUTION_ID"
IS_DEBUG = 0  # os.environ.get("METAFLOW_DEBUG_FUNCTIONS", "") == "1"


def page(tmpl):
    """Serves the page; set METAFLOW_HEAD to inject tags."""
    if METAFLOW_HEAD:
        tmpl = tmpl.replace("</head>", "{METAFLOW_HEAD}</head>".format(METAFLOW_HEAD=METAFLOW_HEAD))
    script = '<script>window.METAFLOW_SERVICE="{METAFLOW_SERVICE}";</script>'
    assert METAFLOW_SERVICE, "METAFLOW_SERVICE is not set"
    return tmpl + script


METAFLOW_RUNS = Asset("metaflow://flows/x/run")
'''


def test_identifiers_constants_messages_and_format_fields_are_not_settings():
    assert occ(UI_BACKEND) == [
        ("METAFLOW_SERVICE", 3, col(UI_BACKEND, 3, '"METAFLOW_SERVICE"') + 1, "python-read", None, None),
        ("METAFLOW_HEAD", 4, col(UI_BACKEND, 4, '"METAFLOW_HEAD"') + 1, "python-read", None, None),
    ]


TESTS = '''\
import os
import subprocess
from unittest import mock


def test_run(monkeypatch, tmp_path, run_id):
    monkeypatch.setenv("METAFLOW_DEFAULT_DATASTORE", "local")
    monkeypatch.setenv("METAFLOW_DATASTORE_SYSROOT_AZURE", f"az://{tmp_path}/mf")
    monkeypatch.delenv("METAFLOW_PROFILE", raising=False)
    env = {**os.environ, "METAFLOW_USER": "tester", "METAFLOW_RUN_MAX_WORKERS": 4}
    subprocess.run(["python", "flow.py", "run"], env=dict(os.environ, METAFLOW_DEFAULT_METADATA="local"))
    subprocess.run(["env", "METAFLOW_CLICK_API_PROCESS_CONFIG=0", "python", "flow.py"])
    os.environ.update({"METAFLOW_DEBUG_S3CLIENT": "1"})
    os.environ.setdefault("METAFLOW_HOME", "/tmp/mf")
    self_env = {}
    self_env["METAFLOW_RUN_ID_BASE"] = run_id
    if "METAFLOW_KUBERNETES_NAMESPACE" in os.environ:
        pass
    with mock.patch.dict(os.environ, {"METAFLOW_SERVICE_URL": "http://localhost:8080/"}):
        pass
    ctx = {"name": "local", "user_environment": {"METAFLOW_S3_RETRY_COUNT": "0"}}
    cmd = ["--envvars", f"METAFLOW_FLOW_FILE={tmp_path}"]
    os.environ["METAFLOW_DATATOOLS_S3ROOT"] = "s3://bucket/%s" % run_id
'''


def test_environment_accesses_in_tests_and_launchers():
    got = occ(TESTS)
    by = {(n, ln): (c, v, t) for n, ln, _, c, v, t in got}
    assert by == {
        ("METAFLOW_DEFAULT_DATASTORE", 7): ("python-set", "local", None),
        ("METAFLOW_DATASTORE_SYSROOT_AZURE", 8): ("python-set", "az://{tmp_path}/mf", "{tmp_path}"),
        ("METAFLOW_PROFILE", 9): ("python-set", None, None),
        ("METAFLOW_USER", 10): ("python-set", "tester", None),
        ("METAFLOW_RUN_MAX_WORKERS", 10): ("python-set", 4, None),
        ("METAFLOW_DEFAULT_METADATA", 11): ("python-set", "local", None),
        ("METAFLOW_CLICK_API_PROCESS_CONFIG", 12): ("assignment", "0", None),
        ("METAFLOW_DEBUG_S3CLIENT", 13): ("python-set", "1", None),
        ("METAFLOW_HOME", 14): ("python-set", "/tmp/mf", None),
        ("METAFLOW_RUN_ID_BASE", 16): ("python-set", None, None),
        ("METAFLOW_KUBERNETES_NAMESPACE", 17): ("python-read", None, None),
        ("METAFLOW_SERVICE_URL", 19): ("python-set", "http://localhost:8080/", None),
        ("METAFLOW_S3_RETRY_COUNT", 21): ("python-set", "0", None),
        ("METAFLOW_FLOW_FILE", 22): ("assignment", "{tmp_path}", "{tmp_path}"),
        ("METAFLOW_DATATOOLS_S3ROOT", 23): ("python-set", "s3://bucket/%s", "%s"),
    }
    assert len(got) == len(by)  # one occurrence per access
    for name, line, column, *_ in got:
        assert TESTS.splitlines()[line - 1][column - 1:].startswith(name)
    user = [o for o in scan_text(TESTS, "python", "t.py").occurrences if o.name == "METAFLOW_USER"][0]
    assert (user.value_line, user.value_column) == (10, col(TESTS, 10, '"tester"'))


def test_metaflow_environment_decorator_and_format_call():
    text = ('from metaflow import FlowSpec, environment, step\n\n\nclass F(FlowSpec):\n'
            '    @environment(vars={"METAFLOW_CARD_LOCALROOT": "/tmp/cards"})\n'
            '    @step\n    def start(self):\n'
            '        os.environ["METAFLOW_CARD_S3ROOT"] = "s3://{}/cards".format(self.bucket)\n')
    assert [(n, ln, v, t) for n, ln, _, _, v, t in occ(text)] == [
        ("METAFLOW_CARD_LOCALROOT", 5, "/tmp/cards", None),
        ("METAFLOW_CARD_S3ROOT", 8, "s3://{}/cards", "{}"),
    ]


def test_code_generators_and_regexes_are_text():
    text = ('import re\n'
            'cb.emit("_extra_env[\'METAFLOW_PREFECT_FLOW_RUN_ID\'] = str(ctx.id)")\n'
            'm = re.search(r\'os\\.environ\\.get\\("METAFLOW_FLYTE_FLOW_FILE", (.+)\\)\', src)\n'
            'INVALID = ["METAFLOW_SOMETHING_OR_OTHER", "1BAD"]\n'
            'help_text = "(sets METAFLOW_FLYTE_FLOW_FILE env var)."\n')
    assert occ(text) == []


def test_starlark_tiltfile_dicts_are_config():
    text = ('config = {\n    "METAFLOW_KUBERNETES_JOB_TTL_SECONDS_AFTER_FINISHED": 300,\n'
            '    "METAFLOW_SFN_CLIENT_PARAMS": {"endpoint_url": "http://localhost:8082"},\n}\n'
            'config["METAFLOW_KUBERNETES_SECRETS"] = ",".join(secrets)\n'
            'args = " --inject-env METAFLOW_SERVICE_URL=http://host.docker.internal:8080"\n')
    got = occ(text, "tiltfile")
    assert got == [
        ("METAFLOW_KUBERNETES_JOB_TTL_SECONDS_AFTER_FINISHED", 2, 6, "config-map", 300, None),
        ("METAFLOW_SFN_CLIENT_PARAMS", 3, 6, "config-map", None, None),
        ("METAFLOW_KUBERNETES_SECRETS", 5, 9, "config-map", None, None),
        ("METAFLOW_SERVICE_URL", 6, col(text, 6, "METAFLOW_"), "assignment",
         "http://host.docker.internal:8080", None),
    ]
