"""run_lint: the environment and config files, repository files, suppression,
settings, secrets, and the CLI's options and exit codes."""

import json
import subprocess

import pytest


from env_helpers import PYTHON, clean_env, lint_json, resolve_in, run_mfdoctor
from mfdoctor.checks.lint import run_lint
from mfdoctor.findings import Report
from mfdoctor.render import report_github, report_human, report_json, report_sarif
from mfdoctor.settings import load_settings


def by_check(findings, check, severity=None):
    return [f for f in findings if f.check == check and (severity is None or f.severity == severity)]


def keys(findings, check, severity=None):
    return sorted(f.key for f in by_check(findings, check, severity))


# -- the environment and Metaflow's config files -------------------------------------

def test_clean_environment_passes_with_ok_findings(home, tmp_path):
    findings = run_lint(None, res=resolve_in(home, tmp_path))
    assert Report(findings).exit_code() == 0
    assert {f.check for f in findings if f.severity == "ok"} >= {"config.unknown-name", "config.invalid-value"}


def test_bool_spellings(home, tmp_path):
    res = resolve_in(home, tmp_path, METAFLOW_DEBUG_S3CLIENT="no", METAFLOW_DEBUG_SUBCOMMAND="off ",
                     METAFLOW_DEBUG_SIDECAR="yes", METAFLOW_DEBUG_TRACING="False", METAFLOW_DEBUG_CONDA="1")
    f = {x.key: x for x in by_check(run_lint(None, res=res), "config.ambiguous-bool")}
    assert set(f) == {"METAFLOW_DEBUG_S3CLIENT", "METAFLOW_DEBUG_SUBCOMMAND", "METAFLOW_DEBUG_SIDECAR"}
    assert "reads True" in f["METAFLOW_DEBUG_S3CLIENT"].message and "not False" in f["METAFLOW_DEBUG_S3CLIENT"].message
    assert f["METAFLOW_DEBUG_S3CLIENT"].severity == "warning"
    assert "not False" in f["METAFLOW_DEBUG_SUBCOMMAND"].message  # "off " with its space
    assert "not False" not in f["METAFLOW_DEBUG_SIDECAR"].message


def test_empty_env_var_overriding_a_file_value(home, tmp_path):
    (home / ".metaflowconfig" / "config.json").write_text('{"METAFLOW_DATASTORE_SYSROOT_LOCAL": "/data"}')
    res = resolve_in(home, tmp_path, METAFLOW_DATASTORE_SYSROOT_LOCAL="")
    (f,) = by_check(run_lint(None, res=res), "config.empty-override")
    assert f.key == "METAFLOW_DATASTORE_SYSROOT_LOCAL" and f.severity == "warning"
    assert '"/data"' in f.message and f.fix == "unset METAFLOW_DATASTORE_SYSROOT_LOCAL"


def test_whitespace_and_crlf(home, tmp_path):
    res = resolve_in(home, tmp_path, METAFLOW_DATASTORE_SYSROOT_AZURE="c/p ", METAFLOW_S3_RETRY_COUNT=" 3",
                     METAFLOW_USER="bob\r")
    f = {x.key: x for x in by_check(run_lint(None, res=res), "config.whitespace")}
    assert f["METAFLOW_DATASTORE_SYSROOT_AZURE"].severity == "warning"
    assert f["METAFLOW_S3_RETRY_COUNT"].severity == "info"
    assert "CRLF" in f["METAFLOW_USER"].message


def test_lowercase_env_names_and_unprefixed_config_keys(home, tmp_path):
    (tmp_path / ".metaflow").mkdir()
    (tmp_path / ".metaflow" / "config.json").write_text(
        '{\n  "DEFAULT_DATASTORE": "local",\n  "metaflow_default_metadata": "local",\n'
        '  "METAFLOW_PROFILE": "x",\n  "METAFLOW_RUN_MAX_WORKERS": 4,\n  "METAFLOW_USER": "a",\n'
        '  "METAFLOW_USER": "b"\n}\n')
    res = resolve_in(home, tmp_path, metaflow_default_datastore="local")
    findings = run_lint(None, res=res)
    ign = {f.key: f for f in by_check(findings, "config.ignored-key")}
    assert ign["metaflow_default_datastore"].suggestion == "METAFLOW_DEFAULT_DATASTORE"
    assert ign["DEFAULT_DATASTORE"].suggestion == "METAFLOW_DEFAULT_DATASTORE"
    assert (ign["DEFAULT_DATASTORE"].location.line, ign["DEFAULT_DATASTORE"].location.column) == (2, 4)
    assert ign["metaflow_default_metadata"].suggestion == "METAFLOW_DEFAULT_METADATA"
    assert "environment only" in ign["METAFLOW_PROFILE"].message
    assert "METAFLOW_RUN_MAX_WORKERS" in ign
    (dup,) = by_check(findings, "config.duplicate-key")
    assert dup.key == "METAFLOW_USER" and dup.location.line == 7


def test_settings_that_do_nothing(home, tmp_path):
    res = resolve_in(home, tmp_path, METAFLOW_DATASTORE_SYSROOT_AZURE="c/p",
                     METAFLOW_AZURE_KEY_VAULT_PREFIX="https://v.vault.azure.net/", METAFLOW_PROFILE="",
                     METAFLOW_SERVICE_URL="https://md/")
    f = {x.key: x for x in by_check(run_lint(None, res=res), "config.no-effect")}
    assert set(f) == {"METAFLOW_DATASTORE_SYSROOT_AZURE", "METAFLOW_AZURE_KEY_VAULT_PREFIX",
                      "METAFLOW_PROFILE", "METAFLOW_SERVICE_URL"}
    assert f["METAFLOW_DATASTORE_SYSROOT_AZURE"].severity == "info"
    assert f["METAFLOW_PROFILE"].severity == "warning"


def test_hidden_bad_value_in_a_file_is_a_warning(home, tmp_path):
    (home / ".metaflowconfig" / "config.json").write_text(
        '{\n  "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": "highCpu"\n}\n')
    res = resolve_in(home, tmp_path, METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE="general")
    (f,) = by_check(run_lint(None, res=res), "config.invalid-value")
    assert f.severity == "warning" and "hidden" in f.message
    assert f.location.path.endswith("config.json") and f.location.line == 2


def test_secrets_never_appear_in_any_format(home, tmp_path):
    secret = "s3cr3t-VALUE-123"
    (tmp_path / ".env").write_text("METAFLOW_SERVICE_AUTH_KEY=' %s'\nMETAFLOW_SERVICE_HEADERS=%s\n"
                                   % (secret, secret))
    res = resolve_in(home, tmp_path, METAFLOW_SERVICE_AUTH_KEY=secret + " ",
                     METAFLOW_SERVICE_HEADERS='{"x-api-key": "%s"' % secret)
    for paths in (None, [str(tmp_path / ".env")]):
        findings = run_lint(paths, res=res)
        assert any(f.key == "METAFLOW_SERVICE_AUTH_KEY" for f in findings)
        r = Report(findings)
        for out in (report_json.render(r), report_sarif.render(r), report_github.render(r),
                    report_human.render_text(r, verbose=True)):
            assert secret not in out


# -- files ------------------------------------------------------------------------

def test_values_in_files_and_suppression(home, tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM python\nENV METAFLOW_DEFAULT_DATASTORE=azur\n"
        "ENV METAFLOW_DEBUG_S3CLIENT=no  # mfdoctor: ignore[config.ambiguous-bool]\n"
        "# mfdoctor: ignore\nENV METAFLOW_NOT_A_NAME=1\n"
        "ENV METAFLOW_ALSO_NOT=1\n")
    findings = run_lint([str(tmp_path / "Dockerfile")], res=resolve_in(home, tmp_path))
    bad = [(f.severity, f.check, f.key, f.location.line, f.location.column) for f in findings
           if f.severity in ("error", "warning")]
    # A name far from every known one, in a Dockerfile: another program may read it.
    assert bad == [("error", "config.unknown-plugin", "METAFLOW_DEFAULT_DATASTORE", 2, 32),
                   ("warning", "config.unknown-name", "METAFLOW_ALSO_NOT", 6, 5)]
    assert by_check(findings, "config.ambiguous-bool") == []
    plug = by_check(findings, "config.unknown-plugin")[0]
    assert plug.suggestion == "azure"


def test_settings_known_names_plugins_and_exclude(home, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mfdoctor]\nknown-names = ["METAFLOW_ACME_*"]\nexclude = ["vendor/**"]\n'
        '[tool.mfdoctor.plugins]\ndatastore = ["acme"]\n')
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "x.env").write_text("METAFLOW_VENDORED_TYPO=1\n")
    (tmp_path / ".env").write_text("METAFLOW_ACME_ROOT=/x\nMETAFLOW_DEFAULT_DATASTORE=acme\n")
    settings = load_settings(str(tmp_path))
    findings = run_lint([str(tmp_path)], res=resolve_in(home, tmp_path), settings=settings)
    assert [f for f in findings if f.severity in ("error", "warning")] == []


def test_missing_path_in_library_use_is_reported(home, tmp_path):
    findings = run_lint([str(tmp_path / "nope")], res=resolve_in(home, tmp_path))
    assert by_check(findings, "lint.file-skipped")[0].severity == "skipped"


def test_lint_does_not_import_metaflow_or_azure(home, tmp_path):
    (tmp_path / ".env").write_text("METAFLOW_DEFAULT_DATASTORE=azur\n")
    code = ("import sys\nfrom mfdoctor.checks.lint import run_lint\nrun_lint(sys.argv[1:] or None)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('metaflow', 'azure')]\n"
            "assert not bad, bad\n")
    for args in ([], [str(tmp_path)]):
        p = subprocess.run([PYTHON, "-c", code] + args, env=clean_env(home), cwd=str(tmp_path),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert p.returncode == 0, p.stderr


# -- the CLI --------------------------------------------------------------------------

def test_cli_exit_codes_and_options(home, tmp_path):
    env = clean_env(home)
    (tmp_path / "w.env").write_text("METAFLOW_DEBUG_S3CLIENT=no\n")
    (tmp_path / "e.env").write_text("METAFLOW_DEFAULT_DATSTORE=local\n")
    p, data = lint_json(["w.env"], env, tmp_path)
    assert p.returncode == 0 and data["summary"]["warning"] == 1
    p, data = lint_json(["--strict", "w.env"], env, tmp_path)
    assert p.returncode == 1 and data["exit_code"] == 1
    p, data = lint_json(["e.env"], env, tmp_path)
    assert p.returncode == 1
    assert data["findings"][0]["suggestion"] == "METAFLOW_DEFAULT_DATASTORE"
    p, data = lint_json(["--ignore", "config.unknown-name", "e.env"], env, tmp_path)
    assert p.returncode == 0
    p, data = lint_json(["--select", "config.ambiguous-bool,config.whitespace", "e.env", "w.env"], env, tmp_path)
    assert {f["check"] for f in data["findings"]} == {"config.ambiguous-bool"}
    p = run_mfdoctor(["lint", "does-not-exist"], env, tmp_path)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    p = run_mfdoctor(["lint", "--list-checks"], env, tmp_path)
    assert p.returncode == 0 and "config.unknown-name" in p.stdout and "azure.rbac" in p.stdout


def test_cli_sarif_and_github(home, tmp_path):
    env = clean_env(home)
    (tmp_path / "e.env").write_text("METAFLOW_DEFAULT_DATSTORE=local\n")
    p = run_mfdoctor(["lint", "--format", "sarif", "e.env"], env, tmp_path)
    assert p.returncode == 1
    log = json.loads(p.stdout)
    assert log["version"] == "2.1.0"
    p = run_mfdoctor(["lint", "--format", "github", "e.env"], env, tmp_path)
    assert p.stdout.startswith("::error file=e.env,line=1,col=1,title=config.unknown-name METAFLOW_DEFAULT_DATSTORE::")


# -- value rules, one by one (in-process, against the installed catalog) --------------

@pytest.mark.parametrize("name,value,in_file,expect", [
    ("METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE", "high-throughput", False, ("config.invalid-value", "error", "high_throughput")),
    ("METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE", "general ", False, ("config.invalid-value", "error", "general")),
    ("METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE", "high_throughput", False, None),
    ("METAFLOW_S3_RETRY_COUNT", "7", False, None),
    ("METAFLOW_S3_RETRY_COUNT", 7.5, True, ("config.invalid-value", "warning", None)),
    ("METAFLOW_S3_RETRY_COUNT", [7], True, ("config.invalid-value", "error", None)),
    ("METAFLOW_SERVICE_HEADERS", '{"a": "b"}', False, None),
    ("METAFLOW_SERVICE_HEADERS", {"a": "b"}, True, None),
    ("METAFLOW_SERVICE_HEADERS", '["a"]', False, ("config.invalid-value", "error", None)),
    ("METAFLOW_DEBUG_S3CLIENT", True, True, None),
    ("METAFLOW_DEBUG_S3CLIENT", None, True, ("config.invalid-value", "error", None)),
    ("METAFLOW_DEFAULT_DATASTORE", None, True, ("config.invalid-value", "warning", None)),
    ("METAFLOW_DEFAULT_DATASTORE", "Azure", False, ("config.unknown-plugin", "error", "azure")),
    ("METAFLOW_DEFAULT_ENVIRONMENT", "local", False, None),
    ("METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE", "inline", False, None),
    ("METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE", "azure-key-vault", False, ("config.unknown-plugin", "error", "az-key-vault")),
    ("METAFLOW_ENABLED_DATASTORE", ["local", "+azure", "-s3"], True, None),
    ("METAFLOW_ENABLED_DATASTORE", {"azure": 1}, True, None),
    ("METAFLOW_ENABLED_DATASTORE", ["local", 3], True, ("config.invalid-value", "error", None)),
    ("METAFLOW_ENABLED_DATASTORE", 3, True, ("config.invalid-value", "error", None)),
    ("METAFLOW_ENABLED_DATASTORE", "", False, ("config.invalid-value", "warning", None)),
    ("METAFLOW_ENABLED_DATASTORE", '["local"]', False, ("config.unknown-plugin", "error", None)),
])
def test_value_rules(name, value, in_file, expect, home, tmp_path):
    from mfdoctor.checks.values import check_value

    res = resolve_in(home, tmp_path)
    rk = res.get(name)
    probs = check_value(name, value, res.catalog.key(name), res.catalog, from_config_file=in_file,
                        default=rk.default if rk else None)
    if expect is None:
        assert probs == []
    else:
        check, severity, suggestion = expect
        assert [(p.check, p.severity) for p in probs][:1] == [(check, severity)], probs
        if suggestion:
            assert probs[0].suggestion == suggestion


def test_plugin_choice_is_restricted_by_enabled_list(home, tmp_path):
    from mfdoctor.checks.values import check_value

    res = resolve_in(home, tmp_path)
    spec = res.catalog.key("METAFLOW_DEFAULT_DATASTORE")
    (p,) = check_value("METAFLOW_DEFAULT_DATASTORE", "azure", spec, res.catalog,
                       enabled={"datastore": {"local", "s3"}})
    assert p.check == "config.unknown-plugin" and "ENABLED_DATASTORE" in p.message
