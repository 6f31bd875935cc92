"""`check` reads the flow files whatever the datastore; `lint PATH` finds
[tool.mfdoctor] from the path; an empty required value says what really happens."""

import json

from env_helpers import clean_env, lint_json, resolve_in, run_mfdoctor
from mfdoctor.checks.effective import check_effective

FLOW = '''from metaflow import FlowSpec, step, secrets

SRCS = ["db-password"]


class LocalFlow(FlowSpec):
    @secrets(sources=SRCS)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
'''


def test_check_scans_flow_files_without_azure(home, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "local_flow.py").write_text(FLOW)
    env = clean_env(home, METAFLOW_DEFAULT_DATASTORE="local")
    p = run_mfdoctor(["check", "--offline", "--format", "json"], env, work)
    assert "Traceback" not in p.stderr
    doc = json.loads(p.stdout)
    errs = [f for f in doc["findings"] if f["check"] == "flow.secrets" and f["severity"] == "error"]
    assert len(errs) == 1 and "names no backend" in errs[0]["message"]
    assert errs[0]["location"]["line"] == 3
    assert not any(f["check"].startswith("azure.") and f["severity"] == "error" for f in doc["findings"])


def test_settings_come_from_the_linted_path(home, tmp_path):
    proj = tmp_path / "proj"
    (proj / "deploy").mkdir(parents=True)
    (proj / "pyproject.toml").write_text('[tool.mfdoctor]\nknown-names = ["METAFLOW_UI_ONLY"]\n')
    (proj / "deploy" / "ui.env").write_text("METAFLOW_UI_ONLY=1\nMETAFLOW_OTHER_THING=2\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for target in (str(proj / "deploy"), str(proj / "deploy" / "ui.env")):
        _, doc = lint_json([target], clean_env(home), elsewhere)
        keys = {f["key"] for f in doc["findings"] if f["check"] == "config.unknown-name"
                and f["severity"] in ("error", "warning")}
        assert keys == {"METAFLOW_OTHER_THING"}, target


def test_empty_required_value_is_named_as_empty(home, tmp_path):
    res = resolve_in(home, tmp_path, METAFLOW_DEFAULT_DATASTORE="s3", METAFLOW_DATASTORE_SYSROOT_S3="",
                     METAFLOW_DEFAULT_METADATA="service", METAFLOW_SERVICE_URL="")
    fs = {f.key: f for f in check_effective(res) if f.check == "config.missing-required"}
    s3 = fs["METAFLOW_DATASTORE_SYSROOT_S3"]
    assert "set but empty" in s3.message and "not set" not in s3.message
    assert "Initialize S3 with an 's3root' or 'run'" in s3.message  # what the run raised
    assert s3.fix.startswith("export METAFLOW_DATASTORE_SYSROOT_S3=")
    assert "MissingSchema" in fs["METAFLOW_SERVICE_URL"].message
    res = resolve_in(home, tmp_path, METAFLOW_DEFAULT_DATASTORE="s3")
    (unset,) = [f for f in check_effective(res) if f.check == "config.missing-required"]
    assert "is not set" in unset.message
