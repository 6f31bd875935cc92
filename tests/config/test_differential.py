"""Differential tests: `mfdoctor show --all --format json` against the real Metaflow.

Nothing here is hand-picked. A seeded RNG builds each scenario: random keys of every
type Metaflow has (bool, int, str, list, dict, no default, choice keys, derived keys,
DEBUG_*, ENABLED_* plugin lists), random valid values spelled every way Metaflow
accepts them, placed in the environment, the project-local `.metaflow/config.json`
(found some levels up, sometimes shadowed by a nearer `.metaflow/` without config.json)
and the profile file (`config.json` or `config_<P>.json`, `METAFLOW_HOME` set or not),
plus Metaflow's post-processing (`SERVICE_AUTH_KEY` into `SERVICE_HEADERS`,
`S3_ENDPOINT_URL` into `DATATOOLS_CLIENT_PARAMS`, the AWS sandbox block).

The key set, each key's type, its choices, which keys are derived (and from which
keys) and which are post-processed are all learnt from the installed Metaflow by two
probe imports (see `Meta`), so a new Metaflow release is covered without edits.

For every scenario the real Metaflow is imported in a subprocess with the same
environment and cwd (`oracle.run_oracle`) and mfdoctor runs as `python -m mfdoctor`:
  * every non-secret key has exactly Metaflow's final value (strict JSON equality);
  * secret keys show "<redacted>" and their values appear nowhere in the output;
  * `source` (and origin, and the overridden layers) is what the scenario put where;
  * the `files` header names the profile file and the local file Metaflow reads.

A second generated set injects one value Metaflow rejects (or a combination it
crashes on): Metaflow must fail at import, and mfdoctor must still exit 0 with valid
JSON, report that key with an "error", and show every other key with the value
Metaflow has without the bad setting.

Re-run one scenario: `pytest tests/config/test_differential.py -k "valid_scenario and seed17"`
(the failure message prints the whole scenario: environment, files, cwd).
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest

try:  # tests/ may become a package one day
    from . import oracle
except ImportError:  # rootdir-relative import (pytest's default "prepend" mode)
    import oracle

N_VALID = 80
N_INVALID = 30
PREFIX = "METAFLOW_"
LAYERS = ("env", "local", "profile")


# --------------------------------------------------------------------------------------
# What the installed Metaflow knows, learnt by importing it (twice) in subprocesses.
# --------------------------------------------------------------------------------------


@dataclass
class KeyInfo:
    name: str
    kind: str  # bool|debug|int|float|str|none|choice|list|dict|enabled
    default: Any
    choices: Optional[list] = None
    derived: bool = False  # default computed from other keys
    bases: list = field(default_factory=list)  # keys it is derived from (when learnt)
    plugins: list = field(default_factory=list)  # ENABLED_*: every installed plugin
    post_processed: bool = False  # Metaflow rewrites it after from_conf
    triggers: list = field(default_factory=list)  # keys whose value it takes in
    joined: bool = False  # derived by os.path.join(base, ...), not a plain copy of a base
    # A base of a derived default takes only strings here: a number crashes os.path.join,
    # or becomes the derived key's default and changes how its own value is coerced.
    str_only: bool = False


class Meta:
    """Key catalogue of the real Metaflow.

    Probe 1 imports Metaflow with a clean environment: the key set, each default (its
    type decides coercion), choices, and the plugin lists. Probe 2 sets every plain key
    to a unique token: a key whose *default* changed is derived, and the tokens found
    inside it name its bases; a key whose final value differs from what `from_conf`
    returned is post-processed, and the tokens inside name its triggers. Probe 3 is
    probe 2 with the AWS sandbox block switched on (it replaces other keys' values).
    """

    def __init__(self, clean: oracle.OracleResult, full: oracle.OracleResult, tokens: dict,
                 sandbox: oracle.OracleResult, sandbox_tokens: dict):
        self.keys: dict = {}
        cats = set(clean.plugin_categories)
        for name, call in clean.calls.items():
            short = name[len(PREFIX):]
            default = call["default"]
            if short.startswith("ENABLED_") and short[8:].lower() in cats:
                kind = "enabled"
            elif call["choices"]:
                kind = "choice"
            elif short.startswith("DEBUG_") and isinstance(default, bool):
                kind = "debug"
            elif default is None:
                kind = "none"
            else:
                kind = type(default).__name__
            info = KeyInfo(name, kind, default, call["choices"])
            if kind == "enabled":
                info.plugins = list(clean.values[name])
            fcall = full.calls.get(name)
            if fcall is not None and _dumps(fcall["default"]) != _dumps(default):
                info.derived = True
                text = _dumps(fcall["default"])
                info.bases = [k for k, tok in tokens.items() if tok in text]
                info.joined = not any(text == _dumps(tokens[b]) for b in info.bases)
            for probe, toks in ((full, tokens), (sandbox, sandbox_tokens)):
                pcall = probe.calls.get(name)
                if (
                    kind != "enabled" and pcall is not None and name in probe.values
                    and _dumps(probe.values[name]) != _dumps(pcall["returned"])
                ):
                    info.post_processed = True
                    text = _dumps(probe.values[name])
                    info.triggers += [k for k, tok in toks.items() if tok in text and k not in info.triggers]
            self.keys[name] = info
        for info in list(self.keys.values()):
            if info.derived:
                for base in info.bases:
                    self.keys[base].str_only = True
        self.by_kind: dict = {}
        for info in self.keys.values():
            if info.name in SANDBOX_KEYS:
                continue  # only through the sandbox feature (it needs a region)
            self.by_kind.setdefault(info.kind, []).append(info.name)
            if info.derived:
                self.by_kind.setdefault("derived", []).append(info.name)

    def of(self, name: str) -> KeyInfo:
        # Keys only read inside an `if` (AWS_SANDBOX_STACK_NAME) are unknown to a clean
        # import: treat them as plain no-default keys.
        return self.keys.get(name) or KeyInfo(name, "none", None)


# Metaflow's AWS sandbox block (`if AWS_SANDBOX_ENABLED:`) sets os.environ from
# AWS_SANDBOX_REGION, so turning it on without a region fails at import: these keys are
# set together by the `sandbox` feature, not at random.
# Keys the sandbox block replaces outright: `SFN_STATE_MACHINE_PREFIX = from_conf(
# "AWS_SANDBOX_STACK_NAME")`, `SERVICE_INTERNAL_URL = AWS_SANDBOX_INTERNAL_SERVICE_URL`.
SANDBOX_REPLACED = {"METAFLOW_SFN_STATE_MACHINE_PREFIX", "METAFLOW_SERVICE_INTERNAL_URL"}
SANDBOX_KEYS = {
    "METAFLOW_AWS_SANDBOX_ENABLED", "METAFLOW_AWS_SANDBOX_REGION",
    "METAFLOW_AWS_SANDBOX_API_KEY", "METAFLOW_AWS_SANDBOX_INTERNAL_SERVICE_URL",
    "METAFLOW_AWS_SANDBOX_STACK_NAME",
}


# Names that hold credentials: must be flagged secret, get unique marker values.
CREDENTIAL_WORDS = ("AUTH_KEY", "API_KEY", "TOKEN", "PASSWORD")


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("mfd-diff")
    # A `.metaflow/` above the test tree would be found by both tools and spoil every
    # "no .metaflow" scenario.
    p = str(root)
    while True:
        assert not os.path.isdir(os.path.join(p, ".metaflow")), (
            "%s/.metaflow exists above the test directory; remove it or set --basetemp" % p)
        if os.path.dirname(p) == p:
            break
        p = os.path.dirname(p)
    return root


@pytest.fixture(scope="session")
def cache_dir(session_dir):
    # One catalog cache per test session (per xdist worker): warm after the first run.
    d = session_dir / "cache"
    d.mkdir()
    return str(d)


@pytest.fixture(scope="session")
def meta(session_dir) -> Meta:
    home = session_dir / "probe-home"
    home.mkdir()
    env = oracle.base_env(str(home), str(session_dir / "probe-cache"))
    clean = oracle.run_oracle(env, str(home))
    assert clean.ok, clean.error
    tokens = {}
    full_env = dict(env)
    for i, (name, call) in enumerate(sorted(clean.calls.items())):
        d = call["default"]
        short = name[len(PREFIX):]
        if short.startswith("ENABLED_") or call["choices"] or name in SANDBOX_KEYS:
            continue
        if d is None or isinstance(d, str):
            tokens[name] = "tok%03dx" % i
            full_env[name] = tokens[name]
        elif type(d) is int:
            full_env[name] = str(100003 + i)
    full = oracle.run_oracle(full_env, str(home))
    assert full.ok, full.error
    sandbox_tokens = dict(tokens)
    sandbox_env = dict(full_env, METAFLOW_AWS_SANDBOX_ENABLED="true")
    for i, name in enumerate(sorted(SANDBOX_KEYS - {"METAFLOW_AWS_SANDBOX_ENABLED"})):
        sandbox_tokens[name] = sandbox_env[name] = "sbx%03dx" % i
    sandbox = oracle.run_oracle(sandbox_env, str(home))
    assert sandbox.ok, sandbox.error
    return Meta(clean, full, tokens, sandbox, sandbox_tokens)


# --------------------------------------------------------------------------------------
# Values: every spelling Metaflow accepts (valid) or rejects at import (invalid).
# --------------------------------------------------------------------------------------

WORDS = [
    "alpha", "data lake", "ünïcødé", "日本語", "s3://bucket/prefix", "az-container/pre/fix",
    "https://svc.example.com:8443/api/", "/abs/path with space", "~/tilde", "$HOME/x",
    "C:\\win\\path", "a=b,c=d", '{"looks": "json"}', "[1, 2]", "true", "0", "None",
    "null", " padded ", "multi\nline", "tab\there", "emoji 🚀", "quote\"inside", "x" * 300,
]
BOOL_STRINGS = ["true", "True", "TRUE", "1", "yes", "on", "no", "off", "False ", "0",
                "false", "FALSE", "", " ", "0 ", "f", "anything"]


def rand_str(rng) -> str:
    w = rng.choice(WORDS)
    return w if rng.random() < 0.3 else "%s-%05d" % (w, rng.randrange(100000))


def rand_scalar(rng):
    return rng.choice([rand_str(rng), rng.randrange(-50, 5000), rng.random() * 100,
                       True, False, None])


def rand_list(rng) -> list:
    return [rng.choice([rand_str(rng), rng.randrange(100), True, None])
            for _ in range(rng.randrange(0, 4))]


def rand_dict(rng) -> dict:
    out = {}
    for _ in range(rng.randrange(0, 4)):
        out[rng.choice(["region", "verify", "timeout", "x-trace", "k %d" % rng.randrange(9),
                        "endpoint_url"])] = rand_scalar(rng)
    return out


def _json_text(rng, value) -> str:
    return json.dumps(value, indent=rng.choice([None, None, 2]))


def valid_value(rng, info: KeyInfo, layer: str):
    """A value for `info` in `layer` that Metaflow accepts (env values are strings)."""
    env = layer == "env"
    kind = info.kind
    if kind in ("bool", "debug"):
        if env or rng.random() < 0.4:
            return rng.choice(BOOL_STRINGS)
        return rng.choice([True, False])
    if kind == "int":
        n = rng.choice([0, 1, 7, 42, 300, 86400, -5, rng.randrange(10 ** 6)])
        forms = [str(n), " %d " % n, "%+d" % n, str(n)]
        if n >= 0:
            forms += ["%06d" % n, "1_%03d" % (n % 1000)]
        if env:
            return rng.choice(forms)
        return rng.choice([n, n, rng.choice(forms), n + 0.75, True, False])
    if kind == "float":
        x = rng.choice([0.0, 1.5, -2.25, 1e3, 7.0])
        forms = [repr(x), " %s " % x, "%d" % x, "%e" % x]
        if env:
            return rng.choice(forms)
        return rng.choice([x, int(x), rng.choice(forms), True])
    if kind == "choice":
        if not env and rng.random() < 0.15:
            return None  # skips validation; a str default turns it into "None"
        return rng.choice(info.choices)
    if any(w in info.name for w in CREDENTIAL_WORDS):
        # Unique, so a leak into the output cannot be a coincidence.
        return "sk-mf%08x" % rng.getrandbits(32)
    if kind in ("str", "none"):
        if info.str_only:
            return "" if rng.random() < 0.1 else rand_str(rng)
        if env:
            return "" if rng.random() < 0.1 else rand_str(rng)
        r = rng.random()
        if r < 0.6:
            return rand_str(rng)
        if r < 0.9:
            return rand_scalar(rng)  # str()-ed for a str default, kept raw otherwise
        return rng.choice([rand_list(rng), rand_dict(rng)])
    if kind in ("list", "dict"):
        value = rand_list(rng) if kind == "list" else rand_dict(rng)
        if env:
            return _json_text(rng, value)
        r = rng.random()
        if r < 0.6:
            return value
        if r < 0.85 or info.post_processed:
            return _json_text(rng, value)  # a JSON string holding JSON: parsed
        # from_conf accepts any list or dict for a list or dict default, as is
        return rand_dict(rng) if kind == "list" else rand_list(rng)
    if kind == "enabled":
        assert not env  # a string is iterated letter by letter
        names = list(info.plugins)
        rng.shuffle(names)
        out = names[: rng.randrange(0, len(names) + 1)]
        # resolve_plugins reads "+name" as add and "-name" as remove (any name)
        out = [("+" + n) if rng.random() < 0.2 else n for n in out]
        if rng.random() < 0.3:
            out.insert(rng.randrange(len(out) + 1), "-" + rng.choice(names + ["no-such-plugin"]))
        return out
    raise AssertionError(kind)


def invalid_value(rng, info: KeyInfo, layer: str):
    """A value Metaflow rejects for `info` in `layer` (at import; for ENABLED_CLI and
    ENABLED_RUNNER_CLI when the CLI resolves them), or None if there is none."""
    env = layer == "env"
    kind = info.kind
    if kind in ("int", "float"):
        if env:
            return rng.choice(["abc", "", "1.2.3", "12abc", "0x1F", "1,000"]
                              + (["1.5", "1e3"] if kind == "int" else []))
        return rng.choice([["abc"], [None], [[1]], [{"a": 1}], ["1,5"]])[0]
    if kind in ("bool", "debug"):
        if env:
            return None  # every string is a valid bool
        return rng.choice([0, 1, 2.5, None, [True], {"a": True}])
    if kind == "list":
        if env:
            return rng.choice(["not json", "", '{"a": 1}', '"str"', "5", "[1,"])
        return rng.choice(["not json", 5, True, None, '{"a": 1}'])
    if kind == "dict":
        if env:
            return rng.choice(["[1, 2]", "x", "", "5", "null"])
        return rng.choice(["[1]", 5, None, "not json", False])
    if kind == "choice":
        bad = ["default", "highCpu", "highMemory", "General", "", " %s" % info.choices[0]]
        return rng.choice(bad if env else bad + [5, True, ["general"]])
    if kind == "enabled":
        if env:
            return rng.choice([rng.choice(info.plugins or ["x"]), _json_text(rng, info.plugins[:1])])
        return rng.choice([["no-such-plugin"], info.plugins[:1] + ["nope"], ["+nope"],
                           info.plugins[:1] + [5], json.dumps(info.plugins[:1]), 5])
    return None  # str / no-default keys accept anything


# --------------------------------------------------------------------------------------
# Scenarios: a directory tree, config files and an environment.
# --------------------------------------------------------------------------------------


@dataclass
class Scenario:
    seed: int
    env: dict = field(default_factory=dict)  # added to oracle.base_env
    cwd: tuple = ()  # path parts under the scenario root
    dirs: list = field(default_factory=list)
    files: dict = field(default_factory=dict)  # rel path (tuple) -> data (dict) or bytes
    stray: list = field(default_factory=list)  # rel paths of plain files named .metaflow
    local: Optional[tuple] = None  # the local config path Metaflow uses (None: no .metaflow)
    local_effective: bool = False  # that file exists (values in it count)
    profile: tuple = ()  # the profile file path Metaflow uses
    profile_name: Optional[str] = None
    profile_effective: bool = False
    home: tuple = ("home",)
    mfhome_env: Optional[str] = None  # the METAFLOW_HOME value as written (may be relative)
    cli_profile: bool = False  # give the profile to mfdoctor as --profile instead of env
    decoys: list = field(default_factory=list)  # rel paths of files Metaflow must ignore
    notes: list = field(default_factory=list)

    # -- layers ----------------------------------------------------------
    def data(self, layer: str) -> Optional[dict]:
        if layer == "env":
            return self.env
        path = self.local if layer == "local" else self.profile
        if layer == "local" and not self.local_effective:
            return None
        if layer == "profile" and not self.profile_effective:
            return None
        return self.files[path]

    def available(self, info: KeyInfo) -> list:
        out = [l for l in LAYERS if self.data(l) is not None]
        if info.kind == "enabled":
            out.remove("env")
        return out

    def put(self, layer: str, name: str, value) -> None:
        self.data(layer)[name] = value

    def drop(self, name: str) -> None:
        for layer in LAYERS:
            d = self.data(layer)
            if d is not None:
                d.pop(name, None)

    def layers_of(self, name: str) -> list:
        return [l for l in LAYERS if self.data(l) is not None and name in self.data(l)]

    # -- on disk ---------------------------------------------------------
    def materialize(self, root) -> str:
        """Write the scenario under `root`; the cwd to run in."""
        root = str(root)
        for d in self.dirs:
            os.makedirs(os.path.join(root, *d), exist_ok=True)
        for rel, data in self.files.items():
            path = os.path.join(root, *rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data if isinstance(data, bytes) else
                        json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))
        for rel in self.stray:
            with open(os.path.join(root, *rel), "w") as f:
                f.write("not a directory\n")
        cwd = os.path.join(root, *self.cwd)
        os.makedirs(cwd, exist_ok=True)
        return cwd

    def oracle_env(self, root, cache_dir: str) -> dict:
        env = oracle.base_env(os.path.join(str(root), *self.home), cache_dir)
        env.update(self.env)
        return env

    def mfdoctor_env_args(self, root, cache_dir: str) -> tuple:
        env = self.oracle_env(root, cache_dir)
        args = ["show", "--all", "--format", "json"]
        if self.cli_profile:
            args = ["--profile", env.pop("METAFLOW_PROFILE")] + args
        return env, args

    def describe(self, root) -> str:
        lines = ["scenario seed %d (root %s)" % (self.seed, root), "cwd: %s" % "/".join(self.cwd)]
        lines += ["env %s=%r" % kv for kv in sorted(self.env.items())]
        if self.cli_profile:
            lines.append("(mfdoctor gets METAFLOW_PROFILE as --profile)")
        for rel, data in sorted(self.files.items()):
            tag = " [Metaflow ignores this file]" if rel in self.decoys else ""
            lines.append("file %s%s: %s" % ("/".join(rel), tag,
                                            data if isinstance(data, bytes) else _dumps(data)))
        lines += ["stray file: %s" % "/".join(s) for s in self.stray]
        lines += self.notes
        return "\n".join(lines)


def _layout(rng, sc: Scenario) -> None:
    """Directories, the local `.metaflow/` situation and the profile file situation."""
    depth = rng.randint(0, 4)
    names = ["d%d" % i if rng.random() < 0.8 else rng.choice(["my dir", "ünï", "a.b"])
             for i in range(depth)]
    sc.cwd = tuple(["proj"] + names)
    sc.dirs.append(sc.cwd)
    sc.dirs.append(sc.home)
    # Ancestors of cwd, nearest first; the last one is the scenario root itself.
    ancestors = [sc.cwd[: len(sc.cwd) - i] for i in range(len(sc.cwd) + 1)]
    mode = rng.choice(["none", "empty", "file", "file", "shadow", "file+far"])
    near_i = rng.randrange(len(ancestors) - 1) if mode != "none" else None
    if mode != "none":
        near = ancestors[near_i] + (".metaflow",)
        sc.dirs.append(near)
        sc.local = near + ("config.json",)
        sc.local_effective = mode in ("file", "file+far")
        if sc.local_effective:
            sc.files[sc.local] = {}
        if mode in ("shadow", "file+far"):
            far = ancestors[rng.randrange(near_i + 1, len(ancestors))] + (".metaflow", "config.json")
            sc.files[far] = {}
            sc.decoys.append(far)
    # A plain file called .metaflow between cwd and the directory Metaflow finds: skipped.
    below = ancestors[: near_i] if near_i is not None else ancestors[:-1]
    if below and rng.random() < 0.15:
        stray = rng.choice(below) + (".metaflow",)
        sc.stray.append(stray)
    # The profile file.
    home_mode = rng.choice(["default", "default", "abs", "tilde", "relative"])
    if home_mode == "default":
        mfhome = sc.home + (".metaflowconfig",)
    elif home_mode == "abs":
        mfhome = ("mf home",)
        sc.mfhome_env = "<root>/mf home"
    elif home_mode == "tilde":
        mfhome = sc.home + ("alt-mfhome",)
        sc.mfhome_env = "~/alt-mfhome"
    else:
        mfhome = ("relhome",)
        sc.mfhome_env = os.path.join(*([".."] * len(sc.cwd)), "relhome")
    sc.dirs.append(mfhome)
    pmode = rng.choice(["unset", "unset", "empty", "named", "named"])
    if pmode == "named":
        sc.profile_name = rng.choice(["dev", "prod", "team-a", "ci_2", "x.y", "ünï"])
        sc.env["METAFLOW_PROFILE"] = sc.profile_name
        sc.profile = mfhome + ("config_%s.json" % sc.profile_name,)
        sc.profile_effective = True
        sc.cli_profile = rng.random() < 0.25
        if rng.random() < 0.6:
            decoy = mfhome + ("config.json",)
            sc.files[decoy] = {}
            sc.decoys.append(decoy)
    else:
        if pmode == "empty":
            sc.env["METAFLOW_PROFILE"] = ""
        sc.profile = mfhome + ("config.json",)
        sc.profile_effective = rng.random() < 0.75
        if rng.random() < 0.4:
            decoy = mfhome + ("config_dev.json",)
            sc.files[decoy] = {}
            sc.decoys.append(decoy)
    if sc.profile_effective:
        sc.files[sc.profile] = {}


def _place(rng, sc: Scenario, info: KeyInfo, value_fn=valid_value, layers=None) -> None:
    avail = sc.available(info)
    if not avail:
        return
    if layers is None:
        k = min(len(avail), rng.choices([1, 2, 3], [0.6, 0.3, 0.1])[0])
        layers = rng.sample(avail, k)
    for layer in layers:
        sc.put(layer, info.name, value_fn(rng, info, layer))


def generate_valid(seed: int, meta: Meta, n_keys=(5, 16)) -> Scenario:
    rng = random.Random(seed)
    sc = Scenario(seed)
    _layout(rng, sc)
    kinds = sorted(meta.by_kind)
    for _ in range(rng.randint(*n_keys)):
        kind = rng.choice(kinds)
        info = meta.of(rng.choice(meta.by_kind[kind]))
        _place(rng, sc, info)
    # Derived keys: set their bases (and sometimes the key itself).
    derived = [i for i in meta.keys.values() if i.derived and i.bases and i.name not in SANDBOX_KEYS]
    for info in rng.sample(derived, rng.randrange(0, 3)):
        for base in info.bases:
            _place(rng, sc, meta.of(base))
        if rng.random() < 0.3:
            _place(rng, sc, info)
    # Post-processing: SERVICE_AUTH_KEY -> SERVICE_HEADERS, S3_* -> DATATOOLS_CLIENT_PARAMS.
    for info in meta.keys.values():
        if info.post_processed and rng.random() < 0.5:
            for trig in info.triggers:
                _place(rng, sc, meta.of(trig))
            if rng.random() < 0.5:
                _place(rng, sc, info)
    if rng.random() < 0.15:
        _sandbox(rng, sc, meta)
    # An invalid value that loses to a valid one in a higher layer: harmless to Metaflow.
    if rng.random() < 0.3:
        cands = [i for k in ("int", "bool", "list", "dict", "choice", "enabled")
                 for i in map(meta.of, meta.by_kind.get(k, [])) if len(sc.available(i)) >= 2]
        if cands:
            info = rng.choice(cands)
            hi, lo = sorted(rng.sample(range(len(sc.available(info))), 2))
            hi_l, lo_l = sc.available(info)[hi], sc.available(info)[lo]
            bad = invalid_value(rng, info, lo_l)
            if bad is not None:
                sc.drop(info.name)
                sc.put(hi_l, info.name, valid_value(rng, info, hi_l))
                sc.put(lo_l, info.name, bad)
                sc.notes.append("shadowed invalid value: %s in %s" % (info.name, lo_l))
    # Values Metaflow must ignore: files it does not read, names it does not know.
    for rel in sc.decoys:
        for _ in range(rng.randrange(1, 4)):
            info = meta.of(rng.choice(list(meta.keys)))
            sc.files[rel][info.name] = valid_value(rng, info, "profile")
    for layer in ("local", "profile"):
        d = sc.data(layer)
        if d is not None and rng.random() < 0.3:
            info = meta.of(rng.choice(list(meta.keys)))
            short = info.name[len(PREFIX):]
            # no METAFLOW_ prefix / wrong case: Metaflow silently ignores both
            d[rng.choice([short, info.name.lower()])] = valid_value(rng, info, layer)
            d["METAFLOW_NOT_A_REAL_KEY_%d" % seed] = "x"
    if rng.random() < 0.3:
        sc.env["METAFLOW_NOT_A_REAL_KEY"] = "1"
        sc.env["DEFAULT_DATASTORE"] = "s3"
    return sc


def _sandbox(rng, sc: Scenario, meta: Meta) -> None:
    """Turn on the AWS sandbox block: it needs a region, and replaces other keys' values."""
    on = meta.of("METAFLOW_AWS_SANDBOX_ENABLED")
    _place(rng, sc, on, lambda r, i, l: "true" if l == "env" else r.choice([True, "1", "yes"]))
    _place(rng, sc, meta.of("METAFLOW_AWS_SANDBOX_REGION"),
           lambda r, i, l: r.choice(["us-west-2", "eu-central-1"]))
    for name in ("METAFLOW_AWS_SANDBOX_API_KEY", "METAFLOW_AWS_SANDBOX_INTERNAL_SERVICE_URL",
                 "METAFLOW_AWS_SANDBOX_STACK_NAME"):
        if rng.random() < 0.7:
            _place(rng, sc, meta.of(name), lambda r, i, l: valid_value(r, i, "env"))
    # The keys whose values the block replaces, set by the user too (the block wins).
    for info in meta.keys.values():
        if info.name not in SANDBOX_KEYS and set(info.triggers) & SANDBOX_KEYS and rng.random() < 0.6:
            _place(rng, sc, info)


# --------------------------------------------------------------------------------------
# Comparison.
# --------------------------------------------------------------------------------------


def _same_path(got: Optional[str], want: str, cwd: str) -> bool:
    if got is None:
        return False
    return os.path.realpath(os.path.join(cwd, got)) == os.path.realpath(want)


def _secret_strings(value) -> list:
    if isinstance(value, str):
        return [value] if len(value.strip()) >= 8 else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _secret_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _secret_strings(v)]
    return []


def check_files(sc: Scenario, root, cwd: str, doc: dict) -> list:
    bad = []
    prof = doc["files"]["profile"]
    want = os.path.join(str(root), *sc.profile)
    if not _same_path(prof.get("path"), want, cwd):
        bad.append("files.profile.path: expected %s, got %s" % (want, prof.get("path")))
    if prof.get("exists") is not sc.profile_effective:
        bad.append("files.profile.exists: expected %s, got %s" % (sc.profile_effective, prof.get("exists")))
    if prof.get("profile") != (sc.profile_name or None):
        bad.append("files.profile.profile: expected %r, got %r" % (sc.profile_name, prof.get("profile")))
    local = doc["files"]["local"]
    if sc.local is None:
        if local is not None:
            bad.append("files.local: expected null (no .metaflow/), got %s" % local)
    elif local is None:
        bad.append("files.local: expected %s, got null" % "/".join(sc.local))
    else:
        want = os.path.join(str(root), *sc.local)
        if not _same_path(local.get("path"), want, cwd):
            bad.append("files.local.path: expected %s, got %s" % (want, local.get("path")))
        if local.get("exists") is not sc.local_effective:
            bad.append("files.local.exists: expected %s, got %s" % (sc.local_effective, local.get("exists")))
    return bad


def expected_provenance(sc: Scenario, meta: Meta, name: str, truth: oracle.OracleResult) -> tuple:
    """(source, sources of the overridden layers) from what the scenario put where.

    A value Metaflow's post-processing replaces outright (the AWS sandbox block sets
    SFN_STATE_MACHINE_PREFIX and SERVICE_INTERNAL_URL) comes from another key: derived,
    and every layer that held it was overridden. A dict that only gains an item
    (SERVICE_HEADERS["x-api-key"]) still comes from its layer.
    """
    layers = sc.layers_of(name)
    info = meta.keys.get(name)
    if info is not None and info.kind == "enabled":
        return (layers[0] if layers else "default"), layers[1:]
    call = truth.calls.get(name, {})
    changed = name in truth.values and _dumps(truth.values[name]) != _dumps(call.get("returned"))
    replaced = changed and not isinstance(truth.values[name], dict)
    # With the sandbox on, Metaflow assigns these from other keys even when the new value
    # happens to equal the old one (None for None): still derived from that other key.
    if truth.values.get("METAFLOW_AWS_SANDBOX_ENABLED") is True and name in SANDBOX_REPLACED:
        replaced = True
    if layers and not replaced:
        return layers[0], layers[1:]
    if replaced or changed or (info is not None and info.derived):
        return "derived", layers
    return "default", []


def compare(sc: Scenario, meta: Meta, root, cwd: str, truth: oracle.OracleResult, run) -> list:
    """Every difference between Metaflow (truth) and mfdoctor's JSON, as readable lines."""
    bad = []
    try:
        doc = run.json()
    except ValueError as exc:
        return ["mfdoctor printed no JSON (%s); rc=%d stderr=%s" % (exc, run.returncode, run.stderr[-2000:])]
    if run.returncode != 0:
        bad.append("mfdoctor exit code %d (stderr %s)" % (run.returncode, run.stderr[-500:]))
    if "Traceback" in run.stderr:
        bad.append("traceback on stderr: %s" % run.stderr[-2000:])
    keys = {k["name"]: k for k in doc["keys"]}
    truth_values = dict(truth.values)
    for name in truth.absent:  # read into another variable (AWS_SANDBOX_STACK_NAME)
        truth_values[name] = truth.calls[name]["returned"]
    missing = sorted(set(truth_values) - set(keys))
    extra = sorted(set(keys) - set(truth_values))
    if missing:
        bad.append("keys Metaflow resolves but mfdoctor does not show: %s" % missing)
    if extra:
        bad.append("keys mfdoctor shows but Metaflow does not resolve here: %s" % extra)
    for name, want in truth_values.items():
        got = keys.get(name)
        if got is None:
            continue
        if got.get("error"):
            bad.append("%s: unexpected error %r (Metaflow accepts it: %s)" % (name, got["error"], _dumps(want)))
        if got.get("secret"):
            # DESIGN.md: a secret key's value is "<redacted>", whatever its type.
            exp = None if want is None else "<redacted>"
            if not oracle.strict_equal(got["value"], exp):
                bad.append("%s (secret): expected %s, got %s" % (name, _dumps(exp), _dumps(got["value"])))
        elif not oracle.strict_equal(json.loads(_dumps(want)), got["value"]):
            bad.append("%s: value expected %s, got %s" % (name, _dumps(want), _dumps(got["value"])))
        src, overridden = expected_provenance(sc, meta, name, truth)
        if got["source"] != src:
            bad.append("%s: source expected %s, got %s (origin %s)" % (name, src, got["source"], got.get("origin")))
        over = [o["source"] for o in got.get("overrides", [])]
        if over != overridden:
            bad.append("%s: overridden layers expected %s, got %s" % (name, overridden, over))
        layers = sc.layers_of(name)
        if layers and src == layers[0]:
            win = layers[0]
            if win == "env" and got.get("origin") != name:
                bad.append("%s: origin expected %s, got %s" % (name, name, got.get("origin")))
            if win in ("local", "profile"):
                want_path = os.path.join(str(root), *(sc.local if win == "local" else sc.profile))
                if not _same_path(got.get("origin"), want_path, cwd):
                    bad.append("%s: origin expected %s, got %s" % (name, want_path, got.get("origin")))
    # Secrets: whatever was placed for a secret key (any layer) appears nowhere. Random
    # text may also sit in a key that is not secret; credential markers never do.
    public = json.dumps([k for k in doc["keys"] if not k.get("secret")])
    for name, got in keys.items():
        if not got.get("secret"):
            continue
        for layer in sc.layers_of(name):
            for s in _secret_strings(sc.data(layer)[name]):
                if not s.startswith("sk-mf") and (json.dumps(s)[1:-1] in public or s in public):
                    continue
                if s in run.stdout or json.dumps(s)[1:-1] in run.stdout:
                    bad.append("%s: secret value from %s leaks into the output" % (name, layer))
    bad += check_files(sc, root, cwd, doc)
    severities = [p.get("severity") for p in doc.get("problems", [])]
    if "error" in severities:
        bad.append("problems reported for valid files: %s" % doc["problems"])
    if sc.stray and not severities:
        bad.append("a plain file named .metaflow (%s) is not mentioned in problems" % sc.stray)
    return bad


def _run_both(sc: Scenario, root, cache_dir: str, resolve_categories=()):
    cwd = sc.materialize(root)
    if sc.mfhome_env is not None:
        sc.env["METAFLOW_HOME"] = sc.mfhome_env.replace("<root>", str(root))
    truth = oracle.run_oracle(sc.oracle_env(root, cache_dir), cwd, resolve_categories)
    env, args = sc.mfdoctor_env_args(root, cache_dir)
    run = oracle.run_mfdoctor(args, env, cwd)
    return cwd, truth, run


# --------------------------------------------------------------------------------------
# The tests.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(N_VALID), ids=lambda s: "seed%d" % s)
def test_valid_scenario(seed, meta, cache_dir, tmp_path):
    sc = generate_valid(seed, meta)
    cwd, truth, run = _run_both(sc, tmp_path, cache_dir)
    assert truth.ok, "generator bug: Metaflow rejects a 'valid' scenario: %s\n%s" % (
        truth.error, sc.describe(tmp_path))
    bad = compare(sc, meta, tmp_path, cwd, truth, run)
    assert not bad, "\n".join(["mfdoctor differs from Metaflow:"] + bad + ["", sc.describe(tmp_path)])


# Invalid scenarios. Each is a valid scenario plus one culprit: a value Metaflow rejects,
# or a value that is fine alone but crashes Metaflow in combination with others. The
# baseline is the same scenario without the culprit; Metaflow must accept it.


def _invalid_single(rng, sc: Scenario, meta: Meta):
    """One value of the wrong type or spelling for its key (maybe a valid one below it)."""
    kind = rng.choice(["int", "bool", "debug", "list", "dict", "choice", "enabled"])
    if kind not in meta.by_kind:
        return None
    info = meta.of(rng.choice(meta.by_kind[kind]))
    if info.post_processed or info.str_only:
        return None  # their wrong types are the combinations below
    layer = rng.choice(["env"] + [l for l in sc.available(info) if l != "env"])
    value = invalid_value(rng, info, layer)
    if value is None:
        return None
    sc.drop(info.name)
    sc.put(layer, info.name, value)
    lower = [l for l in sc.available(info) if LAYERS.index(l) > LAYERS.index(layer)]
    if lower and rng.random() < 0.4:  # a valid value below must not rescue it
        lo = rng.choice(lower)
        sc.put(lo, info.name, valid_value(rng, info, lo))
    return info.name, layer, {info.name}, set()


def _combo_sandbox_without_region(rng, sc: Scenario, meta: Meta):
    """`if AWS_SANDBOX_ENABLED: os.environ[...] = AWS_SANDBOX_REGION` with no region."""
    for name in SANDBOX_KEYS:
        sc.drop(name)
    name = "METAFLOW_AWS_SANDBOX_ENABLED"
    layer = rng.choice(sc.available(meta.of(name)))
    sc.put(layer, name, "true" if layer == "env" else rng.choice([True, "1", "on"]))
    # Metaflow dies before the block replaces these: no defined value to compare.
    unsettled = {i.name for i in meta.keys.values() if set(i.triggers) & SANDBOX_KEYS}
    return name, layer, {name, "METAFLOW_AWS_SANDBOX_REGION"}, unsettled


def _combo_post_processed_wrong_type(rng, sc: Scenario, meta: Meta):
    """A list for a dict default passes from_conf; the item assignment after it crashes."""
    info = meta.of(rng.choice([i.name for i in meta.keys.values()
                               if i.post_processed and i.kind == "dict" and set(i.triggers) - SANDBOX_KEYS]))
    files = [l for l in sc.available(info) if l != "env"]
    if not files:
        return None
    for trig in set(info.triggers) - SANDBOX_KEYS:
        _place(rng, sc, meta.of(trig), lambda r, i, l: "https://truthy.example.com/%d" % r.randrange(99))
    sc.drop(info.name)
    layer = rng.choice(files)
    sc.put(layer, info.name, rand_list(rng) or [1])
    return info.name, layer, {info.name}, set()


def _combo_base_not_a_string(rng, sc: Scenario, meta: Meta):
    """A truthy non-string base of a derived default (`os.path.join(SYSROOT, ...)`), or a
    number/list base whose derived key then has a value that cannot be coerced to it."""
    # Only bases without a default keep a non-string (a str default coerces it).
    derived = [i for i in meta.keys.values() if i.derived and i.name not in SANDBOX_KEYS
               and any(meta.of(b).kind == "none" for b in i.bases)]
    info = rng.choice(derived)
    base = meta.of(rng.choice([b for b in info.bases if meta.of(b).kind == "none"]))
    files = [l for l in sc.available(base) if l != "env"]
    if not files:
        return None
    for other in info.bases:
        sc.drop(other)
    sc.drop(info.name)
    layer = rng.choice(files)
    if info.joined:
        sc.put(layer, base.name, rng.choice([5, True, [1], {"a": 1}]))
    else:
        sc.put(layer, base.name, rng.choice([5, [1], {"a": 1}]))
        sc.put("env", info.name, "not-a-number")
    # Every os.path.join over this base crashes alike: the error may sit on any of them.
    joined = {i.name for i in meta.keys.values() if i.joined and base.name in i.bases}
    return base.name, layer, {base.name, info.name} | joined, set()


INVALID_GENERATORS = [_invalid_single] * 7 + [
    _combo_sandbox_without_region, _combo_post_processed_wrong_type, _combo_base_not_a_string]


def generate_invalid(seed: int, meta: Meta):
    """(scenario with the culprit, baseline without it, keys that may carry the error,
    keys whose value is undefined once Metaflow has crashed)."""
    rng = random.Random(10_000 + seed)
    gen = INVALID_GENERATORS[seed % len(INVALID_GENERATORS)]
    for attempt in range(100):
        bad = generate_valid(10_000 + seed * 100 + attempt, meta, n_keys=(3, 10))
        bad.seed = seed
        found = gen(rng, bad, meta)
        if found is None:
            continue
        culprit, layer, error_keys, unsettled = found
        base = copy.deepcopy(bad)
        del base.data(layer)[culprit]
        bad.notes.append("culprit (%s): %s=%s in %s; the error may be on %s" % (
            gen.__name__, culprit, _dumps(bad.data(layer)[culprit]), layer, sorted(error_keys)))
        return bad, base, error_keys, unsettled
    raise AssertionError("could not generate an invalid scenario for seed %d" % seed)


@pytest.mark.parametrize("seed", range(N_INVALID), ids=lambda s: "seed%d" % s)
def test_invalid_scenario(seed, meta, cache_dir, tmp_path):
    bad, base, error_keys, unsettled = generate_invalid(seed, meta)
    root = tmp_path / "s"  # both runs in the same place: ARTIFACT_LOCALROOT is the cwd
    # ENABLED_CLI and ENABLED_RUNNER_CLI are resolved when the CLI runs, not at import.
    resolve = [n[len(PREFIX) + 8:].lower() for n in error_keys if meta.of(n).kind == "enabled"]
    _, truth_base, _ = _run_both(base, root, cache_dir, resolve)
    assert truth_base.ok, "generator bug: the baseline fails: %s\n%s" % (truth_base.error, base.describe(root))
    shutil.rmtree(root)
    _, truth, run = _run_both(bad, root, cache_dir, resolve)
    desc = bad.describe(root)
    assert not truth.ok, "generator bug: Metaflow accepts the 'invalid' scenario\n" + desc

    assert "Traceback" not in run.stderr, run.stderr + "\n" + desc
    assert run.returncode == 0, "mfdoctor exit %d: %s\n%s" % (run.returncode, run.stderr, desc)
    doc = run.json()  # valid JSON
    keys = {k["name"]: k for k in doc["keys"]}
    problems = []
    flagged = {n for n, k in keys.items() if k.get("error")}
    if not flagged & error_keys:
        problems.append("Metaflow fails at import (%s) but mfdoctor reports no error on %s"
                        % (truth.error, " or ".join(sorted(error_keys))))
    if flagged - error_keys:
        problems.append("errors on keys that are fine: %s" % {n: keys[n]["error"] for n in flagged - error_keys})
    # Everything else is still shown, with the value Metaflow has without the culprit.
    missing = sorted(set(truth_base.values) - set(keys))
    if missing:
        problems.append("keys missing from the output: %s" % missing)
    skip = set(error_keys) | unsettled
    for name in error_keys:
        skip.update(i.name for i in meta.keys.values() if name in i.bases or name in i.triggers)
    for name, want in truth_base.values.items():
        got = keys.get(name)
        if got is None or name in skip or got.get("secret"):
            continue
        if not oracle.strict_equal(json.loads(_dumps(want)), got["value"]):
            problems.append("%s: value expected %s, got %s" % (name, _dumps(want), _dumps(got["value"])))
    assert not problems, "\n".join(["mfdoctor on a config Metaflow rejects:"] + problems + ["", desc])


def test_meta_learnt_every_kind(meta):
    """The probes found the families the generator is meant to cover (guards the generator)."""
    kinds = set(meta.by_kind)
    for kind in ("bool", "debug", "int", "str", "none", "choice", "list", "dict", "enabled", "derived"):
        assert kind in kinds, "no %s keys learnt from Metaflow: %s" % (kind, sorted(kinds))
    assert any(i.post_processed and i.triggers for i in meta.keys.values())
    assert any(i.derived and i.bases for i in meta.keys.values())


def test_credentials_are_secret(meta, cache_dir, tmp_path):
    """Keys that hold credentials are flagged secret (whatever else mfdoctor flags)."""
    home = tmp_path / "home"
    home.mkdir()
    env = oracle.base_env(str(home), cache_dir)
    doc = oracle.run_mfdoctor(["show", "--all", "--format", "json"], env, str(home)).json()
    flagged = {k["name"] for k in doc["keys"] if k["secret"]}
    must = {n for n in meta.keys if any(w in n for w in CREDENTIAL_WORDS)} | {"METAFLOW_SERVICE_HEADERS"}
    assert must <= flagged, sorted(must - flagged)
