"""METAFLOW_* names read or set outside from_conf (catalog/env_names.py) against Metaflow."""

import json
import os

from mfdoctor.catalog import sources
from mfdoctor.catalog.env_names import scan_file

from catalog_support import FLOW, PKG_DIR, run_json, write


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


def test_names_read_by_shell_that_metaflow_generates(tmp_path):
    """metaflow_environment.py builds bootstrap shell such as
    "if [ -z $METAFLOW_SKIP_INSTALL_DEPENDENCIES ]; then ...": that shell reads the name."""
    path = write(
        tmp_path,
        "bootstrap.py",
        '''
        def bootstrap(cmd):
            a = "if [ -z $METAFLOW_SKIP_INSTALL_DEPENDENCIES ]; then {}; fi".format(cmd)
            b = "${METAFLOW_INIT_SCRIPT:+eval \\"${METAFLOW_INIT_SCRIPT}\\"} && %s" % cmd
            c = """
        endpoint="${METAFLOW_DOCTOR_ENDPOINT%/}"
        """
            d = "price is $5 METAFLOW_NOT_EXPANDED"
            return a, b, c, d
        ''',
    )
    found = {(n, cat): line for n, cat, line in scan_file(str(path))}
    assert ("METAFLOW_SKIP_INSTALL_DEPENDENCIES", "read") in found
    assert ("METAFLOW_INIT_SCRIPT", "read") in found
    # the line of a multi-line string that holds the name
    assert found[("METAFLOW_DOCTOR_ENDPOINT", "read")] == 5
    assert not any(n == "METAFLOW_NOT_EXPANDED" for n, _ in found)


def test_names_read_by_python_code_held_in_strings(tmp_path):
    """metaflow-netflixext writes a sitecustomize.py from a list of strings; the code in
    them reads METAFLOW_COVERAGE_CONTEXT when the task starts."""
    path = write(
        tmp_path,
        "setup_coverage.py",
        '''
        import os
        def lines():
            return [
                "import os",
                f"os.environ['METAFLOW_DOCTOR_SET'] = os.environ.get('METAFLOW_DOCTOR_GOT') or '{os.environ['METAFLOW_DOCTOR_REAL']}'",
                "    coverage_context = os.environ.get('METAFLOW_COVERAGE_CONTEXT')",
                'if os.getenv("METAFLOW_DOCTOR_GETENV"): pass',
                "if 'METAFLOW_DOCTOR_IN' in os.environ: os.environ.setdefault('METAFLOW_DOCTOR_DEFAULT', '1')",
                "if os.environ['METAFLOW_DOCTOR_ITEM'] == '1': pass",
                "Set METAFLOW_DOCTOR_PROSE=1 or call cfg.get('METAFLOW_DOCTOR_OTHER')",
            ]
        ''',
    )
    found = {(n, cat): line for n, cat, line in scan_file(str(path))}
    assert found[("METAFLOW_COVERAGE_CONTEXT", "read")] == 6
    assert {n: c for n, c in found} == {
        "METAFLOW_DOCTOR_SET": "set",
        "METAFLOW_DOCTOR_GOT": "read",
        "METAFLOW_DOCTOR_REAL": "read",  # real code inside the f-string
        "METAFLOW_COVERAGE_CONTEXT": "read",
        "METAFLOW_DOCTOR_GETENV": "read",
        "METAFLOW_DOCTOR_IN": "read",
        "METAFLOW_DOCTOR_DEFAULT": "set",
        "METAFLOW_DOCTOR_ITEM": "read",
    }
