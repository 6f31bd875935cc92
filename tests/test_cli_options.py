"""The CLI's conventions: global options before or after the command, --version, -q,
--output-file, --exit-zero, --select/--ignore on check, --color, MFDOCTOR_CATALOG."""

import json
import os
import re

import pytest

from env_helpers import clean_env, run_mfdoctor

ESC = "\x1b["


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    # USER root: user.identity fails, so check has an error to report.
    return clean_env(home, METAFLOW_HOME=str(home), MFDOCTOR_CACHE_DIR=str(tmp_path / "cache"),
                     USER="root", USERNAME="", METAFLOW_DEBUG_S3CLIENT="no")


@pytest.mark.parametrize("args", [["-v", "check", "--offline"], ["check", "--offline", "-v"],
                                  ["check", "-v", "--offline"]], ids=" ".join)
def test_verbose_before_or_after_the_command(env, tmp_path, args):
    p = run_mfdoctor(args, env, tmp_path)
    assert p.returncode == 1, p.stderr
    assert "Timings" in p.stdout


@pytest.mark.parametrize("args", [["--color", "always", "lint"], ["lint", "--color", "always"]], ids=" ".join)
def test_color_always_colours_a_pipe_and_beats_no_color(env, tmp_path, args):
    env = dict(env, NO_COLOR="1")
    p = run_mfdoctor(args, env, tmp_path)
    assert ESC in p.stdout


@pytest.mark.parametrize("args", [["lint", "--no-color"], ["--no-color", "lint"], ["lint", "--color", "never"]],
                         ids=" ".join)
def test_no_color_before_or_after(env, tmp_path, args):
    p = run_mfdoctor(args, dict(env, FORCE_COLOR="1"), tmp_path)
    assert p.returncode == 0, p.stderr
    assert ESC not in p.stdout and "config.ambiguous-bool" in p.stdout


def test_profile_before_or_after(env, tmp_path):
    (tmp_path / "home" / "config_dev.json").write_text('{"METAFLOW_DEFAULT_DATASTORE": "azure"}')
    for args in (["--profile", "dev", "show", "--format", "json"], ["show", "--format", "json", "-p", "dev"]):
        doc = json.loads(run_mfdoctor(args, env, tmp_path).stdout)
        assert {k["name"]: k["value"] for k in doc["keys"]}["METAFLOW_DEFAULT_DATASTORE"] == "azure"


def test_version_names_metaflow_and_the_catalog(env, tmp_path):
    from importlib.metadata import version

    p = run_mfdoctor(["--version"], env, tmp_path)
    assert p.returncode == 0
    lines = p.stdout.splitlines()
    assert re.fullmatch(r"mfdoctor \d+\.\d+\.\d+", lines[0])
    assert lines[1] == "Metaflow %s" % version("metaflow")
    assert lines[2].startswith("key catalog: installed (read from ") and lines[2].endswith("metaflow)")
    p = run_mfdoctor(["--version"], dict(env, MFDOCTOR_CATALOG="bundled"), tmp_path)
    assert "key catalog: bundled snapshot of Metaflow" in p.stdout and "MFDOCTOR_CATALOG=bundled" in p.stdout


def test_catalog_setting_is_checked(env, tmp_path):
    p = run_mfdoctor(["show"], dict(env, MFDOCTOR_CATALOG="bogus"), tmp_path)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "MFDOCTOR_CATALOG=bogus is not one of auto, bundled, parse" in p.stderr
    p = run_mfdoctor(["show"], dict(env, MFDOCTOR_CATALOG="bundled"), tmp_path)
    assert p.returncode == 0 and "(MFDOCTOR_CATALOG=bundled)" in p.stdout


def test_quiet_prints_only_what_to_act_on(env, tmp_path):
    loud = run_mfdoctor(["check", "--offline"], env, tmp_path)
    for args in (["-q", "check", "--offline"], ["check", "--offline", "--quiet"]):
        p = run_mfdoctor(args, env, tmp_path)
        assert p.returncode == loud.returncode == 1
        assert "user.identity" in p.stdout and "config.ambiguous-bool" in p.stdout
        assert "mfdoctor check" not in p.stdout and "FAILED" not in p.stdout and "✓" not in p.stdout
        assert "FAILED" in loud.stdout and "✓" in loud.stdout


def test_output_file_and_exit_zero(env, tmp_path):
    out = tmp_path / "report.json"
    p = run_mfdoctor(["check", "--offline", "--format", "json", "--output-file", str(out), "--exit-zero"],
                     env, tmp_path)
    assert p.returncode == 0 and p.stdout == ""
    doc = json.loads(out.read_text())
    assert doc["exit_code"] == 1  # the verdict stands; only the process exits 0
    p = run_mfdoctor(["lint", "-o", str(tmp_path / "no" / "such" / "dir" / "x")], env, tmp_path)
    assert p.returncode == 2 and "cannot write --output-file" in p.stderr
    # --exit-zero does not hide "could not run as asked".
    p = run_mfdoctor(["lint", "--exit-zero", "missing.env"], env, tmp_path)
    assert p.returncode == 2


def test_check_select_and_ignore(env, tmp_path):
    def checks(*args):
        p = run_mfdoctor(["check", "--offline", "--format", "json", *args], env, tmp_path)
        return p.returncode, {f["check"] for f in json.loads(p.stdout)["findings"]}
    code, ids = checks("--select", "config.")
    assert code == 0 and ids and all(i.startswith("config.") for i in ids)
    code, ids = checks("--ignore", "user.identity")
    assert code == 0 and "user.identity" not in ids and "config.ambiguous-bool" in ids


def test_strict_offline_does_not_fail_on_probes_not_run(env, tmp_path):
    azure = dict(env, USER="alice", METAFLOW_DEBUG_S3CLIENT="false", METAFLOW_DEFAULT_DATASTORE="azure",
                 METAFLOW_DATASTORE_SYSROOT_AZURE="flows/metaflow",
                 METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://acct.blob.core.windows.net/")
    p = run_mfdoctor(["check", "--offline", "--strict", "--format", "json"], azure, tmp_path)
    doc = json.loads(p.stdout)
    skipped = [f for f in doc["findings"] if f["severity"] == "skipped"]
    assert skipped and all(f["detail"]["reason"] == "offline" for f in skipped)
    assert doc["summary"]["error"] == doc["summary"]["warning"] == 0, doc["findings"]
    assert p.returncode == 0 and doc["exit_code"] == 0


def test_check_sarif_uses_relative_uris_and_reports_only_what_to_act_on(env, tmp_path):
    (tmp_path / ".metaflow").mkdir()
    (tmp_path / ".metaflow" / "config.json").write_text(
        '{\n  "METAFLOW_DEFAULT_DATASTORE": "azure",\n  "METAFLOW_DATASTORE_SYSROOT_AZURE": "az://flows/"\n}\n')
    p = run_mfdoctor(["check", "--offline", "--format", "sarif"], dict(env, USER="alice"), tmp_path)
    run = json.loads(p.stdout)["runs"][0]
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}
    [sysroot] = [r for r in run["results"] if r["ruleId"] == "azure.sysroot"]
    assert sysroot["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": ".metaflow/config.json", "uriBaseId": "SRCROOT"}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert {n["associatedRule"]["id"] for n in notes} >= {"azure.credential", "azure.container"}
    assert all(n["level"] == "note" for n in notes)  # offline: not run, nothing to warn about
