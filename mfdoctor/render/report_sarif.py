"""`--format sarif`: a SARIF 2.1.0 log (what GitHub code scanning and most CI
dashboards ingest). One rule per check id, with its description from the
registry and a `helpUri` to its documentation; one result per finding to act on,
with its file/line/column when known.

Severity mapping (SARIF §3.27.9-10): error/warning/info are `fail` results at
level error/warning/note. Passing and skipped checks are not results (code
scanning would list them as alerts): a check that could not complete is a
`toolExecutionNotifications` warning of the invocation, one deliberately not run
(`--offline`) a note there. Columns are counted in Unicode code points.

Paths under the working directory are relative to `SRCROOT` (what code-scanning
uploads expect), others absolute `file://` URIs. `partialFingerprints` let
code scanning follow an alert across runs and line shifts: a hash of the check
id, key, path and message without line numbers.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Optional
from urllib.parse import quote

import typer

from .. import DOCS_URL, __version__
from ..checks.registry import describe
from ..findings import ERROR, INFO, SKIPPED, WARNING, Report
from ..workdir import working_dir
from .jsonout import dumps
from .locations import relative_to

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {ERROR: "error", WARNING: "warning", INFO: "note"}
_RULE_LEVEL = {"error": "error", "warning": "warning", "info": "note", "skipped": "warning", "ok": "none"}
_SRCROOT = "SRCROOT"
_FINGERPRINT = "mfdoctor/v1"
_LINE_NUMBERS = re.compile(r":\d+(?::\d+)?\b|\bline \d+")


def _quote(p: str) -> str:
    """Percent-encode a path's bytes (os.fsencode: an undecodable byte of a file name
    is itself, %FF, and never a UnicodeEncodeError)."""
    return quote(os.fsencode(p))


def _file_uri(path: str) -> str:
    p = os.path.abspath(path).replace(os.sep, "/")
    return "file://" + _quote(p if p.startswith("/") else "/" + p)


def _uri(path: str, cwd: str) -> tuple:
    """(uri, uriBaseId or None): relative to SRCROOT (the working directory) when the
    file is under it, else an absolute file:// URI."""
    rel = relative_to(os.path.join(cwd, path), cwd)
    if rel is None:
        return _file_uri(os.path.join(cwd, path)), None
    return _quote(rel), _SRCROOT


def help_uri(check_id: str) -> str:
    return "%s#%s" % (DOCS_URL, check_id)


def fingerprint(f, path: Optional[str]) -> str:
    """Stable across runs and line shifts: no line or column goes in."""
    text = " ".join(_LINE_NUMBERS.sub("", f.message).split())
    raw = "\0".join([f.check, f.key or "", path or "", text])
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _message(f) -> str:
    text = f.message
    if f.suggestion and (not f.fix or f.suggestion not in f.fix):
        text += " Did you mean %s?" % f.suggestion
    if f.fix:
        text += " Fix: %s" % f.fix
    return text


def _rule(cid: str) -> dict:
    info = describe(cid)
    rule = {
        "id": cid,
        "name": "".join(w.capitalize() for w in cid.replace(".", "-").split("-")),
        "shortDescription": {"text": info.title},
        "helpUri": help_uri(cid),
        "defaultConfiguration": {"level": _RULE_LEVEL.get(info.severity, "warning")},
        "properties": {"area": info.area},
    }
    if info.doc:
        rule["fullDescription"] = {"text": info.doc}
        rule["help"] = {"text": info.doc, "markdown": "%s\n\n[Documentation](%s)" % (info.doc, help_uri(cid))}
    return rule


def _result(f, rule_index: int, cwd: str) -> dict:
    res = {
        "ruleId": f.check,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": _LEVEL[f.severity],
        "message": {"text": _message(f)},
        "properties": {"severity": f.severity},
    }
    loc = {}
    uri = None
    if f.location is not None and f.location.path:
        uri, base = _uri(f.location.path, cwd)
        art = {"uri": uri}
        if base:
            art["uriBaseId"] = base
        phys = {"artifactLocation": art}
        if f.location.line:
            region = {"startLine": int(f.location.line)}
            if f.location.column:
                region["startColumn"] = int(f.location.column)
            phys["region"] = region
        loc["physicalLocation"] = phys
    if f.key:
        res["properties"]["key"] = f.key
        # An environment variable has no file: name it as a logical location.
        loc["logicalLocations"] = [{"name": f.key, "kind": "variable"}]
    if f.suggestion:
        res["properties"]["suggestion"] = f.suggestion
    if loc:
        res["locations"] = [loc]
    res["partialFingerprints"] = {_FINGERPRINT: fingerprint(f, uri)}
    return res


def _notification(f, rule_index: int) -> dict:
    note = {
        "level": "warning" if f.incomplete else "note",
        "message": {"text": _message(f)},
        "associatedRule": {"id": f.check, "index": rule_index},
        "properties": {"severity": f.severity, "reason": f.detail.get("reason") or "incomplete"},
    }
    if f.location is not None and f.location.path:
        note["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": _file_uri(f.location.path)}}}]
    return note


def to_data(report: Report, strict: bool = False, cwd: Optional[str] = None) -> dict:
    cwd = cwd or working_dir()
    findings = report.sorted()
    ids = []
    for f in findings:
        if f.check not in ids:
            ids.append(f.check)
    index = {cid: i for i, cid in enumerate(ids)}
    results = [_result(f, index[f.check], cwd) for f in findings if f.severity in _LEVEL]
    notes = [_notification(f, index[f.check]) for f in findings if f.severity == SKIPPED]
    invocation = {"executionSuccessful": True, "exitCode": report.exit_code(strict)}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    base_dir = cwd.replace(os.sep, "/")
    if not base_dir.endswith("/"):
        base_dir += "/"
    run = {
        "tool": {
            "driver": {
                "name": "mfdoctor",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": DOCS_URL,
                "rules": [_rule(cid) for cid in ids],
            }
        },
        "originalUriBaseIds": {_SRCROOT: {"uri": "file://" + _quote(base_dir if base_dir.startswith("/") else "/" + base_dir)}},
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, strict: bool = False, cwd: Optional[str] = None) -> str:
    return dumps(to_data(report, strict, cwd))


def write(report: Report, out, options) -> None:
    typer.echo(render(report, strict=options.strict), file=out)
