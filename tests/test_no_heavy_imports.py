"""`mfdoctor show` and `mfdoctor lint` import neither Metaflow nor the Azure SDK.

Importing `metaflow` costs ~0.35 s and runs its side effects (and those of any
installed `metaflow_extensions`); the Azure SDK costs more. Only the live Azure probes
may import `azure`, and nothing in mfdoctor may import `metaflow`.

Each command runs as a user would (`python -X importtime -m mfdoctor ...`) and the
import log on stderr is parsed: every module Python imported is listed there, however
it was imported (directly, lazily inside a function, or by a dependency). Both a cold
catalog cache (the catalog is built from Metaflow's source files) and a warm one are
checked, with an Azure configuration in place so Azure rules run.

Output that is plain text (piped `show`, the JSON, SARIF and GitHub formats) does not
import Rich either: it is a third of `show`'s start-up (see mfdoctor/render/__init__.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

# Top-level packages that must never be imported by these commands.
FORBIDDEN = ("metaflow", "metaflow_extensions", "azure")
_LINE = re.compile(r"^import time:\s+(?:\d+|self \[us\])\s+\|\s+(?:\d+|cumulative)\s+\|\s+(.+?)\s*$")

AZURE_ENV = {
    "METAFLOW_DEFAULT_DATASTORE": "azure",
    "METAFLOW_DATASTORE_SYSROOT_AZURE": "mf-container/metaflow",
    "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": "https://acct.blob.core.windows.net/",
    "METAFLOW_AZURE_KEY_VAULT_PREFIX": "https://vault.vault.azure.net/",
    "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": "az-key-vault",
    "METAFLOW_DEFAULT_DATSTORE": "azure",  # a typo, so lint has something to say
}


def imported_modules(stderr: str) -> list:
    mods = []
    for line in stderr.splitlines():
        m = _LINE.match(line)
        if m and m.group(1) != "imported package":
            mods.append(m.group(1).strip())
    return mods


def forbidden(mods: list) -> list:
    return sorted({m for m in mods if m.split(".")[0] in FORBIDDEN})


@pytest.fixture
def workdir(tmp_path):
    home = tmp_path / "home"
    (home / ".metaflowconfig").mkdir(parents=True)
    (home / ".metaflowconfig" / "config.json").write_text(
        '{"METAFLOW_DEFAULT_METADATA": "local", "METAFLOW_USER": "ci"}')
    proj = tmp_path / "proj"
    (proj / ".metaflow").mkdir(parents=True)
    (proj / ".metaflow" / "config.json").write_text('{"METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": "general"}')
    (proj / ".env").write_text("METAFLOW_DEFAULT_DATASTORE=azure\nMETAFLOW_DATASTORE_SYSROOT_AZURE=/bad//\n")
    (proj / "Dockerfile").write_text("FROM python:3.11\nENV METAFLOW_USER=root\n")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "MFDOCTOR_CACHE_DIR": str(tmp_path / "cache"),  # cold for the first run
        **AZURE_ENV,
    }
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return proj, env


def run_importtime(args: list, env: dict, cwd) -> tuple:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mfdoctor", *args],
        env=env, cwd=str(cwd), capture_output=True, text=True, timeout=120,
    )
    mods = imported_modules(proc.stderr)
    assert "mfdoctor.cli" in mods, "no import log for %s: %s" % (args, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc, mods


def test_import_log_parser_sees_forbidden_modules(tmp_path):
    """Guard for the parser itself: a run that does import metaflow is caught."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import metaflow.metaflow_config"],
                          capture_output=True, text=True, cwd=str(tmp_path), timeout=120,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert "metaflow.metaflow_config" in forbidden(imported_modules(proc.stderr))


@pytest.mark.parametrize("args", [
    ["show", "--all"],
    ["show", "--all", "--format", "json"],
    ["show", "--format", "env"],
    ["show", "AZURE*"],
    ["show", "--target", "argo-workflows", "--all", "--format", "json"],
    ["show", "--target", "kubernetes"],
], ids=lambda a: " ".join(a))
def test_show_imports_neither_metaflow_nor_azure(workdir, args):
    proj, env = workdir
    for cache in ("cold", "warm"):
        proc, mods = run_importtime(args, env, proj)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert not forbidden(mods), "%s cache: `mfdoctor %s` imported %s" % (cache, " ".join(args), forbidden(mods))


@pytest.mark.parametrize("args", [
    ["lint"],
    ["lint", "--format", "json"],
    ["lint", "--format", "sarif", ".env", "Dockerfile"],
    ["lint", "--format", "github", "."],
], ids=lambda a: " ".join(a))
def test_lint_imports_neither_metaflow_nor_azure(workdir, args):
    proj, env = workdir
    for cache in ("cold", "warm"):
        proc, mods = run_importtime(args, env, proj)
        assert proc.returncode in (0, 1), proc.stderr[-2000:]  # 1: lint found errors
        assert not forbidden(mods), "%s cache: `mfdoctor %s` imported %s" % (cache, " ".join(args), forbidden(mods))


@pytest.mark.parametrize("args", [
    ["show", "--all"],
    ["show", "--all", "--format", "json"],
    ["show", "--format", "env"],
    ["show", "--target", "batch"],
    ["lint", "--format", "json"],
    ["lint", "--format", "github", "."],
    ["check", "--offline", "--format", "sarif"],
], ids=lambda a: " ".join(a))
def test_plain_text_output_does_not_import_rich(workdir, args):
    proj, env = workdir
    proc, mods = run_importtime(args, env, proj)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert not [m for m in mods if m.split(".")[0] == "rich"], "`mfdoctor %s` imported Rich" % " ".join(args)
