"""Extension config and plugin modules change resolution exactly as in Metaflow."""

import json
import os
import subprocess
import sys
import textwrap

ORACLE = r"""
import json
import metaflow.metaflow_config as c
from metaflow.extension_support import plugins as p
names = ["DEFAULT_DATASTORE", "ACME_ENDPOINT", "ACME_TIMEOUT", "ACME_FLAGS", "DEBUG_ACME",
         "DATASTORE_SYSROOT_S3"]
out = {"METAFLOW_" + n: getattr(c, n, None) for n in names}
out["METAFLOW_ENABLED_SECRETS_PROVIDER"] = p.ENABLED_SECRETS_PROVIDER
print(json.dumps(out))
"""

CONFIG = """
from metaflow.metaflow_config_funcs import from_conf
DEFAULT_DATASTORE = "s3"
DATASTORE_SYSROOT_S3 = "s3://ext-bucket/prefix"
ACME_TIMEOUT = 30
ACME_FLAGS = ["a", "b"]
ACME_FLAGS += ["c"]
ACME_ENDPOINT = from_conf("ACME_ENDPOINT", "https://acme.example")
DEBUG_OPTIONS = ["acme"]
"""

PLUGINS = """
SECRETS_PROVIDERS_DESC = [("acme-vault", ".acme_vault.AcmeVault")]
TOGGLE_SECRETS_PROVIDER = ["-inline"]
"""


def _write(base, rel, text):
    path = base / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def test_extension_values_beat_the_environment_like_metaflow(tmp_path):
    ext = tmp_path / "ext"
    _write(ext, "metaflow_extensions/acme/config/mfextinit_acme.py", CONFIG)
    _write(ext, "metaflow_extensions/acme/plugins/mfextinit_acme.py", PLUGINS)
    _write(ext, "metaflow_extensions/acme/plugins/acme_vault.py",
           'class AcmeVault(object):\n    TYPE = "acme-vault"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("METAFLOW_")}
    env.update(PYTHONPATH=str(ext), METAFLOW_HOME=str(tmp_path / "home"),
               MFDOCTOR_CACHE_DIR=str(tmp_path / "cache"),
               METAFLOW_DEFAULT_DATASTORE="local", METAFLOW_ACME_ENDPOINT="https://env.example",
               METAFLOW_DEBUG_ACME="1")
    truth = json.loads(subprocess.run([sys.executable, "-c", ORACLE], env=env, cwd=tmp_path,
                                      capture_output=True, text=True, check=True).stdout.splitlines()[-1])
    proc = subprocess.run([sys.executable, "-m", "mfdoctor", "show", "--all", "--format", "json"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    got = {k["name"]: k for k in json.loads(proc.stdout)["keys"]}
    for name, value in truth.items():
        if name in ("METAFLOW_ACME_TIMEOUT", "METAFLOW_ACME_FLAGS"):
            continue  # not keys (no from_conf): plain extension names
        assert got[name]["value"] == value, name
    ds = got["METAFLOW_DEFAULT_DATASTORE"]
    assert ds["source"] == "extension" and ds["overrides"][0]["source"] == "env"
    assert got["METAFLOW_ACME_ENDPOINT"]["source"] == "env"
    assert got["METAFLOW_DEBUG_ACME"]["value"] is True


NETFLIX_LIKE = """
import os
from metaflow.metaflow_config import DATASTORE_SYSROOT_AZURE, DATASTORE_SYSROOT_S3
from metaflow.metaflow_config_funcs import from_conf, get_validate_choice_fn
import metaflow.metaflow_config as mc

ACME_AZUREROOT = from_conf(
    "ACME_AZUREROOT",
    os.path.join(DATASTORE_SYSROOT_AZURE, "acme") if DATASTORE_SYSROOT_AZURE else None,
)
ACME_S3ROOT = from_conf("ACME_S3ROOT", "%s/acme" % mc.DATASTORE_SYSROOT_S3)
packages = []
if os.environ.get("ACME_GAC"):
    packages = ["keyrings.google-artifactregistry-auth"]
ACME_PACKAGES = from_conf("ACME_PACKAGES", packages)
ACME_MODE = from_conf("ACME_MODE", "fast", validate_fn=get_validate_choice_fn(["fast", "slow"]))
# key: hostname that needs authentication
# value: a tuple/list of username and password
ACME_SRCS_AUTH = from_conf("ACME_SRCS_AUTH", {})
"""


def _setup(tmp_path, config, **env_extra):
    ext = tmp_path / "ext"
    _write(ext, "metaflow_extensions/acme/config/mfextinit_acme.py", config)
    env = {k: v for k, v in os.environ.items() if not k.startswith("METAFLOW_")}
    # This checkout's mfdoctor first, as the test run has it.
    path = os.pathsep.join(p for p in (str(ext), os.environ.get("PYTHONPATH", "")) if p)
    env.update(PYTHONPATH=path, METAFLOW_HOME=str(tmp_path / "home"),
               MFDOCTOR_CACHE_DIR=str(tmp_path / "cache"), **env_extra)
    return env


def _show(env, cwd):
    proc = subprocess.run([sys.executable, "-m", "mfdoctor", "show", "--all", "--format", "json"],
                          env=env, cwd=cwd, capture_output=True, text=True, check=True)
    return {k["name"]: k for k in json.loads(proc.stdout)["keys"]}


def _truth(env, cwd, names):
    code = ("import json, metaflow.metaflow_config as c\n"
            "print(json.dumps({n: getattr(c, n, None) for n in %r}))" % (names,))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True)
    return json.loads(out.stdout.splitlines()[-1]) if out.returncode == 0 else None


def test_imported_names_are_references_and_module_code_is_followed(tmp_path):
    env = _setup(tmp_path, NETFLIX_LIKE, METAFLOW_DATASTORE_SYSROOT_AZURE="metaflow/prod",
                 METAFLOW_DATASTORE_SYSROOT_S3="s3://b/mf", ACME_GAC="1",
                 METAFLOW_ACME_SRCS_AUTH='{"pypi.corp": ["u", "hunter2"]}')
    names = ["DATASTORE_SYSROOT_AZURE", "DATASTORE_SYSROOT_S3", "ACME_AZUREROOT", "ACME_S3ROOT",
             "ACME_PACKAGES", "ACME_MODE"]
    truth = _truth(env, tmp_path, names)
    got = _show(env, tmp_path)
    assert {n: got["METAFLOW_" + n]["value"] for n in names} == truth
    # The user's sysroot is still the user's (an import is not an override).
    assert got["METAFLOW_DATASTORE_SYSROOT_AZURE"]["source"] == "env"
    assert got["METAFLOW_ACME_PACKAGES"]["value"] == ["keyrings.google-artifactregistry-auth"]
    # A doc comment that says "password" makes the key secret.
    auth = got["METAFLOW_ACME_SRCS_AUTH"]
    assert auth["secret"] and "hunter2" not in json.dumps(auth)


def test_extension_choices_fail_the_lint_as_they_fail_the_import(tmp_path):
    env = _setup(tmp_path, NETFLIX_LIKE, METAFLOW_ACME_MODE="medium")
    assert _truth(env, tmp_path, ["ACME_MODE"]) is None  # import metaflow fails
    proc = subprocess.run([sys.executable, "-m", "mfdoctor", "lint", "--format", "json"],
                          env=env, cwd=tmp_path, capture_output=True, text=True)
    errors = [f for f in json.loads(proc.stdout)["findings"] if f["severity"] == "error"]
    assert proc.returncode == 1 and [f["key"] for f in errors] == ["METAFLOW_ACME_MODE"]
    assert "fast" in errors[0]["message"] and "slow" in errors[0]["message"]


def test_a_value_the_interpreter_cannot_follow_is_unknown_not_an_error(tmp_path):
    config = NETFLIX_LIKE + '\nDATASTORE_SYSROOT_AZURE = "/".join(["metaflow", "ext"])\n'
    env = _setup(tmp_path, config, METAFLOW_DEFAULT_DATASTORE="azure",
                 METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://acct.blob.core.windows.net/",
                 METAFLOW_DATASTORE_SYSROOT_AZURE="metaflow/prod")
    got = _show(env, tmp_path)
    sysroot = got["METAFLOW_DATASTORE_SYSROOT_AZURE"]
    assert (sysroot["value"], sysroot["known"], sysroot["source"]) == ("<unknown>", False, "extension")
    assert "mfextinit_acme, line 21: DATASTORE_SYSROOT_AZURE = " in sysroot["unknown"]
    # ...and no other key's source changed: the derived root still derives from it.
    assert got["METAFLOW_DEFAULT_DATASTORE"]["source"] == "env"
    proc = subprocess.run([sys.executable, "-m", "mfdoctor", "check", "azure", "--offline", "--format", "json"],
                          env=env, cwd=tmp_path, capture_output=True, text=True)
    report = json.loads(proc.stdout)
    assert not [f for f in report["findings"] if f["check"] == "azure.sysroot" and f["severity"] == "error"]
    notes = [f for f in report["findings"] if f["key"] == "METAFLOW_DATASTORE_SYSROOT_AZURE"]
    assert any(f["check"] == "config.no-effect" and "mfextinit_acme" in f["message"] for f in notes), notes
