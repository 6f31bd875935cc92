#!/usr/bin/env python
"""Benchmark: `mfdoctor lint TREE` against `grep -rnoE 'METAFLOW_[A-Z0-9_]+' TREE`.

The goal is for the lint as a user runs it again and again (unchanged files come from
the scan cache, mfdoctor/scan/cache.py); the same lint with every file parsed again
(MFDOCTOR_NO_CACHE=1, as on a fresh checkout) is measured and reported next to it.

Generates a repository-like tree in a temporary directory (default: 10,000
files, about 100 MB: Python, Markdown, YAML, JSON, shell, Dockerfiles, .env
files, Terraform, Makefiles, CSV data and binary blobs; a few hundred METAFLOW_* names, some of
them misspelled or with bad values), runs both commands on it in the same
run, warm cache, and reports the medians and their ratio. Goal: lint <= 3x grep.

    python bench/bench_lint.py [--files 10000] [--mb 100] [--named 300] [--runs 7]
                               [--warmup 2] [--no-git] [--keep] [--tree DIR] [--json] [--check]

The tree is a git work tree (untracked files), as a project checkout would be,
so the lint lists it with `git ls-files`; `--no-git` measures the plain walk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOAL = 3.0

ENGINE = (
    "import sys\n"
    "from mfdoctor.checks.lint import run_lint\n"
    "from mfdoctor.config import resolve\n"
    "from mfdoctor.findings import Report\n"
    "from mfdoctor.render import report_json\n"
    "r = Report(run_lint(sys.argv[1:], res=resolve()))\n"
    "print(report_json.render(r))\n"
    "sys.exit(r.exit_code())\n"
)

GOOD = [
    "METAFLOW_DEFAULT_DATASTORE", "METAFLOW_DATASTORE_SYSROOT_AZURE", "METAFLOW_DEFAULT_METADATA",
    "METAFLOW_SERVICE_URL", "METAFLOW_KUBERNETES_NAMESPACE", "METAFLOW_RUN_MAX_WORKERS",
    "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT", "METAFLOW_USER", "METAFLOW_PROFILE",
    "METAFLOW_DEBUG_S3CLIENT", "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE",
]
BAD = ["METAFLOW_DEFAULT_DATSTORE", "METAFLOW_SECRETS_BACKEND_TYPE", "METAFLOW_MAX_WORKERS",
       "METAFLOW_JOB_QUEUE_NAME"]
VALUES = {
    "METAFLOW_DEFAULT_DATASTORE": ["azure", "local", "azur"],
    "METAFLOW_DEBUG_S3CLIENT": ["false", "no"],
    "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": ["general", "highCpu"],
}

WORDS = ("the flow step data artifact run task config value import metaflow azure blob "
         "storage container kubernetes pod retry card parameter foreach join split").split()


def _filler(rng: random.Random, size: int) -> str:
    out = []
    n = 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))
        out.append(line)
        n += len(line) + 1
    return "\n".join(out) + "\n"


def _name(rng: random.Random) -> str:
    return rng.choice(BAD) if rng.random() < 0.15 else rng.choice(GOOD)


def _value(rng, name):
    return rng.choice(VALUES.get(name, ["x"]))


def generate(root: str, n_files: int, total_mb: float, n_named: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    avg = int(total_mb * 1e6 / n_files)
    kinds = ["py"] * 40 + ["md"] * 15 + ["yaml"] * 10 + ["json"] * 10 + ["sh"] * 5 + \
            ["csv"] * 12 + ["bin"] * 3 + ["txt"] * 3 + ["env"] * 1 + ["docker"] * 1 + \
            ["tf"] * 2 + ["make"] * 1
    named = set(rng.sample(range(n_files), n_named))
    names_written = 0
    total = 0
    for i in range(n_files):
        kind = rng.choice(kinds)
        d = os.path.join(root, "pkg%02d" % (i % 50), "sub%d" % (i % 7))
        os.makedirs(d, exist_ok=True)
        # Sizes: mostly small, a few large (like a real repo).
        size = int(rng.expovariate(1.0 / avg))
        size = max(200, min(size, 3_000_000))
        has = i in named
        k = rng.randint(1, 3) if has else 0
        if kind == "bin":
            path = os.path.join(d, "blob%d.bin" % i)
            data = bytes(rng.getrandbits(8) for _ in range(min(size, 4096))) * max(1, size // 4096)
            with open(path, "wb") as f:
                f.write(data)
            total += len(data)
            continue
        body = _filler(rng, size)
        lines = []
        for _ in range(k):
            nm = _name(rng)
            names_written += 1
            v = _value(rng, nm)
            lines.append({
                "py": 'x = os.environ.get("%s")\nos.environ["%s"] = "%s"' % (nm, nm, v),
                "md": "Set `%s=%s` before running." % (nm, v),
                "yaml": "env:\n  %s: %s" % (nm, v),
                "json": None,
                "sh": "export %s=%s" % (nm, v),
                "csv": "%s,%s" % (nm, v),
                "txt": "%s=%s" % (nm, v),
                "env": "%s=%s" % (nm, v),
                "docker": "ENV %s=%s" % (nm, v),
                "tf": 'locals {\n  env = { "%s" = "%s" }\n}' % (nm, v),
                "make": "run:\n\t%s=%s python flow.py run" % (nm, v),
            }[kind] or "")
        ext = {"py": "mod%d.py", "md": "doc%d.md", "yaml": "conf%d.yaml", "json": "data%d.json",
               "sh": "run%d.sh", "csv": "table%d.csv", "txt": "notes%d.txt", "env": "%d.env",
               "docker": "Dockerfile.%d", "tf": "main%d.tf", "make": "rules%d.mk"}[kind] % i
        path = os.path.join(d, ext)
        if kind == "json":
            obj = {"description": body[:size]}
            for _ in range(k):
                nm = _name(rng)
                names_written += 1
                obj[nm] = _value(rng, nm)
            text = json.dumps(obj, indent=2)
        elif kind == "yaml":
            text = "items:\n" + "".join("  - %s\n" % json.dumps(ln) for ln in body.splitlines()[:2000])
            text += "\n".join(lines) + "\n"
        elif kind == "tf":  # HCL: filler as comments, the settings in an env map
            text = "".join("# %s\n" % ln for ln in body.splitlines()) + "\n".join(lines) + "\n"
        elif kind == "make":
            text = "".join("# %s\n" % ln for ln in body.splitlines()) + "\n".join(lines) + "\n"
        elif kind == "py":
            text = "import os\n" + "".join("# %s\n" % ln for ln in body.splitlines()) + "\n".join(lines) + "\n"
        else:
            text = body + "\n".join(lines) + "\n"
        with open(path, "w") as f:
            f.write(text)
        total += len(text)
    return {"files": n_files, "bytes": total, "names": names_written}


def _run(cmd, cwd, env) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--mb", type=float, default=100.0)
    ap.add_argument("--named", type=int, default=300, help="files holding METAFLOW_ names")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--no-git", action="store_true", help="not a git work tree (plain walk)")
    ap.add_argument("--keep", action="store_true", help="keep the generated tree")
    ap.add_argument("--tree", help="reuse a tree kept by --keep instead of generating one")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--check", action="store_true", help="exit 1 when the goal is not met")
    args = ap.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="mfdoctor-bench-")
    tree = args.tree or os.path.join(tmp, "tree")
    try:
        t = time.perf_counter()
        if args.tree:
            paths = []
            for d, dirs, fs in os.walk(tree):
                dirs[:] = [x for x in dirs if x != ".git"]
                paths.extend(os.path.join(d, f) for f in fs)
            info = {"files": len(paths), "bytes": sum(os.path.getsize(p) for p in paths), "names": None}
        else:
            os.makedirs(tree)
            info = generate(tree, args.files, args.mb, args.named)
            if not args.no_git:
                subprocess.run(["git", "init", "-q", tree], check=True)
        gen_s = time.perf_counter() - t
        env = dict(os.environ)
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        # The catalog and scan caches of this run only: none of the user's is read or left behind.
        env["MFDOCTOR_CACHE_DIR"] = os.path.join(tmp, "cache")
        commands = {
            "mfdoctor lint --format json TREE": [sys.executable, "-m", "mfdoctor", "lint", "--format", "json", tree],
            "grep -rnoE 'METAFLOW_[A-Z0-9_]+' TREE": ["grep", "-rnoE", "METAFLOW_[A-Z0-9_]+", tree],
            # Every file parsed again: the first run on a checkout, or MFDOCTOR_NO_CACHE=1.
            "lint, no scan cache (MFDOCTOR_NO_CACHE=1)": ["env", "MFDOCTOR_NO_CACHE=1", sys.executable,
                                                          "-m", "mfdoctor", "lint", "--format", "json", tree],
            # The same lint without the CLI layer (Typer and Rich): the engine's cost.
            "engine: run_lint + JSON (no CLI)": [sys.executable, "-c", ENGINE, tree],
            "floor: mfdoctor --version": [sys.executable, "-m", "mfdoctor", "--version"],
            "floor: python -c pass": [sys.executable, "-c", "pass"],
        }
        lint_key, grep_key, cold_key, engine_key = list(commands)[:4]
        # Check the lint works, and warm the page cache and the catalog cache.
        warm = subprocess.run(commands[lint_key], cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env)
        report = json.loads(warm.stdout or b"{}")
        grep_hits = subprocess.run(commands[grep_key], stdout=subprocess.PIPE).stdout.count(b"\n")
        for _ in range(args.warmup):
            for cmd in commands.values():
                _run(cmd, tmp, env)
        times = {k: [] for k in commands}
        for _ in range(args.runs):  # round-robin, so load drift hits every command alike
            for k, cmd in commands.items():
                times[k].append(_run(cmd, tmp, env))
        med = {k: statistics.median(v) for k, v in times.items()}
        ratio = med[lint_key] / med[grep_key]
        result = {
            "files": info["files"], "megabytes": round(info["bytes"] / 1e6, 1),
            "names_written": info["names"], "grep_hits": grep_hits,
            "lint_findings": len(report.get("findings", [])), "lint_summary": report.get("summary"),
            "lint_exit": warm.returncode, "git": os.path.isdir(os.path.join(tree, ".git")),
            "runs": args.runs, "cpus": os.cpu_count(), "generate_s": round(gen_s, 1),
            "lint_median_s": round(med[lint_key], 3), "grep_median_s": round(med[grep_key], 3),
            "engine_median_s": round(med[engine_key], 3),
            "no_cache_median_s": round(med[cold_key], 3),
            "no_cache_ratio": round(med[cold_key] / med[grep_key], 2),
            "lint_runs_s": [round(x, 3) for x in times[lint_key]],
            "grep_runs_s": [round(x, 3) for x in times[grep_key]],
            "ratio": round(ratio, 2), "engine_ratio": round(med[engine_key] / med[grep_key], 2),
            "goal_ratio": GOAL, "goal_met": ratio <= GOAL,
            "commands": {k: {"median_s": round(med[k], 4), "min_s": round(min(v), 4),
                             "max_s": round(max(v), 4)} for k, v in times.items()},
        }
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            print("tree: %(files)d files, %(megabytes)s MB, %(grep_hits)d grep hits; git work tree: "
                  "%(git)s; %(cpus)s CPUs; lint found %(lint_findings)d findings %(lint_summary)s" % result)
            print()
            print("%-40s %9s %9s %9s %6s  %s" % ("command", "median", "min", "max", "runs", "x grep"))
            for k, v in times.items():
                print("%-40s %7.0fms %7.0fms %7.0fms %6d  %.2fx" % (
                    k, med[k] * 1e3, min(v) * 1e3, max(v) * 1e3, len(v), med[k] / med[grep_key]))
            print()
            print("goal: mfdoctor lint <= %.1fx grep: %.2fx -> %s" % (
                GOAL, ratio, "met" if ratio <= GOAL else "NOT MET"))
        if warm.returncode not in (0, 1):
            return 1
        return 1 if args.check and ratio > GOAL else 0
    finally:
        if args.keep and not args.tree:
            print("tree kept at", tree, file=sys.stderr)
        else:  # never removes a --tree given by the caller
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
