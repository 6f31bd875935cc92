"""The real Metaflow as a test oracle, and `mfdoctor` as the system under test.

Both run as subprocesses with the same environment and working directory, so each
sees exactly what a user's shell would give it. Nothing here imports Metaflow into the
test process (that would pin one environment for the whole session).

`run_oracle` imports `metaflow.metaflow_config` and reports, for every key in
`metaflow.metaflow_config_funcs._all_configs`, the FINAL module attribute (after
Metaflow's own post-processing such as `SERVICE_HEADERS["x-api-key"] = ...`; for
`ENABLED_*` the attribute of `metaflow.extension_support.plugins`). A small import hook
also records each `from_conf` call (default, choices, returned value) so the tests can
learn the key set, each key's type and which keys are derived from the real Metaflow
rather than from a hand-written list.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

PYTHON = sys.executable
MARK = "@@MFDOCTOR-ORACLE@@"

# Runs in a fresh interpreter. Prints one MARK line with a JSON document.
_ORACLE_SRC = r'''
import copy, importlib.util, json, sys

MARK = %(mark)r
CALLS = {}


class _RecordFromConf:
    """Wraps from_conf/get_validate_choice_fn the moment metaflow_config_funcs loads."""

    def find_spec(self, name, path=None, target=None):
        if name != "metaflow.metaflow_config_funcs":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        real_exec = spec.loader.exec_module

        def exec_module(module):
            real_exec(module)
            real_from_conf = module.from_conf
            real_choice_fn = module.get_validate_choice_fn

            def from_conf(name, default=None, validate_fn=None):
                rec = {
                    "default": copy.deepcopy(default),
                    "choices": getattr(validate_fn, "_oracle_choices", None),
                }
                CALLS.setdefault("METAFLOW_" + name, rec)
                value = real_from_conf(name, default, validate_fn)
                rec.setdefault("returned", copy.deepcopy(value))
                return value

            def get_validate_choice_fn(choices):
                fn = real_choice_fn(choices)
                fn._oracle_choices = list(choices)
                return fn

            module.from_conf = from_conf
            module.get_validate_choice_fn = get_validate_choice_fn

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _RecordFromConf())
try:
    import metaflow.metaflow_config as mc
    import metaflow.metaflow_config_funcs as mcf
    import metaflow.extension_support.plugins as mp
    # Categories Metaflow resolves only when used (cli, runner_cli): resolve on request.
    for cat in %(resolve)s:
        mp.resolve_plugins(cat, path_only=True)
except BaseException as exc:  # SystemExit too: Metaflow failing is an answer
    print(MARK + json.dumps({"ok": False, "error": "%%s: %%s" %% (type(exc).__name__, exc)}))
    sys.exit(17)

values = {}
absent = []
for name in mcf._all_configs:
    short = name[len("METAFLOW_"):]
    mod = mp if short.startswith("ENABLED_") and short[8:].lower() in mp._plugin_categories else mc
    if hasattr(mod, short):
        values[name] = getattr(mod, short)
    else:
        absent.append(name)  # e.g. AWS_SANDBOX_STACK_NAME: read into another variable
print(MARK + json.dumps({"ok": True, "values": values, "absent": absent, "calls": CALLS,
                         "plugin_categories": list(mp._plugin_categories)}, default=str))
'''


@dataclass
class OracleResult:
    ok: bool
    values: dict = field(default_factory=dict)  # METAFLOW_X -> final value (JSON)
    absent: list = field(default_factory=list)
    calls: dict = field(default_factory=dict)  # METAFLOW_X -> {default, choices, returned}
    plugin_categories: list = field(default_factory=list)
    error: Optional[str] = None
    stderr: str = ""


def run_oracle(env: Mapping[str, str], cwd: str, resolve_categories=(), timeout: float = 60,
               prefix=()) -> OracleResult:
    """Import Metaflow's config as `import metaflow` would; optionally also resolve the
    plugins of `resolve_categories` (what happens when a flow or the CLI uses them).
    `prefix` runs it under another command (e.g. setpriv, to drop root)."""
    src = _ORACLE_SRC % {"mark": MARK, "resolve": repr(list(resolve_categories))}
    proc = subprocess.run(
        [*prefix, PYTHON, "-c", src], env=dict(env), cwd=cwd,
        capture_output=True, text=True, timeout=timeout,
    )
    lines = [l for l in proc.stdout.splitlines() if l.startswith(MARK)]
    if not lines:
        # Metaflow died before our handler (or printed nothing we understand).
        return OracleResult(ok=False, error="no oracle output (rc=%d)" % proc.returncode,
                            stderr=proc.stderr)
    doc = json.loads(lines[-1][len(MARK):])
    if not doc["ok"]:
        return OracleResult(ok=False, error=doc["error"], stderr=proc.stderr)
    assert proc.returncode == 0, proc.stderr
    return OracleResult(True, doc["values"], doc["absent"], doc["calls"],
                        doc["plugin_categories"], None, proc.stderr)


@dataclass
class MfdoctorRun:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_mfdoctor(args: list, env: Mapping[str, str], cwd: str, timeout: float = 60,
                 prefix=()) -> MfdoctorRun:
    """`python -m mfdoctor ARGS` exactly as a user would run it."""
    proc = subprocess.run(
        [*prefix, PYTHON, "-m", "mfdoctor", *args], env=dict(env), cwd=cwd,
        capture_output=True, text=True, timeout=timeout,
    )
    return MfdoctorRun(proc.returncode, proc.stdout, proc.stderr)


def base_env(home: str, cache_dir: str) -> dict:
    """A minimal environment: no METAFLOW_* from the developer's shell leaks in."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "MFDOCTOR_CACHE_DIR": cache_dir,
        "NO_COLOR": "1",
        "COLUMNS": "200",
        # Metaflow and mfdoctor would otherwise pick the name of whoever runs the tests.
        "USER": "tester",
    }
    # Honour an explicit PYTHONPATH (e.g. a checkout run without installing).
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def strict_equal(a: Any, b: Any) -> bool:
    """== that tells True from 1 and 1 from 1.0 (JSON values only)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    return a == b
