"""@secrets in flow files (issue 4 §5), read by AST and checked against Metaflow itself.

Every fixture under tests/checks/flows/ is a real flow file (the seed's examples
among them). Two oracles:

* batched: one subprocess imports every fixture with Metaflow (so the class bodies
  run the real decorators) and runs each step's SecretsDecorator.task_pre_step, with
  Key Vault replaced by a fake (mf_oracle.py "flows"); for each file and step,
  mfdoctor must report an error exactly when Metaflow fails (import-time errors by
  file, task-time errors by step), Azure-only naming errors aside;
* a few real `python flow.py run` in temporary directories (local datastore and
  metadata), for the inline backend, which needs no cloud.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from mfdoctor.checks.flows import (SecretRef, collect_secret_refs, find_flow_files,
                                   run_flow_checks, scan_flow_file)
from mfdoctor.findings import ERROR, INFO, OK, SKIPPED, WARNING

try:
    from . import mf_oracle
except ImportError:
    import mf_oracle

HERE = os.path.dirname(os.path.abspath(__file__))
FLOWS = os.path.join(HERE, "flows")
FILES = sorted(glob.glob(os.path.join(FLOWS, "*.py")))
KNOWN = ["inline", "aws-secrets-manager", "gcp-secret-manager", "az-key-vault"]
PREFIX = "https://my-keyvault.vault.azure.net"
CONFIGS = {
    "no-default": {"default_backend": None, "prefix": PREFIX, "env": {"MFD_ALREADY_SET": "1"}},
    "kv-default": {"default_backend": "az-key-vault", "prefix": PREFIX, "env": {"MFD_ALREADY_SET": "1"}},
    "no-prefix": {"default_backend": "inline", "prefix": None, "env": {}},
}


def F(name):
    return os.path.join(FLOWS, name)


def scan(name, **kw):
    args = dict(default_backend=None, known_backends=KNOWN, env={"MFD_ALREADY_SET": "1"}, vault_prefix=PREFIX)
    args.update(kw)
    return scan_flow_file(F(name), **args)


def errs(fs):
    return [f for f in fs if f.severity == ERROR]


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    home = str(tmp_path_factory.mktemp("mfhome"))
    out = {}
    for cname, cfg in CONFIGS.items():
        doc = {"files": FILES, "env": cfg["env"], "default_backend": cfg["default_backend"],
               "prefix": cfg["prefix"]}
        out[cname] = mf_oracle.run("flows", doc, home=home)
    return out


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_fixture_matches_metaflow(oracle, config):
    cfg = CONFIGS[config]
    compared_steps = 0
    for path in FILES:
        mf = oracle[config][path]
        fs = scan_flow_file(path, default_backend=cfg["default_backend"], known_backends=KNOWN,
                            env=cfg["env"], vault_prefix=cfg["prefix"])
        import_errs = [f for f in errs(fs) if f.detail.get("phase") == "import"]
        assert bool(import_errs) == bool(mf["import_error"]), (path, mf["import_error"], import_errs)
        if mf["import_error"]:
            continue
        for qual, mf_error in mf["steps"].items():
            flow, step = qual.split(".")
            mine = [f for f in fs if f.detail.get("step") == step and f.detail.get("flow") in (flow, None)]
            if any(f.severity == SKIPPED for f in mine):
                continue  # not statically known: mfdoctor does not guess
            compared_steps += 1
            mf_equivalent = [f for f in mine if f.severity == ERROR and "azure_rule" not in f.detail]
            assert bool(mf_equivalent) == bool(mf_error), (path, qual, mf_error, [f.message for f in mine])
            azure_only = [f for f in mine if f.severity == ERROR and "azure_rule" in f.detail]
            if azure_only:
                assert mf_error is None  # Metaflow accepts what only Azure rejects
    assert compared_steps >= 25


def test_fixture_set_covers_every_case_of_section_5(oracle):
    """Each §5 case is present in the fixtures and Metaflow really fails on it."""
    mf = oracle["no-default"]
    step = lambda f, q: mf[F(f)]["steps"][q] or ""  # noqa: E731
    assert "does not support the attribute 'secrets'" in mf[F("seed_secure_flow.py")]["import_error"]
    assert "does not support the attribute 'secrets'" in mf[F("seed_id_formats.py")]["import_error"]
    assert "Unknown secrets backend type azure-key-vault" in step("backends_flow.py", "BackendsFlow.start")
    assert "No default secrets backend type" in step("backends_flow.py", "BackendsFlow.no_dot")
    assert "Unknown secrets backend type https://my-keyvault" in step("url_string_flow.py", "UrlStringFlow.start")
    assert "bad secret name api_key" in step("bad_ids_flow.py", "BadIdsFlow.start")
    assert "also added by" in step("collision_flow.py", "CollisionFlow.start")
    assert "also added by" in step("kv_collision_flow.py", "KvCollisionFlow.renamed")
    assert "already exists in env" in step("env_clash_flow.py", "EnvClashFlow.start")
    assert mf[F("env_override_flow.py")]["steps"]["EnvOverrideFlow.start"] is None
    assert "BadStepDecoratorException" in mf[F("misplaced_flow.py")]["import_error"]
    assert "BadStepDecoratorException" in mf[F("class_deco_flow.py")]["import_error"]
    assert "DuplicateStepDecoratorException" in mf[F("duplicate_flow.py")]["import_error"]
    assert mf[F("seed_fixed_flow.py")]["import_error"] is None
    assert all(v is None for v in mf[F("seed_fixed_flow.py")]["steps"].values())


def test_seed_examples_get_the_exact_rewrite():
    f = errs(scan("seed_secure_flow.py"))
    assert len(f) == 1 and f[0].location.line == 8 and f[0].detail["phase"] == "import"
    assert f[0].suggestion == '@secrets(sources=["az-key-vault.api-key", "az-key-vault.database-password"])'
    assert "reads $API_KEY, $DATABASE_PASSWORD, but Metaflow injects $api_key, $database_password" in f[0].fix
    fs = {x.detail["step"]: x for x in errs(scan("seed_id_formats.py"))}
    assert set(fs) == {"step_one", "step_two", "step_three", "step_four", "custom_names"}
    assert fs["step_four"].suggestion == ('@secrets(sources=["az-key-vault.https://my-keyvault.vault.azure.net/'
                                          'secrets/api-key/ec96f02080254f109c51a1f14cdb1931"])')
    assert fs["custom_names"].suggestion == (
        '@secrets(sources=[{"type": "az-key-vault", "id": "api-key", "options": {"env_var_name": '
        '"CUSTOM_API_KEY"}}, {"type": "az-key-vault", "id": "db-password", "options": {"env_var_name": '
        '"DB_PASS"}}])')


def test_seed_rewrites_are_accepted_by_metaflow(tmp_path):
    """The suggested decorators, pasted into a flow, load and resolve under Metaflow."""
    lines = ["from metaflow import FlowSpec, step, secrets", "", "class Rewritten(FlowSpec):"]
    sugg = [f.suggestion for name in ("seed_secure_flow.py", "seed_id_formats.py") for f in errs(scan(name))]
    for i, s in enumerate(sugg):
        lines += ["    %s" % s, "    @step", "    def s%d(self):" % i, "        pass", ""]
    path = tmp_path / "rewritten.py"
    path.write_text("\n".join(lines))
    assert not errs(scan_flow_file(str(path), known_backends=KNOWN, env={}, vault_prefix=PREFIX))
    res = mf_oracle.run("flows", {"files": [str(path)], "env": {}, "default_backend": None, "prefix": PREFIX},
                        home=str(tmp_path))[str(path)]
    assert res["import_error"] is None and len(res["steps"]) == len(sugg)
    assert all(v is None for v in res["steps"].values()), res


def test_unknown_backend_did_you_mean_and_url_fix():
    fs = {f.detail["step"]: f for f in errs(scan("backends_flow.py"))}
    assert fs["start"].suggestion == '"az-key-vault.api-key"' and "did you mean az-key-vault" in fs["start"].message
    assert fs["dict_typo"].suggestion == "az-key-vault"
    assert "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE" in fs["no_dot"].fix
    f = errs(scan("url_string_flow.py"))[0]
    assert "'https://my-keyvault'" in f.message and "'vault.azure.net/secrets/api-key'" in f.message
    assert f.suggestion == '"az-key-vault.https://my-keyvault.vault.azure.net/secrets/api-key"'
    assert '{"type": "az-key-vault", "id": "https://my-keyvault.vault.azure.net/secrets/api-key"}' in f.fix


def test_default_backend_and_backend_name_alone():
    fs = scan("backends_flow.py", default_backend="az-key-vault")
    assert {f.detail.get("step") for f in errs(fs)} == {"start", "dict_typo"}
    # the seed's bare sources=["az-key-vault"] is read as secret id "az-key-vault"
    fs = scan("seed_secure_flow.py", default_backend="az-key-vault")
    assert len(errs(fs)) == 1


def test_invalid_ids_collisions_and_env():
    fs = errs(scan("bad_ids_flow.py"))
    by = {f.detail["step"]: f for f in fs}
    assert by["start"].check == "azure.secret-id" and by["start"].suggestion == "api-key"
    assert "azure_rule" in by["azure_vault_rule"].detail
    assert by["metaflow_name"].detail["env_var_name"] == "METAFLOW_TOKEN"
    f = errs(scan("kv_collision_flow.py"))
    assert {x.detail["env_var_name"] for x in f} == {"api_key", "db_pass"}
    f = errs(scan("env_clash_flow.py"))
    assert len(f) == 1 and "MFD_ALREADY_SET" in f[0].message and "allow_override=True" in f[0].fix
    assert not errs(scan("env_clash_flow.py", env={}))
    assert not errs(scan("env_override_flow.py"))


def test_dynamic_values_are_skipped_not_guessed():
    fs = scan("dynamic_flow.py")
    skipped = {f.detail["step"] for f in fs if f.severity == SKIPPED}
    # `sources=SOURCES`, a module-level literal, is checked; calls and f-strings are not
    assert skipped == {"from_call", "fstring"}
    assert not errs(fs)
    # the literal source next to a call is still checked
    assert any(f.severity == OK and f.detail.get("step") == "from_call" for f in fs)


def test_module_level_source_lists_are_resolved():
    fs = scan("module_constant_flow.py")
    by_step = {}
    for f in fs:
        by_step.setdefault(f.detail.get("step"), []).append(f)
    # "api-key" has no backend and no default backend is set: Metaflow's error, with the fix
    (e,) = errs(by_step["start"])
    assert "names no backend" in e.message and "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE" in e.fix
    assert e.location.line == 4  # where the source is written
    assert not errs(by_step["shared"]) and not any(f.severity == SKIPPED for f in by_step["shared"])
    assert [f.severity for f in by_step["rebound"]] == [SKIPPED]


def test_decorator_placement_and_arguments():
    for name, text in [("misplaced_flow.py", "above @step"), ("class_deco_flow.py", "step decorator"),
                       ("duplicate_flow.py", "more than one"), ("positional_flow.py", "positional")]:
        fs = [f for f in errs(scan(name)) if f.detail.get("phase") == "import"]
        assert len(fs) == 1 and text in fs[0].message, (name, [f.message for f in fs])
    assert errs(scan("duplicate_flow.py"))[0].location.line == 5  # the upper one is the duplicate
    fs = errs(scan("dict_errors_flow.py"))
    assert {f.detail["step"] for f in fs} == {"start", "type_not_str", "options_not_dict", "not_str_or_dict",
                                             "sources_string"}
    w = [f for f in scan("dict_errors_flow.py") if f.severity == WARNING]
    assert w and '"options": {"env_var_name": "API_KEY"}' in w[0].fix


def test_step_reading_upper_cased_name_is_warned(tmp_path):
    path = tmp_path / "case_flow.py"
    path.write_text(
        "import os\nfrom metaflow import FlowSpec, step, secrets\n\n"
        "class CaseFlow(FlowSpec):\n"
        "    @secrets(sources=['az-key-vault.api-key'])\n    @step\n    def start(self):\n"
        "        key = os.environ['API_KEY']\n        other = os.getenv('api_key')\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n")
    fs = [f for f in scan_flow_file(str(path), env={}, vault_prefix=PREFIX) if f.severity == WARNING]
    assert len(fs) == 1 and fs[0].location.line == 8 and fs[0].suggestion == "api_key"
    assert "reads $API_KEY, but @secrets injects $api_key" in fs[0].message


def test_aliases_and_inheritance():
    fs = scan("aliases_flow.py")
    assert [f.detail["step"] for f in errs(fs)] == ["end"]
    assert any(f.severity == OK and f.detail.get("flow") == "AliasesFlow" for f in fs)


def test_find_flow_files_never_imports(tmp_path):
    marker = tmp_path / "imported"
    (tmp_path / "bomb_flow.py").write_text(
        "open(%r, 'w').write('x')\nfrom metaflow import FlowSpec, step\n"
        "class BombFlow(FlowSpec):\n    @step\n    def start(self):\n        self.next(self.end)\n"
        "    @step\n    def end(self):\n        pass\n" % str(marker))
    (tmp_path / "broken.py").write_text("class X(FlowSpec:\n")
    (tmp_path / "other.py").write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("FlowSpec")
    assert find_flow_files(str(tmp_path)) == [str(tmp_path / "bomb_flow.py")]
    assert scan_flow_file(str(tmp_path / "bomb_flow.py"))[0].severity == OK
    assert not marker.exists()
    f = scan_flow_file(str(tmp_path / "broken.py"))
    assert f[0].severity == ERROR and "syntax error" in f[0].message and f[0].location.line == 1
    found = find_flow_files(FLOWS)
    assert F("helpers.py") not in found and F("aliases_flow.py") in found and len(found) == len(FILES) - 1
    f = scan_flow_file(str(tmp_path / "missing.py"))
    assert f[0].severity == ERROR


def test_collect_secret_refs():
    refs = collect_secret_refs([F("seed_fixed_flow.py"), F("inline_ok_flow.py")], default_backend=None,
                               known_backends=KNOWN, vault_prefix=PREFIX)
    assert all(isinstance(r, SecretRef) for r in refs)
    kv = [r for r in refs if r.backend == "az-key-vault"]
    assert [(r.step, r.id, r.env_var_name) for r in kv] == [
        ("start", "api-key", "api_key"),
        ("start", "database-password", "database_password"),
        ("versions", "api-key/ec96f02080254f109c51a1f14cdb1931", "api_key"),
        ("versions", "https://my-keyvault.vault.azure.net/secrets/db-password", "db_password"),
        ("versions", "https://my-keyvault.vault.azure.net/secrets/other-secret/ec96f02080254f109c51a1f14cdb1931",
         "other_secret"),
        ("custom_names", "api-key", "CUSTOM_API_KEY"),
        ("custom_names", "db-password", "DB_PASS"),
    ]
    assert kv[2].vault_url == PREFIX and kv[2].version == "ec96f02080254f109c51a1f14cdb1931"
    assert kv[0].location.path == F("seed_fixed_flow.py") and kv[0].location.line == 6
    assert {r.backend for r in refs} == {"az-key-vault", "inline"}
    assert all("fake" not in str(r.to_dict()) for r in refs)


def test_run_flow_checks_over_resolution(tmp_path):
    from mfdoctor.config import resolve

    res = resolve(env={"METAFLOW_HOME": str(tmp_path), "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": "az-key-vault",
                       "METAFLOW_AZURE_KEY_VAULT_PREFIX": PREFIX, "api_key": "already"}, cwd=FLOWS)
    fs = run_flow_checks(res, flows=[F("seed_fixed_flow.py")])
    clash = errs(fs)
    assert clash and all("already exists in env" in f.message for f in clash)
    fs = run_flow_checks(res, cwd=str(tmp_path))
    assert [f.severity for f in fs] == [INFO]
    fs = run_flow_checks(res, cwd=FLOWS)
    assert len({f.location.path for f in fs if f.location}) == len(FILES) - 1


# ---------------------------------------------------------------------------
# real flow runs (the inline backend needs no cloud)
# ---------------------------------------------------------------------------

RUNS = [
    # (fixture, extra env, Metaflow succeeds?, text in its output)
    ("inline_ok_flow.py", {}, True, "MFD_INJECTED_OK"),
    ("env_override_flow.py", {"MFD_ALREADY_SET": "old"}, True, "Done!"),
    ("env_clash_flow.py", {"MFD_ALREADY_SET": "old"}, False, "already exists in env"),
    ("collision_flow.py", {}, False, "also added by"),
    ("seed_secure_flow.py", {}, False, "does not support the attribute 'secrets'"),
    ("url_string_flow.py", {}, False, "Unknown secrets backend type https://my-keyvault"),
]


def _run_flow(tmp_path, fixture, extra):
    d = tmp_path / fixture.replace(".py", "")
    d.mkdir()
    src = open(F(fixture)).read()
    (d / fixture).write_text(src)
    env = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
           "HOME": str(d), "METAFLOW_HOME": str(d), "USER": "tester",
           "METAFLOW_DEFAULT_DATASTORE": "local", "METAFLOW_DEFAULT_METADATA": "local",
           "METAFLOW_DATASTORE_SYSROOT_LOCAL": str(d / "ds"), "PYTHONIOENCODING": "utf-8"}
    env.update(extra)
    p = subprocess.run([sys.executable, fixture, "--quiet", "run"], cwd=str(d), env=env,
                       capture_output=True, text=True, timeout=120)
    return env, p


def test_real_runs_agree(tmp_path):
    with ThreadPoolExecutor(max_workers=len(RUNS)) as ex:
        results = list(ex.map(lambda r: _run_flow(tmp_path, r[0], r[1]), RUNS))
    for (fixture, extra, succeeds, text), (env, p) in zip(RUNS, results):
        out = p.stdout + p.stderr
        assert (p.returncode == 0) == succeeds, (fixture, out[-3000:])
        assert text in out, (fixture, out[-3000:])
        fs = scan_flow_file(F(fixture), default_backend=None, known_backends=KNOWN, env=env, vault_prefix=None)
        assert (not errs(fs)) == succeeds, (fixture, [f.message for f in fs])
