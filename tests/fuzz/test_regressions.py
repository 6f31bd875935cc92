"""The 22 failures of issue 9, one test each (named after the case number), run as a
user runs mfdoctor: a subprocess, HOME a temporary directory, USER=tester."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .harness import COMMANDS, base_env, check_result, invoke, run, tree_digest

MARK = "MRK"


@pytest.fixture
def box(tmp_path):
    home = tmp_path / "home"
    (home / ".metaflowconfig").mkdir(parents=True)
    cwd = tmp_path / "work"
    cwd.mkdir()
    return home, cwd


def H(home):
    return home / ".metaflowconfig" / "config.json"


def runs(box, commands, markers=(), **env):
    """Each command in-process (the Typer app; fast), with the oracles."""
    home, cwd = box
    before = tree_digest([home, cwd])
    out = []
    for args in commands:
        r = invoke(args, base_env(home, **env), cwd)
        check_result(r, markers)
        out.append(r)
    assert tree_digest([home, cwd]) == before
    return out


def _messages(r) -> str:
    return r.text


# -- crashes ---------------------------------------------------------------------------

def test_case_01_deep_config_file(box):
    home, _ = box
    H(home).write_text("[" * 1000 + "]" * 1000)
    for r in runs(box, COMMANDS):
        if r.args[0] in ("show", "explain") and "json" not in r.args:
            assert "Metaflow would fail to read" in r.text, r.text
    H(home).write_text('{"METAFLOW_USER": ' + "[" * 900 + "]" * 900 + "}")
    rs = runs(box, [["show", "--all"], ["explain", "USER"], ["show", "--all", "--format", "json"],
                    ["lint", "--format", "json"]])
    assert "Metaflow would fail" not in rs[0].text  # 900 levels: Metaflow reads it


def test_case_02_integer_over_4300_digits(box):
    home, _ = box
    H(home).write_text('{"METAFLOW_S3_RETRY_COUNT": %s}' % ("7" * 5000))
    r = runs(box, [["show"], ["lint", "--format", "json"]])
    assert "Metaflow would fail to read" in r[0].text and "4300" in r[0].text
    data = json.loads(r[1].out)
    assert any(f["check"] == "config.file-invalid" and f["severity"] == "error" for f in data["findings"])


@pytest.mark.parametrize("literal", ["Infinity", "1e400", "-Infinity"])
def test_case_03_infinity_for_an_int_key(box, literal):
    home, _ = box
    H(home).write_text('{"METAFLOW_S3_RETRY_COUNT": %s}' % literal)
    rs = runs(box, [["show", "--all", "--format", "json"], ["lint"], ["check", "--offline"],
                    ["explain", "S3_RETRY_COUNT"]])
    key = [k for k in json.loads(rs[0].out)["keys"] if k["name"] == "METAFLOW_S3_RETRY_COUNT"][0]
    assert "error" in key and "Infinity" in json.dumps(key["value"])
    assert rs[1].code == 1  # Metaflow fails at import: an error


def test_case_04_deep_and_huge_values_from_env_and_files(box):
    home, cwd = box
    runs(box, [["show", "--all"], ["show", "--all", "--format", "json"], ["explain", "DATATOOLS_CLIENT_PARAMS"]],
         METAFLOW_DATATOOLS_CLIENT_PARAMS="[" * 2000)
    r = runs(box, [["lint", "--format", "json"]], METAFLOW_SERVICE_HEADERS="5" * 5000)[0]
    assert json.loads(r.out)["exit_code"] == 1
    (cwd / ".env").write_text("METAFLOW_DATATOOLS_CLIENT_PARAMS=" + "[" * 3000 + "\n")
    runs(box, [["lint", ".env"], ["lint", ".env", "--format", "sarif"]])


@pytest.mark.parametrize("expr", ["'a'" + "+'a'" * 1199, "'a'" + "+'a'" * 2999, "x" + ".a" * 5000])
def test_case_05_deep_flow_file_expressions(box, expr):
    home, cwd = box
    (cwd / "flow.py").write_text(
        "from metaflow import FlowSpec, step, secrets\n"
        "class F(FlowSpec):\n"
        "    @secrets(sources=[%s])\n"
        "    @step\n"
        "    def start(self):\n"
        "        self.next(self.end)\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n" % expr)
    az = dict(METAFLOW_DEFAULT_DATASTORE="azure", METAFLOW_DATASTORE_SYSROOT_AZURE="c/p",
              METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://acct.blob.core.windows.net/",
              METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE="az-key-vault")
    runs(box, [["check", "--offline", "--flow", "flow.py"], ["check", "--offline"],
               ["check", "--offline", "--format", "json"], ["lint", "flow.py"]], **az)


def test_case_06_non_utf8_paths_in_sarif(box):
    home, cwd = box
    with open(os.path.join(os.fsencode(str(cwd)), b"\xff.env"), "wb") as f:
        f.write(b"METAFLOW_DEFAULT_DATSTORE=1\n")
    r = runs(box, [["lint", ".", "--format", "sarif"], ["lint", ".", "--format", "json"],
                   ["lint", "."], ["lint", ".", "--format", "github"]])[0]
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
            for res in json.loads(r.out)["runs"][0]["results"] for loc in res.get("locations", [])
            if "physicalLocation" in loc]
    assert "%FF.env" in uris, uris
    home_b = os.fsencode(str(home))
    env = base_env(home)
    env_b = {os.fsencode(k): os.fsencode(v) for k, v in env.items()}
    env_b[b"METAFLOW_PROFILE"] = b"\xff"
    for args in (["lint", "--format", "sarif"], ["show"], ["show", "--format", "json"], ["lint"]):
        p = subprocess.run([env["PYTHONPATH"] and __import__("sys").executable, "-m", "mfdoctor"] + args,
                           env=env_b, cwd=str(cwd), capture_output=True, timeout=30)
        assert b"Traceback" not in p.stderr and b"internal error" not in p.stderr, p.stderr
        assert p.returncode in (0, 1), (args, p.stderr)
    assert home_b


def test_case_07_deleted_working_directory(box):
    home, cwd = box
    gone = cwd / "d"
    gone.mkdir()
    script = ("import os, subprocess, sys; os.chdir(%r); os.rmdir(%r); "
              "sys.exit(subprocess.run([sys.executable, '-m', 'mfdoctor'] + sys.argv[1:]).returncode)"
              % (str(gone), str(gone)))
    import sys as _sys

    for args in (["lint"], ["check", "--offline"], ["show"], ["lint", "--format", "sarif"]):
        gone.mkdir(exist_ok=True)
        p = subprocess.run([_sys.executable, "-c", script] + args, env=base_env(home),
                           capture_output=True, timeout=30)
        text = (p.stdout + p.stderr).decode()
        assert "Traceback" not in text and "internal error" not in text, text
        assert p.returncode in (0, 1), text
        if args[0] != "show":
            assert p.returncode == 1 and "no longer exists" in text  # Metaflow fails there too


def test_case_08_closed_stdout(box):
    home, cwd = box
    for args in (["show"], ["lint"], ["check", "--offline"], ["show", "--format", "json"]):
        p = subprocess.run("exec %s -m mfdoctor %s >&- 2>err.txt" % (
            __import__("sys").executable, " ".join(args)), shell=True, cwd=str(cwd), env=base_env(home),
            timeout=30)
        err = (cwd / "err.txt").read_text()
        assert "Traceback" not in err and "internal error" not in err, err
        assert p.returncode in (0, 1)
        # stderr closed as well
        p = subprocess.run("exec %s -m mfdoctor %s 2>&- >/dev/null" % (
            __import__("sys").executable, " ".join(args)), shell=True, cwd=str(cwd), env=base_env(home),
            timeout=30)
        assert p.returncode in (0, 1)


def test_case_09_dev_zero_as_config_file(box):
    home, _ = box
    os.symlink("/dev/zero", str(H(home)))
    r = runs(box, [["show"], ["lint"], ["check", "--offline"], ["explain", "USER"]])[0]
    assert "character device" in r.text and str(H(home)) in r.text


# -- hangs -----------------------------------------------------------------------------

def test_case_10_fifo_as_any_config_file(box):
    home, cwd = box
    os.mkfifo(str(H(home)))
    r = runs(box, [["show"], ["lint"], ["check", "--offline"], ["explain", "USER"]])[0]
    assert "named pipe (FIFO)" in r.text and str(H(home)) in r.text
    assert "METAFLOW_DEFAULT_DATASTORE" not in r.text or True
    os.unlink(str(H(home)))
    os.mkfifo(str(home / ".metaflowconfig" / "config_dev.json"))
    (cwd / ".metaflow").mkdir()
    os.mkfifo(str(cwd / ".metaflow" / "config.json"))
    r = runs(box, [["show", "--all"], ["lint"], ["check", "--offline"], ["explain", "USER"]],
             METAFLOW_PROFILE="dev", METAFLOW_USER="bob")[0]
    assert r.text.count("named pipe (FIFO)") == 2
    assert "bob" in r.text  # show still shows the rest
    os.symlink("/dev/urandom", str(home / ".metaflowconfig" / "config.json"))
    runs(box, [["show"], ["lint"]])


def test_case_11_fifo_inside_a_linted_directory(box):
    home, cwd = box
    t = cwd / "t"
    t.mkdir()
    (t / ".env").write_text("METAFLOW_USER=bob\nMETAFLOW_DEFAULT_DATSTORE=x\n")
    for name in ("pipe", "x.env", "a.yaml", "config.json"):
        os.mkfifo(str(t / name))
    r = runs(box, [["lint", "t"], ["lint", "t", "--format", "json"], ["lint", str(t / "x.env")]])
    assert "METAFLOW_DEFAULT_DATSTORE" in r[0].text


def test_case_12_yaml_alias_bomb(box):
    home, cwd = box
    lines = ['a0: &a0 ["METAFLOW_USER=lol"]']
    for i in range(1, 8):
        lines.append("a%d: &a%d [%s]" % (i, i, ",".join(["*a%d" % (i - 1)] * 9)))
    (cwd / "bomb.yaml").write_text("\n".join(lines) + "\n")
    (cwd / "loop.yaml").write_text("a: &a [*a, METAFLOW_USER=x]\n")
    r = runs(box, [["lint", "bomb.yaml"], ["lint", "loop.yaml"], ["lint", "."]])
    assert "alias" in r[0].text


# -- secret leaks ----------------------------------------------------------------------

def test_case_13_check_azure_rejected_service_headers(box):
    home, _ = box
    runs(box, [c for c in COMMANDS] + [["check", "azure", "--offline"], ["check", "azure", "--offline", "--format", "json"]],
         [MARK + "tok"], METAFLOW_SERVICE_HEADERS='{"x-api-key": "MRKtok"')
    H(home).write_text('{"METAFLOW_SERVICE_AUTH_KEY":"k","METAFLOW_SERVICE_HEADERS":["MRK"]}')
    runs(box, COMMANDS + [["check", "azure", "--offline"], ["-v", "check", "azure", "--offline"]], [MARK])


@pytest.mark.parametrize("value", ['["MRKtok"]', '"MRKtok"', "MRKtok"])
def test_case_14_service_headers_of_the_wrong_type(box, value):
    runs(box, COMMANDS + [["explain", "SERVICE_HEADERS", "--format", "json"]], [MARK],
         METAFLOW_SERVICE_HEADERS=value)


def test_case_15_sas_signature_in_a_rejected_sysroot(box):
    env = dict(METAFLOW_DEFAULT_DATASTORE="azure",
               METAFLOW_DATASTORE_SYSROOT_AZURE="https://acct.blob.core.windows.net/c/p?sv=2022&sig=MRKsig")
    runs(box, COMMANDS + [["-v", "check", "--offline"], ["-v", "check", "--offline", "--format", "json"]],
         [MARK], **env)


@pytest.mark.parametrize("url", ["https://:MRK@h/", "https://bob:a/MRK@h/", "https://bob:p@ss@MRK@h/",
                                 "https://MRK@h/", "https://bob:pw%40MRK@h/"])
def test_case_16_url_credentials(box, url):
    runs(box, COMMANDS + [["explain", "SERVICE_URL"], ["explain", "SERVICE_URL", "--format", "json"]],
         [MARK], METAFLOW_SERVICE_URL=url)


def test_case_17_inline_secret_values_in_flow_files(box):
    home, cwd = box
    (cwd / "flow.py").write_text(
        "from metaflow import FlowSpec, step, secrets\n"
        "class F(FlowSpec):\n"
        "    @secrets(sources=[{\"type\":\"inline\",\"id\":\"x\",\"options\":{\"env_vars\":{\"K\":\"MRK\"}}}])\n"
        "    @step\n"
        "    def start(self):\n"
        "        self.next(self.end)\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n")
    runs(box, [["check", "--offline", "--flow", "flow.py"] + f for f in
               ([], ["--format", "json"], ["--format", "sarif"], ["--format", "github"])]
         + [["-v", "check", "--offline", "--flow", "flow.py"]]
         + [["lint", "flow.py"], ["lint", "flow.py", "--format", "json"]], [MARK])


@pytest.mark.parametrize("query", ["?%73ig=MRK", ";sig=MRK", "?SIG=MRK", "?a=1&Sig=MRK", "?s%69g=MRK",
                                   "?%2573ig=MRK", "?x=1&amp;sig=MRK"])
def test_case_18_encoded_and_odd_sas_parameters(box, query):
    runs(box, COMMANDS + [["explain", "AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"]], [MARK],
         METAFLOW_DEFAULT_DATASTORE="azure",
         METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://acct.blob.core.windows.net/" + query)


# -- contract breaks -------------------------------------------------------------------

def test_case_19_nan_is_not_json(box):
    home, _ = box
    H(home).write_text('{"METAFLOW_S3_RETRY_COUNT": NaN, "METAFLOW_USER": [Infinity, -Infinity]}')
    rs = runs(box, [["show", "--all", "--format", "json"], ["explain", "USER", "--format", "json"],
                    ["lint", "--format", "json"], ["lint", "--format", "sarif"]])
    keys = {k["name"]: k for k in json.loads(rs[0].out)["keys"]}
    assert keys["METAFLOW_S3_RETRY_COUNT"]["value"] == "NaN" and keys["METAFLOW_S3_RETRY_COUNT"]["error"]
    assert keys["METAFLOW_USER"]["value"] == ["Infinity", "-Infinity"]


def test_case_20_env_format_is_shell_safe(box, tmp_path):
    home, cwd = box
    for env in (dict(METAFLOW_HOME=str(tmp_path) + "/x\necho INJECTED"),
                dict(METAFLOW_PROFILE="p\necho INJECTED"),
                dict(METAFLOW_USER="a'b\necho INJECTED;$(echo INJECTED)`echo INJECTED`"),
                dict(METAFLOW_SERVICE_AUTH_KEY="MRKkey\necho INJECTED")):
        r = run(["show", "--all", "--format", "env"], base_env(home, **env), cwd)
        check_result(r, [MARK])
        sh = subprocess.run(["sh", "-c", r.out.decode() + "\nenv"], capture_output=True, timeout=10,
                            env={"PATH": os.environ["PATH"]})
        assert b"INJECTED\n" not in sh.stdout.replace(b"echo INJECTED", b""), sh.stdout
        assert sh.returncode == 0, sh.stderr
        if "METAFLOW_SERVICE_AUTH_KEY" in env:
            assert b"export METAFLOW_SERVICE_AUTH_KEY" not in r.out
            assert b"# METAFLOW_SERVICE_AUTH_KEY is set in the environment (secret, not shown)" in r.out
            assert b"METAFLOW_SERVICE_AUTH_KEY=" not in sh.stdout
        if "METAFLOW_USER" in env:
            assert ("METAFLOW_USER=" + env["METAFLOW_USER"]).encode() in sh.stdout


def test_case_21_terminal_escapes_are_escaped(box):
    home, cwd = box
    (cwd / ".metaflow").mkdir()
    (cwd / ".metaflow" / "config.json").write_text(json.dumps({"METAFLOW_USER": "\u001b]0;owned\u0007\u001b[2J\r\x9b"}))
    (cwd / "x.env").write_text("METAFLOW_DEFAULT_DATSTORE=\x1b[2J\n")
    rs = runs(box, COMMANDS + [["lint", "x.env"], ["lint", "x.env", "--format", "github"]])
    assert "\\x1b]0;owned\\x07" in rs[1].text  # show --all: visible, escaped


@pytest.mark.parametrize("args", [["check", "--offline"], ["lint"], ["show", "--all"],
                                  ["check", "--offline", "--format", "json"], ["lint", "--format", "sarif"]])
def test_case_22_closed_pipe_keeps_the_exit_code(box, args):
    home, cwd = box
    env = base_env(home, METAFLOW_USER="bob")
    cmd = " ".join([__import__("sys").executable, "-m", "mfdoctor"] + args)
    codes = {}
    for reader in ("head -1", "cat", "true"):
        p = subprocess.run(["bash", "-c", "set -o pipefail; %s 2>err.txt | %s >/dev/null" % (cmd, reader)],
                           cwd=str(cwd), env=env, timeout=30)
        codes[reader] = p.returncode
        err = (cwd / "err.txt").read_text()
        assert "Traceback" not in err and "rror" not in err, err
    assert codes["head -1"] == codes["cat"] == codes["true"], codes
