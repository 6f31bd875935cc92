#!/usr/bin/env python
"""Benchmark: `mfdoctor show --all` against `metaflow configure show` and the import of
Metaflow's config module, measured in the same run.

    python bench/bench_show.py [--runs 15] [--warmup 2] [--cold-runs 7] [--json] [--check]

Every command runs as a fresh process, the way a user (or CI) starts it, in a
controlled setting built in a temporary directory: a HOME with a profile file, a project
with `.metaflow/config.json` two levels up from the cwd, and a few METAFLOW_* variables.
Output goes to /dev/null (rich renders for a non-terminal, 80 columns).

Commands are interleaved round-robin (run i of every command, then run i+1, ...) so
drift in machine load hits all of them alike; after the warm-ups the median of the runs
is reported, with min and max, and each median as a ratio of `metaflow configure show`'s.

  mfdoctor show --all          warm catalog cache (the normal case)
  mfdoctor show --all --json   same, JSON renderer instead of the rich table
  mfdoctor show --all (cold)   empty MFDOCTOR_CACHE_DIR each run: the catalog is parsed
  metaflow configure show      the baseline of the goal
  import metaflow_config       python -c "import metaflow.metaflow_config"
  floor: python                python -c pass
  floor: typer + rich          python -c "import typer, rich.console, rich.table"

Goal (issue 2): mfdoctor show --all (warm) <= 0.5x metaflow configure show.
`--check` exits 1 when it is not met.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

GOAL = 0.5
BASELINE = "metaflow configure show"
CHECK = "mfdoctor check --offline"
CHECK_GOAL_S = 0.3


def _script(name: str):
    """The console script next to this interpreter (as pip installed it), if any."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    return path if os.access(path, os.X_OK) else None


def setting(tmp: str) -> tuple:
    """(env, cwd): a small but realistic configuration in every layer."""
    home = os.path.join(tmp, "home")
    os.makedirs(os.path.join(home, ".metaflowconfig"))
    with open(os.path.join(home, ".metaflowconfig", "config.json"), "w") as f:
        json.dump({
            "METAFLOW_DEFAULT_DATASTORE": "azure",
            "METAFLOW_DATASTORE_SYSROOT_AZURE": "mf-container/metaflow",
            "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": "https://acct.blob.core.windows.net/",
            "METAFLOW_DEFAULT_METADATA": "service",
            "METAFLOW_SERVICE_URL": "https://metadata.example.com/",
            "METAFLOW_SERVICE_AUTH_KEY": "bench-secret",
            "METAFLOW_KUBERNETES_NAMESPACE": "metaflow",
        }, f, indent=2)
    proj = os.path.join(tmp, "proj")
    os.makedirs(os.path.join(proj, ".metaflow"))
    with open(os.path.join(proj, ".metaflow", "config.json"), "w") as f:
        json.dump({"METAFLOW_DEFAULT_DATASTORE": "local", "METAFLOW_USER": "bench"}, f)
    cwd = os.path.join(proj, "src", "flows")
    os.makedirs(cwd)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "MFDOCTOR_CACHE_DIR": os.path.join(tmp, "cache"),
        "METAFLOW_DEFAULT_ENVIRONMENT": "local",
        "METAFLOW_KUBERNETES_CPU": "2",
        "METAFLOW_DEBUG_S3CLIENT": "0",
    }
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env, cwd


def commands(tmp: str) -> list:
    """(label, argv, env overrides per run or None)."""
    py = sys.executable
    mfd = [_script("mfdoctor")] if _script("mfdoctor") else [py, "-m", "mfdoctor"]
    mf = [_script("metaflow")] if _script("metaflow") else [py, "-m", "metaflow.cmd.main_cli"]
    cold_root = os.path.join(tmp, "cold")
    counter = iter(range(10 ** 9))

    def cold_env():
        return {"MFDOCTOR_CACHE_DIR": os.path.join(cold_root, str(next(counter)))}

    return [
        ("mfdoctor show --all", mfd + ["show", "--all"], None),
        ("mfdoctor show --all --format json", mfd + ["show", "--all", "--format", "json"], None),
        ("mfdoctor show --all (cold cache)", mfd + ["show", "--all"], cold_env),
        # Issue 13: the remote view reads the same cached catalog; it resolves twice.
        ("mfdoctor show --target argo-workflows", mfd + ["show", "--target", "argo-workflows", "--all"], None),
        # Issue 4's goal: the offline preflight on a typical configuration, < 0.3 s median.
        (CHECK, mfd + ["check", "--offline"], None),
        (BASELINE, mf + ["configure", "show"], None),
        ("import metaflow.metaflow_config", [py, "-c", "import metaflow.metaflow_config"], None),
        ("floor: python -c pass", [py, "-c", "pass"], None),
        ("floor: import typer, rich", [py, "-c", "import typer, rich.console, rich.table"], None),
    ]


def time_once(argv: list, env: dict, cwd: str, ok=(0,)) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in ok:
        raise SystemExit("%s failed (%d): %s" % (" ".join(argv), proc.returncode, proc.stderr.decode()[-2000:]))
    return elapsed


def measure(runs: int, warmup: int, cold_runs: int) -> dict:
    tmp = tempfile.mkdtemp(prefix="mfd-bench-")
    try:
        env, cwd = setting(tmp)
        cmds = commands(tmp)
        times = {label: [] for label, _, _ in cmds}
        for i in range(warmup + runs):
            for label, argv, per_run in cmds:
                cold = per_run is not None
                if cold and not warmup <= i < warmup + cold_runs:
                    continue  # slow, and every one is cold anyway: fewer of them
                run_env = dict(env, **(per_run() if cold else {}))
                # check exits 1 when it finds errors: that is a result, not a failure.
                t = time_once(argv, run_env, cwd, ok=(0, 1) if label == CHECK else (0,))
                if i >= warmup:
                    times[label].append(t)
        return times
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def summarize(times: dict) -> dict:
    base = statistics.median(times[BASELINE])
    out = {}
    for label, ts in times.items():
        med = statistics.median(ts)
        out[label] = {"median_s": med, "min_s": min(ts), "max_s": max(ts), "runs": len(ts),
                      "ratio": med / base}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--cold-runs", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--check", action="store_true", help="exit 1 if the goal is not met")
    args = ap.parse_args(argv)

    results = summarize(measure(args.runs, args.warmup, args.cold_runs))
    ratio = results["mfdoctor show --all"]["ratio"]
    check_s = results[CHECK]["median_s"]
    met = ratio <= GOAL and check_s < CHECK_GOAL_S
    if args.json:
        print(json.dumps({"results": results, "goal": {"max_ratio": GOAL, "ratio": ratio,
                                                       "check_max_s": CHECK_GOAL_S, "check_s": check_s,
                                                       "met": met},
                          "python": sys.version.split()[0]}, indent=2))
    else:
        print("%-36s %9s %9s %9s %6s  %s" % ("command", "median", "min", "max", "runs", "x configure show"))
        for label, r in results.items():
            print("%-36s %7.0fms %7.0fms %7.0fms %6d  %.2fx" % (
                label, r["median_s"] * 1e3, r["min_s"] * 1e3, r["max_s"] * 1e3, r["runs"], r["ratio"]))
        print("\ngoal: mfdoctor show --all <= %.2fx %s: %.2fx -> %s" % (
            GOAL, BASELINE, ratio, "met" if ratio <= GOAL else "NOT MET"))
        print("goal: %s < %.0f ms median: %.0f ms -> %s" % (
            CHECK, CHECK_GOAL_S * 1e3, check_s * 1e3, "met" if check_s < CHECK_GOAL_S else "NOT MET"))
    return 0 if met or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
