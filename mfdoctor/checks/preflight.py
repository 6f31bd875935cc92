"""`mfdoctor check`: run every check group that applies and gather one Report.

Groups: the config lint (names and values of every layer), `user` (identity chain),
`azure` (offline rules, flow files, then the live probes unless --offline); without
Azure, the flow files' @secrets still (found in the current directory by default). Each
group's wall time is kept for -v.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..findings import ERROR, REASON_OFFLINE, SKIPPED, WARNING, Finding, Report
from .. import ids
from .azure_static import azure_applies, has_key_vault, no_key_vault, run_azure_static
from .flows import collect_secret_refs, find_flow_files, run_flow_checks
from .flows.remote_decos import read_flows
from .lint import run_lint
from .remote import run_remote_checks
from .user import check_user


@dataclass
class CheckOptions:
    group: str = "all"  # all | user | azure
    offline: bool = False
    flows: list = field(default_factory=list)
    secrets: list = field(default_factory=list)
    timeout: float = 15.0
    read_only: bool = False
    verbose: bool = False
    management_url: Optional[str] = None
    vault_url: Optional[str] = None
    storage_account_id: Optional[str] = None
    targets: list = field(default_factory=list)  # --target: remote targets to check
    # Told what the live probes are doing (one line of text), for a terminal's status line.
    progress: Optional[Callable[[str], None]] = None


def _timed(report: Report, name: str, fn):
    start = time.perf_counter()
    report.add(fn())
    report.timings[name] = time.perf_counter() - start


def run_check(res, opts: CheckOptions, settings=None) -> Report:
    report = Report()
    if opts.group == "all":
        _timed(report, "config", lambda: run_lint(None, res=res, settings=settings))
    if opts.group in ("all", "user"):
        _timed(report, "user", lambda: check_user(res))
    if opts.group == "all":
        _timed(report, "remote", lambda: _remote(res, opts))
    # Asking for --secret or --flow is asking for the Azure checks, applicable or not.
    wanted = opts.group == "all" and (azure_applies(res) or opts.secrets or opts.flows)
    if opts.group == "azure" or wanted:
        flows = list(opts.flows) or find_flow_files(res.cwd)
        _timed(
            report, "azure (offline)",
            lambda: run_azure_static(res, flows=flows, secrets=opts.secrets, cwd=res.cwd,
                                     include_config_errors=opts.group == "azure"),
        )
        _timed(report, "azure (live)", lambda: _live(res, opts, flows))
    elif opts.group == "all":
        # The flow files' @secrets fail whatever the datastore (a source without a
        # backend, a string instead of a list...): the ones in the current directory.
        _timed(report, "flows", lambda: run_flow_checks(res, flows=opts.flows, cwd=res.cwd))
    report.findings = without_duplicates(report.findings)
    return report


_PROBLEMS = (ERROR, WARNING)


def without_duplicates(findings: list) -> list:
    """One problem, one finding: where a domain check (azure.*, secrets.*) reports a
    problem with a key, the generic config lint's finding for that key is dropped, since
    the domain check says the same thing with a more specific cause and fix."""
    specific = {
        f.key for f in findings
        if f.key and f.severity in _PROBLEMS and not f.check.startswith("config.")
    }
    return [
        f for f in findings
        if not (f.check.startswith("config.") and f.severity in _PROBLEMS and f.key in specific)
    ]


def _remote(res, opts: CheckOptions) -> list:
    """Settings that stay behind, for each --target or the flows' @kubernetes/@batch."""
    flows = read_flows(list(opts.flows) or find_flow_files(res.cwd))
    return run_remote_checks(res, flows, opts.targets)


def _live(res, opts: CheckOptions, flows: list) -> list:
    if opts.offline:
        return [Finding(c, SKIPPED, "Live probe not run (--offline).", detail={"reason": REASON_OFFLINE})
                for c in ids.AZURE_LIVE]
    # Imported only for the live probes: it loads the Azure SDK.
    from .azure_live import run_live, settings_from_resolution

    refs = collect_secret_refs(flows, res=res) if flows else []
    secrets = list(opts.secrets) + list(refs)
    skipped = []
    if secrets and not has_key_vault(res):
        # The probe would read a secret this release cannot read at all.
        skipped, secrets = [no_key_vault(res, ids.AZURE_KEYVAULT, SKIPPED)], []
    live = settings_from_resolution(
        res,
        secrets=secrets,
        management_url=opts.management_url,
        vault_url=opts.vault_url,
        storage_account_id=opts.storage_account_id,
    )
    return skipped + run_live(live, timeout=opts.timeout, read_only=opts.read_only, verbose=opts.verbose,
                              progress=opts.progress)
