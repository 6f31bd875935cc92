"""The benchmark script runs end to end (on a small tree) and reports its figures."""

import json
import os
import subprocess

from env_helpers import PYTHON, ROOT, clean_env


def test_bench_lint_smoke(home, tmp_path):
    p = subprocess.run([PYTHON, os.path.join(ROOT, "bench", "bench_lint.py"), "--files", "300", "--mb", "2",
                        "--named", "30", "--runs", "1", "--warmup", "0", "--json"],
                       env=clean_env(home), cwd=str(tmp_path), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout)
    assert result["files"] == 300 and result["grep_hits"] > 0
    assert result["lint_exit"] == 1  # the tree holds typos and bad values
    assert result["lint_summary"]["error"] > 0
    assert result["ratio"] > 0 and result["engine_ratio"] > 0
    assert set(result["commands"]) >= {"mfdoctor lint --format json TREE", "grep -rnoE 'METAFLOW_[A-Z0-9_]+' TREE"}
