"""`--format sarif`: a SARIF 2.1.0 log (what GitHub code scanning and most CI
dashboards ingest). One rule per check id, with its description from the
registry; one result per finding, with its file/line/column when known.

Severity mapping (SARIF §3.27.9-10): error/warning/info are `fail` results at
level error/warning/note; `ok` is a `pass` and `skipped` an `open` result
(the tool could not decide), both at level `none`, as the spec requires for
non-fail kinds. Columns are counted in Unicode code points (`columnKind`).
"""

from __future__ import annotations

import os
from typing import Optional
from urllib.parse import quote

import typer

from .. import __version__
from ..checks.registry import describe
from ..findings import ERROR, INFO, OK, SKIPPED, WARNING, Report
from .jsonout import dumps

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {ERROR: "error", WARNING: "warning", INFO: "note", OK: "none", SKIPPED: "none"}
_KIND = {ERROR: "fail", WARNING: "fail", INFO: "fail", OK: "pass", SKIPPED: "open"}
_RULE_LEVEL = {"error": "error", "warning": "warning", "info": "note", "skipped": "warning", "ok": "none"}
_SRCROOT = "SRCROOT"


def _quote(p: str) -> str:
    """Percent-encode a path's bytes (os.fsencode: an undecodable byte of a file name
    is itself, %FF, and never a UnicodeEncodeError)."""
    return quote(os.fsencode(p))


def _uri(path: str) -> tuple:
    """(uri, uriBaseId or None). Relative paths stay relative to SRCROOT (the
    working directory), which is what code-scanning uploads expect."""
    p = path.replace(os.sep, "/")
    if os.path.isabs(path):
        return "file://" + _quote(p if p.startswith("/") else "/" + p), None
    if p.startswith("./"):
        p = p[2:]
    return _quote(p), _SRCROOT


def _message(f) -> str:
    text = f.message
    if f.suggestion and (not f.fix or f.suggestion not in f.fix):
        text += " Did you mean %s?" % f.suggestion
    if f.fix:
        text += " Fix: %s" % f.fix
    return text


def to_data(report: Report, strict: bool = False, cwd: Optional[str] = None) -> dict:
    findings = report.sorted()
    ids = []
    for f in findings:
        if f.check not in ids:
            ids.append(f.check)
    index = {cid: i for i, cid in enumerate(ids)}
    rules = []
    for cid in ids:
        info = describe(cid)
        rule = {
            "id": cid,
            "name": "".join(w.capitalize() for w in cid.replace(".", "-").split("-")),
            "shortDescription": {"text": info.title},
            "defaultConfiguration": {"level": _RULE_LEVEL.get(info.severity, "warning")},
            "properties": {"area": info.area},
        }
        if info.doc:
            rule["fullDescription"] = {"text": info.doc}
            rule["help"] = {"text": info.doc}
        rules.append(rule)
    results = []
    for f in findings:
        res = {
            "ruleId": f.check,
            "ruleIndex": index[f.check],
            "kind": _KIND[f.severity],
            "level": _LEVEL[f.severity],
            "message": {"text": _message(f)},
            "properties": {"severity": f.severity},
        }
        loc = {}
        if f.location is not None and f.location.path:
            uri, base = _uri(f.location.path)
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
        results.append(res)
    code = report.exit_code(strict)
    if cwd is None:
        try:
            cwd = os.getcwd()
        except OSError:  # a deleted working directory
            cwd = os.environ.get("PWD") or "/"
    base_dir = cwd.replace(os.sep, "/")
    if not base_dir.endswith("/"):
        base_dir += "/"
    run = {
        "tool": {
            "driver": {
                "name": "mfdoctor",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {_SRCROOT: {"uri": "file://" + _quote(base_dir if base_dir.startswith("/") else "/" + base_dir)}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": True, "exitCode": code}],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, strict: bool = False, cwd: Optional[str] = None) -> str:
    return dumps(to_data(report, strict, cwd))


def write(report: Report, out, options) -> None:
    typer.echo(render(report, strict=options.strict), file=out)
