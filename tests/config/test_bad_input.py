"""Bad input (issue 2 §6): broken config files never crash mfdoctor, never hide the rest.

Each case is checked the same way:
  * `mfdoctor show --all --format json` exits 0 with valid JSON and every key still listed
    (the broken file counts as empty, the other layers still apply), no traceback;
  * a problem names the file (and line/column where that makes sense), in JSON and in
    the table output;
  * the real Metaflow, imported with the same environment, confirms the premise (it
    fails at import, or silently skips what mfdoctor warns about);
  * mfdoctor wrote nothing: every file and directory under the test tree (HOME,
    METAFLOW_HOME, the project) has the same type, mode, size, mtime and content after
    each run, and nothing new appeared.

Unreadable files: the tests run as root, for whom chmod 000 changes nothing. They
drop to uid/gid 65534 (nobody) with `setpriv` for the mfdoctor and Metaflow
subprocesses, on a tree made world-traversable. Where that is impossible (no setpriv)
those cases are skipped with the reason; a non-root run just uses chmod. The
"config.json is a directory" cases need no privileges and always run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile

import pytest

try:
    from . import oracle
except ImportError:
    import oracle

SHOW_JSON = ("show", "--all", "--format", "json")


# --------------------------------------------------------------------------------------
# A test tree: HOME, the profile directory, a project with cwd two levels down.
# --------------------------------------------------------------------------------------


def snapshot(root: str) -> dict:
    """Everything observable about the files under `root` (without following links)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            entry = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_size, st.st_mtime_ns)
            if stat.S_ISLNK(st.st_mode):
                entry += (os.readlink(path),)
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:  # root reads even chmod 000 files
                    entry += (hashlib.sha256(f.read()).hexdigest(),)
            out[os.path.relpath(path, root)] = entry
    return out


class Tree:
    def __init__(self, root: str, cache_dir: str):
        self.root = root
        self.home = os.path.join(root, "home")
        self.mfhome = os.path.join(self.home, ".metaflowconfig")
        self.proj = os.path.join(root, "proj")
        self.cwd = os.path.join(self.proj, "a", "b")
        for d in (self.mfhome, self.cwd):
            os.makedirs(d)
        self.env = oracle.base_env(self.home, cache_dir)

    def path(self, *parts) -> str:
        return os.path.join(self.root, *parts)

    def write(self, path: str, data) -> str:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not isinstance(data, (bytes, str)):
            data = json.dumps(data, indent=2)
        with open(path, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    def profile_file(self, data, name: str = "config.json") -> str:
        return self.write(os.path.join(self.mfhome, name), data)

    def local_file(self, data, where: str = None) -> str:
        return self.write(os.path.join(where or self.proj, ".metaflow", "config.json"), data)

    def mfdoctor(self, *args, env=None, prefix=()) -> oracle.MfdoctorRun:
        """Run mfdoctor and check that it changed nothing on disk."""
        before = snapshot(self.root)
        run = oracle.run_mfdoctor(list(args or SHOW_JSON), env or self.env, self.cwd, prefix=prefix)
        after = snapshot(self.root)
        changed = {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                   if before.get(k) != after.get(k)}
        assert not changed, "mfdoctor %s changed files on disk: %s" % (" ".join(args), changed)
        assert "Traceback" not in run.stderr, run.stderr
        return run

    def metaflow(self, env=None, prefix=()) -> oracle.OracleResult:
        return oracle.run_oracle(env or self.env, self.cwd, prefix=prefix)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("mfd-cache"))


@pytest.fixture
def tree(tmp_path, cache_dir):
    return Tree(str(tmp_path / "t"), cache_dir)


@pytest.fixture(scope="module")
def all_keys(tmp_path_factory, cache_dir):
    """The key names `show --all` lists with no config at all."""
    t = Tree(str(tmp_path_factory.mktemp("baseline") / "t"), cache_dir)
    run = t.mfdoctor(*SHOW_JSON)
    assert run.returncode == 0, run.stderr
    return {k["name"] for k in run.json()["keys"]}


def shown(run: oracle.MfdoctorRun, all_keys: set) -> dict:
    """Parse show's JSON and check that every key is still there."""
    assert run.returncode == 0, run.stderr
    doc = run.json()
    keys = {k["name"]: k for k in doc["keys"]}
    assert set(keys) == all_keys, "keys missing: %s" % sorted(all_keys - set(keys))
    return {"doc": doc, "keys": keys}


def problems(doc: dict, check: str = None) -> list:
    return [p for p in doc.get("problems", []) if check is None or p["check"] == check]


def same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


# --------------------------------------------------------------------------------------
# Invalid JSON: file, line and column; everything else still shown.
# --------------------------------------------------------------------------------------

BROKEN_JSON = '{\n  "METAFLOW_DEFAULT_DATASTORE": "azure",\n  "METAFLOW_USER": \'alice\'\n}\n'


@pytest.mark.parametrize("which", ["profile", "local"])
def test_invalid_json_names_file_line_and_column(tree, all_keys, which):
    other = "local" if which == "profile" else "profile"
    bad = tree.profile_file(BROKEN_JSON) if which == "profile" else tree.local_file(BROKEN_JSON)
    good = (tree.local_file if other == "local" else tree.profile_file)({"METAFLOW_DEFAULT_METADATA": "service"})
    tree.env["METAFLOW_DATASTORE_SYSROOT_AZURE"] = "container/prefix"
    with pytest.raises(json.JSONDecodeError) as where:
        json.loads(BROKEN_JSON)
    line, col = where.value.lineno, where.value.colno

    truth = tree.metaflow()
    assert not truth.ok and "JSONDecodeError" in truth.error, "premise: Metaflow fails at import"

    out = shown(tree.mfdoctor(*SHOW_JSON), all_keys)
    found = problems(out["doc"], "config.file-invalid")
    assert len(found) == 1, out["doc"]["problems"]
    p = found[0]
    assert p["severity"] == "error"
    assert same_file(p["location"]["path"], bad)
    assert (p["location"]["line"], p["location"]["column"]) == (line, col)
    assert bad in p["message"] and "line %d" % line in p["message"] and "column %d" % col in p["message"]
    # The rest still resolves: the other file and the environment.
    keys = out["keys"]
    assert keys["METAFLOW_DEFAULT_METADATA"]["value"] == "service"
    assert keys["METAFLOW_DEFAULT_METADATA"]["source"] == other
    assert same_file(keys["METAFLOW_DEFAULT_METADATA"]["origin"], good)
    assert keys["METAFLOW_DATASTORE_SYSROOT_AZURE"]["source"] == "env"
    assert keys["METAFLOW_DEFAULT_DATASTORE"]["source"] == "default"  # the broken file counts as empty
    assert not any(k.get("error") for k in keys.values())

    table = tree.mfdoctor("show", "--all")
    assert table.returncode == 0, table.stderr
    text = table.stdout + table.stderr
    assert bad in text and "line %d" % line in text and "column %d" % col in text
    assert "METAFLOW_DEFAULT_METADATA" in table.stdout and "service" in table.stdout


# --------------------------------------------------------------------------------------
# METAFLOW_PROFILE naming a profile that does not exist.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["env", "option"])
def test_missing_profile_lists_existing_ones_with_did_you_mean(tree, all_keys, how):
    for name in ("dev", "prod", "staging"):
        tree.profile_file({"METAFLOW_USER": name}, "config_%s.json" % name)
    tree.profile_file({"METAFLOW_USER": "default"})
    tree.local_file({"METAFLOW_DEFAULT_DATASTORE": "local"})
    env = dict(tree.env, METAFLOW_PROFILE="prdo")
    truth = tree.metaflow(env)
    assert not truth.ok and "Unable to locate METAFLOW_PROFILE" in truth.error

    if how == "env":
        run = tree.mfdoctor(*SHOW_JSON, env=env)
    else:
        run = tree.mfdoctor("--profile", "prdo", *SHOW_JSON)
    out = shown(run, all_keys)
    found = problems(out["doc"], "config.profile-missing")
    assert len(found) == 1, out["doc"]["problems"]
    p = found[0]
    assert p["severity"] == "error"
    assert p["suggestion"] == "prod"
    for name in ("dev", "prod", "staging"):
        assert name in p["message"]
    assert "config_prdo.json" in p["message"]
    assert out["doc"]["files"]["profile"]["exists"] is False
    # The local file still applies; nothing comes from a profile file.
    keys = out["keys"]
    assert keys["METAFLOW_DEFAULT_DATASTORE"]["source"] == "local"
    assert keys["METAFLOW_USER"]["source"] != "profile"

    table = tree.mfdoctor(*(("show", "--all") if how == "env" else ("--profile", "prdo", "show", "--all")),
                          env=env if how == "env" else None)
    assert table.returncode == 0, table.stderr
    text = table.stdout + table.stderr
    assert "prod" in text and "staging" in text and "prdo" in text


def test_missing_profile_when_there_are_none(tree, all_keys):
    env = dict(tree.env, METAFLOW_PROFILE="dev")
    assert not tree.metaflow(env).ok
    out = shown(tree.mfdoctor(*SHOW_JSON, env=env), all_keys)
    p = problems(out["doc"], "config.profile-missing")
    assert len(p) == 1 and p[0]["suggestion"] is None
    assert "none" in p[0]["message"].lower()


# --------------------------------------------------------------------------------------
# Unreadable files and directories.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["profile", "local"])
def test_config_json_that_is_a_directory(tree, all_keys, which):
    path = os.path.join(tree.mfhome if which == "profile" else os.path.join(tree.proj, ".metaflow"),
                        "config.json")
    os.makedirs(path)
    tree.env["METAFLOW_USER"] = "carol"
    truth = tree.metaflow()
    assert not truth.ok and "IsADirectoryError" in truth.error

    out = shown(tree.mfdoctor(*SHOW_JSON), all_keys)
    found = problems(out["doc"], "config.file-invalid")
    assert len(found) == 1 and found[0]["severity"] == "error", out["doc"]["problems"]
    assert path in found[0]["message"] and "directory" in found[0]["message"]
    assert out["keys"]["METAFLOW_USER"]["value"] == "carol"


def _as_nobody():
    """A command prefix that drops root for a subprocess, or a reason why we cannot."""
    if os.geteuid() != 0:
        return (), None  # chmod works for us as we are
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None, "running as root and setpriv is not installed: cannot make a file unreadable"
    return (setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"), None


@pytest.fixture
def open_tree(cache_dir):
    """A tree the unprivileged user can walk (pytest's tmp dirs are 0700 for root)."""
    root = tempfile.mkdtemp(prefix="mfd-bad-")
    os.chmod(root, 0o755)
    cache = tempfile.mkdtemp(prefix="mfd-cache-")
    os.chmod(cache, 0o777)
    t = Tree(os.path.join(root, "t"), cache)
    for d in (t.root, t.home, t.mfhome, t.proj, os.path.dirname(t.cwd), t.cwd):
        os.chmod(d, 0o755)
    yield t
    for dirpath, dirnames, _ in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)


@pytest.mark.parametrize("which", ["profile", "local"])
def test_unreadable_config_file(open_tree, all_keys, which):
    prefix, why = _as_nobody()
    if prefix is None:
        pytest.skip(why)
    t = open_tree
    path = t.profile_file({"METAFLOW_USER": "x"}) if which == "profile" else t.local_file({"METAFLOW_USER": "x"})
    os.chmod(os.path.dirname(path), 0o755)
    os.chmod(path, 0o000)
    t.env["METAFLOW_DEFAULT_DATASTORE"] = "s3"
    truth = t.metaflow(prefix=prefix)
    assert not truth.ok and "PermissionError" in truth.error, truth

    out = shown(t.mfdoctor(*SHOW_JSON, prefix=prefix), all_keys)
    found = problems(out["doc"], "config.file-invalid")
    assert len(found) == 1 and found[0]["severity"] == "error", out["doc"]["problems"]
    assert path in found[0]["message"]
    assert "ermission" in found[0]["message"]  # "Permission denied"
    assert out["keys"]["METAFLOW_DEFAULT_DATASTORE"]["value"] == "s3"
    assert out["keys"]["METAFLOW_USER"]["source"] not in ("local", "profile")


@pytest.mark.parametrize("which", ["metaflow_home", "dot_metaflow"])
def test_unreadable_directory(open_tree, all_keys, which):
    """Metaflow cannot look inside: it silently uses no file. mfdoctor says why."""
    prefix, why = _as_nobody()
    if prefix is None:
        pytest.skip(why)
    t = open_tree
    if which == "metaflow_home":
        t.profile_file({"METAFLOW_USER": "hidden"})
        locked = t.mfhome
    else:
        t.local_file({"METAFLOW_USER": "hidden"})
        locked = os.path.join(t.proj, ".metaflow")
    os.chmod(locked, 0o000)
    truth = t.metaflow(prefix=prefix)
    assert truth.ok and truth.values["METAFLOW_USER"] is None, "premise: Metaflow silently skips it"

    run = t.mfdoctor(*SHOW_JSON, prefix=prefix)
    out = shown(run, all_keys)
    assert out["keys"]["METAFLOW_USER"]["value"] is None  # as Metaflow sees it
    mentioned = [p for p in out["doc"].get("problems", []) if locked in p["message"]]
    assert mentioned, "no problem names the unreadable directory %s: %s" % (locked, out["doc"].get("problems"))


# --------------------------------------------------------------------------------------
# JSON that is not an object; bytes that are not UTF-8.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["profile", "local"])
@pytest.mark.parametrize("text", ['["METAFLOW_USER", "x"]', '"METAFLOW_USER=x"', "null", "42"],
                         ids=["array", "string", "null", "number"])
def test_json_that_is_not_an_object(tree, all_keys, which, text):
    path = tree.profile_file(text) if which == "profile" else tree.local_file(text)
    tree.env["METAFLOW_USER"] = "dave"
    assert not tree.metaflow().ok, "premise: Metaflow fails at import"

    out = shown(tree.mfdoctor(*SHOW_JSON), all_keys)
    found = problems(out["doc"], "config.file-invalid")
    assert len(found) == 1 and found[0]["severity"] == "error", out["doc"]["problems"]
    assert path in found[0]["message"] and "object" in found[0]["message"]
    assert out["keys"]["METAFLOW_USER"]["value"] == "dave"


@pytest.mark.parametrize("which", ["profile", "local"])
def test_non_utf8_bytes(tree, all_keys, which):
    data = b'{\n  "METAFLOW_DEFAULT_DATASTORE": "s3",\n  "METAFLOW_USER": "caf\xe9"\n}\n'  # Latin-1
    path = tree.profile_file(data) if which == "profile" else tree.local_file(data)
    truth = tree.metaflow()
    assert not truth.ok and "UnicodeDecodeError" in truth.error

    out = shown(tree.mfdoctor(*SHOW_JSON), all_keys)
    found = problems(out["doc"], "config.file-invalid")
    assert len(found) == 1 and found[0]["severity"] == "error", out["doc"]["problems"]
    p = found[0]
    assert path in p["message"] and "UTF-8" in p["message"]
    assert (p["location"]["line"], p["location"]["column"]) == (3, 24)  # where the 0xe9 byte is
    assert out["keys"]["METAFLOW_DEFAULT_DATASTORE"]["source"] == "default"

    table = tree.mfdoctor("show", "--all")
    assert table.returncode == 0 and path in table.stdout + table.stderr


# --------------------------------------------------------------------------------------
# Symlink loops on the way up to .metaflow/.
# --------------------------------------------------------------------------------------


def test_symlink_loop_on_the_way_up(tree, all_keys):
    """cwd/.metaflow and a/.metaflow are symlink loops; proj/.metaflow is the real one."""
    far = tree.local_file({"METAFLOW_USER": "from-proj"})
    os.symlink(".metaflow", os.path.join(tree.cwd, ".metaflow"))  # points at itself
    a = os.path.dirname(tree.cwd)
    os.symlink("loop2", os.path.join(a, ".metaflow"))
    os.symlink(".metaflow", os.path.join(a, "loop2"))
    truth = tree.metaflow()
    assert truth.ok and truth.values["METAFLOW_USER"] == "from-proj", "premise: Metaflow skips loops"

    out = shown(tree.mfdoctor(*SHOW_JSON), all_keys)
    user = out["keys"]["METAFLOW_USER"]
    assert (user["value"], user["source"]) == ("from-proj", "local")
    assert same_file(out["doc"]["files"]["local"]["path"], far)
    warned = [p for p in out["doc"]["problems"] if p["severity"] == "warning"]
    for loop in (os.path.join(tree.cwd, ".metaflow"), os.path.join(a, ".metaflow")):
        assert any(loop in p["message"] for p in warned), (loop, out["doc"]["problems"])
    assert not [p for p in out["doc"]["problems"] if p["severity"] == "error"]

    table = tree.mfdoctor("show", "--all")
    assert table.returncode == 0 and "from-proj" in table.stdout


def test_config_json_that_is_a_symlink_loop(tree, all_keys):
    """`.metaflow/config.json` loops: Metaflow's exists() is False, so it reads nothing."""
    d = os.path.join(tree.proj, ".metaflow")
    os.makedirs(d)
    os.symlink("config.json", os.path.join(d, "config.json"))
    tree.profile_file({"METAFLOW_USER": "from-profile"})
    truth = tree.metaflow()
    assert truth.ok and truth.values["METAFLOW_USER"] == "from-profile"
    out = shown(tree.mfdoctor(*SHOW_JSON), all_keys)
    assert out["keys"]["METAFLOW_USER"]["value"] == "from-profile"
    assert out["keys"]["METAFLOW_USER"]["source"] == "profile"


# --------------------------------------------------------------------------------------
# mfdoctor never writes to a config file.
# --------------------------------------------------------------------------------------


def test_never_writes_to_config_files(tree):
    """Every command, on a full setup: nothing under HOME, METAFLOW_HOME or the project
    changes (each `tree.mfdoctor` call compares a full snapshot before and after)."""
    tree.profile_file({"METAFLOW_DEFAULT_DATASTORE": "azure",
                       "METAFLOW_SERVICE_AUTH_KEY": "sk-never-printed-1234"})
    tree.profile_file({"METAFLOW_USER": "dev-user"}, "config_dev.json")
    tree.local_file({"METAFLOW_DATASTORE_SYSROOT_AZURE": "container/prefix"})
    tree.env["METAFLOW_DEFAULT_METADATA"] = "local"
    before = sorted(os.listdir(tree.mfhome))
    for args in (SHOW_JSON, ("show",), ("show", "--all"), ("show", "--format", "env"),
                 ("show", "AZURE*"), ("explain", "DATASTORE_SYSROOT_AZURE"),
                 ("explain", "--format", "json", "SERVICE_AUTH_KEY"), ("explain", "DEFAULT_DATSTORE"),
                 ("--profile", "dev", "show", "--all"), ("--profile", "nope", "show"), ("--version",)):
        run = tree.mfdoctor(*args)
        assert run.returncode in (0, 1), (args, run.stderr)
        assert "sk-never-printed-1234" not in run.stdout + run.stderr, args
    assert sorted(os.listdir(tree.mfhome)) == before
