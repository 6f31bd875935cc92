"""Differential tests for mfdoctor.catalog.sources against the installed Metaflow.

mfdoctor reads Metaflow's source with `ast`; here Metaflow itself is the oracle, run in
subprocesses with a controlled environment (no METAFLOW_* from the caller, an empty
METAFLOW_HOME, a throwaway cwd) and, where extensions matter, a fake
`metaflow_extensions` package written under tmp_path and put on PYTHONPATH.
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from mfdoctor.catalog import sources
from mfdoctor.catalog.cli_envvars import option_name, sub_prefix
from mfdoctor.catalog.env_names import scan_file
from mfdoctor.catalog.plugins import module_plugin_descs

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


@pytest.fixture
def acme(tmp_path):
    return make_acme(tmp_path / "ext")


def ext_configs(*dirs, env=None):
    return sources.extension_configs(PKG_DIR, env=env or {}, search_path=[str(d) for d in dirs] + sys.path)


# ---------------------------------------------------------------------- plugins
PLUGINS_ORACLE = r"""
import json
import metaflow.plugins
from metaflow.extension_support import plugins as p
print(json.dumps({
    "categories": list(p._plugin_categories),
    "descs": {c: list(getattr(p, "_all_%ss_dict" % c).items()) for c in p._plugin_categories},
    "enabled": {k: getattr(p, k) for k in dir(p) if k.startswith("ENABLED_")},
}))
"""


def test_core_plugins_match_metaflow(tmp_path):
    truth = run_json(PLUGINS_ORACLE, tmp_path)
    assert sources.plugin_categories(PKG_DIR) == truth["categories"]
    descs = sources.plugin_descs(PKG_DIR)
    names = sources.plugin_names(PKG_DIR)
    for cat in truth["categories"]:
        assert names[cat] == [n for n, _ in truth["descs"][cat]], cat
        assert dict(descs[cat]) == dict(truth["descs"][cat]), cat
    # ENABLED_<CATEGORY> exists for every category (and defaults to every plugin).
    assert set(truth["enabled"]) == {"ENABLED_%s" % c.upper() for c in truth["categories"]}
    assert truth["enabled"]["ENABLED_AZURE_CLIENT_PROVIDER"] == names["azure_client_provider"]
    assert "azure" in names["datastore"] and "az-key-vault" in names["secrets_provider"]
    json.dumps(names)


LIST_ORACLE = r"""
import json, sys
import importlib
from metaflow.extension_support.plugins import _plugin_categories, _resolve_relative_paths, _get_ext_plugins
m = importlib.import_module("fakepkg.plugins")
g = dict(m.__dict__)
_resolve_relative_paths(g)
out = {c: [list(x) for x in _get_ext_plugins(g, c)] for c in _plugin_categories}
out["cli"] += [list(x) for x in g.get("TRAMPOLINE_CLIS_DESC", [])]
print(json.dumps(out))
"""


def test_plugin_lists_built_by_imports_and_mutation(tmp_path):
    """`+=`, `.extend`, `.append`, `a + b`, names imported from another module, and
    relative class paths (`.x`, `..y`) evaluate exactly as Metaflow sees them."""
    base = tmp_path / "src"
    write(base, "fakepkg/__init__.py", "")
    write(base, "fakepkg/plugins/more.py", 'EXTRA_DESC = [("b", ".more_impl.B")]\n')
    path = write(
        base,
        "fakepkg/plugins/__init__.py",
        """
        from .more import EXTRA_DESC
        DATASTORES_DESC = [("a", ".x.A")]
        DATASTORES_DESC += EXTRA_DESC
        DATASTORES_DESC.extend([("c", "..y.C")])
        DATASTORES_DESC.append(("d", "abs.mod.D"))
        _BASE = [("e", ".e.E")]
        ENVIRONMENTS_DESC = _BASE + [("f", ".f.F")]
        if True:
            SIDECARS_DESC = [("s", ".s.S")]
        CLIS_DESC = [("one", ".one.cli")]
        TRAMPOLINE_CLIS_DESC = [("two", ".two.cli")]
        """,
    )
    truth = run_json(LIST_ORACLE, tmp_path, pythonpath=[base])
    cats = sources.plugin_categories(PKG_DIR)
    got = module_plugin_descs(str(path), "fakepkg.plugins", cats, {"fakepkg": str(base / "fakepkg")})
    assert got == truth
    assert [n for n, _ in got["datastore"]] == ["a", "b", "c", "d"]


# ------------------------------------------------------------------- extensions
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


def _config_oracle(tmp_path, names, pythonpath, env_extra=None):
    code = CONFIG_ORACLE % json.dumps(sorted(names))
    return run_json(code, tmp_path, pythonpath=pythonpath, env_extra=env_extra)


def test_extension_config_matches_metaflow_config(tmp_path, acme):
    exts = ext_configs(acme)
    assert [(e["org"], e["errors"]) for e in exts] == [("acme", [])]
    cfg = exts[0]["configs"][0]
    assert exts[0]["config_paths"] == [cfg["path"]]
    assert cfg["path"].endswith("acme/config/mfextinit_acme.py")
    names = set(cfg["literals"]) | set(cfg["expressions"]) | set(cfg["from_conf"]) | set(cfg["functions"])
    names.add("DEBUG_ACME")
    # The environment tries to win and must lose against the extension.
    truth = _config_oracle(tmp_path, names, [acme], {"METAFLOW_DEFAULT_DATASTORE": "local"})
    vals = truth["values"]

    for name, value in cfg["literals"].items():
        assert vals[name] == value, name
    assert cfg["literals"]["DEFAULT_DATASTORE"] == vals["DEFAULT_DATASTORE"] == "azure"
    assert cfg["literals"]["ACME_FLAGS"] == ["a", "b", "c"]
    assert cfg["literals"]["ACME_OPTS"] == {"x": 1, "y": 2}
    # Not statically known: listed with their source text; they exist unless conditional.
    assert cfg["expressions"]["ACME_DERIVED"] == 'os.path.join("a", "b")'
    assert "ACME_BYTES" in cfg["expressions"]  # no exact JSON form
    for name in cfg["expressions"]:
        assert (vals[name] == "<missing>") == (name in cfg["conditional"]), name
    assert cfg["conditional"] == ["ACME_COND"]
    # from_conf in an extension: a key readable as METAFLOW_<key>, default as Metaflow has it.
    assert cfg["from_conf"]["ACME_ENDPOINT"]["key"] == "ACME_ENDPOINT"
    assert vals["ACME_ENDPOINT"] == cfg["from_conf"]["ACME_ENDPOINT"]["default"]
    # DEBUG_OPTIONS extends the DEBUG_* family and is not itself copied.
    assert cfg["debug_options"] == ["acme"] and truth["debug_options"][-1] == "acme"
    assert vals["DEBUG_ACME"] is False
    assert "DEBUG_OPTIONS" not in cfg["literals"]
    # Functions and private names are copied too, but are not keys.
    assert cfg["functions"] == ["acme_helper"] and vals["acme_helper"].startswith("<function")
    assert vals["_acme_private"] == 3
    assert {"ACME_TIMEOUT", "ACME_ENDPOINT", "DEBUG_ACME", "DEFAULT_DATASTORE"} <= set(cfg["keys"])
    assert "_acme_private" not in cfg["keys"] and "acme_helper" not in cfg["keys"]

    # Plugins: what Metaflow resolves is core + the extension's, with its toggles.
    plugins_all = sources.merged_plugin_names(sources.plugin_names(PKG_DIR), exts)
    for cat, pairs in truth["descs"].items():
        assert plugins_all[cat] == [n for n, _ in pairs], cat
    mod = exts[0]["plugin_modules"][0]
    assert dict(mod["plugin_descs"]["datastore"]) == {
        "acme": "metaflow_extensions.acme.plugins.acme_storage.AcmeStorage"
    }
    assert mod["toggles"] == {"TOGGLE_SECRETS_PROVIDER": ["-inline"]}
    assert truth["enabled"]["ENABLED_SECRETS_PROVIDER"] == plugins_all["secrets_provider"] + ["-inline"]
    json.dumps(exts)


def test_extension_from_conf_key_reads_the_environment(tmp_path, acme):
    vals = _config_oracle(tmp_path, {"ACME_ENDPOINT"}, [acme], {"METAFLOW_ACME_ENDPOINT": "https://x"})["values"]
    assert vals["ACME_ENDPOINT"] == "https://x"


def test_search_dirs_restrict_extensions_like_metaflow(tmp_path, acme):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for search, found in ((str(elsewhere), False), (str(acme), True)):
        env = {"METAFLOW_EXTENSIONS_SEARCH_DIRS": search}
        ours = ext_configs(acme, env=env)
        vals = _config_oracle(tmp_path, {"ACME_TIMEOUT"}, [acme], env)["values"]
        assert bool(ours) is found
        assert (vals["ACME_TIMEOUT"] != "<missing>") is found


def test_load_order_of_two_extensions(tmp_path):
    """PYTHONPATH-only packages load alphabetically by path; the last one wins."""
    a, b = tmp_path / "a_ext", tmp_path / "b_ext"
    write(a, "metaflow_extensions/alpha/config/mfextinit_alpha.py", 'SHARED = "alpha"\n')
    write(b, "metaflow_extensions/beta/config/mfextinit_beta.py", 'SHARED = "beta"\n')
    ours = ext_configs(b, a)  # search order is not load order
    assert [e["org"] for e in ours] == ["alpha", "beta"]
    last = [e["configs"][0]["literals"]["SHARED"] for e in ours][-1]
    vals = _config_oracle(tmp_path, {"SHARED"}, [b, a])["values"]
    assert vals["SHARED"] == last == "beta"


def make_dist(site, name, org, config_src, requires=()):
    """An installed distribution (dist-info with top_level.txt and RECORD) in `site`."""
    rel = "metaflow_extensions/%s/config/mfextinit_%s.py" % (org, org)
    write(site, rel, config_src)
    info = "%s-1.0.dist-info" % name.replace("-", "_")
    meta = "Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % name
    meta += "".join("Requires-Dist: %s\n" % r for r in requires)
    write(site, info + "/METADATA", meta)
    write(site, info + "/top_level.txt", "metaflow_extensions\n")
    write(site, info + "/RECORD", "%s,,\n%s/METADATA,,\n%s/RECORD,,\n" % (rel, info, info))


def test_installed_distributions_load_first_in_dependency_order(tmp_path):
    """Distributions load before PYTHONPATH-only packages, a dependency before its
    dependents (even against alphabetical order); two distributions may share one
    site-packages/metaflow_extensions directory."""
    site, loose = tmp_path / "site", tmp_path / "a_loose"
    make_dist(site, "b-ext", "bee", 'SHARED = "bee"\nONLY_DISTS = "bee"\n', requires=["c-ext>=1"])
    make_dist(site, "c-ext", "cee", 'SHARED = "cee"\nONLY_DISTS = "cee"\n')
    write(loose, "metaflow_extensions/alpha/config/mfextinit_alpha.py", 'SHARED = "alpha"\n')
    ours = ext_configs(loose, site)
    assert [(e["org"], e["package"], e["distribution"]) for e in ours] == [
        ("cee", "c-ext", True), ("bee", "b-ext", True), ("alpha", "_pythonpath_0", False)
    ]
    vals = _config_oracle(tmp_path, {"SHARED", "ONLY_DISTS"}, [loose, site])["values"]
    assert vals == {"SHARED": "alpha", "ONLY_DISTS": "bee"}


def test_broken_extension_is_reported(tmp_path):
    """An extension point without its mfextinit_*.py makes `import metaflow` fail."""
    base = tmp_path / "bad"
    write(base, "metaflow_extensions/oops/config/mfextinit_oops.py", "OOPS = 1\n")
    write(base, "metaflow_extensions/oops/plugins/helper.py", "X = 1\n")
    ours = ext_configs(base)
    assert len(ours) == 1 and ours[0]["errors"]
    assert "no configuration file" in ours[0]["errors"][0]
    proc = run_py("import metaflow.metaflow_config", tmp_path, pythonpath=[base], check=False)
    assert proc.returncode != 0 and "does not define a configuration file" in proc.stderr


def test_extension_configs_defaults():
    # What the catalog builder calls: no arguments, the current process's sys.path.
    assert isinstance(sources.extension_configs(), list)


# --------------------------------------------------------------------------- CLI
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

# Walks the real click tree of the flow CLI and records which environment variables
# click itself looks up for every parameter (os.environ reads are intercepted, so the
# naming rule is click's, not a re-implementation).
CLI_ORACLE = r"""
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("doctorflow", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
from metaflow.parameters import flow_context
from metaflow._vendor import click

reads = []
_orig = os._Environ.__getitem__
def _recording(self, key):
    reads.append(key)
    return _orig(self, key)

out = {}
with flow_context(mod.DoctorProbeFlow):
    from metaflow import cli
    def walk(cmd, ctx, path):
        for p in cmd.get_params(ctx):
            del reads[:]
            os._Environ.__getitem__ = _recording
            try:
                p.resolve_envvar_value(ctx)
            finally:
                os._Environ.__getitem__ = _orig
            for name in reads:
                out.setdefault(name, " ".join(path))
        if isinstance(cmd, click.MultiCommand):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None:
                    sub_ctx = click.Context(sub, info_name=name, parent=ctx, **sub.context_settings)
                    walk(sub, sub_ctx, path + [name])
    root = cli.start
    walk(root, click.Context(root, info_name="doctorflow.py", auto_envvar_prefix="METAFLOW"), [])
print(json.dumps(out))
"""


def test_cli_envvars_cover_the_click_tree(tmp_path, acme):
    flow = write(tmp_path, "flow/doctorflow.py", FLOW)
    truth = run_json(
        CLI_ORACLE.replace("sys.argv[1]", repr(str(flow))), tmp_path, pythonpath=[acme]
    )
    tree = sources.cli_tree(PKG_DIR, ext_configs(acme))
    ours = tree["envvars"]
    prefixes = tree["parameter_prefixes"]

    # Options made from flow Parameters carry the flow's own names: covered by prefixes.
    from_params = {n for n in truth if n.endswith("_ZETA_PARAM")}
    assert {n[: -len("ZETA_PARAM")] for n in from_params} == set(prefixes)
    missing = set(truth) - from_params - set(ours)
    assert not missing, sorted(missing)

    surplus = set(ours) - set(truth)
    print("\nclick tree: %d names, ours: %d, surplus: %d %s" % (len(truth), len(ours), len(surplus), sorted(surplus)))
    assert len(surplus) <= 0.05 * len(truth)

    assert ours["METAFLOW_RUN_MAX_WORKERS"]["command"] == "run"
    assert ours["METAFLOW_RUN_MAX_WORKERS"]["location"].startswith("metaflow/cli_components/run_cmds.py:")
    assert ours["METAFLOW_FLOW_BRANCH"]["flow_only"] and ours["METAFLOW_FLOW_BRANCH"]["via"] == "@project"
    assert ours["METAFLOW_FLOW_CONFIG"]["flow_only"] and ours["METAFLOW_CONFIG_VALUE"]["flow_only"]
    assert not ours["METAFLOW_DATASTORE"]["flow_only"]
    # The extension's CLI plugin, explicit envvars of options and arguments, and --help.
    for name in ("METAFLOW_ACME_PING_IT_COUNT", "ACME_TARGET", "ACME_WHAT", "METAFLOW_RUN_HELP",
                 "METAFLOW_ACME_ASSIST", "METAFLOW_ACME_PING_IT_ASSIST", "METAFLOW_ACME_QUIET_CMD_LOUD"):
        assert name in truth and name in ours, name
    assert "METAFLOW_ACME_PING_IT_WHAT" not in truth  # arguments have no auto envvar
    assert "METAFLOW_ACME_QUIET_CMD_ASSIST" not in truth  # add_help_option=False
    assert sorted(ours) == list(ours)  # sorted, as the catalog wants
    json.dumps(tree)


CLICK_RULES_ORACLE = r"""
import json, sys
from metaflow._vendor import click
cases = json.loads(sys.argv[1])
names = [click.Option(d).name for d in cases["decls"]]
root = click.Context(click.Command("x"), info_name="x", auto_envvar_prefix="METAFLOW")
prefixes = [click.Context(click.Command(n), info_name=n, parent=root).auto_envvar_prefix for n in cases["subs"]]
print(json.dumps({"names": names, "prefixes": prefixes}))
"""


def test_click_naming_rules_match_vendored_click(tmp_path):
    decls = [
        ["--max-workers"], ["--with", "decospecs"], ["-f", "--foo-bar"], ["--quiet/--not-quiet"],
        ["-x"], ["--a", "--bb-cc"], ["/debug;/no-debug"], ["--Mixed-Case"], ["-q", "--quiet", "-Q"],
        ["--run-id-file"], ["--tag", "tags"],
    ]
    subs = ["argo-workflows", "run", "spin-step", "list-runs", "Odd_Name"]
    code = CLICK_RULES_ORACLE.replace("sys.argv[1]", repr(json.dumps({"decls": decls, "subs": subs})))
    truth = run_json(code, tmp_path)
    assert [option_name(d) for d in decls] == truth["names"]
    assert [sub_prefix("METAFLOW", s) for s in subs] == truth["prefixes"]


# ---------------------------------------------------------------------- env names
READS_ORACLE = r"""
import json, os, sys
reads = set()
_orig = os._Environ.__getitem__
def _get(self, key):
    if isinstance(key, str) and key.startswith("METAFLOW_"):
        reads.add(key)
    return _orig(self, key)
os._Environ.__getitem__ = _get
import importlib.util
spec = importlib.util.spec_from_file_location("doctorflow", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
from metaflow import cli
from metaflow.parameters import flow_context
with flow_context(mod.DoctorProbeFlow):
    cli.main(mod.DoctorProbeFlow(use_cli=False), args=["--quiet", "--no-pylint", "show"], handle_exceptions=False)
from metaflow import metaflow_config_funcs as f
print(json.dumps({"reads": sorted(reads), "from_conf": sorted(f._all_configs)}))
"""


def test_env_reads_observed_in_metaflow_are_known(tmp_path):
    """Every METAFLOW_* variable Metaflow looks up while loading a flow and running
    `show` is a from_conf key, a click envvar, or in env_names()["read"]."""
    flow = write(tmp_path, "flow/doctorflow.py", FLOW)
    truth = run_json(READS_ORACLE.replace("sys.argv[1]", repr(str(flow))), tmp_path)
    env = sources.env_names(PKG_DIR)
    cli = set(sources.cli_envvars(PKG_DIR))
    direct = set(truth["reads"]) - set(truth["from_conf"])
    assert direct, "the oracle saw no direct reads"
    assert direct - cli <= set(env["read"]), sorted(direct - cli - set(env["read"]))
    assert {"METAFLOW_HOME", "METAFLOW_PROFILE", "METAFLOW_PRODUCTION_TOKEN",
            "METAFLOW_RUNTIME_NAME", "METAFLOW_EXTENSIONS_SEARCH_DIRS"} <= set(env["read"])


def test_env_names_shapes_and_locations():
    env = sources.env_names(PKG_DIR)
    assert {"METAFLOW_RUN_ID", "METAFLOW_KUBERNETES_POD_NAME", "METAFLOW_CODE_SHA"} <= set(env["set"])
    for key in ("read", "set", "other"):
        assert env[key] == sorted(env[key])
        assert all(n.startswith("METAFLOW_") and not n.endswith("_") for n in env[key])
    assert not set(env["other"]) & (set(env["read"]) | set(env["set"]))
    names = set(env["read"]) | set(env["set"]) | set(env["other"])
    assert set(env["locations"]) == names
    base = os.path.dirname(PKG_DIR)
    for name, loc in env["locations"].items():
        rel, line = loc.rsplit(":", 1)
        with open(os.path.join(base, rel), encoding="utf-8") as f:
            assert name in f.read().splitlines()[int(line) - 1], loc
    json.dumps(env)


def test_env_name_classification_rules(tmp_path):
    path = write(
        tmp_path,
        "sample.py",
        """
        import os
        a = os.environ.get("METAFLOW_R1")
        b = os.environ["METAFLOW_R2"]
        c = "METAFLOW_R3" in os.environ
        d = os.getenv("METAFLOW_R4", "x")
        os.environ["METAFLOW_S1"] = "1"
        env = {"METAFLOW_S2": "v"}
        env["METAFLOW_S3"] = "v"
        job.environment_variable("METAFLOW_S4", "v")
        spec = {"name": "METAFLOW_S5", "value": "v"}
        var = V1EnvVar(name="METAFLOW_S6", value="v")
        os.environ.setdefault("METAFLOW_S7", "v")
        cfg.get("METAFLOW_O1")
        if x == "METAFLOW_O2":
            pass
        prefix = "METAFLOW_"
        dynamic = "METAFLOW_%s" % name
        """,
    )
    got = {name: cat for name, cat, _ in scan_file(str(path))}
    assert got == {
        **{"METAFLOW_R%d" % i: "read" for i in range(1, 5)},
        **{"METAFLOW_S%d" % i: "set" for i in range(1, 8)},
        "METAFLOW_O1": "other",
        "METAFLOW_O2": "other",
    }


# ----------------------------------------------------------- no import, speed, JSON
NO_IMPORT = r"""
import json, sys, time
t = time.perf_counter()
from mfdoctor.catalog import sources
data = sources.collect_all(%r)
elapsed = time.perf_counter() - t
text = json.dumps(data)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("metaflow", "metaflow_extensions"))
print(json.dumps({"elapsed": elapsed, "leaked": leaked, "size": len(text),
                  "exts": len(data["extensions"]),
                  "acme_cli": "METAFLOW_ACME_PING_IT_COUNT" in data["cli_envvars"],
                  "datastores": data["plugins_all"]["datastore"]}))
"""


def test_collect_all_imports_nothing_and_is_fast(tmp_path, acme):
    result = run_json(NO_IMPORT % PKG_DIR, tmp_path, pythonpath=[REPO, acme])
    print("\ncold collect_all: %.3f s, %d bytes of JSON" % (result["elapsed"], result["size"]))
    assert result["leaked"] == []
    assert result["exts"] == 1 and result["datastores"][-1] == "acme"
    assert result["acme_cli"]
    assert result["elapsed"] < 3.0  # ~0.5 s here; generous for slow CI runners


def test_cold_run_timing_in_process():
    from mfdoctor.catalog import pysource

    pysource.clear_cache()
    t = time.perf_counter()
    sources.collect_all(PKG_DIR, env={})
    elapsed = time.perf_counter() - t
    print("\ncold collect_all in-process: %.3f s" % elapsed)
    assert elapsed < 3.0
