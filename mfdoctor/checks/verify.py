"""`--verify`: the static model checked against the real thing.

Imports the installed Metaflow in a subprocess (same interpreter, environment and
working directory; bounded by a timeout), reads every key's *effective* value (the
`metaflow_config` global after extensions, and `ENABLED_*` from extension_support),
and reports each key whose value differs from mfdoctor's, naming both values and the
extension or code path that explains it. Never run by `show` or `lint` by default.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .. import ids
from ..findings import ERROR, OK, SKIPPED, WARNING, Finding
from ..redact import redact_text
from ..view import shown_value
from ..vocabulary import PREFIX, Source

# Run with `python -c`: prints one JSON line (values that are not JSON become repr()).
_PROBE = r"""
import json, sys, types
try:
    import metaflow.metaflow_config as m
except BaseException as e:
    print(json.dumps({"import_error": "%s: %s" % (type(e).__name__, e)})); sys.exit(0)
def j(v):
    try:
        json.dumps(v); return v
    except (TypeError, ValueError):
        return repr(v)
g = {n: j(v) for n, v in vars(m).items() if n.isupper() and not n.startswith("_")
     and not isinstance(v, (types.ModuleType, types.FunctionType, type))}
try:
    import metaflow.extension_support.plugins as p
    g.update({n: j(v) for n, v in vars(p).items() if n.startswith("ENABLED_")})
except Exception:
    pass
print(json.dumps({"globals": g}))
"""


def real_values(env, cwd, timeout: float = 60.0) -> dict:
    """{"globals": {...}} or {"import_error": ...} or {"timeout": seconds} or {"failed": why}."""
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE], env=dict(env), cwd=cwd,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    except OSError as exc:
        return {"failed": str(exc)}
    for line in reversed(proc.stdout.strip().splitlines()):
        try:
            return json.loads(line)
        except ValueError:
            continue
    return {"failed": (proc.stderr.strip().splitlines() or ["no output"])[-1]}


def _norm(v):
    return json.loads(json.dumps(v, sort_keys=True, default=str))


def _why(res, rk) -> str:
    if rk.unknown:
        return rk.unknown
    if rk.source == Source.EXTENSION:
        return "the value set by the extension module %s" % rk.origin
    if getattr(res.files, "remote_unread", False):
        return "the remote configuration (%s), which mfdoctor does not fetch" % res.files.remote.path
    if rk.spec.origin.startswith("extension:"):
        return "the key is defined by %s (%s, line %s)" % (
            rk.spec.origin[len("extension:"):], rk.spec.module or "?", rk.spec.line or "?")
    return "mfdoctor's reading of %s (source %s)" % (rk.origin, rk.source)


def verify(res, timeout: float = 60.0) -> list:
    real = real_values(res.env, res.cwd, timeout)
    if "timeout" in real:
        return [Finding(ids.CONFIG_VERIFY, SKIPPED, "--verify: `import metaflow` did not finish "
                        "within %gs; nothing was compared." % timeout)]
    if "failed" in real:
        return [Finding(ids.CONFIG_VERIFY, SKIPPED, "--verify: could not run the installed Metaflow "
                        "(%s); nothing was compared." % redact_text(real["failed"]))]
    if "import_error" in real:
        return [Finding(ids.CONFIG_VERIFY, ERROR, "--verify: `import metaflow` fails here: %s"
                        % redact_text(real["import_error"]),
                        fix="Fix the configuration error it names (mfdoctor lint lists them).")]
    g = real["globals"]
    out = []
    compared = 0
    for name, rk in res.keys.items():
        short = name[len(PREFIX):]
        if short not in g:
            continue
        compared += 1
        ours = None if rk.unknown else rk.value
        if not rk.unknown and _norm(ours) == _norm(g[short]):
            continue
        if rk.secret:
            values = "its value differs from mfdoctor's (secret: not shown)"
        else:
            values = "Metaflow resolves %s, mfdoctor's model says %s" % (
                json.dumps(_norm(shown_value(rk, g[short]))),
                "unknown" if rk.unknown else json.dumps(_norm(shown_value(rk, ours))))
        out.append(Finding(
            ids.CONFIG_VERIFY, WARNING,
            "%s: %s; explained by %s. Trust Metaflow's value." % (name, values, _why(res, rk)),
            key=name,
            detail={"real": None if rk.secret else _norm(shown_value(rk, g[short])),
                    "model": None if rk.secret or rk.unknown else _norm(shown_value(rk, ours))},
        ))
    if not out:
        out.append(Finding(ids.CONFIG_VERIFY, OK, "--verify: all %d keys agree with `import metaflow` "
                           "(%s)" % (compared, os.path.basename(sys.executable))))
    return out
