#!/usr/bin/env python3
"""Record mfdoctor's machine outputs over fixed scenarios, to prove a refactor changed
no behaviour: run it on the old and the new tree and compare the two directories.

    python scripts/compare_outputs.py record OUT_DIR [--python PY] [--src DIR]
    python scripts/compare_outputs.py compare OLD_DIR NEW_DIR

`record` runs, for each scenario (the repository's test fixtures and a set of generated
configurations: environment, profile file, project file), `show --all --format json`,
`lint . --format json` and `check --offline --format sarif`, in a scratch HOME and
working directory, with `--src` (default: this checkout) first on PYTHONPATH.
Paths of the scratch directories are replaced by placeholders; `compare` reports every
file that differs and exits 1 if any does.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

COMMANDS = {
    "show": ["show", "--all", "--format", "json"],
    "lint": ["lint", ".", "--format", "json"],
    "check": ["check", "--offline", "--format", "sarif"],
}

# Values drawn for generated scenarios: valid, invalid and borderline settings.
_POOL = {
    "METAFLOW_DEFAULT_DATASTORE": ["local", "azure", "s3", "gs", "azur", ""],
    "METAFLOW_DATASTORE_SYSROOT_AZURE": ["metaflow/prod", "az://c/p", "/c/p", "c//p", "c"],
    "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": [
        "https://acct.blob.core.windows.net/", "http://127.0.0.1:10000/devstoreaccount1",
        "acct.blob.core.windows.net", "https://acct.blob.core.windows.net/c?sv=1&sig=SECRET"],
    "METAFLOW_S3_RETRY_COUNT": ["3", "x", "7.5"],
    "METAFLOW_USER": ["alice", "root", ""],
    "METAFLOW_DEFAULT_METADATA": ["local", "service", "servce"],
    "METAFLOW_SERVICE_URL": ["http://localhost:8080", "https://u:pw@mf.example.com/api"],
    "METAFLOW_SERVICE_AUTH_KEY": ["k3y-secret"],
    "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": ["general", "highCpu"],
    "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": ["az-key-vault", "inline"],
    "METAFLOW_AZURE_KEY_VAULT_PREFIX": ["https://myvault.vault.azure.net/", "myvault"],
    "METAFLOW_ENABLED_DATASTORE": ["azure", '["azure", "local"]'],
    "METAFLOW_DEFAULT_DATSTORE": ["azure"],
    "METAFLOW_KUBERNETES_NAMESPACE": ["team-a"],
    "METAFLOW_DATATOOLS_CLIENT_PARAMS": ['{"a": 1}', "[1]"],
}


def _scenarios():
    """(name, env, profile dict or None, project dict or None, files {relpath: text})."""
    fixtures = {}
    flows = os.path.join(HERE, "tests", "checks", "flows")
    for fn in sorted(os.listdir(flows)):
        if fn.endswith("_flow.py") or fn.startswith("seed_"):
            with open(os.path.join(flows, fn), encoding="utf-8") as f:
                fixtures[fn] = f.read()
    yield "fixtures-flows", {"METAFLOW_DEFAULT_DATASTORE": "azure"}, None, None, fixtures
    yield "empty", {}, None, None, {}
    rng = random.Random(20261201)
    keys = sorted(_POOL)
    for i in range(24):
        picked = rng.sample(keys, rng.randint(1, 6))
        layers = [{}, {}, {}]
        for k in picked:
            layers[rng.randrange(3)][k] = rng.choice(_POOL[k])
        env, prof, proj = layers
        files = {}
        if i % 3 == 0:
            files[".env"] = "".join("%s=%s\n" % kv for kv in sorted(prof.items()))
        if i % 4 == 1:
            files["Dockerfile"] = "FROM python:3.11\n" + "".join(
                "ENV %s=%s\n" % kv for kv in sorted(env.items()))
        yield "gen-%02d" % i, env, prof or None, proj or None, files


def _run(py, src, args, env, cwd):
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
            "PYTHONPATH": src, "USER": "tester", "COLUMNS": "100", "NO_COLOR": "1"}
    full.update(env)
    p = subprocess.run([py, "-m", "mfdoctor"] + args, cwd=cwd, env=full,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout


def record(out_dir, py, src):
    os.makedirs(out_dir, exist_ok=True)
    for name, env, prof, proj, files in _scenarios():
        tmp = tempfile.mkdtemp(prefix="mfd-cmp-")
        try:
            home, work = os.path.join(tmp, "home"), os.path.join(tmp, "work")
            os.makedirs(os.path.join(home, ".metaflowconfig"))
            os.makedirs(work)
            if prof is not None:
                with open(os.path.join(home, ".metaflowconfig", "config.json"), "w") as f:
                    json.dump(prof, f)
            if proj is not None:
                os.makedirs(os.path.join(work, ".metaflow"))
                with open(os.path.join(work, ".metaflow", "config.json"), "w") as f:
                    json.dump(proj, f)
            for rel, text in files.items():
                with open(os.path.join(work, rel), "w", encoding="utf-8") as f:
                    f.write(text)
            run_env = dict(env, HOME=home, MFDOCTOR_CACHE_DIR=os.path.join(tmp, "cache"))
            for cmd, args in COMMANDS.items():
                code, out = _run(py, src, args, run_env, work)
                out = out.replace(os.path.realpath(tmp), "<TMP>").replace(tmp, "<TMP>")
                with open(os.path.join(out_dir, "%s.%s.txt" % (name, cmd)), "w") as f:
                    f.write("exit %d\n%s" % (code, _stable(out)))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _stable(out):
    """Drop fields that measure time (they differ run to run)."""
    try:
        data = json.loads(out)
    except ValueError:
        return out
    if isinstance(data, dict):
        data.pop("timings", None)
        for run in data.get("runs", []) if isinstance(data.get("runs"), list) else []:
            for inv in run.get("invocations", []):
                inv.pop("startTimeUtc", None)
                inv.pop("endTimeUtc", None)
    return json.dumps(data, indent=1, sort_keys=True)


def compare(old, new):
    bad = 0
    names = sorted(set(os.listdir(old)) | set(os.listdir(new)))
    for n in names:
        a = os.path.join(old, n)
        b = os.path.join(new, n)
        if not (os.path.exists(a) and os.path.exists(b)):
            print("missing on one side:", n)
            bad += 1
            continue
        with open(a) as fa, open(b) as fb:
            if fa.read() != fb.read():
                print("differs:", n)
                bad += 1
    print("%d of %d outputs identical" % (len(names) - bad, len(names)))
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "record":
        py = sys.executable
        src = HERE
        rest = argv[2:]
        while rest:
            opt, val = rest[0], rest[1]
            rest = rest[2:]
            if opt == "--python":
                py = val
            elif opt == "--src":
                src = os.path.abspath(val)
        record(argv[1], py, src)
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        return compare(argv[1], argv[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
