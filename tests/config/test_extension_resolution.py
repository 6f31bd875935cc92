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
