"""Shell completions are generated from the CLI, are current, and really complete."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_completion_scripts_are_current():
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "gen_completions.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_shell_has_a_script():
    names = set(os.listdir(os.path.join(ROOT, "completions")))
    assert {"mfdoctor.bash", "_mfdoctor", "mfdoctor.fish", "mfdoctor.ps1"} <= names


def _complete(words: str, cword: int, tmp_path) -> list:
    env = dict(os.environ, _MFDOCTOR_COMPLETE="complete_bash", COMP_WORDS=words,
               COMP_CWORD=str(cword), MFDOCTOR_CACHE_DIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "mfdoctor"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_bash_completion_offers_commands_options_and_keys(tmp_path):
    assert "show" in _complete("mfdoctor sh", 1, tmp_path)
    assert "--format" in _complete("mfdoctor show --fo", 2, tmp_path)
    assert "METAFLOW_DEFAULT_DATASTORE" in _complete("mfdoctor explain METAFLOW_DEFAULT_DA", 2, tmp_path)
    assert "DEFAULT_DATASTORE" in _complete("mfdoctor explain DEFAULT_DA", 2, tmp_path)
    assert "azure_storage_workload_type" in _complete("mfdoctor show azure_storage_w", 2, tmp_path)
