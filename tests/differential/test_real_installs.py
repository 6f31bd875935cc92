"""mfdoctor against the real Metaflow, over real PyPI installs (one venv per setup; see
venvs.py): the oldest and newest supported releases, two in between, and real
extensions on the newest release.

Per setup and seeded scenario, every key `mfdoctor show --all --format json` reports
must have the value of the effective `metaflow_config` global after extensions (the
oracle is probe.py, importing Metaflow in the same environment and directory), the
keys the scenario sets must come from the layer Metaflow takes them from, the name
lint must raise no alarm for any name Metaflow really reads, and `lint` must fail
exactly when `import metaflow` does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from venvs import SETUPS, build_all  # noqa: E402

PREFIX = "METAFLOW_"
REMOTE_CACHE = "__REMOTE_CONFIG_HAS_BEEN_RESOLVED__"

SCENARIOS = {
    "clean": dict(env={}),
    "env": dict(env={
        "METAFLOW_DEFAULT_DATASTORE": "azure",
        "METAFLOW_DATASTORE_SYSROOT_AZURE": "metaflow/prod",
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": "https://acct.blob.core.windows.net/",
        "METAFLOW_DATASTORE_SYSROOT_S3": "s3://bucket/mf",
        "METAFLOW_SERVICE_URL": "https://svc.example/api",
        "METAFLOW_DEBUG_SUBCOMMAND": "1",
    }),
    "profile": dict(profile={"config.json": {
        "METAFLOW_DEFAULT_DATASTORE": "s3", "METAFLOW_DATASTORE_SYSROOT_S3": "s3://prof/mf",
        "METAFLOW_DATASTORE_SYSROOT_LOCAL": "/tmp/mflocal", "METAFLOW_KUBERNETES_NAMESPACE": "team"}}),
    "named_profile": dict(env={"METAFLOW_PROFILE": "dev"}, profile={"config_dev.json": {
        "METAFLOW_DEFAULT_DATASTORE": "gs", "METAFLOW_DATASTORE_SYSROOT_GS": "gs://dev/mf"}}),
    "project": dict(
        profile={"config.json": {"METAFLOW_DEFAULT_DATASTORE": "s3",
                                 "METAFLOW_DATASTORE_SYSROOT_S3": "s3://prof/mf"}},
        local={"METAFLOW_DEFAULT_DATASTORE": "local", "METAFLOW_DATASTORE_SYSROOT_S3": "s3://proj/mf",
               "METAFLOW_DATASTORE_SYSROOT_AZURE": "proj/mf"}),
    "gac": dict(env={"GOOGLE_APPLICATION_CREDENTIALS": "/nonexistent.json",
                     "METAFLOW_DATASTORE_SYSROOT_AZURE": "c/p"}),
    "conda_env": dict(env={"METAFLOW_CONDA_BUILDER_ENV_PACKAGES": '["keyring"]',
                           "METAFLOW_CONDA_DEPENDENCY_RESOLVER": "micromamba"}),
    "remote_cache": dict(env={REMOTE_CACHE: json.dumps(
        {"METAFLOW_DEFAULT_DATASTORE": "s3", "METAFLOW_DATASTORE_SYSROOT_S3": "s3://remote/mf"})}),
    "overridden": dict(env={"METAFLOW_DEFAULT_AWS_CLIENT_PROVIDER": "boto3"}),
}

# Values that make `import metaflow` fail in some setups, and not in others.
CRASHES = [
    {"METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": "highCpu"},
    {"METAFLOW_CONDA_PREFERRED_FORMAT": "zip"},
    {"METAFLOW_CONDA_BUILDER_ENV_PACKAGES": "keyring"},
    {"METAFLOW_CONDA_DEPENDENCY_RESOLVER": "pip"},
    {"METAFLOW_CLIENT_CACHE_MAX_SIZE": "lots"},
    # netflixext's own validator: rejects these with NameError (MetaflowException is
    # not imported there), accepts the others.
    {"METAFLOW_CONDA_USE_REMOTE_LATEST": ":foo:"},
    {"METAFLOW_CONDA_USE_REMOTE_LATEST": ""},
    {"METAFLOW_CONDA_USE_REMOTE_LATEST": ":any:"},
    {"METAFLOW_CONDA_USE_REMOTE_LATEST": "alice,bob"},
]


@pytest.fixture(scope="session")
def venvs():
    return build_all()


def _tree(tmp_path, sc):
    home = tmp_path / "home"
    (home / ".metaflowconfig").mkdir(parents=True)
    for fn, data in (sc.get("profile") or {}).items():
        (home / ".metaflowconfig" / fn).write_text(json.dumps(data))
    proj = tmp_path / "proj"
    (proj / "sub").mkdir(parents=True)
    if sc.get("local") is not None:
        (proj / ".metaflow").mkdir()
        (proj / ".metaflow" / "config.json").write_text(json.dumps(sc["local"]))
    return str(home), str(proj / "sub")


def _env(home, extra, cache):
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "USER": "alice", "LANG": "C.UTF-8",
           "MFDOCTOR_CACHE_DIR": cache}
    env.update(extra)
    return env


def _real(venv, env, cwd, *args):
    out = subprocess.run([os.path.join(venv, "bin", "python"), os.path.join(HERE, "probe.py"), *args],
                         env=env, cwd=cwd, capture_output=True, text=True, timeout=180)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _mfd(venvs, venv, env, cwd, *args):
    env = dict(env, PYTHONPATH="%s:%s" % (REPO, venvs["mfd-deps"]))
    return subprocess.run([os.path.join(venv, "bin", "python"), "-m", "mfdoctor", *args],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=180)


def _norm(v):
    return json.loads(json.dumps(v, sort_keys=True, default=str))


def _expected_source(sc, name, local_read):
    if name in (sc.get("env") or {}):
        return "env"
    if local_read and name in (sc.get("local") or {}):
        return "local"
    for data in (sc.get("profile") or {}).values():
        if name in data:
            return "profile"
    return None


def _compare(sc, real, doc):
    diffs = []
    keys = {k["name"]: k for k in doc["keys"]}
    g = real["globals"]
    # An extension's config loader (Outerbounds') replaces the profile layer.
    remote = any(k["source"] == "remote" for k in keys.values())
    for name, k in keys.items():
        short = name[len(PREFIX):]
        if k.get("secret") or k.get("known") is False:
            continue
        if short not in g:
            diffs.append("%s: mfdoctor %r, not a metaflow_config global" % (name, k["value"]))
        elif _norm(k["value"]) != _norm(g[short]):
            diffs.append("%s: mfdoctor %r (%s), Metaflow %r" % (name, k["value"], k["source"], g[short]))
    for name in real["all_configs"]:
        if name not in keys:
            diffs.append("%s: resolved by Metaflow, unknown to mfdoctor" % name)
    for layer in ("env", "local", "profile"):
        data = sc.get(layer) or {}
        for d in (data.values() if layer == "profile" else [data]):
            for name in d:
                if name not in keys:
                    continue
                want = _expected_source(sc, name, doc["metaflow"].get("local_read", True))
                if remote and want == "profile":
                    want = "remote"
                got = keys[name]["source"]
                if want is not None and got != want and got != "extension":
                    diffs.append("%s: source %s, expected %s" % (name, got, want))
    return diffs


@pytest.mark.parametrize("setup", SETUPS)
def test_values_and_sources_match_real_metaflow(setup, venvs, tmp_path):
    venv = venvs[setup]
    cache = str(tmp_path / "cache")
    failures = {}
    for scname, sc in SCENARIOS.items():
        home, cwd = _tree(tmp_path / scname, sc)
        env = _env(home, sc.get("env") or {}, cache)
        real = _real(venv, env, cwd)
        assert "import_error" not in real, (scname, real)
        proc = _mfd(venvs, venv, env, cwd, "show", "--all", "--format", "json")
        assert proc.returncode == 0, (scname, proc.stderr[-2000:])
        diffs = _compare(sc, real, json.loads(proc.stdout))
        if diffs:
            failures[scname] = diffs
    assert not failures, json.dumps(failures, indent=1)


@pytest.mark.parametrize("setup", SETUPS)
def test_name_lint_has_no_false_alarm(setup, venvs, tmp_path):
    """Every name the real Metaflow reads (its resolved keys and its flow CLI's click
    auto-envvars) is known to the lint."""
    venv = venvs[setup]
    home, cwd = _tree(tmp_path, {})
    env = _env(home, {}, str(tmp_path / "cache"))
    real = _real(venv, env, cwd, "--cli")
    names = sorted(set(real["all_configs"]) | {n for n in real["cli"] if n.startswith(PREFIX)})
    alarms = _lint_alarms(venvs, venv, env, cwd, names)
    assert len(names) > 150
    assert alarms == [], "%d false alarms over %d names: %s" % (len(alarms), len(names), alarms[:20])


def _lint_alarms(venvs, venv, env, cwd, names):
    envfile = os.path.join(cwd, "names.env")
    with open(envfile, "w") as f:
        f.writelines("%s=1\n" % n for n in names)
    proc = _mfd(venvs, venv, env, cwd, "lint", envfile, "--format", "json", "--select", "config.unknown-name")
    return [x["key"] for x in json.loads(proc.stdout)["findings"] if x["severity"] in ("error", "warning")]


def test_cli_groups_outerbounds_removes_are_not_known(venvs, tmp_path):
    """ob-metaflow-extensions' TOGGLE_CLI removes batch, step-functions and airflow:
    the names the plain 2.19.39 flow CLI reads and the Outerbounds one does not (both
    walked in the real click tree) are read by nothing there, so the lint flags them."""
    home, cwd = _tree(tmp_path, {})
    env = _env(home, {}, str(tmp_path / "cache"))
    plain = _real(venvs["mf-2.19.39"], env, cwd, "--cli")
    ob = _real(venvs["ob-ext"], env, cwd, "--cli")
    gone = sorted(set(plain["cli"]) - set(ob["cli"]) - set(ob["all_configs"]))
    assert len(gone) > 50 and "METAFLOW_BATCH_STEP_CPU" in gone
    alarms = set(_lint_alarms(venvs, venvs["ob-ext"], env, cwd, gone))
    missed = [n for n in gone if n not in alarms]
    assert missed == [], "%d of %d removed names still known: %s" % (len(missed), len(gone), missed[:20])


def test_names_netflixext_reads_in_code_it_generates_are_known(venvs, tmp_path):
    """netflixext writes a sitecustomize.py whose code reads METAFLOW_COVERAGE_CONTEXT:
    every METAFLOW_* name read while importing Metaflow with netflixext, running its
    coverage setup and then the code it generated is known to the lint."""
    venv = venvs["netflixext"]
    home, cwd = _tree(tmp_path, {})
    env = _env(home, {}, str(tmp_path / "cache"))
    out = subprocess.run([os.path.join(venv, "bin", "python"), os.path.join(HERE, "generated_reads.py")],
                         env=env, cwd=cwd, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    real = json.loads(out.stdout.strip().splitlines()[-1])
    assert "METAFLOW_COVERAGE_CONTEXT" in real["generated"]
    assert {"METAFLOW_COVERAGE_CONTEXT", "METAFLOW_COVERAGE_S3_PATH"} <= set(real["reads"])
    alarms = _lint_alarms(venvs, venv, env, cwd, real["reads"])
    assert alarms == [], "%d false alarms over %d names: %s" % (len(alarms), len(real["reads"]), alarms)


@pytest.mark.parametrize("setup", ["mf-2.9.15", "mf-2.12.35", "mf-2.19.39", "netflixext"])
def test_lint_fails_exactly_when_import_fails(setup, venvs, tmp_path):
    venv = venvs[setup]
    wrong = []
    for i, extra in enumerate(CRASHES):
        home, cwd = _tree(tmp_path / str(i), {})
        env = _env(home, extra, str(tmp_path / "cache"))
        real = _real(venv, env, cwd)
        crashes = "import_error" in real
        proc = _mfd(venvs, venv, env, cwd, "lint", "--format", "json")
        report = json.loads(proc.stdout)
        # An unknown name is an error of its own (a typo); the crash is what matters here.
        errors = [f["message"] for f in report["findings"]
                  if f["severity"] == "error" and f["check"] != "config.unknown-name"]
        if crashes != bool(errors):
            wrong.append((extra, "import fails" if crashes else "import works", errors))
        elif crashes and "validator" in " ".join(errors):
            # A custom validator's failure names the exception users really see.
            exc = real["import_error"].split(":")[0]
            if not any(exc in m and "_validate_" in m for m in errors):
                wrong.append((extra, real["import_error"], errors))
    assert not wrong, wrong


ACME = os.path.join(HERE, "fixtures", "acme_ext")


def _with_acme(venvs, env):
    return dict(env, PYTHONPATH="%s:%s:%s" % (REPO, venvs["mfd-deps"], ACME))


def test_verify_reports_a_value_the_model_cannot_follow(venvs, tmp_path):
    venv = venvs["mf-2.19.39"]
    home, cwd = _tree(tmp_path, {})
    env = _env(home, {"METAFLOW_DATASTORE_SYSROOT_LOCAL": "/data/mf"}, str(tmp_path / "cache"))
    proc = subprocess.run([os.path.join(venv, "bin", "python"), "-m", "mfdoctor", "show", "--all",
                           "--format", "json", "--verify"], env=_with_acme(venvs, env), cwd=cwd,
                          capture_output=True, text=True, timeout=180)
    doc = json.loads(proc.stdout)
    keys = {k["name"]: k for k in doc["keys"]}
    ds = keys["METAFLOW_DEFAULT_DATASTORE"]
    assert (ds["value"], ds["known"], ds["source"]) == ("<unknown>", False, "extension")
    assert "mfextinit_acme" in ds["unknown"] and "line 14" in ds["unknown"]
    # The followed one is exact, and the reference changed nothing.
    assert keys["METAFLOW_ACME_CACHE_DIR"]["value"] == "/data/mf/acme"
    assert keys["METAFLOW_DATASTORE_SYSROOT_LOCAL"]["source"] == "env"
    found = [p for p in doc["problems"] if p["check"] == "config.verify"]
    assert [p["key"] for p in found] == ["METAFLOW_DEFAULT_DATASTORE"], found
    assert '"local"' in found[0]["message"] and "Trust Metaflow's value" in found[0]["message"]


def test_verify_is_silent_on_a_clean_setup(venvs, tmp_path):
    venv = venvs["netflixext"]
    home, cwd = _tree(tmp_path, {})
    env = _env(home, SCENARIOS["env"]["env"], str(tmp_path / "cache"))
    proc = _mfd(venvs, venv, env, cwd, "check", "--offline", "--verify", "--format", "json")
    found = [f for f in json.loads(proc.stdout)["findings"] if f["check"] == "config.verify"]
    assert [f["severity"] for f in found] == ["ok"], found
