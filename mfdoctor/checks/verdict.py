"""`explain KEY`'s verdict: the findings `mfdoctor check --offline` gives for that key,
from the same checks (config lint of every layer, user identity, the offline Azure
rules), so `explain` never judges a value by rules of its own; and `explain CHECK_ID`,
a check's documentation from the registry."""

from __future__ import annotations

from typing import List

from ..catalog import full_name
from ..config.explain import EXPLAIN_SCHEMA, explain_key
from ..findings import SEVERITY_RANK, Finding
from ..ids import AREA_ORDER
from ..suggest import suggest
from .azure_static import azure_applies, run_azure_static
from .lint import run_lint
from .preflight import without_duplicates
from .registry import all_checks, all_ids, get
from .user import USER_KEY, check_user


def key_verdict(res, name: str, settings=None) -> List[Finding]:
    """Every finding about key `name` (a full METAFLOW_* name), worst first."""
    findings = list(run_lint(None, res=res, settings=settings))
    if name == USER_KEY:
        findings += check_user(res)
    if name.startswith("METAFLOW_") and azure_applies(res):
        # No flow files and no secrets: those findings are about flows, not about a key.
        findings += run_azure_static(res, flows=(), secrets=(), cwd=res.cwd)
    mine = [f for f in without_duplicates(findings) if f.key == name]
    return sorted(mine, key=lambda f: SEVERITY_RANK[f.severity])


def is_check_id(text: str) -> bool:
    """`config.unknown-name` (or a misspelt one): an area, a dot, a lowercase name. Key
    names never look like that (`METAFLOW_X`, `sysroot_azure`)."""
    area, _, rest = text.partition(".")
    return bool(rest) and area.lower() in set(AREA_ORDER) | {c.area for c in all_checks()}


def explain_check(check_id: str) -> dict:
    """`explain CHECK_ID` / `rule CHECK_ID`: a check's documentation from the registry."""
    info = get(check_id.lower())
    if info is None:
        return {"schema": EXPLAIN_SCHEMA, "kind": "check", "found": False, "name": check_id,
                "suggestion": suggest(check_id.lower(), all_ids())}
    return {"schema": EXPLAIN_SCHEMA, "kind": "check", "found": True, "name": info.id,
            "severity": info.severity, "title": info.title, "doc": info.doc,
            "example": info.example, "fix": info.fix}


def explain(text: str, resolve) -> dict:
    """explain's data for a check id or a key (`resolve()` gives the Resolution)."""
    if is_check_id(text):
        return explain_check(text)
    res = resolve()
    name = full_name(text).upper()
    return explain_key(res, name, [f.to_dict() for f in key_verdict(res, name)])
