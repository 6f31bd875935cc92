"""The differential suite's venvs: one per Metaflow setup, built from the pinned
requirements in tests/differential/requirements/, cached and built in parallel.

    python tests/differential/venvs.py            # build (or reuse) every venv
    python tests/differential/venvs.py mf-2.9.15  # just these

Each venv lives in ~/.cache/mfdoctor-venvs/<name>-<key> (MFDOCTOR_VENV_CACHE overrides
the directory), key = sha256(python version + platform + requirements file + BUILD)[:12].
It is built into `<dir>.tmp` and renamed when complete, so a half-built venv is never
reused. mfdoctor is NOT installed into them: it runs with the venv's interpreter and
PYTHONPATH=<repo>:<deps dir>, where the deps dir holds mfdoctor's own requirements
(installed once with pip --target). So one cache serves every commit of mfdoctor.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REQS = os.path.join(HERE, "requirements")
BUILD = "1"  # bump when the way venvs are built changes
# mfdoctor's runtime requirements for running it from the repo with a venv's python.
MFD_DEPS = ["typer==0.28.0", "rich==15.0.0", "PyYAML==6.0.4"]

SETUPS = ["mf-2.9.15", "mf-2.12.35", "mf-2.12.39", "mf-2.15.21", "mf-2.19.39",
          "netflixext", "ob-ext", "checkpoint", "ray"]


def cache_root() -> str:
    return os.environ.get("MFDOCTOR_VENV_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "mfdoctor-venvs")


def _key(text: str) -> str:
    h = hashlib.sha256()
    h.update(("%s|%s|%s|%s\n" % (sys.version, platform.machine(), platform.system(), BUILD)).encode())
    h.update(text.encode())
    return h.hexdigest()[:12]


def _reqs(name: str) -> str:
    with open(os.path.join(REQS, name + ".txt"), encoding="utf-8") as f:
        return f.read()


def venv_dir(name: str) -> str:
    return os.path.join(cache_root(), "%s-%s" % (name, _key(_reqs(name))))


def deps_dir() -> str:
    return os.path.join(cache_root(), "mfd-deps-%s" % _key("\n".join(MFD_DEPS)))


def _run(cmd, log):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.append("$ %s\n%s" % (" ".join(cmd), proc.stdout[-3000:]))
    if proc.returncode != 0:
        raise RuntimeError("\n".join(log))


def _build(final: str, make) -> str:
    if os.path.isfile(os.path.join(final, ".complete")):
        return final
    # pytest-xdist workers (and parallel CI jobs) may ask for the same venv at once:
    # one builds, the others wait for it.
    with open(final + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(os.path.join(final, ".complete")):
            return final
        return _build_locked(final, make)


def _build_locked(final: str, make) -> str:
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    log: list = []
    make(tmp, log)
    with open(os.path.join(tmp, ".complete"), "w") as f:
        f.write("ok\n")
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    return final


def build_venv(name: str) -> str:
    req = os.path.join(REQS, name + ".txt")

    def make(tmp, log):
        _run([sys.executable, "-m", "venv", tmp], log)
        _run([os.path.join(tmp, "bin", "python"), "-m", "pip", "install", "--quiet",
              "--disable-pip-version-check", "-r", req], log)

    return _build(venv_dir(name), make)


def build_deps() -> str:
    def make(tmp, log):
        _run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              "--target", tmp] + MFD_DEPS, log)

    return _build(deps_dir(), make)


def build_all(names=None, workers: int = 8) -> dict:
    """{name: venv dir} (and "mfd-deps"), building what is missing in parallel."""
    names = list(names or SETUPS)
    os.makedirs(cache_root(), exist_ok=True)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {n: pool.submit(build_venv, n) for n in names}
        futures["mfd-deps"] = pool.submit(build_deps)
        return {n: f.result() for n, f in futures.items()}


if __name__ == "__main__":
    for n, d in build_all(sys.argv[1:] or None).items():
        print("%-12s %s" % (n, d))
