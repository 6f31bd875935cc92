"""The catalog knows exactly the keys the installed Metaflow resolves, caches, and falls back."""

import json
import os
import subprocess
import sys

import pytest

from mfdoctor.catalog import build, load_catalog

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ORACLE = r"""
import json, metaflow
from metaflow import metaflow_config_funcs as f
import metaflow.plugins  # makes the ENABLED_* keys
print(json.dumps({"version": metaflow.__version__ if hasattr(metaflow, "__version__") else None,
                  "keys": sorted(f._all_configs)}))
"""


@pytest.fixture
def clean_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("METAFLOW_")}
    env["METAFLOW_HOME"] = str(tmp_path / "home")
    env["MFDOCTOR_CACHE_DIR"] = str(tmp_path / "cache")
    return env


def test_catalog_keys_equal_the_keys_metaflow_resolves(clean_env, tmp_path, monkeypatch):
    proc = subprocess.run([sys.executable, "-c", ORACLE], env=clean_env, cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    truth = set(json.loads(proc.stdout.strip().splitlines()[-1])["keys"])
    monkeypatch.setenv("MFDOCTOR_CACHE_DIR", clean_env["MFDOCTOR_CACHE_DIR"])
    cat = load_catalog()
    assert cat.source == "installed"
    # AWS_SANDBOX_STACK_NAME is only read when AWS_SANDBOX_ENABLED is true.
    conditional = {n for n, s in cat.keys.items() if s.condition}
    assert set(cat.keys) - conditional == truth
    assert len(truth) > 150


def test_documentation_default_type_and_choices_come_from_the_source():
    cat = load_catalog()
    retry = cat.key("S3_RETRY_COUNT")
    assert retry.default == 7 and retry.type == "int"
    assert "fail fast" in retry.doc
    wl = cat.key("metaflow_azure_storage_workload_type")
    assert wl.choices == ["general", "high_throughput"] and wl.default == "general"
    root = cat.key("DATATOOLS_AZUREROOT")
    assert root.type == "derived" and root.derived_from[0] == "METAFLOW_DATASTORE_SYSROOT_AZURE"
    assert cat.key("SERVICE_AUTH_KEY").secret and not cat.key("SERVICE_URL").secret
    assert cat.key("DEBUG_S3CLIENT").type == "bool"
    assert "METAFLOW_RUN_MAX_WORKERS" in cat.known_names()
    assert "azure" in cat.plugins["datastore"] and "az-key-vault" in cat.plugins["secrets_provider"]


def test_second_load_reads_the_cache_and_parses_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("MFDOCTOR_CACHE_DIR", str(tmp_path))
    first = load_catalog()
    assert len(list(tmp_path.glob("catalog-*.json"))) == 1

    def no_parsing(*a, **k):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(build, "build_catalog_data", no_parsing)
    import mfdoctor.catalog as catalog_pkg

    monkeypatch.setattr(catalog_pkg, "build_catalog_data", no_parsing)
    assert set(load_catalog().keys) == set(first.keys)


def test_unwritable_cache_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("MFDOCTOR_CACHE_DIR", str(blocker / "sub"))
    assert load_catalog().keys


def test_bundled_snapshot_is_current():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_snapshot.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_without_metaflow_the_bundled_snapshot_is_used(clean_env, tmp_path):
    # A `metaflow` package that is not Metaflow shadows the real one.
    fake = tmp_path / "shadow" / "metaflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    env = dict(clean_env, PYTHONPATH=str(tmp_path / "shadow"))
    proc = subprocess.run([sys.executable, "-m", "mfdoctor", "show", "--all", "--format", "json"],
                          env=env, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["metaflow"]["catalog"] == "bundled"
    assert any(k["name"] == "METAFLOW_DATASTORE_SYSROOT_AZURE" for k in doc["keys"])


def test_cold_cache_fast_path_equals_parsing_the_installed_metaflow(tmp_path, monkeypatch):
    monkeypatch.setenv("MFDOCTOR_CACHE_DIR", str(tmp_path / "a"))
    fast = load_catalog()
    monkeypatch.setenv("MFDOCTOR_CACHE_DIR", str(tmp_path / "b"))
    monkeypatch.setenv("MFDOCTOR_CATALOG", "parse")
    parsed = load_catalog()
    assert fast.source == parsed.source == "installed"
    strip = lambda d: {k: v for k, v in d.items() if k not in ("source", "package_dir")}
    assert strip(fast.data) == strip(parsed.data)
