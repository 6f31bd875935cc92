"""Shared by the catalog tests: Metaflow itself is the oracle, run in subprocesses with a
controlled environment (no METAFLOW_* from the caller, an empty METAFLOW_HOME, a
throwaway cwd) and, where extensions matter, a fake `metaflow_extensions` package
written under tmp_path and put on PYTHONPATH (`make_acme`; the `acme` fixture in
conftest.py)."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

from mfdoctor.catalog import sources

PKG_DIR = os.path.dirname(importlib.util.find_spec("metaflow").origin)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --------------------------------------------------------------------- helpers
def run_py(code, tmp_path, pythonpath=(), env_extra=None, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("METAFLOW_")}
    home = tmp_path / "mfhome"
    home.mkdir(exist_ok=True)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    env.update(METAFLOW_HOME=str(home), USER="tester", PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    env.update(env_extra or {})
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=str(work), capture_output=True, text=True, timeout=120
    )
    if check:
        assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


def run_json(code, tmp_path, **kw):
    proc = run_py(code, tmp_path, **kw)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def write(base, rel, text):
    path = base / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


ACME_CONFIG = """
import os
from metaflow.metaflow_config_funcs import from_conf

# Replaces a core key; extension values beat the environment.
DEFAULT_DATASTORE = "azure"
ACME_TIMEOUT = 30
ACME_FLAGS = ["a", "b"]
ACME_FLAGS += ["c"]
ACME_OPTS = {"x": 1}
ACME_OPTS["y"] = 2
ACME_ENDPOINT = from_conf("ACME_ENDPOINT", "https://acme.example")
ACME_DERIVED = os.path.join("a", "b")
ACME_BYTES = b"raw"
if os.environ.get("ACME_NEVER_SET"):
    ACME_COND = 1
DEBUG_OPTIONS = ["acme"]
_acme_private = 3


def acme_helper():
    return 1
"""

ACME_PLUGINS = """
CLIS_DESC = [("acme", ".acme_cli.cli")]
DATASTORES_DESC = [("acme", ".acme_storage.AcmeStorage")]
SECRETS_PROVIDERS_DESC = [("acme-vault", ".acme_vault.AcmeVault")]
TOGGLE_SECRETS_PROVIDER = ["-inline"]
"""

ACME_CLI = """
from metaflow._vendor import click


@click.group()
def cli():
    pass


@cli.group(help="Acme commands.", context_settings=dict(help_option_names=["-h", "--assist"]))
def acme():
    pass


@acme.command(add_help_option=False)
@click.option("--loud/--soft", default=False)
def quiet_cmd(loud):
    pass


@acme.command(name="ping-it")
@click.option("--count", default=1)
@click.option("--target", envvar="ACME_TARGET")
@click.argument("what", envvar="ACME_WHAT", required=False)
def ping(count, target, what):
    pass
"""


def make_acme(base):
    """A fake extension package rooted at `base` (put `base` on PYTHONPATH)."""
    org = "metaflow_extensions/acme"
    write(base, org + "/config/mfextinit_acme.py", ACME_CONFIG)
    write(base, org + "/plugins/mfextinit_acme.py", ACME_PLUGINS)
    write(base, org + "/plugins/acme_cli.py", ACME_CLI)
    write(base, org + "/plugins/acme_storage.py", 'class AcmeStorage(object):\n    TYPE = "acme"\n')
    write(base, org + "/plugins/acme_vault.py", 'class AcmeVault(object):\n    TYPE = "acme-vault"\n')
    return base


def ext_configs(*dirs, env=None):
    return sources.extension_configs(PKG_DIR, env=env or {}, search_path=[str(d) for d in dirs] + sys.path)


CONFIG_ORACLE = r"""
import json
import metaflow.metaflow_config as c
import metaflow.plugins
from metaflow.extension_support import plugins as p
missing = object()
vals = {}
for n in %s:
    v = getattr(c, n, missing)
    vals[n] = "<missing>" if v is missing else (v if isinstance(v, (str, int, float, bool, list, dict, type(None))) else repr(v))
print(json.dumps({
    "values": vals,
    "debug_options": c.DEBUG_OPTIONS,
    "descs": {k: list(getattr(p, "_all_%%ss_dict" %% k).items()) for k in p._plugin_categories},
    "enabled": {k: getattr(p, k) for k in dir(p) if k.startswith("ENABLED_")},
}))
"""


def config_oracle(tmp_path, names, pythonpath, env_extra=None):
    code = CONFIG_ORACLE % json.dumps(sorted(names))
    return run_json(code, tmp_path, pythonpath=pythonpath, env_extra=env_extra)


# A flow with a Parameter, a Config and flow decorators (@project adds CLI options).
FLOW = """
from metaflow import FlowSpec, Config, Parameter, project, step, trigger_on_finish


@trigger_on_finish(flow="OtherFlow")
@project(name="mfdoctor_probe")
class DoctorProbeFlow(FlowSpec):
    zeta_param = Parameter("zeta-param", default=1)
    cfg = Config("cfg", default_value={"a": 1})

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""
