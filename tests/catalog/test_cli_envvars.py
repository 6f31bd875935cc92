"""The flow CLI's click auto-envvars (catalog/cli_envvars/) against the real click tree."""

import json

from mfdoctor.catalog import sources
from mfdoctor.catalog.cli_envvars import option_name, sub_prefix

from catalog_support import FLOW, PKG_DIR, ext_configs, run_json, write


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


def test_cli_groups_an_extension_toggles_off_are_not_read(tmp_path, acme):
    """TOGGLE_CLI = ["-airflow", "-batch"] removes those groups from the real CLI: their
    options are in neither list, and `disabled` names them with the extension."""
    plugins = acme / "metaflow_extensions/acme/plugins/mfextinit_acme.py"
    plugins.write_text(plugins.read_text() + 'TOGGLE_CLI = ["-airflow", "-batch", "+batch", "-batch"]\n')
    flow = write(tmp_path, "flow/doctorflow.py", FLOW)
    truth = run_json(CLI_ORACLE.replace("sys.argv[1]", repr(str(flow))), tmp_path, pythonpath=[acme])
    tree = sources.cli_tree(PKG_DIR, ext_configs(acme))
    assert "METAFLOW_ACME_PING_IT_COUNT" in truth and "METAFLOW_ACME_PING_IT_COUNT" in tree["envvars"]
    assert "METAFLOW_KUBERNETES_STEP_CPU" in truth and "METAFLOW_KUBERNETES_STEP_CPU" in tree["envvars"]
    disabled = tree["disabled"]
    assert {d["plugin"] for d in disabled.values()} == {"airflow", "batch"}
    assert "METAFLOW_AIRFLOW_CREATE_MAX_WORKERS" in disabled and "METAFLOW_BATCH_STEP_CPU" in disabled
    assert not set(disabled) & set(truth), sorted(set(disabled) & set(truth))
    assert not set(disabled) & set(tree["envvars"])
    missing = {n for n in truth if not n.endswith("_ZETA_PARAM")} - set(tree["envvars"])
    assert not missing, sorted(missing)
    assert disabled["METAFLOW_BATCH_STEP_CPU"]["removed_by"] == "acme"
