"""mfdoctor's "Metaflow would fail to read this file" limits, checked against the real
Metaflow imported in a subprocess: where `import metaflow` still works, mfdoctor says
nothing; one level (or digit) more, both fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mfdoctor import bounds

from .harness import base_env, invoke

pytest.importorskip("metaflow")


def _metaflow_ok(home, cwd, env=None) -> bool:
    e = base_env(home, METAFLOW_HOME=str(home / ".metaflowconfig"), **(env or {}))
    p = subprocess.run([sys.executable, "-c", "import metaflow"], env=e, cwd=str(cwd),
                       capture_output=True, text=True, timeout=120)
    return p.returncode == 0


def _file(depth: int) -> str:
    return '{"METAFLOW_USER": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize("delta", [0, 1])
def test_file_depth_limit_matches_metaflow(tmp_path, delta):
    home, cwd = tmp_path / "home", tmp_path / "work"
    (home / ".metaflowconfig").mkdir(parents=True)
    cwd.mkdir()
    depth = bounds.METAFLOW_FILE_JSON_DEPTH + delta
    (home / ".metaflowconfig" / "config.json").write_text(_file(depth))
    assert bounds.json_depth(_file(depth)) == depth
    ok = _metaflow_ok(home, cwd)
    r = invoke(["show"], base_env(home, METAFLOW_HOME=str(home / ".metaflowconfig")), cwd)
    assert ok == (delta == 0)
    assert ("Metaflow would fail to read" in r.text) == (not ok), r.text


@pytest.mark.parametrize("delta", [0, 1])
def test_env_depth_limit_matches_metaflow(tmp_path, delta):
    home, cwd = tmp_path / "home", tmp_path / "work"
    (home / ".metaflowconfig").mkdir(parents=True)
    cwd.mkdir()
    n = bounds.METAFLOW_ENV_JSON_DEPTH + delta - 1
    value = '{"a":' + "[" * n + "]" * n + "}"
    env = {"METAFLOW_DATATOOLS_CLIENT_PARAMS": value}
    ok = _metaflow_ok(home, cwd, env)
    r = invoke(["show", "--format", "json", "DATATOOLS_CLIENT_PARAMS"],
               base_env(home, METAFLOW_HOME=str(home / ".metaflowconfig"), **env), cwd)
    key = json.loads(r.out)["keys"][0]
    assert ok == (delta == 0)
    assert ("Metaflow fails at import" in (key.get("error") or "")) == (not ok), key.get("error")


@pytest.mark.parametrize("digits", [4300, 4301])
def test_integer_digits_limit_matches_metaflow(tmp_path, digits):
    home, cwd = tmp_path / "home", tmp_path / "work"
    (home / ".metaflowconfig").mkdir(parents=True)
    cwd.mkdir()
    (home / ".metaflowconfig" / "config.json").write_text('{"METAFLOW_USER": %s}' % ("7" * digits))
    ok = _metaflow_ok(home, cwd)
    r = invoke(["show"], base_env(home, METAFLOW_HOME=str(home / ".metaflowconfig")), cwd)
    assert ok == (digits <= sys.get_int_max_str_digits())
    assert ("Metaflow would fail to read" in r.text) == (not ok), r.text[-2000:]
