"""Property-based fuzzing of every input mfdoctor reads (hypothesis, deterministic).

Targets: config files, the environment, lint inputs of every kind, flow files, and
secrets planted in every place a secret can live. Oracles (harness.check_result): no
traceback, no "internal error", no hang, an exit code of the contract, strict JSON,
no marker, no input file modified.

Size: MFDOCTOR_FUZZ_EXAMPLES cases in all (default 300, about two minutes on two
cores), shared evenly by the targets; `MFDOCTOR_FUZZ_EXAMPLES=5000` is the long run.
Each case runs one command, in-process (harness.invoke); the subprocess layer
(pipes, closed streams, signals) is test_streams.py.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from . import strategies as S
from .harness import COMMANDS, base_env, check_result, invoke, tree_digest

TARGETS = 5
TOTAL = int(os.environ.get("MFDOCTOR_FUZZ_EXAMPLES", "300"))
PER_TARGET = max(1, TOTAL // TARGETS)
FUZZ = settings(max_examples=PER_TARGET, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.reuse, Phase.generate], print_blob=True)
_COUNTS: dict = {}


def _count(target: str) -> None:
    _COUNTS[target] = _COUNTS.get(target, 0) + 1
    log = os.environ.get("MFDOCTOR_FUZZ_LOG")
    if log:
        with open(log, "a") as f:
            f.write("%s\n" % target)


class Box:
    """A fresh HOME and working directory for one case."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="mfdoctor-fuzz-")
        self.home = os.path.join(self.root, "home")
        self.cfg = os.path.join(self.home, ".metaflowconfig")
        self.cwd = os.path.join(self.root, "work")
        os.makedirs(self.cfg)
        os.makedirs(self.cwd)

    def write(self, rel_or_abs: str, content) -> str:
        path = rel_or_abs if os.path.isabs(rel_or_abs) else os.path.join(self.cwd, rel_or_abs)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if content in ("fifo", "dir", "devzero", "dangling"):
            {"fifo": lambda: os.mkfifo(path), "dir": lambda: os.makedirs(path, exist_ok=True),
             "devzero": lambda: os.symlink("/dev/zero", path),
             "dangling": lambda: os.symlink(os.path.join(self.root, "nowhere"), path)}[content]()
        else:
            data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
            with open(path, "wb") as f:
                f.write(data)
        return path

    def run(self, args, env=None, markers=(), usage_error=False):
        before = tree_digest([self.home, self.cwd])
        r = invoke(args, base_env(self.home, **(env or {})), self.cwd)
        check_result(r, markers, allow_usage_error=usage_error)
        if usage_error and r.code == 2:
            assert "no such file or directory" in r.text, r.text
        assert tree_digest([self.home, self.cwd]) == before, "an input file was modified"
        return r

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


commands = st.sampled_from(COMMANDS)
special = st.sampled_from(["fifo", "dir", "devzero", "dangling"])


@FUZZ
@given(where=st.sampled_from(["profile", "named", "local", "home"]),
       content=st.one_of(S.config_text(), special), args=commands)
def test_config_files(where, content, args):
    _count("config files")
    b = Box()
    try:
        env = {}
        if where == "profile":
            b.write(os.path.join(b.cfg, "config.json"), content)
        elif where == "named":
            b.write(os.path.join(b.cfg, "config_dev.json"), content)
            env["METAFLOW_PROFILE"] = "dev"
        elif where == "home":
            b.write(os.path.join(b.root, "mfhome", "config.json"), content)
            env["METAFLOW_HOME"] = os.path.join(b.root, "mfhome")
        else:
            b.write(".metaflow/config.json", content)
        b.run(args, env)
    finally:
        b.close()


@FUZZ
@given(env=st.dictionaries(st.sampled_from(S.KEYS + ["METAFLOW_HOME", "METAFLOW_PROFILE"]), S.env_values,
                           max_size=4), args=commands)
def test_environment(env, args):
    _count("environment")
    b = Box()
    try:
        env = {k: v.replace("\x00", "") for k, v in env.items()}  # no NUL can be in an environment
        if "METAFLOW_HOME" in env:
            env["METAFLOW_HOME"] = os.path.join(b.root, env["METAFLOW_HOME"].replace("/", "_")[:50] or "h")
        b.run(args, env)
    finally:
        b.close()


@FUZZ
@given(files=st.lists(S.lint_file(), min_size=1, max_size=3),
       fmt=st.sampled_from(["human", "json", "sarif", "github"]), how=st.sampled_from(["dir", "files", "git"]))
def test_lint_inputs(files, fmt, how):
    _count("lint inputs")
    b = Box()
    try:
        files = list(dict(files).items())  # one content per name
        paths = [b.write(os.path.join("t", name), content) for name, content in files]
        if how == "git" and shutil.which("git"):
            import subprocess

            subprocess.run(["git", "init", "-q", os.path.join(b.cwd, "t")], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        targets = ["t"] if how != "files" else [os.path.relpath(p, b.cwd) for p in paths]
        # A dangling symlink named on the command line is "a path that does not exist": 2.
        dangling = how == "files" and any(c == "dangling" for _, c in files)
        b.run(["lint"] + targets + ["--format", fmt], usage_error=dangling)
    finally:
        b.close()


@FUZZ
@given(src=S.flow_source(), fmt=st.sampled_from(["human", "json", "sarif", "github"]), explicit=st.booleans())
def test_flow_files(src, fmt, explicit):
    _count("flow files")
    b = Box()
    try:
        b.write("flow.py", src)
        env = dict(METAFLOW_DEFAULT_DATASTORE="azure", METAFLOW_DATASTORE_SYSROOT_AZURE="c/p",
                   METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://acct.blob.core.windows.net/",
                   METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE="az-key-vault")
        args = ["check", "--offline", "--format", fmt] + (["--flow", "flow.py"] if explicit else [])
        b.run(args, env, markers=["MRKinline", "MRKsig"])
    finally:
        b.close()


@FUZZ
@given(plant=S.planted(), args=st.sampled_from(COMMANDS + [
    ["explain", "SERVICE_AUTH_KEY"], ["explain", "SERVICE_URL", "--format", "json"],
    ["check", "azure", "--offline"], ["-v", "check", "--offline", "--format", "json"],
    ["lint", "t", "--format", "sarif"], ["lint", "t"], ["lint", "t", "--format", "github"],
    ["check", "--offline", "--flow", "flow.py", "--format", "github"], ["check", "--offline", "--flow", "flow.py"],
    ["show", "--all", "--format", "env"]]))
def test_secrets_never_appear(plant, args):
    _count("secrets")
    env, prof, local, files, flow, markers = plant
    b = Box()
    try:
        if prof:
            b.write(os.path.join(b.cfg, "config.json"), json.dumps(prof))
        if local:
            b.write(".metaflow/config.json", json.dumps(local))
        for name, text in files.items():
            b.write(os.path.join("t", name), text)
        os.makedirs(os.path.join(b.cwd, "t"), exist_ok=True)
        b.write("flow.py", flow or "x = 1\n")
        b.run(args, env, markers)
    finally:
        b.close()
