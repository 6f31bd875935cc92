"""`mfdoctor explain`: Metaflow's rules for a value, the checks' verdict on the current one,
examples that the real Metaflow accepts, check ids, and the `--all` reference."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from env_helpers import PYTHON, clean_env, run_mfdoctor

from mfdoctor.catalog import load_catalog

SECRET = "hunter2-not-a-real-key"


@pytest.fixture
def azure_home(home, tmp_path):
    (home / ".metaflowconfig" / "config.json").write_text(json.dumps({
        "METAFLOW_DATASTORE_SYSROOT_AZURE": "az://metaflow/flows/",
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": "https://acct.blob.core.windows.net/",
    }))
    env = clean_env(home, METAFLOW_HOME=home / ".metaflowconfig", METAFLOW_DEFAULT_DATASTORE="azure",
                    METAFLOW_SERVICE_HEADERS=json.dumps({"x-api-key": SECRET}))
    cwd = tmp_path / "repo"
    cwd.mkdir()
    return env, cwd


def _json(args, env, cwd):
    p = run_mfdoctor(args + ["--format", "json"], env, cwd)
    assert "Traceback" not in p.stderr, p.stderr
    return p, json.loads(p.stdout)


def test_sysroot_facts_verdict_and_an_example_metaflow_accepts(azure_home):
    env, cwd = azure_home
    p, info = _json(["explain", "DATASTORE_SYSROOT_AZURE"], env, cwd)
    assert p.returncode == 0 and info["schema"] == "mfdoctor/explain/v1"
    assert info["type"] == "str" and "<container>/<prefix>" in info["facts"]["format"]
    # The verdict is the finding `check` gives for this key, word for word.
    _, report = _json(["check", "--offline"], env, cwd)
    expected = [f for f in report["findings"] if f["key"] == "METAFLOW_DATASTORE_SYSROOT_AZURE"
                and f["severity"] == "error"]
    assert expected and [f for f in info["verdict"] if f["severity"] == "error"] == expected
    # The advice is a value Metaflow accepts, not the rejected one.
    assert "az://" not in info["set_env"] + info["set_file"]
    example = json.loads(info["set_file"])["METAFLOW_DATASTORE_SYSROOT_AZURE"]
    assert example == expected[0]["suggestion"]  # "how to set it" agrees with the check's fix
    proof = subprocess.run(
        [PYTHON, "-c", "import sys; from metaflow.plugins.azure.azure_utils import "
         "parse_azure_full_path as p; print(p(sys.argv[1]))", example],
        capture_output=True, text=True, env=env, cwd=str(cwd), timeout=120)
    assert proof.returncode == 0, proof.stderr
    text = run_mfdoctor(["explain", "DATASTORE_SYSROOT_AZURE"], env, cwd).stdout
    assert "[azure.sysroot]" in text and "no scheme" in text


def test_secret_keys_never_advise_exporting_the_placeholder(azure_home):
    env, cwd = azure_home
    for fmt in ("text", "json", "markdown"):
        out = run_mfdoctor(["explain", "SERVICE_HEADERS", "--format", fmt], env, cwd).stdout
        assert SECRET not in out
        sets = [l for l in out.splitlines() if "export METAFLOW_SERVICE_HEADERS" in l]
        assert sets and all("redacted" not in l for l in sets), out


@pytest.mark.parametrize("command", [["explain"], ["rule"]])
def test_check_ids_are_documented(azure_home, command):
    env, cwd = azure_home
    p = run_mfdoctor(command + ["config.unknown-name"], env, cwd)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Unknown key" not in p.stdout
    assert "A METAFLOW_* name the installed Metaflow does not know." in p.stdout
    assert "example: METAFLOW_DEFAULT_DATSTORE" in p.stdout
    p = run_mfdoctor(command + ["config.unknwn-name"], env, cwd)
    assert p.returncode == 1 and "Did you mean config.unknown-name?" in p.stdout


def test_reference_lists_every_key_of_the_catalog(azure_home):
    env, cwd = azure_home
    catalog = set(load_catalog().keys)
    md = run_mfdoctor(["explain", "--all", "--format", "markdown"], env, cwd)
    assert md.returncode == 0, md.stderr
    assert set(re.findall(r"^### `(METAFLOW_\w+)`$", md.stdout, re.M)) == catalog
    p, doc = _json(["explain", "--all"], env, cwd)
    assert doc["schema"] == "mfdoctor/reference/v1" and doc["metaflow"]["version"]
    assert {k["name"] for k in doc["keys"]} == catalog
    # The reference documents Metaflow, not this machine: no current values, no secrets.
    assert SECRET not in md.stdout + p.stdout and "az://metaflow/flows/" not in md.stdout
    sysroot = [k for k in doc["keys"] if k["name"] == "METAFLOW_DATASTORE_SYSROOT_AZURE"][0]
    assert sysroot["doc"] and sysroot["facts"]["rules"]
    assert "METAFLOW_DATATOOLS_AZUREROOT" in sysroot["derived_to"]
