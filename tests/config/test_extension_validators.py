"""An extension's own validate_fn, replayed: `lint` fails exactly when `import metaflow`
fails (the real Metaflow, with a fake extension package, is the oracle), and the
message names the validator and the exception Metaflow users see."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

CONFIG = '''
from metaflow.exception import MetaflowException
from metaflow.metaflow_config_funcs import from_conf


def _unbound(name, value):
    if not value:
        raise AcmeError("%s must not be empty." % name)


def _bound(name, value):
    """Lowercase, and no leading dash."""
    if value != value.lower():
        raise MetaflowException("%s must be lowercase, got %s" % (name, value))
    elif value.startswith("-"):
        raise ValueError("%s may not start with a dash" % name)
    return


def _indexing(name, value):
    if value[0] == ":" and value not in (":a:", ":b:"):
        raise MetaflowException("%s: unknown special value" % name)


def _opaque(name, value):
    import re
    if not re.match("^[a-z]+$", value):
        raise MetaflowException("%s: letters only" % name)


ACME_UNBOUND = from_conf("ACME_UNBOUND", "x", validate_fn=_unbound)
ACME_BOUND = from_conf("ACME_BOUND", "ok", validate_fn=_bound)
ACME_INDEXING = from_conf("ACME_INDEXING", ":a:", validate_fn=_indexing)
ACME_OPAQUE = from_conf("ACME_OPAQUE", "ok", validate_fn=_opaque)
'''

# (key, value, where): env values are strings, profile values JSON.
CASES = [
    ("ACME_UNBOUND", "", "env"), ("ACME_UNBOUND", "y", "env"),
    ("ACME_BOUND", "Bad", "env"), ("ACME_BOUND", "-x", "env"), ("ACME_BOUND", "fine", "env"),
    ("ACME_INDEXING", "", "env"), ("ACME_INDEXING", ":c:", "env"), ("ACME_INDEXING", ":b:", "env"),
    ("ACME_INDEXING", "plain", "env"), ("ACME_INDEXING", 5, "profile"),
    ("ACME_INDEXING", ":c:", "profile"), ("ACME_OPAQUE", "fine", "env"),
]


@pytest.fixture
def ext(tmp_path):
    path = tmp_path / "ext" / "metaflow_extensions" / "acme" / "config" / "mfextinit_acme.py"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(CONFIG))
    return tmp_path / "ext"


def _env(tmp_path, ext, home, extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("METAFLOW_")}
    path = os.pathsep.join(p for p in (str(ext), os.environ.get("PYTHONPATH", "")) if p)
    env.update(PYTHONPATH=path, METAFLOW_HOME=str(home), MFDOCTOR_CACHE_DIR=str(tmp_path / "cache"),
               USER="tester")
    env.update(extra)
    return env


@pytest.mark.parametrize("key,value,where", CASES)
def test_lint_fails_exactly_when_the_validator_fails_the_import(tmp_path, ext, key, value, where):
    home = tmp_path / "home"
    home.mkdir()
    extra = {}
    if where == "env":
        extra["METAFLOW_" + key] = value
    else:
        (home / "config.json").write_text(json.dumps({"METAFLOW_" + key: value}))
    env = _env(tmp_path, ext, home, extra)
    real = subprocess.run([sys.executable, "-c", "import metaflow.metaflow_config"], env=env,
                          cwd=tmp_path, capture_output=True, text=True)
    proc = subprocess.run([sys.executable, "-m", "mfdoctor", "lint", "--format", "json"],
                          env=env, cwd=tmp_path, capture_output=True, text=True)
    errors = [f["message"] for f in json.loads(proc.stdout)["findings"] if f["severity"] == "error"]
    if real.returncode == 0:
        assert errors == [] and proc.returncode == 0
        return
    exc = real.stderr.strip().splitlines()[-1].split(":")[0].rpartition(".")[2]
    assert proc.returncode == 1, real.stderr[-500:]
    assert len(errors) == 1 and "every `import metaflow` fails" in errors[0], errors
    fn = {"ACME_UNBOUND": "_unbound", "ACME_BOUND": "_bound", "ACME_INDEXING": "_indexing"}[key]
    assert "validator %s (metaflow_extensions/acme/config/mfextinit_acme.py:" % fn in errors[0]
    assert exc in errors[0], (real.stderr[-300:], errors[0])


def test_the_unbound_exception_class_is_the_nameerror_metaflow_raises(tmp_path, ext):
    home = tmp_path / "home"
    home.mkdir()
    env = _env(tmp_path, ext, home, {"METAFLOW_ACME_UNBOUND": ""})
    proc = subprocess.run([sys.executable, "-m", "mfdoctor", "show", "acme_unbound", "--format", "json"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    key = json.loads(proc.stdout)["keys"][0]
    assert "NameError: name 'AcmeError' is not defined" in key["error"]
    assert "it means to say: METAFLOW_ACME_UNBOUND must not be empty." in key["error"]


def test_a_validator_mfdoctor_cannot_replay_gives_no_error(tmp_path, ext):
    """_opaque calls re.match: not replayed, so a value it rejects is a miss, never a
    false error on a value it accepts (the case above), and never a guess."""
    home = tmp_path / "home"
    home.mkdir()
    env = _env(tmp_path, ext, home, {"METAFLOW_ACME_OPAQUE": "NOT LETTERS"})
    proc = subprocess.run([sys.executable, "-m", "mfdoctor", "lint", "--format", "json"],
                          env=env, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
