"""Running mfdoctor on hostile input, and the oracles every run must pass.

Two layers: `invoke` runs the CLI in-process (the Typer app, fast: the fuzz targets
use it), `run` in a subprocess (pipes, closed streams, a deleted cwd, signals, and
the regression cases). Both give a `Result` that `check_result` judges: no
traceback, no "internal error", an exit code of the contract, strict JSON for the
JSON formats, no planted marker, no input file modified.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = sys.executable
TIMEOUT = 30  # a hang is a failure, not a slow test

# Every command and format a user can run offline.
COMMANDS = [
    ["show"], ["show", "--all"], ["show", "--all", "--format", "json"], ["show", "--all", "--format", "env"],
    ["explain", "SERVICE_HEADERS"], ["explain", "USER", "--format", "json"],
    ["lint"], ["lint", "--format", "json"], ["lint", "--format", "sarif"], ["lint", "--format", "github"],
    ["check", "--offline"], ["check", "--offline", "--format", "json"],
    ["check", "--offline", "--format", "sarif"], ["check", "--offline", "--format", "github"],
]


@dataclass
class Result:
    args: list
    code: int
    out: bytes
    err: bytes

    @property
    def text(self) -> str:
        return (self.out + self.err).decode("utf-8", "replace")


def base_env(home: str, **extra) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(("METAFLOW_", "AZURE_", "IDENTITY_", "MSI_")) and k not in ("NO_COLOR",)}
    # No empty entry: an empty PYTHONPATH item means the working directory, and Python
    # cannot even start when that directory has been deleted (case 7).
    path = [ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env.update(HOME=str(home), USER="tester", PYTHONPATH=os.pathsep.join(path))
    env.setdefault("MFDOCTOR_CACHE_DIR", os.path.join(ROOT, ".cache-mfdoctor"))
    env.update({k: _env_safe(str(v)) for k, v in extra.items()})
    return env


def _env_safe(v: str) -> str:
    """What an environment can hold: no NUL, only surrogates os.fsencode can encode."""
    v = v.replace("\x00", "")
    try:
        os.fsencode(v)
        return v
    except UnicodeEncodeError:
        return v.encode("utf-8", "replace").decode("utf-8") if False else "".join(
            c if not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF else "?" for c in v)


def run(args, env, cwd, timeout=TIMEOUT, **kw) -> Result:
    p = subprocess.run([PYTHON, "-m", "mfdoctor"] + list(args), env=env, cwd=str(cwd),
                       stdout=kw.pop("stdout", subprocess.PIPE), stderr=kw.pop("stderr", subprocess.PIPE),
                       timeout=timeout, **kw)
    return Result(list(args), p.returncode, p.stdout or b"", p.stderr or b"")


def invoke(args, env, cwd) -> Result:
    """In-process: the Typer app with this environment and working directory."""
    from typer.testing import CliRunner

    from mfdoctor import cli, redact

    old_cwd = os.getcwd()
    old_env = dict(os.environ)
    os.chdir(str(cwd))
    os.environ.clear()
    os.environ.update(env)
    redact.forget_secrets()
    redact.enable_fingerprints(False)
    try:
        runner = CliRunner()
        r = runner.invoke(cli.app, list(args), catch_exceptions=True)
        err = b""
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            import traceback

            err = ("Traceback (in-process)\n" + "".join(traceback.format_exception(r.exception))).encode()
        out = r.stdout_bytes
        try:
            err += r.stderr_bytes or b""
        except ValueError:
            pass
        return Result(list(args), r.exit_code, out, err)
    finally:
        os.chdir(old_cwd)
        os.environ.clear()
        os.environ.update(old_env)
        redact.forget_secrets()


def tree_digest(paths: Iterable[str]) -> Dict[str, str]:
    """Content hashes of regular files under `paths` (to prove nothing was written)."""
    out = {}
    for top in paths:
        for root, dirs, files in os.walk(str(top)):
            dirs[:] = [d for d in dirs if d != "cache"]
            for f in files:
                p = os.path.join(root, f)
                try:
                    if os.path.isfile(p) and not os.path.islink(p):
                        with open(p, "rb") as fh:
                            out[p] = hashlib.sha256(fh.read()).hexdigest()
                except OSError:
                    pass
    return out


def check_result(r: Result, markers: Iterable[str] = (), allow_usage_error: bool = False) -> None:
    """The oracles of issue 9."""
    text = r.text
    assert "Traceback" not in text, (r.args, text[-3000:])
    assert "internal error" not in text, (r.args, text[-3000:])
    allowed = (0, 1, 2) if allow_usage_error else (0, 1)
    assert r.code in allowed, (r.args, r.code, text[-3000:])
    for m in markers:
        assert m.encode() not in r.out + r.err, (r.args, m, text[-3000:])
    fmt = _format_of(r.args)
    if fmt in ("json", "sarif") and r.code in (0, 1):
        data = json.loads(r.out.decode("utf-8"), parse_constant=_no_constant)
        assert isinstance(data, dict)
        r.out.decode("ascii")  # ensure_ascii: no raw bytes of any encoding
    if fmt in (None, "table", "human", "text", "github", "env"):
        # Human formats: no raw control character from user data reaches the terminal.
        for c in r.out.decode("utf-8", "replace"):
            assert c in "\n\t" or not (ord(c) < 32 or 0x7F <= ord(c) <= 0x9F), (r.args, repr(c), text[-2000:])


def _no_constant(name):
    raise AssertionError("not JSON: %s" % name)


def _format_of(args: List[str]) -> Optional[str]:
    for i, a in enumerate(args):
        if a in ("--format", "-f") and i + 1 < len(args):
            return args[i + 1]
    return None
