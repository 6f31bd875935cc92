"""Patterns met in real repositories (issue 10's corpus of 711 public files), rewritten
as a small tree of our own: every error and warning `lint` gives on it is listed here,
with the severity a user of that repository would agree with. Any other error or
warning, in particular any false error, fails the test.

The tree: a test harness (flow parameters as dicts, a flow-decorator option, contexts
with an Azure emulator), flows with Parameters and a .env for them, an extension with
its config module and CI, the Metaflow UI's image, an admin script's variables (set in
an env file, read by a script), a Metaflow profile file, and a bootstrap script that writes
a profile and a dotenv file with heredocs."""

import os
import shutil

import pytest

from env_helpers import resolve_in
from mfdoctor.checks.lint import run_lint
from mfdoctor.settings import load_settings, settings_start

TREE = os.path.join(os.path.dirname(__file__), "tree")

# (path, key, check) -> (severity, suggestion)
EXPECTED = {
    # test harness: a name only an unmerged branch reads; version skew, not a typo
    ("harness/core/contexts.json", "METAFLOW_BATCH_CLIENT_PARAMS", "config.unknown-name"): ("warning", None),
    # literal az:// scheme before the {nonce} placeholder: wrong whatever the nonce is
    ("harness/core/contexts.json", "METAFLOW_DATASTORE_SYSROOT_AZURE", "azure.sysroot"): ("error", "ci-bucket/mf/{nonce}"),
    # Azurite over http with the default (token) credential: the SDK refuses it
    ("harness/core/contexts.json", "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT", "azure.endpoint"): ("error", None),
    # a test harness's own name in CI
    ("harness/.github/workflows/ci.yml", "METAFLOW_S3_SUITE_ROOT", "config.unknown-name"): ("warning", None),
    # METAFLOW_RUN_<X> shape, no Parameter id_offset anywhere
    ("harness/core/suites/uses_option.py", "METAFLOW_RUN_ID_OFFSET", "config.unknown-name"): ("warning", None),
    # a typo of a real key: certainly wrong
    ("flows/ci.env", "METAFLOW_DEFAULT_DATSTORE", "config.unknown-name"): ("error", "METAFLOW_DEFAULT_DATASTORE"),
    # empty: click rejects the --metadata default
    ("flows/ci.env", "METAFLOW_DEFAULT_METADATA", "config.unknown-plugin"): ("error", None),
    # the extension's CI sets a name its config module does not define
    ("acme-ext/test.yml", "METAFLOW_CONDA_S3ROOT", "config.unknown-name"): ("warning", None),
    # the Metaflow UI reads these, Metaflow does not; no far-fetched suggestion
    ("ui/Dockerfile", "METAFLOW_SERVICE", "config.unknown-name"): ("warning", None),
    ("ui/Dockerfile", "METAFLOW_HEAD", "config.unknown-name"): ("warning", None),
    ("ui/Dockerfile", "METAFLOW_BODY_AFTER", "config.unknown-name"): ("warning", None),
    ("ui/admin.env", "METAFLOW_USER_ROLE", "config.unknown-name"): ("warning", None),
    ("ui/admin.env", "METAFLOW_FLYTE_CLONE_RUN_ID", "config.unknown-name"): ("warning", None),
    # only Metaflow reads its profile file: an unknown name there is certainly ignored
    ("profile/.metaflowconfig/config.json", "METAFLOW_TEAM_BUDGET_CODE", "config.unknown-name"): ("error", None),
    # ... also when a script writes the profile with a heredoc
    ("infra/bootstrap.sh", "METAFLOW_NOTEBOOK_OWNER", "config.unknown-name"): ("error", None),
    # a dotenv file written by the same script: another program may read it
    ("infra/bootstrap.sh", "METAFLOW_NOTEBOOK_THEME", "config.unknown-name"): ("warning", None),
    # no Parameter maxrows, but the flow has "max-rows": named, with its file
    ("flows/ci.env", "METAFLOW_RUN_MAXROWS", "config.unknown-name"): ("warning", "METAFLOW_RUN_MAX_ROWS"),
}


@pytest.fixture
def repo(tmp_path):
    dst = tmp_path / "repo"
    shutil.copytree(TREE, dst)
    return dst


def _problems(repo, home, paths=None):
    res = resolve_in(home, repo)
    cwd = os.getcwd()
    os.chdir(repo)  # paths in findings relative to the repository, as a user runs it
    try:
        targets = paths or ["."]
        findings = run_lint(targets, res=res, settings=load_settings(settings_start(targets)))
    finally:
        os.chdir(cwd)
    return {(f.location.path, f.key, f.check): (f.severity, f.suggestion)
            for f in findings if f.severity in ("error", "warning")}, findings


def test_every_error_and_warning_is_the_expected_one(repo, home):
    got, _ = _problems(repo, home)
    false_errors = {k: v for k, v in got.items() if v[0] == "error" and EXPECTED.get(k, ("",))[0] != "error"}
    assert false_errors == {}
    assert got == EXPECTED


def test_names_the_tree_defines_are_known(repo, home):
    _, findings = _problems(repo, home)
    keys = {f.key for f in findings if f.severity in ("error", "warning")}
    # Parameter("alpha"), Parameter(name="max-rows"), IncludeFile("data-file");
    # PARAMETERS/INCLUDE_FILES dicts of the harness; the FlowDecorator option;
    # from_conf() in the extension's config module (the name on its own line too).
    for name in ("METAFLOW_RUN_ALPHA", "METAFLOW_RUN_MAX_ROWS", "METAFLOW_RUN_DATA_FILE",
                 "METAFLOW_RUN_FAST_MODE", "METAFLOW_RUN_UNSET_LABEL", "METAFLOW_RUN_INPUT_BLOB",
                 "METAFLOW_SHOUT_LEVEL", "METAFLOW_ACME_CACHE_ROOT", "METAFLOW_ACME_REMOTE_INSTALLER"):
        assert name not in keys


def test_a_harness_reading_its_own_variable_is_info(repo, home):
    _, findings = _problems(repo, home)
    (f,) = [f for f in findings if f.key == "METAFLOW_SUITE_DEBUG"]
    assert f.severity == "info"
    # a shell script reading the admin's variables: `$X` and `${X:-default}` set nothing
    reads = {f.key: f.severity for f in findings if f.location and f.location.path == "ui/assume_role.sh"}
    assert reads == {"METAFLOW_USER_ROLE": "info", "METAFLOW_DEPLOY_STAGE": "info"}


def test_a_near_miss_of_a_parameter_names_the_flow_file(repo, home):
    _, findings = _problems(repo, home)
    (f,) = [f for f in findings if f.key == "METAFLOW_RUN_MAXROWS"]
    assert 'Parameter "max-rows" (flows/train_flow.py:6)' in f.message


def test_a_profile_written_by_a_heredoc_gets_the_config_file_value_checks(repo, home):
    _, findings = _problems(repo, home)
    by_key = {f.key: f for f in findings if f.location and f.location.path == "infra/bootstrap.sh"}
    # the shell expands ${BUCKET} when it writes the file: unknown here, so not judged
    assert by_key["METAFLOW_DATASTORE_SYSROOT_S3"].severity == "skipped"
    assert by_key["METAFLOW_DATASTORE_SYSROOT_S3"].location.line == 9


def test_known_names_in_the_nearest_pyproject_silence_other_programs_names(repo, home):
    (repo / "ui" / "pyproject.toml").write_text(
        '[tool.mfdoctor]\nknown-names = ["METAFLOW_SERVICE", "METAFLOW_HEAD", "METAFLOW_BODY_*"]\n')
    got, _ = _problems(repo, home, ["ui"])
    assert {k[1] for k in got} == {"METAFLOW_USER_ROLE", "METAFLOW_FLYTE_CLONE_RUN_ID"}
