"""Report renderers: the JSON contract, SARIF 2.1.0 (validated against the
pinned OASIS schema), GitHub workflow commands, and the human report."""

import io
import json
import os
import re

import jsonschema
import pytest
from rich.console import Console

from mfdoctor.findings import Finding, Location, Report
from mfdoctor.render import report_github, report_human, report_json, report_sarif

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Where scripts/install-test-services.sh puts the pinned schemas.
SCHEMAS = os.path.join(ROOT, "tests", "lint", ".schemas")


def sample_report():
    r = Report([
        Finding("config.unknown-name", "error", "METAFLOW_DEFAULT_DATSTORE is not a name Metaflow knows",
                key="METAFLOW_DEFAULT_DATSTORE", fix="rename it", suggestion="METAFLOW_DEFAULT_DATASTORE",
                location=Location(".env", 3, 1)),
        Finding("config.ambiguous-bool", "warning", 'METAFLOW_DEBUG_S3CLIENT="no": Metaflow reads True',
                key="METAFLOW_DEBUG_S3CLIENT", location=Location("deploy/k8s.yaml", 12, 18)),
        Finding("config.no-effect", "info", "METAFLOW_AZURE_KEY_VAULT_PREFIX is set but unused",
                key="METAFLOW_AZURE_KEY_VAULT_PREFIX"),
        Finding("config.invalid-value", "ok", "all 4 values read as Metaflow expects", detail={"n": 4}),
        Finding("lint.file-skipped", "skipped", "binary file: not linted", location=Location("/abs/x y.bin")),
        Finding("azure.custom-new-id", "error", "100% broken: a,b:c\nsecond line\r",
                location=Location("we,ird:name%.env", 1, 2)),
    ])
    r.timings["scan"] = 0.0123
    return r


def test_json_contract():
    data = json.loads(report_json.render(sample_report()))
    assert data["schema"] == "mfdoctor/report/v1"
    assert data["summary"] == {"error": 2, "warning": 1, "info": 1, "ok": 1, "skipped": 1}
    assert data["exit_code"] == 1
    f = data["findings"][0]
    assert f == {"check": "config.unknown-name", "severity": "error", "key": "METAFLOW_DEFAULT_DATSTORE",
                 "message": "METAFLOW_DEFAULT_DATSTORE is not a name Metaflow knows", "fix": "rename it",
                 "suggestion": "METAFLOW_DEFAULT_DATASTORE",
                 "location": {"path": ".env", "line": 3, "column": 1}}
    for f in data["findings"]:
        for k in ("check", "severity", "key", "message", "fix", "suggestion", "location"):
            assert k in f
    assert data["findings"][2]["location"] is None


def test_json_exit_code_strict():
    r = Report([Finding("config.whitespace", "warning", "w")])
    assert json.loads(report_json.render(r))["exit_code"] == 0
    assert json.loads(report_json.render(r, strict=True))["exit_code"] == 1
    r = Report([Finding("lint.file-skipped", "skipped", "s")])
    assert json.loads(report_json.render(r, strict=True))["exit_code"] == 1


@pytest.fixture(scope="module")
def sarif_validator():
    # Installed by scripts/install-test-services.sh from Microsoft's npm package
    # @microsoft/jest-sarif (SHA-256 pinned there).
    path = os.path.join(SCHEMAS, "sarif-2.1.0-rtm.5.json")
    if not os.path.exists(path):
        pytest.fail("SARIF schema missing: run bash scripts/install-test-services.sh")
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    assert schema["$schema"].startswith("http://json-schema.org/draft-04/")
    assert schema["id"].endswith("/sarif-2.1.0-rtm.5.json")
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def test_sarif_validates_and_maps(sarif_validator):
    log = json.loads(report_sarif.render(sample_report(), cwd="/work/proj"))
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert errors == []
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    assert {r["id"] for r in rules} == {f.check for f in sample_report().findings}
    res = run["results"]
    by_rule = {r["ruleId"]: r for r in res}
    for r in res:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    u = by_rule["config.unknown-name"]
    assert (u["kind"], u["level"]) == ("fail", "error")
    loc = u["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": ".env", "uriBaseId": "SRCROOT"}
    assert loc["region"] == {"startLine": 3, "startColumn": 1}
    assert "METAFLOW_DEFAULT_DATASTORE" in u["message"]["text"]
    assert (by_rule["config.ambiguous-bool"]["level"], by_rule["config.no-effect"]["level"]) == ("warning", "note")
    # Passing and skipped checks are not results (code scanning would show them as alerts);
    # the skipped one is an invocation notification instead.
    assert "config.invalid-value" not in by_rule and "lint.file-skipped" not in by_rule
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["associatedRule"]["id"] == "lint.file-skipped" and note["level"] == "warning"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file:///abs/x%20y.bin"
    # An environment variable has no file: a logical location names it.
    assert by_rule["config.no-effect"]["locations"] == [
        {"logicalLocations": [{"name": "METAFLOW_AZURE_KEY_VAULT_PREFIX", "kind": "variable"}]}]
    for r in rules:
        assert r["helpUri"].endswith("README.md#" + r["id"])
    fps = [r["partialFingerprints"]["mfdoctor/v1"] for r in res]
    assert len(set(fps)) == len(fps) and all(re.fullmatch(r"[0-9a-f]{32}", fp) for fp in fps)
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file:///work/proj/"
    assert run["invocations"][0]["exitCode"] == 1


def _fingerprints(report, cwd):
    return {r["ruleId"]: r["partialFingerprints"]["mfdoctor/v1"]
            for r in json.loads(report_sarif.render(report, cwd=cwd))["runs"][0]["results"]}


def test_sarif_fingerprints_survive_line_shifts_and_runs_but_not_other_findings():
    def one(line, path, value="no"):
        return Report([Finding("config.ambiguous-bool", "warning",
                               'METAFLOW_DEBUG_S3CLIENT="%s" (line %d): Metaflow reads True' % (value, line),
                               key="METAFLOW_DEBUG_S3CLIENT", location=Location(path, line, 5))])
    base = _fingerprints(one(3, "deploy/a.yaml"), "/w")
    assert base == _fingerprints(one(3, "deploy/a.yaml"), "/w")
    assert base == _fingerprints(one(40, "deploy/a.yaml"), "/w")  # lines moved
    assert base == _fingerprints(one(3, "/w/deploy/a.yaml"), "/w")  # same file, absolute
    assert base != _fingerprints(one(3, "deploy/b.yaml"), "/w")
    assert base != _fingerprints(one(3, "deploy/a.yaml", "off"), "/w")


def test_sarif_uris_relative_under_the_working_directory(sarif_validator):
    r = Report([Finding("azure.sysroot", "error", "bad", location=Location("/w/repo/.metaflow/config.json", 3, 3)),
                Finding("config.invalid-value", "error", "bad", location=Location("/home/u/.metaflowconfig/config.json", 2)),
                Finding("azure.credential", "skipped", "Live probe not run (--offline).",
                        detail={"reason": "offline"})])
    log = json.loads(report_sarif.render(r, cwd="/w/repo"))
    assert list(sarif_validator.iter_errors(log)) == []
    arts = {x["ruleId"]: x["locations"][0]["physicalLocation"]["artifactLocation"] for x in log["runs"][0]["results"]}
    assert arts["azure.sysroot"] == {"uri": ".metaflow/config.json", "uriBaseId": "SRCROOT"}
    assert arts["config.invalid-value"] == {"uri": "file:///home/u/.metaflowconfig/config.json"}
    [note] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "note" and note["properties"]["reason"] == "offline"


def test_sarif_of_an_empty_report_validates(sarif_validator):
    log = json.loads(report_sarif.render(Report()))
    assert list(sarif_validator.iter_errors(log)) == []
    assert log["runs"][0]["results"] == []


# Workflow command syntax: ::name key=value,key=value::message, where values
# and message carry no raw CR/LF, and values no raw ',' or ':'.
_CMD = re.compile(r"^::(error|warning|notice)(?: ((?:file|line|col|endLine|endColumn|title)=[^,:\r\n]*"
                  r"(?:,(?:file|line|col|endLine|endColumn|title)=[^,:\r\n]*)*))?::([^\r\n]*)$")


def _unescape(s):
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def test_github_commands():
    out = report_github.render(sample_report())
    lines = out.splitlines()
    cmds = [ln for ln in lines if ln.startswith("::")]
    assert len(cmds) == 5  # ok findings are not annotated
    parsed = []
    for ln in cmds:
        m = _CMD.match(ln)
        assert m, ln
        props = dict(kv.split("=", 1) for kv in m.group(2).split(",")) if m.group(2) else {}
        parsed.append((m.group(1), {k: _unescape(v) for k, v in props.items()}, _unescape(m.group(3))))
    kinds = {p[1].get("title", "").split(" ")[0]: p for p in parsed}
    cmd, props, msg = kinds["config.unknown-name"]
    assert cmd == "error" and props["file"] == ".env" and props["line"] == "3" and props["col"] == "1"
    assert props["title"] == "config.unknown-name METAFLOW_DEFAULT_DATSTORE"
    assert msg.startswith("METAFLOW_DEFAULT_DATSTORE is not") and "Did you mean METAFLOW_DEFAULT_DATASTORE?" in msg
    cmd, props, msg = kinds["azure.custom-new-id"]
    assert props["file"] == "we,ird:name%.env"
    assert msg == "100% broken: a,b:c\nsecond line\r"
    assert kinds["config.no-effect"][0] == "notice" and "file" not in kinds["config.no-effect"][1]
    assert kinds["lint.file-skipped"][0] == "warning"
    assert not lines[-1].startswith("::") and "2 errors" in lines[-1]


def test_github_escaping_functions():
    assert report_github.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert report_github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"


def test_human_report_groups_marks_fix_and_summary():
    text = report_human.render_text(sample_report(), title="lint")
    lines = text.splitlines()
    assert lines[0] == "mfdoctor lint"
    assert "Configuration names and values" in text and "Files" in text and "Azure" in text
    # grouped: every config.* line comes before the Files header
    files_at = lines.index("Files")
    assert all("config." not in ln for ln in lines[files_at:] if "[" in ln)
    err = [ln for ln in lines if "METAFLOW_DEFAULT_DATSTORE is not" in ln][0]
    assert err.startswith("  ✗ .env:3:1: ")
    i = lines.index(err)
    assert lines[i + 1].strip() == "did you mean: METAFLOW_DEFAULT_DATASTORE"
    assert lines[i + 2].strip() == "fix: rename it"
    assert any(ln.startswith("  ✓ ") for ln in lines)
    assert lines[-1] == "FAILED: 2 errors, 1 warning, 1 info, 1 ok, 1 skipped (exit 1)"
    assert "\x1b[" not in text
    assert "Timings" not in text and "n: 4" not in text
    verbose = report_human.render_text(sample_report(), verbose=True)
    assert "Timings" in verbose and "12.3 ms" in verbose and "n: 4" in verbose


def test_human_report_colours():
    def out(**kw):
        buf = io.StringIO()
        report_human.render(sample_report(), Console(file=buf, width=120, **kw))
        return buf.getvalue()

    assert "\x1b[" in out(force_terminal=True)
    assert "\x1b[" not in out(force_terminal=True, no_color=True)
    assert "\x1b[" not in out()  # not a terminal


def test_no_color_env(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    c = report_human.make_console(file=io.StringIO())
    assert c.no_color


def test_human_report_ascii_marks_and_passing_summary():
    class Latin1(io.StringIO):
        encoding = "latin-1"

    buf = Latin1()
    report_human.render(Report([Finding("config.unknown-name", "ok", "fine")]), Console(file=buf))
    text = buf.getvalue()
    assert "  + fine" in text and text.strip().endswith("passed: 0 errors, 0 warnings, 0 info, 1 ok, 0 skipped (exit 0)")
