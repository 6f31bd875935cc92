"""Benchmark: live Azure checks against local services, versus Metaflow failing on the same problem.

Starts the test harness (Azurite over HTTPS with basic OAuth, a managed-identity endpoint, the
ARM + Key Vault server; see tests/live/harness) and measures, in one run:

  1. a healthy configuration checked end to end (credential, container incl. the write probe,
     RBAC, one Key Vault secret): median wall time of `run_live` in-process, and of the CLI
     `python -m mfdoctor check azure --format json` as a fresh process (imports included);
  2. an unreachable blob endpoint (closed port) diagnosed: the same two medians;
  3. Metaflow itself: a two-step flow on the Azure datastore with the unreachable endpoint,
     run once to its failure (wall time of `python flow.py run` until it exits), and the same
     flow healthy for reference.

Goals (issue 5): healthy < 2 s, unreachable diagnosed < 5 s (where the flow takes ~88 s).
Usage: python bench/bench_live.py [--runs 7] [--skip-metaflow] [--json out.json]
Needs Azurite: scripts/install-test-services.sh.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIVE = os.path.join(REPO, "tests", "live")
sys.path.insert(0, LIVE)
sys.path.insert(0, REPO)

from harness.arm_kv import Secret, container_scope, start_arm_kv  # noqa: E402
from harness.azurite import ACCOUNT, Azurite, find_azurite  # noqa: E402
from harness.certs import make_cert  # noqa: E402
from harness.identity import identity_env, start_identity_server  # noqa: E402
from harness.tokens import OBJECT_ID  # noqa: E402

FLOW = os.path.join(LIVE, "flows", "hello_azure.py")


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def median_time(fn, runs: int) -> tuple:
    times = []
    last = None
    for _ in range(runs):
        t = time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times), max(times), last


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--skip-metaflow", action="store_true", help="skip the ~90 s Metaflow failure run")
    ap.add_argument("--json", help="also write the numbers here")
    args = ap.parse_args()

    binary = find_azurite()
    if not binary:
        print("Azurite not installed: run scripts/install-test-services.sh", file=sys.stderr)
        return 2
    from mfdoctor.checks.azure_live import LiveSettings, run_live

    work = tempfile.mkdtemp(prefix="mfdoctor-bench-")
    cert, key = make_cert(os.path.join(work, "certs"))
    azurite = Azurite(binary, cert, key, os.path.join(work, "azurite"))
    mi = start_identity_server()
    arm = start_arm_kv(cert, key)
    results = {}
    try:
        container = "bench"
        azurite.admin().create_container(container)
        arm.state.add_storage_account(ACCOUNT)
        arm.state.add_vault("kv-bench")
        arm.state.assign("Storage Blob Data Contributor", OBJECT_ID, container_scope(ACCOUNT, container))
        arm.state.assign("Key Vault Secrets User", OBJECT_ID, arm_vault_id("kv-bench"))
        arm.state.secrets[("kv-bench", "db-password")] = Secret()
        home = os.path.join(work, "home")
        os.makedirs(home)
        env = {
            "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"]),
            "HOME": home, "USER": "bench", "METAFLOW_HOME": os.path.join(home, ".metaflowconfig"),
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "REQUESTS_CA_BUNDLE": cert, "PYTHONPATH": REPO,
            "METAFLOW_DEFAULT_DATASTORE": "azure", "METAFLOW_DEFAULT_METADATA": "local",
            "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": azurite.url,
            "METAFLOW_DATASTORE_SYSROOT_AZURE": container + "/metaflow",
            "MFDOCTOR_AZURE_MANAGEMENT_URL": arm.url, "MFDOCTOR_AZURE_VAULT_URL": arm.url + "/{vault}",
        }
        env.update(identity_env(mi, "healthy"))
        secret = "https://kv-bench.vault.azure.net/secrets/db-password"
        dead = dict(env, METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://127.0.0.1:%d/%s" % (closed_port(), ACCOUNT))

        def settings(e):
            return LiveSettings(blob_endpoint=e["METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"],
                                sysroot=e["METAFLOW_DATASTORE_SYSROOT_AZURE"], datastore="azure",
                                secrets=[secret], env=e)

        def lib(e):
            return lambda: run_live(settings(e), timeout=15)

        def cli(e):
            def go():
                p = subprocess.run([sys.executable, "-m", "mfdoctor", "check", "azure", "--format", "json",
                                    "--secret", secret], env=e, cwd=work, capture_output=True, text=True)
                return json.loads(p.stdout)
            return go

        run_live(settings(env), timeout=15)  # warm the in-process imports once
        for name, fn, check in [
            ("healthy_library", lib(env), lambda r: not [f for f in r if f.severity == "error"]),
            ("healthy_cli", cli(env), lambda r: r["exit_code"] == 0),
            ("unreachable_library", lib(dead), lambda r: any(f.check == "azure.container" and f.severity == "error" for f in r)),
            ("unreachable_cli", cli(dead), lambda r: r["exit_code"] == 1),
        ]:
            med, lo, hi, last = median_time(fn, args.runs)
            assert check(last), (name, last)
            results[name] = {"median_s": round(med, 3), "min_s": round(lo, 3), "max_s": round(hi, 3), "runs": args.runs}
            print("%-22s median %6.3f s  (min %.3f, max %.3f, %d runs)" % (name, med, lo, hi, args.runs), flush=True)

        if not args.skip_metaflow:
            for name, e in (("metaflow_flow_healthy", env), ("metaflow_flow_unreachable", dead)):
                flow_env = {k: v for k, v in e.items() if k != "PYTHONPATH"}
                t = time.perf_counter()
                p = subprocess.run([sys.executable, FLOW, "--no-pylint", "run"], env=flow_env, cwd=work,
                                   capture_output=True, text=True)
                took = time.perf_counter() - t
                results[name] = {"wall_s": round(took, 3), "exit_code": p.returncode}
                print("%-22s %6.1f s to %s (one run)" % (name, took, "succeed" if p.returncode == 0 else "fail"),
                      flush=True)
            mf = results["metaflow_flow_unreachable"]["wall_s"]
            results["speedup_unreachable_cli_vs_metaflow"] = round(mf / results["unreachable_cli"]["median_s"], 1)
            print("unreachable endpoint: mfdoctor CLI %.2f s vs Metaflow %.1f s (%.0fx faster)" % (
                results["unreachable_cli"]["median_s"], mf, results["speedup_unreachable_cli_vs_metaflow"]))
    finally:
        azurite.stop()
        mi.stop()
        arm.stop()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


def arm_vault_id(name: str) -> str:
    from harness.arm_kv import vault_id

    return vault_id(name)


if __name__ == "__main__":
    sys.exit(main())
