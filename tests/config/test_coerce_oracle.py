"""`coerce` agrees with Metaflow's own `from_conf` on every kind of value and default.

Metaflow is the oracle: one subprocess imports `metaflow.metaflow_config_funcs`, puts
each case's value in the (local) config layer and calls the real `from_conf`.
"""

import itertools
import json
import subprocess
import sys

from mfdoctor.config.coerce import coerce

ORACLE = r"""
import json, sys
import metaflow.metaflow_config_funcs as f
cases = json.load(sys.stdin)
out = []
for value, default, choices in cases:
    f.METAFLOW_CONFIG = {}
    f.METAFLOW_LOCAL_CONFIG = {"METAFLOW_T": value}
    fn = f.get_validate_choice_fn(choices) if choices is not None else None
    try:
        out.append({"ok": True, "value": f.from_conf("T", default, fn)})
    except Exception as exc:
        out.append({"ok": False, "exc": type(exc).__name__})
json.dump(out, sys.stdout)
"""

VALUES = ["", "0", "1", "no", "off", "False ", "false", "TRUE", "x", "12", "-3", "1.5", "1e3",
          "nan", "[1, 2]", '{"a": 1}', "[]", "{}", "null", "[1,", 0, 1, 7, 2.5, True, False,
          [1], {"k": "v"}, None]
DEFAULTS = [None, "local", "", False, True, 0, 10, 1.0, [], ["a"], {}, {"x": 1}]
CHOICES = [None, ["general", "high_throughput"]]


def _cases():
    cases = [list(c) for c in itertools.product(VALUES, DEFAULTS, [None])]
    cases += [[v, "general", CHOICES[1]] for v in VALUES + ["general", "high_throughput", "highCpu"]]
    # A value of None in the config layer means "absent": from_conf falls back to the default.
    return [c for c in cases if c[0] is not None]


def test_coerce_matches_from_conf():
    cases = _cases()
    proc = subprocess.run([sys.executable, "-c", ORACLE], input=json.dumps(cases),
                          capture_output=True, text=True, check=True)
    truth = json.loads(proc.stdout)
    mismatches = []
    for (value, default, choices), t in zip(cases, truth):
        got, error = coerce("METAFLOW_T", value, default, choices)
        if t["ok"] != (error is None) or (t["ok"] and json.dumps(got) != json.dumps(t["value"])):
            mismatches.append((value, default, choices, t, got, error))
    assert not mismatches, mismatches[:10]
    assert len(cases) > 300
    # Both outcomes are exercised, including the crashes (AttributeError, TypeError).
    assert {t["ok"] for t in truth} == {True, False}
    assert {t.get("exc") for t in truth} >= {"ValueError", "AttributeError", "MetaflowException"}
