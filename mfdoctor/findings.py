"""The one data model every check returns: a `Finding`, gathered in a `Report`.

Checks never print and never decide exit codes; renderers and the CLI do.
A check reports `ok` when it passes, so a report shows what was verified,
and `skipped` (never `ok`) when it could not run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from .redact import redact_text, redact_value

ERROR = "error"
WARNING = "warning"
INFO = "info"
OK = "ok"
SKIPPED = "skipped"

SEVERITIES = (ERROR, WARNING, INFO, OK, SKIPPED)
# Rank used for sorting (worst first) and for "worst of" decisions.
SEVERITY_RANK = {ERROR: 0, WARNING: 1, SKIPPED: 2, INFO: 3, OK: 4}

REPORT_SCHEMA = "mfdoctor/report/v1"

# Why a check is `skipped`: `detail["reason"]`. Some probes are deliberately not run
# (`--offline`, `--read-only`, nothing to probe): `--strict` accepts those. Any other
# reason, or none, means the check could not complete (a timeout, no permission, an
# undecidable input) and `--strict` fails on it.
REASON_OFFLINE = "offline"
REASON_READ_ONLY = "read-only"
REASON_NOT_APPLICABLE = "not-applicable"
REASON_TIMEOUT = "timeout"
REASON_NO_PERMISSION = "no-permission"
NOT_RUN_REASONS = (REASON_OFFLINE, REASON_READ_ONLY, REASON_NOT_APPLICABLE)


@dataclass(frozen=True)
class Location:
    path: str
    line: Optional[int] = None
    column: Optional[int] = None

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "column": self.column}

    def __str__(self) -> str:
        out = self.path
        if self.line is not None:
            out += ":%d" % self.line
            if self.column is not None:
                out += ":%d" % self.column
        return out


@dataclass(frozen=True)
class Finding:
    """One verdict of one check. Immutable, so every finding a renderer sees went through
    the validation and redaction below: to change one, build a new one with
    `dataclasses.replace(finding, severity=..., message=...)`, which runs them again."""

    check: str
    severity: str
    message: str
    key: Optional[str] = None
    fix: Optional[str] = None
    suggestion: Optional[str] = None
    location: Optional[Location] = None
    # Extra, check-specific facts (kept JSON-serialisable; never a secret). Filled in
    # when the finding is created: a dict cannot be frozen, but nothing should change it.
    detail: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError("unknown severity %r" % self.severity)
        # Last line of defence for every check and every format: no SAS signature or
        # URL password survives into a finding's text. (A frozen dataclass refuses
        # plain assignment, even here: hence object.__setattr__.)
        object.__setattr__(self, "message", redact_text(self.message))
        if self.fix:
            object.__setattr__(self, "fix", redact_text(self.fix))
        if isinstance(self.suggestion, str):
            object.__setattr__(self, "suggestion", redact_text(self.suggestion))
        if self.detail:  # Metaflow's own error texts land here, and echo values
            object.__setattr__(self, "detail", redact_value("", self.detail, False,
                                                            by_member_name=False))

    def to_dict(self) -> dict:
        out = {
            "check": self.check,
            "severity": self.severity,
            "key": self.key,
            "message": self.message,
            "fix": self.fix,
            "suggestion": self.suggestion,
            "location": self.location.to_dict() if self.location else None,
        }
        if self.detail:
            out["detail"] = self.detail
        return out

    @property
    def incomplete(self) -> bool:
        """A skipped check that could not complete (not one deliberately not run)."""
        return self.severity == SKIPPED and self.detail.get("reason") not in NOT_RUN_REASONS

    @classmethod
    def from_dict(cls, d: dict) -> "Finding":
        """The inverse of `to_dict` (explain's data carries findings as dicts)."""
        loc = d.get("location")
        return cls(check=d["check"], severity=d["severity"], message=d["message"],
                   key=d.get("key"), fix=d.get("fix"), suggestion=d.get("suggestion"),
                   location=Location(**loc) if loc else None, detail=dict(d.get("detail") or {}))


@dataclass
class Report:
    findings: list = field(default_factory=list)
    # Timings per check group (seconds), shown with -v.
    timings: dict = field(default_factory=dict)

    def add(self, findings: Iterable[Finding]) -> "Report":
        self.findings.extend(findings)
        return self

    def summary(self) -> dict:
        counts = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    def exit_code(self, strict: bool = False) -> int:
        """0 no errors; 1 any error (with strict: also warnings and checks that could
        not complete; probes deliberately not run, e.g. `--offline`, do not count)."""
        counts = self.summary()
        if counts[ERROR]:
            return 1
        if strict and (counts[WARNING] or any(f.incomplete for f in self.findings)):
            return 1
        return 0

    def actionable(self) -> "Report":
        """Only the findings to act on (`--quiet`): failures, information and checks
        that could not complete; not what passed or was deliberately not run."""
        keep = [f for f in self.findings if f.severity in (ERROR, WARNING, INFO) or f.incomplete]
        return Report(findings=keep, timings=dict(self.timings))

    def sorted(self) -> list:
        return sorted(
            self.findings,
            key=lambda f: (
                f.location.path if f.location else "",
                f.location.line or 0 if f.location else 0,
                SEVERITY_RANK[f.severity],
                f.check,
            ),
        )

    def to_dict(self, strict: bool = False) -> dict:
        return {
            "schema": REPORT_SCHEMA,
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary(),
            "exit_code": self.exit_code(strict),
        }


def sanitize(data: Any) -> Any:
    """Make `detail` values JSON-safe (sets/tuples to lists)."""
    if isinstance(data, dict):
        return {str(k): sanitize(v) for k, v in data.items()}
    if isinstance(data, (list, tuple, set)):
        return [sanitize(v) for v in data]
    return data
