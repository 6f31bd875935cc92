"""Names, labelled by the real Metaflow.

The valid set is computed from the installed Metaflow in a subprocess: every
key `from_conf` resolved (`metaflow_config_funcs._all_configs` after
`import metaflow.plugins`), every option of its flow CLI as click's
auto-envvar (`METAFLOW_<COMMAND>_<OPTION>`, hyphens as underscores, as click
7 builds them) or explicit envvar, and every complete `"METAFLOW_..."` string
literal in its source. A new Metaflow release that adds names therefore
cannot silently break the lint: no valid name may be flagged, and generated
typos of real keys must be flagged with the intended name as suggestion.
"""

import json
import random
import subprocess

import pytest

from env_helpers import PYTHON, clean_env, resolve_in

ORACLE = r'''
import json, os, re
import metaflow
import metaflow.plugins
from metaflow.metaflow_config_funcs import _all_configs
from metaflow import cli
from metaflow._vendor import click


def walk(cmd, prefix, out):
    for p in cmd.params:
        if isinstance(p, click.Option):
            if p.envvar:
                out.update([p.envvar] if isinstance(p.envvar, str) else list(p.envvar))
            if p.name:
                out.add("%s_%s" % (prefix, p.name.upper()))
    if isinstance(cmd, click.MultiCommand):
        ctx = click.Context(cmd, info_name="flow")
        for sub in cmd.list_commands(ctx):
            try:
                c = cmd.get_command(ctx, sub)
            except Exception:
                continue
            if c is not None:
                walk(c, ("%s_%s" % (prefix, sub.upper())).replace("-", "_"), out)
    return out


pkg = os.path.dirname(metaflow.__file__)
lit = re.compile(r"""["'](METAFLOW_[A-Z0-9_]*[A-Z0-9])["']""")
source = set()
for d, _, files in os.walk(pkg):
    if "_vendor" in d:
        continue
    for f in files:
        if f.endswith(".py"):
            with open(os.path.join(d, f), encoding="utf-8", errors="replace") as fh:
                source.update(lit.findall(fh.read()))
print(json.dumps({"config": sorted(_all_configs), "cli": sorted(walk(cli.start, "METAFLOW", set())),
                  "source": sorted(source)}))
'''


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    home = tmp_path_factory.mktemp("oracle-home")
    p = subprocess.run([PYTHON, "-c", ORACLE], env=clean_env(home), cwd=str(home),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout.strip().splitlines()[-1])
    assert len(data["config"]) > 100 and len(data["cli"]) > 50
    data["all"] = sorted(set(data["config"]) | set(data["cli"]) | set(data["source"]))
    return data


def _unknown(findings):
    return sorted({f.key for f in findings if f.check == "config.unknown-name" and f.severity == "error"})


def test_no_valid_name_is_flagged_in_files(oracle, tmp_path, home):
    from mfdoctor.checks.lint import run_lint

    names = oracle["all"]
    (tmp_path / "names.sh").write_text("".join('echo "$%s"\n' % n for n in names))
    (tmp_path / "values.env").write_text("".join("%s=1\n" % n for n in names))
    res = resolve_in(home, tmp_path)
    findings = run_lint([str(tmp_path / "names.sh"), str(tmp_path / "values.env")], res=res)
    assert _unknown(findings) == []
    ok = [f for f in findings if f.check == "config.unknown-name"]
    assert [f.severity for f in ok] == ["ok"]


def test_no_valid_name_is_flagged_in_the_environment(oracle, tmp_path, home):
    from mfdoctor.checks.lint import run_lint

    env = {n: "1" for n in oracle["all"]}
    env.pop("METAFLOW_PROFILE", None)  # would point at a missing profile file
    env.pop("METAFLOW_HOME", None)
    res = resolve_in(home, tmp_path, **env)
    assert _unknown(run_lint(None, res=res)) == []


def test_config_file_keys_metaflow_reads_are_not_reported_as_ignored(oracle, tmp_path, home):
    """Every from_conf key is read from config files: none is `ignored-key`."""
    from mfdoctor.checks.lint import run_lint

    cfg = {n: "x" for n in oracle["config"]}
    (home / ".metaflowconfig" / "config.json").write_text(json.dumps(cfg, indent=1))
    res = resolve_in(home, tmp_path)
    findings = run_lint(None, res=res)
    assert _unknown(findings) == []
    assert [f.key for f in findings if f.check == "config.ignored-key"] == []


def _typos(keys, seed=11):
    rng = random.Random(seed)
    out = []
    for key in keys:
        body = key[len("METAFLOW_"):]
        for kind in ("dropped", "doubled", "swapped"):
            for _ in range(10):  # find a position where the edit changes the name
                i = rng.randrange(len(body) - (1 if kind == "swapped" else 0))
                if kind == "dropped":
                    t = body[:i] + body[i + 1:]
                elif kind == "doubled":
                    t = body[:i] + body[i] + body[i:]
                else:
                    t = body[:i] + body[i + 1] + body[i] + body[i + 2:]
                if t != body and t.strip("_") and "__" not in t.strip("_") and not t.endswith("_"):
                    out.append(("METAFLOW_" + t, key, kind))
                    break
    return out


def test_generated_typos_are_flagged_with_the_intended_name(oracle, tmp_path, home, record_property):
    from mfdoctor.checks.lint import run_lint

    valid = set(oracle["all"])
    # Typos that happen to be another valid name are valid names.
    typos = [t for t in _typos(oracle["config"]) if t[0] not in valid]
    assert len(typos) > 300
    (tmp_path / "typos.env").write_text("".join("%s=1\n" % t for t, _, _ in typos))
    res = resolve_in(home, tmp_path)
    findings = [f for f in run_lint([str(tmp_path / "typos.env")], res=res)
                if f.check == "config.unknown-name" and f.severity == "error"]
    by_line = {f.location.line: f for f in findings}
    assert len(by_line) == len(typos), "every typo is flagged"
    hits = {"dropped": [0, 0], "doubled": [0, 0], "swapped": [0, 0]}
    misses = []
    for line, (typo, key, kind) in enumerate(typos, start=1):
        f = by_line[line]
        assert f.key == typo
        hits[kind][1] += 1
        if f.suggestion == key:
            hits[kind][0] += 1
        else:
            misses.append((typo, key, f.suggestion))
    rate = sum(h for h, _ in hits.values()) / len(typos)
    record_property("typo_suggestion_rate", rate)
    print("\ntypo suggestion rate: %.1f%% of %d (%s); misses: %s" % (
        100 * rate, len(typos), ", ".join("%s %d/%d" % (k, h, n) for k, (h, n) in hits.items()),
        misses[:10]))
    assert rate >= 0.9, misses[:20]


def test_old_names_get_the_current_name(tmp_path, home):
    from mfdoctor.checks.lint import run_lint

    (tmp_path / "ci.env").write_text("METAFLOW_DATATOOLS_SYSROOT_S3=s3://b/data\n")
    res = resolve_in(home, tmp_path)
    (f,) = [f for f in run_lint([str(tmp_path / "ci.env")], res=res)
            if f.check == "config.unknown-name" and f.severity == "error"]
    assert f.suggestion == "METAFLOW_DATATOOLS_S3ROOT" and "old name" in f.message


@pytest.mark.parametrize("typo,want", [
    ("METAFLOW_MAX_WORKERS", "METAFLOW_RUN_MAX_WORKERS"),
    ("METAFLOW_SECRETS_BACKEND_TYPE", "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE"),
    ("METAFLOW_DEFAULT_DATSTORE", "METAFLOW_DEFAULT_DATASTORE"),
    ("METAFLOW_SECRET_BACKEND_TYPE", "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE"),
])
def test_names_from_wrong_docs(typo, want, tmp_path, home):
    from mfdoctor.checks.names import NameIndex

    res = resolve_in(home, tmp_path)
    assert NameIndex(res.catalog).suggest(typo) == want
