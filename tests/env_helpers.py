"""Helpers shared by the tests (lint, checks, render, bench): run mfdoctor and the real Metaflow as
subprocesses with a controlled environment and working directory, and
resolve a controlled configuration in-process."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable


def clean_env(home, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith("METAFLOW_") and k not in ("NO_COLOR",)}
    env["HOME"] = str(home)
    env["USERNAME"] = "tester"
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_mfdoctor(args, env, cwd, timeout=60):
    return subprocess.run([PYTHON, "-m", "mfdoctor"] + list(args), env=env, cwd=str(cwd),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def run_in_terminal(args, env, cwd, columns: int) -> str:
    """mfdoctor's output in a pseudo-terminal `columns` wide (escape codes removed)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen([PYTHON, "-m", "mfdoctor"] + list(args), stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=str(cwd), close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError as exc:  # EIO: the child closed the terminal
            if exc.errno != errno.EIO:
                raise
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.wait(timeout=60)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return _ANSI.sub("", text)


def lint_json(args, env, cwd):
    p = run_mfdoctor(["lint", "--format", "json"] + list(args), env, cwd)
    assert "Traceback" not in p.stderr, p.stderr
    assert "Traceback" not in p.stdout, p.stdout
    return p, json.loads(p.stdout)


def resolve_in(home, cwd, **env):
    """A Resolution for a controlled environment, in-process."""
    from mfdoctor.config import resolve

    e = {"HOME": str(home), "METAFLOW_HOME": str(home / ".metaflowconfig")}
    e.update(env)
    return resolve(env=e, cwd=str(cwd))
