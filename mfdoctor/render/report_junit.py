"""`--format junit`: a lint/check Report as JUnit XML, which GitLab, Jenkins, Azure
Pipelines and most CI systems show as test results.

One `<testsuite>` per area (the check id's prefix), one `<testcase>` per finding.
An error is a `<failure>`; a warning or a check that could not complete is one
only with `--strict` (otherwise the run passes, so the test does too, and the
text is in `<system-out>`); a probe deliberately not run is `<skipped>`. The
shape follows the Jenkins JUnit schema the tests validate against.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import typer

from ..findings import ERROR, SKIPPED, WARNING, Report

# Characters XML 1.0 does not allow, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _failing(f, strict: bool) -> bool:
    if f.severity == ERROR:
        return True
    return strict and (f.severity == WARNING or f.incomplete)


def _name(f) -> str:
    where = str(f.location) if f.location is not None and f.location.path else (f.key or "")
    return _clean("%s %s" % (f.check, where) if where else f.check)


def _text(f) -> str:
    text = "%s: %s" % (f.severity, f.message)
    if f.suggestion and (not f.fix or f.suggestion not in f.fix):
        text += "\ndid you mean: %s" % f.suggestion
    if f.fix:
        text += "\nfix: %s" % f.fix
    return _clean(text)


def _testcase(suite, f, strict: bool, area: str) -> dict:
    case = ET.SubElement(suite, "testcase", name=_name(f), classname="mfdoctor.%s" % area, time="0")
    if _failing(f, strict):
        ET.SubElement(case, "failure", type=f.severity, message=_clean(f.message)).text = _text(f)
        return {"failures": 1}
    if f.severity == SKIPPED and not f.incomplete:
        ET.SubElement(case, "skipped").text = _text(f)
        return {"skipped": 1}
    ET.SubElement(case, "system-out").text = _text(f)
    return {}


def render(report: Report, strict: bool = False, title: str = "report") -> str:
    areas: dict = {}
    for f in report.sorted():
        areas.setdefault(f.check.split(".", 1)[0], []).append(f)
    root = ET.Element("testsuites", name="mfdoctor %s" % title)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for area, findings in areas.items():
        suite = ET.SubElement(root, "testsuite", name="mfdoctor.%s" % area)
        counts = {"tests": len(findings), "failures": 0, "errors": 0, "skipped": 0}
        for f in findings:
            for k, v in _testcase(suite, f, strict, area).items():
                counts[k] += v
        for k, v in counts.items():
            suite.set(k, str(v))
        suite.set("time", "0")
        for k in totals:
            totals[k] += counts[k]
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def write(report: Report, out, options) -> None:
    typer.echo(render(report, strict=options.strict, title=options.title or "report"), file=out)
