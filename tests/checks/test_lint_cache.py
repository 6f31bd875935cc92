"""The findings cache (mfdoctor/checks/lint_cache.py): an unchanged file's findings are
reused only while everything else they depend on is unchanged too: the settings, the
names the tree's flows define (in files that hold no METAFLOW_ name at all), and the
effective configuration. Real CLI, subprocess, a tree aged past the racy window."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from env_helpers import clean_env, lint_json


def _age(root, seconds=60):
    past = time.time() - seconds
    for d, _dirs, files in os.walk(root):
        for f in files:
            if ".git" not in d.split(os.sep):
                os.utime(os.path.join(d, f), (past, past))


@pytest.fixture
def project(tmp_path, home):
    root = tmp_path / "proj"
    (root / "deploy").mkdir(parents=True)
    (root / "deploy" / "job.yaml").write_text(
        "env:\n  METAFLOW_RUN_ALPHA: '3'\n  METAFLOW_TEAM_BUCKET: data\n"
        "  METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: http://acct.blob.core.windows.net/\n")
    (root / "flow.py").write_text(
        "from metaflow import FlowSpec, step\n\nclass F(FlowSpec):\n    @step\n"
        "    def start(self):\n        self.next(self.end)\n\n    @step\n    def end(self):\n"
        "        pass\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    _age(root)
    env = clean_env(home, MFDOCTOR_CACHE_DIR=str(tmp_path / "cache"))
    return root, env


def _unknown(report):
    return sorted(f["message"].split()[0].strip("`") for f in report["findings"]
                  if f["check"] == "config.unknown-name" and f["severity"] != "ok")


def _lint(root, env):
    _, report = lint_json(["."], env, root)
    return report


def test_a_parameter_added_to_a_flow_is_seen(project):
    root, env = project
    first = _lint(root, env)
    assert any("METAFLOW_RUN_ALPHA" in m for m in _unknown(first)), _unknown(first)
    _lint(root, env)  # stored
    flow = root / "flow.py"
    flow.write_text(flow.read_text().replace(
        "class F(FlowSpec):\n", "class F(FlowSpec):\n    alpha = Parameter('alpha', default=1)\n"))
    after = _lint(root, env)
    assert not any("METAFLOW_RUN_ALPHA" in m for m in _unknown(after)), _unknown(after)


def test_known_names_in_the_settings_are_seen(project):
    root, env = project
    first = _lint(root, env)
    assert any("METAFLOW_TEAM_BUCKET" in m for m in _unknown(first))
    (root / "pyproject.toml").write_text('[tool.mfdoctor]\nknown-names = ["METAFLOW_TEAM_BUCKET"]\n')
    after = _lint(root, env)
    assert not any("METAFLOW_TEAM_BUCKET" in m for m in _unknown(after))


def test_the_effective_configuration_is_seen(project):
    """An http endpoint is wrong with a token credential (the default provider), not
    with a provider that is not Azure's: the environment decides, the file is unchanged."""
    root, env = project

    def endpoint_errors(report):
        return [f for f in report["findings"] if f["severity"] == "error"
                and f["location"] and f["location"]["path"].endswith("job.yaml") and f["location"]["line"] == 4]

    first = _lint(root, env)
    again = _lint(root, env)
    assert endpoint_errors(first) and endpoint_errors(again) == endpoint_errors(first)
    other = _lint(root, dict(env, METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER="obp"))
    without = _lint(root, env)
    assert endpoint_errors(without) == endpoint_errors(first)
    # Whatever the provider changes, the run with it is computed for it, not read back.
    fresh = lint_json(["."], dict(env, METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER="obp",
                                  MFDOCTOR_NO_CACHE="1"), root)[1]
    assert fresh["findings"] != first["findings"]  # the provider is named in the message
    assert other["findings"] == fresh["findings"]
