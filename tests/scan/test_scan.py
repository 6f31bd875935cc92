"""File scanners: every format's names, values, lines and columns; walking with
git's ignore rules; bad input (binary, huge, non-UTF-8, unreadable, invalid)."""

import json
import os
import subprocess

import pytest

from mfdoctor import scan
from mfdoctor.scan import scan_file, scan_paths, scan_text
from mfdoctor.scan.detect import kind_from_name
from mfdoctor.scan.jsonfile import json_members


def occ(result):
    return [(o.name, o.line, o.column, o.context, o.value if o.has_value else None)
            for o in result.occurrences]


def col_of(text, line, needle):
    return text.splitlines()[line - 1].index(needle) + 1


def test_env_file():
    text = ('METAFLOW_DEFAULT_DATASTORE=azure\n'
            'export METAFLOW_DEBUG_S3CLIENT="no" # comment\n'
            "METAFLOW_USER='a b'\n"
            'METAFLOW_X=plain value # c\n'
            '# METAFLOW_COMMENTED=1\n'
            'METAFLOW_ESC="a\\nb"\n')
    r = scan_text(text, "env", ".env")
    assert occ(r) == [
        ("METAFLOW_DEFAULT_DATASTORE", 1, 1, "env-file", "azure"),
        ("METAFLOW_DEBUG_S3CLIENT", 2, 8, "env-file", "no"),
        ("METAFLOW_USER", 3, 1, "env-file", "a b"),
        ("METAFLOW_X", 4, 1, "env-file", "plain value"),
        # A comment is not a setting.
        ("METAFLOW_ESC", 6, 1, "env-file", "a\nb"),
    ]
    first = r.occurrences[0]
    assert (first.value_line, first.value_column) == (1, 28)


def test_shell_script_and_crlf_is_kept():
    text = ('#!/bin/bash\nexport METAFLOW_A=1 METAFLOW_B="x y"\n'
            'METAFLOW_RUN_MAX_WORKERS=4 python flow.py run\n'
            'echo "$METAFLOW_C" ${METAFLOW_D-default}\n'
            'export METAFLOW_E=$HOME/x\nexport METAFLOW_F=crlf\r\n')
    r = scan_text(text, "shell", "run.sh")
    got = occ(r)
    assert got[:4] == [
        ("METAFLOW_A", 2, 8, "shell", "1"),
        ("METAFLOW_B", 2, 21, "shell", "x y"),
        ("METAFLOW_RUN_MAX_WORKERS", 3, 1, "shell", "4"),
        ("METAFLOW_C", 4, 8, "shell-read", None),
    ]
    # ${X-default} reads X (with a default); it does not set it.
    assert got[4] == ("METAFLOW_D", 4, 22, "shell-read", None)
    # A $-expansion is kept as written, and is the value's template.
    assert got[5] == ("METAFLOW_E", 5, 8, "shell", "$HOME/x")
    assert r.occurrences[5].template == "$HOME"
    # bash keeps the \r of a CRLF line in the value.
    assert got[6] == ("METAFLOW_F", 6, 8, "shell", "crlf\r")


def test_dockerfile_env_arg_and_run():
    text = ("FROM python:3.11\n"
            "ENV METAFLOW_DEFAULT_DATASTORE=azur \\\n"
            "    METAFLOW_USER=\"a b\"\n"
            "env METAFLOW_LEGACY some value\n"
            "ARG METAFLOW_PROFILE\n"
            "ARG METAFLOW_X=1\n"
            "RUN export METAFLOW_Y=2 && python x.py\n")
    r = scan_text(text, "dockerfile", "Dockerfile")
    assert occ(r) == [
        ("METAFLOW_DEFAULT_DATASTORE", 2, 5, "dockerfile-env", "azur"),
        ("METAFLOW_USER", 3, 5, "dockerfile-env", "a b"),
        ("METAFLOW_LEGACY", 4, 5, "dockerfile-env", "some value"),
        ("METAFLOW_PROFILE", 5, 5, "dockerfile-arg", None),
        ("METAFLOW_X", 6, 5, "dockerfile-arg", "1"),
        ("METAFLOW_Y", 7, 12, "shell", "2"),
    ]


YAML = """\
env:
  METAFLOW_DEFAULT_DATASTORE: azure
  "METAFLOW_QUOTED": "q v"
jobs:
  build:
    steps:
      - run: |
          export METAFLOW_RUN_MAX_WORKERS=4
          python flow.py run
---
apiVersion: v1
kind: Pod
spec:
  containers:
    - env:
        - name: METAFLOW_USER
          value: bob
        - name: METAFLOW_FROM_SECRET
          valueFrom: {secretKeyRef: {name: a, key: b}}
        - {name: METAFLOW_FLOW, value: "x"}
services:
  app:
    environment:
      - METAFLOW_LIST=val
      - "METAFLOW_QLIST=v 2"
      - METAFLOW_PASSTHROUGH
  other:
    environment:
      METAFLOW_MAP: 3
      METAFLOW_NULL:
"""


def test_yaml_all_shapes():
    r = scan_text(YAML, "yaml", "x.yaml")
    assert r.problems == []
    got = {o.name: (o.line, o.column, o.context, o.value if o.has_value else None)
           for o in r.occurrences}
    assert got == {
        "METAFLOW_DEFAULT_DATASTORE": (2, 3, "yaml-map", "azure"),
        "METAFLOW_QUOTED": (3, 4, "yaml-map", "q v"),
        "METAFLOW_RUN_MAX_WORKERS": (8, 18, "shell", "4"),
        "METAFLOW_USER": (16, 17, "k8s-env", "bob"),
        "METAFLOW_FROM_SECRET": (18, 17, "k8s-env", None),
        "METAFLOW_FLOW": (20, 18, "k8s-env", "x"),
        "METAFLOW_LIST": (24, 9, "yaml-list", "val"),
        "METAFLOW_QLIST": (25, 10, "yaml-list", "v 2"),
        "METAFLOW_PASSTHROUGH": (26, 9, "mention", None),  # compose: passed from the host
        "METAFLOW_MAP": (29, 7, "yaml-map", "3"),
        "METAFLOW_NULL": (30, 7, "yaml-map", None),
    }
    for o in r.occurrences:  # every position points at the name itself
        assert YAML.splitlines()[o.line - 1][o.column - 1:].startswith(o.name)
    user = [o for o in r.occurrences if o.name == "METAFLOW_USER"][0]
    assert (user.value_line, user.value_column) == (17, 18)


def test_invalid_yaml_falls_back_to_text_with_a_problem():
    r = scan_text("a: [\n  METAFLOW_X: 1\n", "yaml", "bad.yaml")
    assert [(o.name, o.line, o.column) for o in r.occurrences] == [("METAFLOW_X", 2, 3)]
    assert [(p.check, p.severity, p.line) for p in r.problems] == [("lint.parse-error", "warning", 3)]


def test_helm_template_is_not_reported_as_invalid():
    text = "env:\n  {{- if .Values.x }}\n  - name: METAFLOW_USER\n    value: {{ .Values.user }}\n  {{- end }}\n"
    r = scan_text(text, "yaml", "templates/dep.yaml")
    assert r.problems == []
    assert [o.name for o in r.occurrences] == ["METAFLOW_USER"]


def test_json_config_positions_unprefixed_and_duplicates():
    text = ('{\n  "METAFLOW_DEFAULT_DATASTORE": "azure",\n  "DEFAULT_METADATA": "service",\n'
            '  "METAFLOW_SERVICE_HEADERS": {"x": 1},\n  "METAFLOW_DEFAULT_DATASTORE": "s3"\n}\n')
    r = scan_text(text, "json", "/h/.metaflowconfig/config_dev.json")
    assert r.metaflow_config
    assert occ(r) == [
        ("METAFLOW_DEFAULT_DATASTORE", 2, 4, "config-key", "azure"),
        ("METAFLOW_SERVICE_HEADERS", 4, 4, "config-key", {"x": 1}),
        ("METAFLOW_DEFAULT_DATASTORE", 5, 4, "config-key", "s3"),
    ]
    assert r.unprefixed_keys == [("DEFAULT_METADATA", 3, 4, "service")]
    assert r.duplicate_keys == [("METAFLOW_DEFAULT_DATASTORE", 5, 4)]


def test_json_invalid_metaflow_config_is_an_error_with_position():
    r = scan_text('{\n  "METAFLOW_DEFAULT_DATASTORE": "azure",\n}\n', "json", "p/.metaflow/config.json")
    (p,) = r.problems
    assert (p.check, p.severity, p.line, p.column) == ("config.file-invalid", "error", 3, 1)
    # Names are still found by text.
    assert [o.name for o in r.occurrences] == ["METAFLOW_DEFAULT_DATASTORE"]


def test_json_not_an_object():
    r = scan_text('["METAFLOW_X"]', "json", "p/.metaflow/config.json")
    assert [p.check for p in r.problems] == ["config.file-invalid"]


def test_json_other_files_and_nested_maps():
    text = '{"containerEnv": {"METAFLOW_X": "1"}, "runArgs": ["-e", "METAFLOW_Y=2"]}'
    r = scan_text(text, "json", ".devcontainer/devcontainer.json")
    assert not r.metaflow_config
    assert occ(r) == [("METAFLOW_X", 1, 20, "json-key", "1"), ("METAFLOW_Y", 1, 58, "assignment", "2")]


@pytest.mark.parametrize("text", [
    '{}', '[]', '{"a": [1, 2.5, -3e4, true, false, null, "s\\u00e9\\n"]}',
    '{"a": {"b": {"c": {}}}, "d": []}', ' \n{ "k" : "v" , "k2":{"x":[{}]} } \n',
])
def test_json_member_parser_agrees_with_json(text):
    members = json_members(text)
    data = json.loads(text)

    def walk(d, depth, out):
        if isinstance(d, dict):
            for k, v in d.items():
                out.append((depth, k, v))
                walk(v, depth + 1, out)
        elif isinstance(d, list):
            for v in d:
                walk(v, depth + 1, out)
        return out

    assert sorted((m[0], m[1], json.dumps(m[3])) for m in members) == \
        sorted((d, k, json.dumps(v)) for d, k, v in walk(data, 0, []))
    for depth, key, kpos, _, _ in members:
        assert text[kpos] == '"' and json.loads(text[kpos:text.index('"', kpos + 1) + 1]) == key


def test_python_reads_and_sets():
    text = ('import os\nx = os.environ["METAFLOW_A"]\nos.environ["METAFLOW_B"] = "v"\n'
            'os.getenv("METAFLOW_C", "d")\nos.environ.get("METAFLOW_D")\n'
            'os.environ.setdefault("METAFLOW_E", "e")\n'
            'env = {"METAFLOW_F": "f", "METAFLOW_G": 1}\n'
            'subprocess.run(["env", "METAFLOW_H=h"])\n# METAFLOW_I in a comment\n'
            'd = dict(METAFLOW_J="j")\nk = "METAFLOW_K_%s" % x\ns = "é METAFLOW_L"\n')
    r = scan_text(text, "python", "f.py")
    assert occ(r) == [
        ("METAFLOW_A", 2, 17, "python-read", None),
        ("METAFLOW_B", 3, 13, "python-set", "v"),
        ("METAFLOW_C", 4, 12, "python-read", None),
        ("METAFLOW_D", 5, 17, "python-read", None),
        ("METAFLOW_E", 6, 24, "python-set", "e"),
        ("METAFLOW_F", 7, 9, "python-set", "f"),
        ("METAFLOW_G", 7, 28, "python-set", 1),
        ("METAFLOW_H", 8, 25, "assignment", "h"),
        # A comment, a bare dict(...) (not an environment) and a message are not settings;
        # METAFLOW_K_%s is a prefix being built, not a name.
    ]


def test_python_syntax_error_falls_back_to_accesses_by_text():
    r = scan_text('print "METAFLOW_X"\nos.environ["METAFLOW_Y"] = "1"\n', "python", "old.py")
    assert [(o.name, o.line, o.column) for o in r.occurrences] == [("METAFLOW_Y", 2, 13)]
    assert [p.check for p in r.problems] == ["lint.parse-error"]


def test_names_glued_to_identifiers_are_not_names():
    r = scan_text("MY_METAFLOW_X=1 METAFLOW_Y=2 xMETAFLOW_Z METAFLOW_lower", "text", "t")
    assert [o.name for o in r.occurrences] == ["METAFLOW_Y"]


def test_suppression_comments():
    text = ("METAFLOW_FOO=1  # mfdoctor: ignore[config.unknown-name]\n"
            "# mfdoctor: ignore\n"
            "METAFLOW_BAR=1\n"
            "METAFLOW_BAZ=1\n"
            "METAFLOW_Q=1 # mfdoctor: ignore[config.invalid-value, config]\n")
    r = scan_text(text, "env", ".env")
    assert r.suppressed("config.unknown-name", 1)
    assert not r.suppressed("config.invalid-value", 1)
    assert r.suppressed("config.anything", 3)  # own-line comment covers the next line
    assert not r.suppressed("config.unknown-name", 4)
    assert r.suppressed("config.unknown-name", 5)  # prefix "config"


@pytest.mark.parametrize("name,kind", [
    (".env", "env"), (".env.local", "env"), ("prod.env", "env"), ("Dockerfile", "dockerfile"),
    ("Dockerfile.gpu", "dockerfile"), ("api.dockerfile", "dockerfile"), ("Containerfile", "dockerfile"),
    ("run.sh", "shell"), (".bashrc", "shell"), ("ci.yml", "yaml"), ("values.yaml", "yaml"),
    ("config.json", "json"), ("flow.py", "python"), ("README.md", None), ("env.py", "python"),
])
def test_kind_from_name(name, kind):
    assert kind_from_name(name) == kind


# -- files on disk ---------------------------------------------------------------

def test_bad_files_never_raise(tmp_path, monkeypatch):
    (tmp_path / "bin.env").write_bytes(b"METAFLOW_X=1\0\1\2")
    (tmp_path / "latin.env").write_bytes("METAFLOW_USER=caf\xe9\n".encode("latin-1"))
    (tmp_path / "dangling.env").symlink_to(tmp_path / "nowhere")
    (tmp_path / "dir.env").mkdir()
    (tmp_path / "empty.env").write_bytes(b"")
    os.mkfifo(str(tmp_path / "fifo.env"))
    big = tmp_path / "big.yaml"
    big.write_bytes(b"METAFLOW_X: 1\n" + b"#" * 100)
    monkeypatch.setattr(scan, "MAX_BYTES", 50)
    r = scan_file(str(tmp_path / "bin.env"), explicit=True)
    assert r.kind == "skipped" and r.problems[0].check == "lint.file-skipped"
    r = scan_file(str(tmp_path / "latin.env"), explicit=True)
    assert [(p.check, p.line, p.column) for p in r.problems] == [("lint.file-encoding", 1, 18)]
    assert r.occurrences[0].value == "caf\ufffd"
    r = scan_file(str(tmp_path / "dangling.env"), explicit=True)
    assert r.problems[0].check == "lint.file-skipped" and "cannot read" in r.problems[0].message
    assert scan_file(str(tmp_path / "dir.env"), explicit=True) is None
    assert scan_file(str(tmp_path / "empty.env"), explicit=True) is None
    r = scan_file(str(tmp_path / "fifo.env"), explicit=True)
    assert r.problems[0].check == "lint.file-skipped" and "regular" in r.problems[0].message
    r = scan_file(str(big), explicit=True)
    assert r.problems[0].check == "lint.file-skipped" and "limit" in r.problems[0].message


def test_non_utf8_metaflow_config_is_an_error(tmp_path):
    d = tmp_path / ".metaflow"
    d.mkdir()
    (d / "config.json").write_bytes(b'{"METAFLOW_USER": "caf\xe9"}')
    r = scan_file(str(d / "config.json"))
    assert r.problems[0].check == "config.file-invalid" and r.problems[0].severity == "error"


def _git(cwd, *args):
    subprocess.run(["git", "-C", str(cwd)] + list(args), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _tree(root):
    (root / "app").mkdir(parents=True)
    (root / "app" / ".env").write_text("METAFLOW_DEFAULT_DATASTORE=azure\n")
    (root / "app" / "notes.md").write_text("METAFLOW_IN_DOCS=1\n")  # not a linted type
    (root / "build").mkdir()
    (root / "build" / "gen.env").write_text("METAFLOW_IGNORED=1\n")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "x.json").write_text('{"METAFLOW_NODE": 1}')
    (root / ".metaflow").mkdir()
    (root / ".metaflow" / "config.json").write_text('{"DEFAULT_DATASTORE": "local"}')
    (root / "tool").write_text("#!/bin/sh\nexport METAFLOW_SCRIPT=1\n")
    (root / ".gitignore").write_text("build/\n")


def test_walk_in_git_honours_gitignore(tmp_path):
    _tree(tmp_path)
    _git(tmp_path, "init", "-q")
    results, missing = scan_paths([str(tmp_path)])
    files = sorted(os.path.relpath(r.path, tmp_path) for r in results)
    # build/ is ignored by .gitignore; node_modules is not (git decides, not us);
    # the config file is listed though it holds no METAFLOW_ text.
    assert files == [".metaflow/config.json", "app/.env", "node_modules/x.json", "tool"]
    assert missing == []


def test_walk_outside_git_skips_vcs_and_cache_dirs(tmp_path):
    _tree(tmp_path)
    results, _ = scan_paths([str(tmp_path)])
    files = sorted(os.path.relpath(r.path, tmp_path) for r in results)
    assert files == [".metaflow/config.json", "app/.env", "build/gen.env", "tool"]


def test_explicit_files_of_any_type_and_missing_paths(tmp_path):
    (tmp_path / "notes.md").write_text("set METAFLOW_DEFAULT_DATASTORE=azure\n")
    results, missing = scan_paths([str(tmp_path / "notes.md"), str(tmp_path / "nope")])
    assert [(o.name, o.value) for o in results[0].occurrences] == [("METAFLOW_DEFAULT_DATASTORE", "azure")]
    assert missing == [str(tmp_path / "nope")]


def test_walk_without_grep_reads_files_itself(tmp_path, monkeypatch):
    from mfdoctor.scan import walk

    _tree(tmp_path)
    _git(tmp_path, "init", "-q")
    monkeypatch.setattr(walk.shutil, "which", lambda name: None)
    results, _ = scan_paths([str(tmp_path)])
    files = sorted(os.path.relpath(r.path, tmp_path) for r in results)
    assert files == [".metaflow/config.json", "app/.env", "node_modules/x.json", "tool"]


def test_walk_with_a_grep_that_rejects_the_options_falls_back(tmp_path, monkeypatch):
    from mfdoctor.scan import walk

    _tree(tmp_path)
    fake = tmp_path / "fakebin"
    fake.mkdir()
    (fake / "grep").write_text("#!/bin/sh\necho 'grep: unrecognized option' >&2\nexit 2\n")
    (fake / "grep").chmod(0o755)
    monkeypatch.setattr(walk.shutil, "which", lambda name: str(fake / "grep"))
    results, _ = scan_paths([str(tmp_path / "app"), str(tmp_path / "tool")])
    assert sorted(os.path.basename(r.path) for r in results) == [".env", "tool"]


def test_walked_non_utf8_file_is_still_linted(tmp_path):
    # grep runs with LC_ALL=C: invalid UTF-8 is not "binary" to it.
    (tmp_path / "latin.env").write_bytes("METAFLOW_USER=caf\xe9\n".encode("latin-1"))
    (tmp_path / "bin.env").write_bytes(b"METAFLOW_X=1\0\1")
    results, _ = scan_paths([str(tmp_path)])
    assert [(os.path.basename(r.path), [p.check for p in r.problems]) for r in results] == \
        [("latin.env", ["lint.file-encoding"])]


@pytest.mark.parametrize("name,kept", [
    ("README.md", False), ("data.csv", False), ("image.png", False), ("setup.cfg", False),
    ("app/.env", True), ("flow.py", True), ("bin/tool", True), ("Makefile", True),
])
def test_walk_keeps_known_types_and_extensionless_files(name, kept):
    from mfdoctor.scan.walk import wanted

    assert (wanted([name]) == [name]) is kept


def test_many_files_use_the_pool_and_keep_results(tmp_path):
    from mfdoctor.scan import scan_files

    files = []
    for i in range(1600):
        f = tmp_path / ("f%04d.env" % i)
        f.write_text("METAFLOW_X%d=1\n" % (i % 7) if i % 100 == 0 else "A=1\n")
        files.append((str(f), False))
    results = scan_files(files, jobs=2)
    assert [os.path.basename(r.path) for r in results] == ["f%04d.env" % i for i in range(0, 1600, 100)]
    assert all(r.occurrences for r in results)


def test_thousands_of_files_in_a_directory(tmp_path):
    for i in range(3000):
        (tmp_path / ("f%04d.sh" % i)).write_text("export METAFLOW_USER=u%d\n" % i if i % 300 == 0 else "x=1\n")
    results, _ = scan_paths([str(tmp_path)])
    assert len(results) == 10


def test_the_walk_keeps_exactly_the_files_kind_from_name_reads():
    """walk.wanted answers once per extension for speed; it must keep exactly the files
    detect.kind_from_name reads (and extensionless ones), whatever the name looks like,
    in any order (a first name with an extension must not decide for the others)."""
    from mfdoctor.scan.walk import wanted

    stems = ["app", "Dockerfile", "dockerfile.dev", "Containerfile", ".env", "env", "env.prod",
             ".env.local", "Tiltfile", "tiltfile.dev", "Makefile", "GNUmakefile", "justfile",
             ".justfile", "tox", ".bashrc", ".bash_profile", ".profile", ".zshrc", "main.tf",
             "vars.tfvars", "README", "x.dockerfile", "ci.containerfile", "deploy"]
    exts = ["", ".py", ".json", ".yaml", ".yml", ".sh", ".env", ".md", ".csv", ".ini", ".txt",
            ".tf", ".tfvars", ".tftpl", ".tpl", ".mk", ".just", ".dockerfile", ".PY", ".Json"]
    names = ["d/%s%s" % (s, e) for s in stems for e in exts] + ["d/tox.ini", "d/.envrc", "d/.zshenv"]
    expected = [p for p in names if kind_from_name(p) is not None or "." not in p.rsplit("/", 1)[1]]
    assert wanted(names) == expected
    assert wanted(list(reversed(names))) == list(reversed(expected))
    assert len(expected) > 100 and len(expected) < len(names)  # both sides are exercised
