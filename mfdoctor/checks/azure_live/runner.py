"""Run the live probes concurrently under one deadline, then join their findings.

The credential (exactly Metaflow's DefaultAzureCredential) starts at once; so do
the container probe (its DNS/TCP/TLS reachability needs no token), the RBAC
probe and one probe per secret, which wait for the credential before their
authenticated calls. Each has a deadline inside the global `timeout`; whatever
has not finished then is reported `skipped`, naming the step it was stuck in.
"""

from __future__ import annotations

import dataclasses
import time

from ...findings import ERROR, INFO, OK, REASON_TIMEOUT, SKIPPED, WARNING, Finding
from ...ids import AZURE_CONTAINER, AZURE_CREDENTIAL, AZURE_KEYVAULT, AZURE_LIVE, AZURE_RBAC
from .container import probe_container
from .credential import probe_credential, silence_azure_logging
from .deadline import Deadline, Task
from .environ import use_environment
from .keyvault import probe_secret
from .rbac import probe_rbac
from .settings import LiveSettings
from .shared import Shared
from .write_probe import clean_up, sigterm_as_interrupt


def _credential_task(task, shared):
    result = None
    try:
        result = probe_credential(shared.settings, shared.deadline, task)
        return result.findings
    finally:
        shared.set_credential(result)


def _container_task(task, shared):
    return probe_container(task, shared)


def _rbac_task(task, shared):
    try:
        return probe_rbac(task, shared)
    finally:
        shared.lookups_done()


def _secret_task(task, shared, sid, loc):
    return probe_secret(task, shared, sid, loc)


def _missing_sdk() -> str | None:
    # Imported here, not at the top: only a live run may load the Azure SDK.
    try:
        import azure.identity  # noqa: F401
        import azure.storage.blob  # noqa: F401
    except ImportError as e:
        return str(e)
    return None


def _wait_all(tasks, deadline, progress) -> None:
    """Wait for every task until the deadline; `progress(text)` (when given) is told what
    the unfinished probes are doing, about ten times a second."""
    while True:
        running = [t for t in tasks if not t.done]
        if not running or deadline.expired:
            return
        if progress is not None:
            progress(" · ".join(t.status() for t in running))
        running[0].wait(deadline.child(0.1))


def run_live(settings: LiveSettings, *, timeout: float = 15.0, read_only: bool = False,
             verbose: bool = False, progress=None) -> list:
    """Run every live probe that applies; never raises for an Azure problem, never prints.
    `progress`: an optional callable given one line of status text while probes run (the
    CLI shows it on a terminal's stderr)."""
    settings = dataclasses.replace(settings, verbose=verbose)
    deadline = Deadline(timeout)
    with use_environment(settings.env), sigterm_as_interrupt():
        missing = _missing_sdk()
        if missing:
            return [Finding(AZURE_CREDENTIAL, ERROR,
                            "The Azure SDK is not installed (%s); Metaflow's azure datastore needs it too." % missing,
                            fix="pip install azure-identity azure-storage-blob azure-keyvault-secrets")] + [
                Finding(c, SKIPPED, "Not probed: the Azure SDK is not installed.") for c in AZURE_LIVE[1:]]
        undo_logging = silence_azure_logging()
        shared = Shared(settings, deadline, read_only)
        tasks = [Task(AZURE_CREDENTIAL, _credential_task, shared),
                 Task(AZURE_CONTAINER, _container_task, shared),
                 Task(AZURE_RBAC, _rbac_task, shared)]
        seen = {}
        for sid, loc in settings.secrets:
            if sid not in seen:
                seen[sid] = loc
                tasks.append(Task(AZURE_KEYVAULT, _secret_task, shared, sid, loc))
        finished = False
        try:
            _wait_all(tasks, deadline, progress)
            finished = all(t.done for t in tasks)
        finally:
            clean_up(shared.cleanup, finished, tasks[1])
            undo_logging()
    return _collect(tasks, shared, timeout)


def _collect(tasks, shared, timeout) -> list:
    out = []
    for t in tasks:
        if not t.done:
            waited = time.monotonic() - t.step_started
            out.append(Finding(t.name, SKIPPED, "Did not finish within the %gs timeout: %s for %.1fs."
                               % (timeout, t.step, waited),
                               fix="%s; or retry with a longer --timeout." % t.hint if t.hint else
                               "Retry with a longer --timeout, or check the network path to Azure.",
                               detail={"step": t.step, "seconds": round(waited, 1),
                                       "reason": REASON_TIMEOUT}))
        elif t.error is not None:
            out.append(Finding(t.name, ERROR, "The probe crashed: %s: %s" % (type(t.error).__name__, t.error),
                               fix="Please report this as an mfdoctor bug (run with -v)."))
        else:
            out.extend(t.result or [])
    if not any(t.name == AZURE_KEYVAULT for t in tasks):
        # Say so rather than drop the check: --offline reports it too.
        out.append(Finding(AZURE_KEYVAULT, INFO,
                           "No Key Vault secret to read: no --secret given and no az-key-vault "
                           "@secrets source found in the flow files."))
    if shared.cleanup.leftovers:
        names = ", ".join(shared.cleanup.leftovers)
        out.append(Finding(AZURE_CONTAINER, ERROR, "The write probe could not delete its blob(s): %s" % names,
                           fix="az storage blob delete --account-name %s --container-name %s --auth-mode login "
                               "--name <name above>" % (shared.account, shared.container)))
    return _data_plane_wins(_propagation_note(out))


# Findings are never changed in place: dataclasses.replace builds a new one, which
# validates and redacts again in Finding.__post_init__.


def _data_plane_wins(findings: list) -> list:
    """The container probe is the ground truth: if it read, wrote and deleted, a missing grant in the
    role assignments means access comes from something this check cannot see, not a failure."""
    container_ok = any(f.check == AZURE_CONTAINER and f.severity == OK and "delete" in
                       (f.detail.get("steps") or {}) for f in findings)
    if not container_ok:
        return findings
    return [dataclasses.replace(
        f, severity=WARNING,
        message=f.message + (" Yet the container probe read, wrote and deleted: access comes from something "
                             "this check does not see (an ABAC condition, a classic administrator, or an emulator)."))
            if f.check == AZURE_RBAC and f.severity == ERROR and f.detail.get("granted") is False else f
            for f in findings]


def _propagation_note(findings: list) -> list:
    """A data-plane 403 while the role assignment exists: most likely still propagating."""
    mismatch = [i for i, f in enumerate(findings) if f.check == AZURE_CONTAINER and
                f.detail.get("error_code") == "AuthorizationPermissionMismatch"]
    granted = [f for f in findings if f.check == AZURE_RBAC and f.detail.get("granted") is True]
    if not (mismatch and granted):
        return findings
    created = [a.get("created") for a in granted[0].detail.get("assignments", []) if a.get("created")]
    note = (" The role assignments say access is granted%s, so the assignment is most likely still "
            "propagating (up to 30 minutes), or a deny assignment or condition applies."
            % (" (newest created %s)" % max(created) if created else ""))
    out = list(findings)
    first = out[mismatch[0]]
    out[mismatch[0]] = dataclasses.replace(first, message=first.message + note)
    return out
