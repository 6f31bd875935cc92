"""Whatever the input, mfdoctor prints no secret and no traceback, and keeps its exit codes."""

import json
import os
import subprocess
import sys

import pytest


def run(args, tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("METAFLOW_", "AZURE_"))}
    base.update(MFDOCTOR_CACHE_DIR=str(tmp_path / "cache"), METAFLOW_HOME=str(tmp_path / "home"),
                USER="alice")
    base.update(env)
    return subprocess.run([sys.executable, "-m", "mfdoctor"] + args, cwd=tmp_path, env=base,
                          capture_output=True)


FORMATS = [["show", "--all"], ["show", "--all", "--format", "json"], ["show", "--format", "env"],
           ["lint", "--format", "json"], ["lint", "--format", "sarif"], ["lint", "--format", "github"],
           ["check", "--offline"], ["check", "--offline", "--format", "json"],
           ["check", "--offline", "--format", "markdown"], ["check", "--offline", "--format", "junit"],
           ["check", "--offline", "--format", "sarif"], ["check", "--offline", "--format", "github"]]


@pytest.mark.parametrize("args", FORMATS, ids=" ".join)
def test_secrets_never_appear(tmp_path, args):
    secrets = {
        "METAFLOW_SERVICE_AUTH_KEY": "authkey-0001",
        "METAFLOW_SERVICE_URL": "https://bob:urlpass-0002@md.example.com/",
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT":
            "https://acct.blob.core.windows.net/?sv=2022-11-02&sig=sassig-0003",
        "METAFLOW_PRODUCTION_TOKEN": "prodtoken-0004",
        "METAFLOW_SERVICE_HEADERS": '{"Authorization": "Bearer header-0005"}',
    }
    proc = run(args, tmp_path, **secrets)
    out = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), out
    for marker in ("authkey-0001", "urlpass-0002", "sassig-0003", "prodtoken-0004", "header-0005"):
        assert marker.encode() not in out, (marker, out.decode(errors="replace")[-3000:])


def test_explain_of_a_directly_read_secret_is_redacted(tmp_path):
    proc = run(["explain", "PRODUCTION_TOKEN"], tmp_path, METAFLOW_PRODUCTION_TOKEN="prodtoken-0004")
    assert proc.returncode == 0 and b"prodtoken-0004" not in proc.stdout


def test_inline_secret_values_in_flow_files_are_not_echoed(tmp_path):
    flow = tmp_path / "flow.py"
    flow.write_text(
        "from metaflow import FlowSpec, step, secrets\n"
        "class F(FlowSpec):\n"
        "    @secrets(sources=[{'type': 'inline', 'id': 'x', 'options': {'env_vars': {'A': 'inline-0006'}},"
        " 'bogus': 1}])\n"
        "    @step\n"
        "    def start(self):\n"
        "        self.next(self.end)\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n")
    proc = run(["check", "--offline", "--flow", str(flow), "--format", "json"], tmp_path)
    assert b"inline-0006" not in proc.stdout + proc.stderr
    assert any(f["check"] == "flow.secrets" and f["severity"] == "warning"
               for f in json.loads(proc.stdout)["findings"])


@pytest.mark.parametrize("args", [["lint", "[/x]"], ["show", "[/x]"], ["check", "--flow", "[/x]"]],
                         ids=" ".join)
def test_markup_like_input_is_text_not_a_crash(tmp_path, args):
    proc = run(args, tmp_path)
    assert b"Traceback" not in proc.stderr and b"internal error" not in proc.stderr
    assert proc.returncode in (0, 2)


def test_markup_like_value_is_printed_verbatim(tmp_path):
    proc = run(["explain", "DEFAULT_DATASTORE"], tmp_path, METAFLOW_DEFAULT_DATASTORE="[/x]")
    assert proc.returncode == 0 and b"[/x]" in proc.stdout


def test_secret_flag_runs_azure_checks_even_when_azure_is_not_configured(tmp_path):
    proc = run(["check", "--offline", "--secret", "bad_name", "--format", "json"], tmp_path)
    checks = {(f["check"], f["severity"]) for f in json.loads(proc.stdout)["findings"]}
    assert ("azure.secret-id", "error") in checks and proc.returncode == 1


def test_json_report_stays_parseable_with_undecodable_input(tmp_path):
    proc = run(["check", "--offline", "--secret", os.fsdecode(b"\xff\xfe"), "--format", "json"], tmp_path)
    doc = json.loads(proc.stdout.decode("utf-8"))
    assert doc["schema"] == "mfdoctor/report/v1"
