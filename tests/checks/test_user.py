"""user.identity (issue 4 §7) against Metaflow's get_username / resolve_identity_as_tuple.

A seeded generator builds environments (production token, METAFLOW_USER, SUDO_USER,
USERNAME, USER: unset, empty, root or a name) crossed with config files (profile
config.json or config_<P>.json, a project .metaflow/config.json found some levels
up, a nearer .metaflow/ without config.json shadowing it). One subprocess re-reads
USER with Metaflow's own from_conf for each case and calls its identity functions;
mfdoctor must find the same identity, or "Unknown user" exactly when Metaflow raises.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from mfdoctor.checks.user import check_user, identity_chain, name_warnings
from mfdoctor.config import resolve
from mfdoctor.findings import ERROR, OK, WARNING
from mfdoctor.redact import enable_fingerprints, fingerprint

TOKEN_NAME = "METAFLOW_PRODUCTION_TOKEN"

try:
    from . import mf_oracle
except ImportError:
    import mf_oracle

VALUES = {
    "METAFLOW_PRODUCTION_TOKEN": [None, None, None, "", "tok-123"],
    "METAFLOW_USER": [None, None, "", "root", "alice", "Alice.Smith@corp.com"],
    "SUDO_USER": [None, None, "", "root", "sudoer"],
    "USERNAME": [None, None, "", "root", "winuser"],
    "USER": [None, "", "root", "root", "dave"],
}
HOMES = {  # name -> {file name: content}
    "none": {},
    "bob": {"config.json": {"METAFLOW_USER": "bob"}},
    "empty": {"config.json": {"METAFLOW_USER": ""}},
    "root": {"config.json": {"METAFLOW_USER": "root"}},
    "profile": {"config.json": {"METAFLOW_USER": "bob"}, "config_dev.json": {"METAFLOW_USER": "devuser"}},
    "token": {"config.json": {"METAFLOW_PRODUCTION_TOKEN": "file-token"}},
}
PROJECTS = {  # name -> (cwd relative to project root, {path: content})
    "none": (".", {}),
    "carol": ("a/b", {".metaflow/config.json": {"METAFLOW_USER": "carol"}}),
    "root": (".", {".metaflow/config.json": {"METAFLOW_USER": "root"}}),
    "shadow": ("a/b", {".metaflow/config.json": {"METAFLOW_USER": "carol"}, "a/.metaflow/README": "x"}),
}


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    root = tmp_path_factory.mktemp("ident")
    homes, cwds = {}, {}
    for name, files in HOMES.items():
        d = root / "home" / name
        d.mkdir(parents=True)
        for fn, content in files.items():
            (d / fn).write_text(json.dumps(content))
        homes[name] = str(d)
    for name, (rel, files) in PROJECTS.items():
        base = root / "proj" / name
        (base / rel).mkdir(parents=True, exist_ok=True)
        for fn, content in files.items():
            p = base / fn
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(content) if isinstance(content, dict) else content)
        cwds[name] = str(base / rel)
    return str(root), homes, cwds


def _cases(homes, cwds):
    rnd = random.Random(11)
    cases = []
    for _ in range(450):
        env = {"PATH": os.environ.get("PATH", "")}
        for k, vals in VALUES.items():
            v = rnd.choice(vals)
            if v is not None:
                env[k] = v
        h = rnd.choice(sorted(homes))
        env["METAFLOW_HOME"] = homes[h]
        if h == "profile" and rnd.random() < 0.7:
            env["METAFLOW_PROFILE"] = "dev"
        cases.append({"env": env, "cwd": cwds[rnd.choice(sorted(cwds))]})
    # every variable alone, and nothing at all
    for k, vals in VALUES.items():
        for v in set(vals) - {None}:
            cases.append({"env": {"PATH": "", "METAFLOW_HOME": homes["none"], k: v}, "cwd": cwds["none"]})
    cases.append({"env": {"PATH": "", "METAFLOW_HOME": homes["none"]}, "cwd": cwds["none"]})
    return cases


def _decisive(fs):
    return [f for f in fs if f.check == "user.identity" and "chain" in f.detail][0]


def test_identity_matches_metaflow(layout):
    root, homes, cwds = layout
    cases = _cases(homes, cwds)
    verdicts = mf_oracle.run("identity", cases, home=homes["none"])
    kinds = {"user": 0, "production": 0, "unknown": 0}
    for c, v in zip(cases, verdicts):
        res = resolve(env=c["env"], cwd=c["cwd"])
        rk = res.get("METAFLOW_USER")
        assert (rk.value if rk else None) == v["user_key"], (c, v)
        f = _decisive(check_user(res))
        if v["error"]:
            assert "MetaflowUnknownUser" in v["error"], v
            assert f.severity == ERROR and f.message.startswith("Unknown user"), (c, f.message)
            kinds["unknown"] += 1
        elif v["identity"][0] == "production":
            assert f.severity == OK and f.detail["identity_type"] == "production"
            assert "fingerprint" not in f.detail  # off unless --fingerprints
            kinds["production"] += 1
        else:
            assert f.severity == OK and f.detail["identity"] == v["identity"][1], (c, v, f.message)
            assert v["username"] == v["identity"][1]
            kinds["user"] += 1
    assert min(kinds.values()) > 50, kinds


E2E = [  # fresh interpreters with the real `import metaflow`
    ({"USER": "root"}, "none", "none", "MetaflowUnknownUser"),
    ({"USER": "root"}, "bob", "none", "bob"),
    ({"USER": "root", "METAFLOW_USER": ""}, "bob", "carol", "MetaflowUnknownUser"),
    ({"USER": "dave", "SUDO_USER": "root"}, "root", "carol", "carol"),
]


def test_identity_end_to_end(layout):
    root, homes, cwds = layout
    code = ("from metaflow.util import resolve_identity_as_tuple as r\n"
            "try:\n    print('ID', r()[1])\nexcept Exception as e:\n    print('ID', type(e).__name__)\n")

    def one(case):
        env, h, proj, _ = case
        full = dict(env, PATH=os.environ.get("PATH", ""), METAFLOW_HOME=homes[h], HOME=homes[h])
        p = subprocess.run([sys.executable, "-c", code], env=full, cwd=cwds[proj],
                           capture_output=True, text=True, timeout=60)
        return full, [line for line in p.stdout.splitlines() if line.startswith("ID ")][-1][3:]

    with ThreadPoolExecutor(max_workers=len(E2E)) as ex:
        results = list(ex.map(one, E2E))
    for (env, h, proj, expected), (full, got) in zip(E2E, results):
        assert got == expected
        f = _decisive(check_user(resolve(env=full, cwd=cwds[proj])))
        if expected == "MetaflowUnknownUser":
            assert f.severity == ERROR
        else:
            assert f.detail["identity"] == expected


def _res(tmp_path, env, files=None):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    for fn, content in (files or {}).items():
        (home / fn).write_text(json.dumps(content, indent=1))
    return resolve(env=dict(env, METAFLOW_HOME=str(home)), cwd=str(tmp_path))


def test_unknown_user_reason_and_fixes(tmp_path):
    fs = check_user(_res(tmp_path, {"USER": "root", "SUDO_USER": ""}))
    f = _decisive(fs)
    assert f.severity == ERROR
    for part in ("METAFLOW_USER unset", "SUDO_USER='' (empty, skipped)", "USERNAME unset",
                 "USER='root' (skipped as root)"):
        assert part in f.message
    for place in ("Dockerfile", "GitHub Actions", "Kubernetes pod spec", "CI runner as root",
                  "ENV METAFLOW_USER=", "${{ github.actor }}", "name: METAFLOW_USER"):
        assert place in f.fix
    assert [x["name"] for x in f.detail["chain"]] == ["METAFLOW_PRODUCTION_TOKEN", "METAFLOW_USER",
                                                       "SUDO_USER", "USERNAME", "USER"]


def test_says_where_metaflow_user_came_from(tmp_path):
    f = _decisive(check_user(_res(tmp_path, {"METAFLOW_USER": "alice", "USER": "root"})))
    assert "user:alice" in f.message and "from the environment" in f.message
    assert f.detail["source"] == "env"
    f = _decisive(check_user(_res(tmp_path, {"USER": "root"}, {"config.json": {"METAFLOW_USER": "bob"}})))
    assert "user:bob" in f.message and "profile config" in f.message and "config.json:2" in f.message
    assert f.detail["source"] == "profile" and f.location.line == 2


def test_traps(tmp_path):
    fs = check_user(_res(tmp_path, {"METAFLOW_USER": "", "USER": "dave"},
                         {"config.json": {"METAFLOW_USER": "bob", "METAFLOW_PRODUCTION_TOKEN": "ignored"}}))
    assert _decisive(fs).detail["identity"] == "dave"
    warns = [f.message for f in fs if f.severity == WARNING]
    assert any("hides 'bob'" in w for w in warns)
    assert any("METAFLOW_PRODUCTION_TOKEN in" in w and "ignored" in w for w in warns)
    fs = check_user(_res(tmp_path, {"METAFLOW_USER": "root", "USER": "dave"}))
    assert any("METAFLOW_USER=root" in f.message for f in fs if f.severity == WARNING)


def test_production_token_is_redacted(tmp_path):
    token = "super-secret-production-token"
    fs = check_user(_res(tmp_path, {"METAFLOW_PRODUCTION_TOKEN": token, "USER": "root"}))
    f = _decisive(fs)
    assert f.severity == OK and "fingerprint" not in f.detail  # off by default
    assert token not in json.dumps([x.to_dict() for x in fs])
    enable_fingerprints()
    try:
        f = _decisive(check_user(_res(tmp_path, {"METAFLOW_PRODUCTION_TOKEN": token, "USER": "root"})))
        want, other = fingerprint(TOKEN_NAME, token), fingerprint("OTHER", token)
    finally:
        enable_fingerprints(False)
    assert f.detail["fingerprint"] == want != other
    assert f.detail["fingerprint"].startswith(("scrypt:", "pbkdf2:"))
    chain = identity_chain({"METAFLOW_PRODUCTION_TOKEN": token})
    assert token not in json.dumps(chain["chain"])


@pytest.mark.parametrize("name,warn", [("alice", False), ("ci-bot", False), ("john.doe", True),
                                       ("John", True), ("a b", True), ("me@corp.com", True),
                                       ("under_score", True), ("x" * 70, True)])
def test_name_warnings(name, warn):
    assert bool(name_warnings(name)) == warn
