"""Unknown names: an error only where certainly wrong; elsewhere a warning that says
another program may read it. Suggestions only when they mean the same thing."""

import pytest

from env_helpers import resolve_in
from mfdoctor.checks.names import NameIndex, check_env_names, unknown_name_finding
from mfdoctor.findings import Location
from mfdoctor.scan.flowparams import TreeNames


@pytest.fixture
def index(home, tmp_path):
    return NameIndex(resolve_in(home, tmp_path).catalog)


@pytest.mark.parametrize("name,config,severity,suggestion", [
    # far from every known name: ignored by Metaflow, maybe read by another program
    ("METAFLOW_SERVICE", False, "warning", None),
    ("METAFLOW_HEAD", False, "warning", None),
    ("METAFLOW_USER_ROLE", False, "warning", None),
    # ... but a Metaflow config file is read by Metaflow only
    ("METAFLOW_SERVICE", True, "error", None),
    # a typo of a known name, anywhere
    ("METAFLOW_DEFAULT_DATSTORE", False, "error", "METAFLOW_DEFAULT_DATASTORE"),
    ("METAFLOW_DATASTORE_DEFAULT", False, "error", "METAFLOW_DEFAULT_DATASTORE"),
    # a name Metaflow renamed
    ("METAFLOW_DATATOOLS_SYSROOT_S3", False, "error", "METAFLOW_DATATOOLS_S3ROOT"),
    # a missing leading qualifier: probably meant, but another program may use it
    ("METAFLOW_SECRETS_BACKEND_TYPE", False, "warning", "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE"),
    ("METAFLOW_SECRETS_BACKEND_TYPE", True, "error", "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE"),
])
def test_severity_policy(index, name, config, severity, suggestion):
    f = unknown_name_finding(index, name, Location("x"), "x", metaflow_config=config)
    assert (f.severity, f.suggestion) == (severity, suggestion)
    if severity == "warning" and suggestion is None:
        assert "another program may read it" in f.message
        assert "known-names" in f.fix


def test_a_file_that_only_reads_a_far_name_is_info(index):
    f = unknown_name_finding(index, "METAFLOW_RAY_DEBUG_MODE", Location("x"), "x", read=True)
    assert f.severity == "info" and "not a Metaflow setting" in f.message
    # ... but reading a typo of a known name is still wrong
    f = unknown_name_finding(index, "METAFLOW_DEFAULT_DATSTORE", Location("x"), "x", read=True)
    assert f.severity == "error"


def test_the_environment_follows_the_same_policy(index):
    fs = {f.key: f for f in check_env_names({"METAFLOW_SERVICE": "/api", "METAFLOW_DEFUALT_DATASTORE": "s3"}, index)}
    assert fs["METAFLOW_SERVICE"].severity == "warning"
    assert fs["METAFLOW_DEFUALT_DATASTORE"].severity == "error"


def test_flow_parameter_variables(index):
    assert index.cli_parameter("METAFLOW_RUN_ALPHA") == ("run", "ALPHA")
    assert not index.is_known("METAFLOW_RUN_ALPHA")
    index.learn(TreeNames(params={"ALPHA"}, options={"METAFLOW_FOOBAR"}, extension={"METAFLOW_ACME_ROOT"}))
    assert index.is_known("METAFLOW_RUN_ALPHA")
    assert index.is_known("METAFLOW_INIT_ALPHA")  # every command that takes flow parameters
    assert index.is_known("METAFLOW_FOOBAR") and index.is_known("METAFLOW_ACME_ROOT")
    f = unknown_name_finding(index, "METAFLOW_RUN_BETA", None, "x")
    assert f.severity == "warning" and "no Parameter beta" in f.message
    # the tree's extension names are did-you-mean candidates too
    assert index.suggest("METAFLOW_ACME_ROTO") == "METAFLOW_ACME_ROOT"


@pytest.mark.parametrize("name,near", [
    ("METAFLOW_RUN_ALPAH", "METAFLOW_RUN_ALPHA"),  # two letters swapped
    ("METAFLOW_RUN_MAXROWS", "METAFLOW_RUN_MAX_ROWS"),  # the same words without the underscore
    ("METAFLOW_RUN_DATA_FILES", "METAFLOW_RUN_DATA_FILE"),
    ("METAFLOW_INIT_ALPAH", "METAFLOW_INIT_ALPHA"),  # the command is kept
    ("METAFLOW_RUN_ID_BASE", None),  # nothing like it: no suggestion
    ("METAFLOW_RUN_Y", None),  # one letter away from a one-letter name is not a typo
])
def test_a_near_miss_of_a_flow_parameter_names_it_and_its_file(index, name, near):
    index.learn(TreeNames(params={"ALPHA", "MAX_ROWS", "DATA_FILE", "X"},
                          where={"ALPHA": "flows/train.py:5", "MAX_ROWS": "flows/train.py:6"},
                          spelled={"MAX_ROWS": "max-rows", "ALPHA": "alpha"}))
    f = unknown_name_finding(index, name, Location("x.env", 1, 1), "x.env")
    # another flow outside the tree may define it: never more than a warning
    assert (f.severity, f.suggestion) == ("warning", near)
    if near == "METAFLOW_RUN_MAX_ROWS":
        assert 'Parameter "max-rows" (flows/train.py:6)' in f.message
        assert f.fix == "rename METAFLOW_RUN_MAXROWS to METAFLOW_RUN_MAX_ROWS"


def test_only_reading_an_unknown_name_is_info_setting_it_is_a_warning(home, tmp_path):
    from mfdoctor.checks.lint import run_lint

    script = tmp_path / "assume_role.sh"
    script.write_text('role_name=$2\nif [ -z "$role_name" ]; then\n    role_name=$METAFLOW_USER_ROLE\nfi\n'
                      'echo $METAFLOW_TRACE_ID\ncp "${METAFLOW_CACHE:-/tmp/c}" out\n'
                      'x=$METAFLOW_BOTH; export METAFLOW_BOTH=1\n')
    flow = tmp_path / "tool.py"
    flow.write_text('import os\nlevel = os.environ.get("METAFLOW_TOOL_LEVEL", "1")\n')
    got = {(f.location.path.rsplit("/", 1)[-1], f.key): f.severity
           for f in run_lint([str(tmp_path)], res=resolve_in(home, tmp_path))
           if f.check == "config.unknown-name" and f.severity != "ok"}
    assert got == {
        ("assume_role.sh", "METAFLOW_USER_ROLE"): "info",
        ("assume_role.sh", "METAFLOW_TRACE_ID"): "info",
        ("assume_role.sh", "METAFLOW_CACHE"): "info",
        # read and set on one line: the set is what counts
        ("assume_role.sh", "METAFLOW_BOTH"): "warning",
        ("tool.py", "METAFLOW_TOOL_LEVEL"): "info",
    }
