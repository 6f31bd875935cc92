"""CI formats: JUnit XML (validated against the Jenkins JUnit schema), Markdown for job
summaries, GitHub annotations with workspace-relative paths, and what --strict counts."""

import os
import xml.etree.ElementTree as ET

import pytest

from mfdoctor.findings import Finding, Location, Report
from mfdoctor.render import report_github, report_junit, report_markdown

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMAS = os.path.join(ROOT, "tests", "lint", ".schemas")


def preflight_report():
    return Report([
        Finding("azure.sysroot", "error", "METAFLOW_DATASTORE_SYSROOT_AZURE is a URL; Metaflow expects "
                "<container>/<prefix>", key="METAFLOW_DATASTORE_SYSROOT_AZURE", fix='set "X": "a|b" in `f`',
                location=Location("/ws/repo/.metaflow/config.json", 3, 3)),
        Finding("config.whitespace", "warning", "trailing * space_in_value", key="METAFLOW_USER",
                location=Location("deploy/.env", 2, 1)),
        Finding("flow.secrets", "info", "no flow files"),
        Finding("azure.endpoint", "ok", "endpoint is account 'mfprod'"),
        Finding("azure.credential", "skipped", "Live probe not run (--offline).", detail={"reason": "offline"}),
        Finding("azure.rbac", "skipped", "Did not finish within the 15s timeout", detail={"reason": "timeout"}),
        Finding("azure.keyvault", "skipped", "bad \x00 control \x1b char"),
    ])


# -- --strict: could not complete vs deliberately not run ---------------------------------

def test_strict_fails_on_checks_that_could_not_complete_not_on_probes_not_run():
    offline = Report([Finding("azure.credential", "skipped", "not run", detail={"reason": "offline"}),
                      Finding("azure.container", "skipped", "not run", detail={"reason": "read-only"}),
                      Finding("azure.rbac", "skipped", "nothing to do", detail={"reason": "not-applicable"})])
    assert offline.exit_code(strict=True) == 0
    for detail in ({"reason": "timeout"}, {"reason": "no-permission"}, {}):
        r = Report(offline.findings + [Finding("azure.rbac", "skipped", "x", detail=detail)])
        assert r.exit_code(strict=False) == 0 and r.exit_code(strict=True) == 1


# -- JUnit ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def junit_schema():
    import xmlschema

    path = os.path.join(SCHEMAS, "jenkins-junit.xsd")
    if not os.path.exists(path):
        pytest.fail("JUnit schema missing: run bash scripts/install-test-services.sh")
    return xmlschema.XMLSchema(path)


@pytest.mark.parametrize("strict", [False, True])
def test_junit_validates_and_maps(junit_schema, strict):
    text = report_junit.render(preflight_report(), strict=strict, title="check all")
    junit_schema.validate(text)
    root = ET.fromstring(text)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert len(cases) == 7
    failed = {n for n, c in cases.items() if c.find("failure") is not None}
    skipped = {n for n, c in cases.items() if c.find("skipped") is not None}
    sysroot = "azure.sysroot /ws/repo/.metaflow/config.json:3:3"
    if strict:
        assert failed == {sysroot, "config.whitespace deploy/.env:2:1", "azure.rbac", "azure.keyvault"}
    else:
        assert failed == {sysroot}
    assert skipped == {"azure.credential"}
    assert int(root.get("tests")) == 7 and int(root.get("failures")) == len(failed)
    assert sum(int(s.get("skipped")) for s in root.iter("testsuite")) == 1
    assert 'set "X": "a|b"' in cases[sysroot].find("failure").text
    assert "\x00" not in text and "\x1b" not in text


def test_junit_of_an_empty_report_validates(junit_schema):
    junit_schema.validate(report_junit.render(Report()))


# -- Markdown ------------------------------------------------------------------------------

def test_markdown_groups_escapes_and_folds_what_passed():
    md = report_markdown.render(preflight_report(), title="check all", cwd="/ws/repo")
    assert md.startswith("## mfdoctor check all: FAILED\n")
    # Text that would be HTML or emphasis shows as written.
    assert "&lt;container&gt;/&lt;prefix&gt;" in md and "<container>" not in md
    assert r"trailing \* space\_in\_value" in md
    # Under the working directory, paths are relative; fixes are fenced verbatim.
    assert "`.metaflow/config.json:3:3`" in md
    assert '  fix: set "X": "a|b" in `f`' in md
    sections = [ln for ln in md.splitlines() if ln.startswith("### ")]
    assert sections == ["### Errors (1)", "### Warnings (1)", "### Could not complete (2)", "### Information (1)"]
    details = md[md.index("<details>"):]
    assert "1 passed, 1 not run" in details and "azure.credential" in details and "azure.rbac" not in details


# -- GitHub ----------------------------------------------------------------------------------

def test_github_paths_are_workspace_relative_and_summary_counts_the_annotations():
    out = report_github.render(preflight_report(), workspace="/ws")
    cmds = [ln for ln in out.splitlines() if ln.startswith("::")]
    assert any(ln.startswith("::error file=repo/.metaflow/config.json,line=3,col=3,") for ln in cmds)
    kinds = [ln[2:].split(" ", 1)[0].split("::")[0] for ln in cmds]
    # The offline probe is not annotated; the timeout and the undecided one are warnings.
    assert not any("azure.credential" in ln for ln in cmds)
    assert kinds.count("error") == 1 and kinds.count("warning") == 3 and kinds.count("notice") == 1
    assert out.splitlines()[-1] == ("mfdoctor: FAILED: 1 error, 3 warnings, 1 notice annotated; "
                                    "1 ok, 1 not run (exit 1)")


def test_github_paths_outside_the_workspace_stay_as_they_are():
    r = Report([Finding("config.invalid-value", "error", "bad", location=Location("/home/u/.metaflowconfig/config.json", 2))])
    assert "file=/home/u/.metaflowconfig/config.json," in report_github.render(r, workspace="/ws")
