"""The scan cache (mfdoctor/scan/cache.py): a second lint of an unchanged tree gives the
same report without parsing again; any change to a file is seen; secrets never reach
the cache; a broken, hostile or unwritable cache is ignored. Through the real CLI, in
a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

import pytest

from env_helpers import clean_env, lint_json

SECRET = "s3cr3t-Pa55word-x9"

# Realistic files of a project (own fixtures): a Dockerfile, a compose file, a .env, a
# shell script, a flow; one typo, one bad value, and secrets of two shapes.
FILES = {
    "Dockerfile": "FROM python:3.11\nENV METAFLOW_DEFAULT_DATASTORE=azure \\\n"
                  "    METAFLOW_DATASTORE_SYSROOT_AZURE=metaflow/prod\n",
    "deploy/compose.yaml": "services:\n  flow:\n    environment:\n"
                           "      METAFLOW_DEFAULT_DATSTORE: azure\n"
                           "      METAFLOW_DEFAULT_METADATA: servce\n",
    "run.sh": "#!/bin/sh\nexport METAFLOW_KUBERNETES_NAMESPACE=ml\npython flow.py run\n",
    "flow.py": "from metaflow import FlowSpec, Parameter, step\n\n"
               "class F(FlowSpec):\n    alpha = Parameter('alpha', default=1)\n\n"
               "    @step\n    def start(self):\n        self.next(self.end)\n\n"
               "    @step\n    def end(self):\n        pass\n",
    "secrets/.env": "METAFLOW_SERVICE_AUTH_KEY=%s\n"
                    "METAFLOW_SERVICE_URL=https://bob:%s@md.example.com/api\n" % (SECRET, SECRET),
}


def _age(root, seconds=60):
    """Files older than the cache's racy window, as in a checkout."""
    past = time.time() - seconds
    for d, _dirs, files in os.walk(root):
        for f in files:
            os.utime(os.path.join(d, f), (past, past))


@pytest.fixture
def project(tmp_path, home):
    root = tmp_path / "proj"
    for rel, text in FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    _age(root)
    cache = tmp_path / "cache"
    env = clean_env(home, MFDOCTOR_CACHE_DIR=str(cache))
    return root, env, cache


def _findings(report):
    return sorted(json.dumps(f, sort_keys=True) for f in report["findings"])


def _lint(root, env):
    p, report = lint_json(["proj"], env, root.parent)
    return p, report


def _cache_files(cache):
    d = cache / "scan"
    return sorted(d.iterdir()) if d.is_dir() else []


def test_second_run_reads_the_cache_and_reports_the_same(project):
    root, env, cache = project
    p1, first = _lint(root, env)
    assert p1.returncode == 1
    names = {f["message"].split()[0] for f in first["findings"]}
    assert any("METAFLOW_DEFAULT_DATSTORE" in f["message"] for f in first["findings"]), names
    stored = _cache_files(cache)
    assert len(stored) == 1
    # The second run parses nothing: make every scanner fail if it is called.
    p2, second = _lint(root, dict(env, PYTHONPATH=_poisoned_scanners(root.parent) + os.pathsep
                                  + env["PYTHONPATH"]))
    assert p2.returncode == 1, p2.stderr
    assert _findings(second) == _findings(first)
    # ... and the same in the listing's order.
    assert [f["location"] for f in second["findings"]] == [f["location"] for f in first["findings"]]


def _poisoned_scanners(where) -> str:
    """A sitecustomize that makes `scan_text` raise: a run that parses a file then
    reports an internal error for it. Not for the file with secrets: it is never stored,
    so it is parsed on every run."""
    d = where / "poison"
    d.mkdir(exist_ok=True)
    (d / "sitecustomize.py").write_text(
        "import mfdoctor.scan as s\n"
        "_real = s.scan_text\n"
        "def _boom(text, kind, path='<text>', *a, **k):\n"
        "    if 'secrets' in path:\n        return _real(text, kind, path, *a, **k)\n"
        "    raise RuntimeError('parsed although cached')\n"
        "s.scan_text = _boom\n")
    return str(d)


def test_a_change_is_seen_even_with_the_old_size_and_mtime(project):
    root, env, cache = project
    _lint(root, env)
    compose = root / "deploy" / "compose.yaml"
    st = compose.stat()
    text = compose.read_text().replace("DATSTORE", "DATASTOR")  # same size
    compose.write_text(text)
    os.utime(compose, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime put back; ctime moves
    _, report = _lint(root, env)
    msgs = " ".join(f["message"] for f in report["findings"])
    assert re.search(r"METAFLOW_DEFAULT_DATASTOR(?!E)", msgs), msgs
    assert "METAFLOW_DEFAULT_DATSTORE" not in msgs


def test_new_and_deleted_files_are_seen(project):
    root, env, cache = project
    _lint(root, env)
    (root / "run.sh").unlink()
    extra = root / "ci" / "job.env"
    extra.parent.mkdir()
    extra.write_text("METAFLOW_DEFAULT_METADATA=servic\n")
    _, report = _lint(root, env)
    paths = {f["location"]["path"] for f in report["findings"] if f.get("location")}
    assert os.path.join("proj", "ci", "job.env") in paths
    assert os.path.join("proj", "run.sh") not in paths


def test_secrets_never_reach_the_cache(project):
    root, env, cache = project
    _, first = _lint(root, env)
    _, second = _lint(root, env)
    assert _findings(first) == _findings(second)
    for f in _cache_files(cache):
        data = f.read_bytes()
        assert SECRET.encode() not in data
        assert os.stat(f).st_mode & 0o077 == 0  # the user's own, like ssh's files
    for report in (first, second):
        assert SECRET not in json.dumps(report)


def test_recently_modified_files_are_not_stored(project):
    root, env, cache = project
    (root / "run.sh").write_text("export METAFLOW_KUBERNETES_NAMSPACE=ml\n")  # mtime: now
    _lint(root, env)
    data = b"".join(f.read_bytes() for f in _cache_files(cache))
    assert b"run.sh" in data  # the listing names it ...
    assert b"NAMSPACE" not in data  # ... but its scan is not kept


@pytest.mark.parametrize("damage", ["garbage", "fifo", "directory", "truncated"])
def test_a_damaged_cache_is_ignored(project, damage):
    root, env, cache = project
    _, first = _lint(root, env)
    (path,) = _cache_files(cache)
    if damage == "garbage":
        path.write_bytes(b"\x00not marshal at all" * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "fifo":
        path.unlink()
        os.mkfifo(path)
    else:
        path.unlink()
        path.mkdir()
    p, second = _lint(root, env)  # a FIFO must not hang it (lint_json's timeout)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert _findings(second) == _findings(first)


def test_unwritable_cache_and_no_cache(project, tmp_path):
    root, env, cache = project
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        p, report = _lint(root, dict(env, MFDOCTOR_CACHE_DIR=str(ro / "c")))
    finally:
        ro.chmod(0o700)
    if os.geteuid() != 0:  # root writes anyway
        assert not (ro / "c").exists()
    _, baseline = _lint(root, env)
    assert _findings(report) == _findings(baseline)
    off = tmp_path / "off"
    p, report = _lint(root, dict(env, MFDOCTOR_CACHE_DIR=str(off), MFDOCTOR_NO_CACHE="1"))
    assert not (off / "scan").exists()  # (the catalog cache is not this one)
    assert _findings(report) == _findings(baseline)


def test_the_same_directory_spelled_two_ways(project):
    """`lint proj` and `lint /abs/proj` list paths differently: each finds its own."""
    root, env, cache = project
    _, rel = _lint(root, env)
    p, absolute = lint_json([str(root)], env, root.parent)
    _, rel_again = _lint(root, env)
    assert _findings(rel_again) == _findings(rel)
    assert {f["location"]["path"] for f in absolute["findings"] if f.get("location")} \
        == {os.path.join(str(root.parent), f["location"]["path"]) for f in rel["findings"]
            if f.get("location")}
