"""Live Azure probes for `mfdoctor check azure`: credential, container, RBAC, Key Vault.

Entry point: `run_live(settings, timeout=15.0, read_only=False, verbose=False)`
returns findings with ids `azure.credential`, `azure.container`, `azure.rbac`,
`azure.keyvault`. Build the settings with `settings_from_resolution(res, ...)`
from a config Resolution, or directly.

How the probes run: the credential (exactly Metaflow's DefaultAzureCredential)
starts at once; so do the container probe (its DNS/TCP/TLS reachability needs
no token), the RBAC probe and one probe per secret, which wait for the
credential before their authenticated calls. Each has a deadline inside the
global `timeout`; whatever has not finished then is reported `skipped`, naming
the step it was stuck in. The write probe's blob is deleted on every path
(finally, timeout, Ctrl-C, SIGTERM).

Base URLs (sovereign clouds, private endpoints, tests):
  MFDOCTOR_AZURE_MANAGEMENT_URL  ARM and Resource Graph (default https://management.azure.com);
                                 the token scope follows it (<origin>/.default).
  MFDOCTOR_AZURE_VAULT_URL       send Key Vault calls here instead of the vault's own URL
                                 (`{vault}` is replaced by the vault name); this disables the
                                 SDK's check that the auth challenge names the vault's domain.
TLS trust follows the SDK: `connection_verify` if given, else REQUESTS_CA_BUNDLE, else
CURL_CA_BUNDLE, else the system store.

The Azure SDK is imported only inside functions: importing this package is cheap
and `mfdoctor show`/`lint` never load azure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

from ...findings import ERROR, INFO, SKIPPED, Finding, Location
from .deadline import Deadline, Task
from .environ import ca_bundle, use_environment

__all__ = ["LiveSettings", "run_live", "settings_from_resolution", "CHECKS",
           "MANAGEMENT_URL_ENV", "VAULT_URL_ENV", "DEFAULT_MANAGEMENT_URL"]

CHECKS = ("azure.credential", "azure.container", "azure.rbac", "azure.keyvault")
MANAGEMENT_URL_ENV = "MFDOCTOR_AZURE_MANAGEMENT_URL"
VAULT_URL_ENV = "MFDOCTOR_AZURE_VAULT_URL"
DEFAULT_MANAGEMENT_URL = "https://management.azure.com"
# After the global timeout or Ctrl-C: how long cleanup of the write probe may take.
CLEANUP_GRACE_S = 5.0

_KEYS = ("METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT", "METAFLOW_DATASTORE_SYSROOT_AZURE",
         "METAFLOW_DEFAULT_DATASTORE", "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER", "METAFLOW_AZURE_KEY_VAULT_PREFIX")


@dataclass
class LiveSettings:
    """Plain values the live probes need (what Metaflow would resolve, plus mfdoctor's options)."""

    blob_endpoint: Optional[str] = None  # METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT
    sysroot: Optional[str] = None  # METAFLOW_DATASTORE_SYSROOT_AZURE (<container>/<prefix>)
    datastore: Optional[str] = None  # METAFLOW_DEFAULT_DATASTORE
    client_provider: str = "azure-default"  # METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER
    known_client_providers: Optional[list] = None  # plugin names Metaflow knows (None: not checked)
    key_vault_prefix: Optional[str] = None  # METAFLOW_AZURE_KEY_VAULT_PREFIX
    secrets: list = field(default_factory=list)  # [(secret id, Location or None)]
    storage_account_id: Optional[str] = None  # --storage-account-id
    management_url: Optional[str] = None  # --management-url, else $MFDOCTOR_AZURE_MANAGEMENT_URL
    vault_url: Optional[str] = None  # --vault-url, else $MFDOCTOR_AZURE_VAULT_URL
    connection_verify: Optional[str] = None  # CA bundle path; None: REQUESTS_CA_BUNDLE / system
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    locations: dict = field(default_factory=dict)  # key -> Location where it was set
    verbose: bool = False

    def __post_init__(self):
        self.management_url = (self.management_url or self.env.get(MANAGEMENT_URL_ENV)
                               or DEFAULT_MANAGEMENT_URL).rstrip("/")
        self.vault_url = self.vault_url or self.env.get(VAULT_URL_ENV) or None
        self.secrets = [_secret_ref(s) for s in self.secrets or []]
        self.secrets = [s for s in self.secrets if s is not None]

    @property
    def ca_bundle(self) -> Optional[str]:
        """The CA file the SDK will trust (None: system store)."""
        return ca_bundle(self.env, self.connection_verify)

    @property
    def ca_bundle_explicit(self) -> Optional[str]:
        return self.connection_verify

    def location(self, key: str) -> Optional[Location]:
        return self.locations.get(key)


def _secret_ref(item) -> Optional[tuple]:
    """(id, Location|None) from a string, a tuple, or a flow-scan reference object."""
    if item is None:
        return None
    if isinstance(item, str):
        return (item, None)
    if isinstance(item, (tuple, list)):
        return (item[0], item[1] if len(item) > 1 else None)
    backend = getattr(item, "backend", None) or getattr(item, "type", None)
    if backend not in (None, "az-key-vault"):
        return None  # another backend's secret: not ours to read
    sid = getattr(item, "id", None) or getattr(item, "secret_id", None)
    if not isinstance(sid, str) or not sid:
        return None
    return (sid, getattr(item, "location", None))


def settings_from_resolution(res, secrets: Iterable = (), **overrides) -> LiveSettings:
    """LiveSettings from a config Resolution (mfdoctor.config.resolve); None overrides are ignored."""
    def value(name):
        v = res.value(name)
        return None if v is None or v == "" else str(v)

    locations = {}
    for k in _KEYS:
        rk = res.get(k)
        if rk is not None and rk.location is not None:
            locations[k] = rk.location
    try:
        known = list(res.catalog.plugins.get("azure_client_provider") or []) or None
    except AttributeError:
        known = None
    kw: dict[str, Any] = dict(
        blob_endpoint=value("METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"),
        sysroot=value("METAFLOW_DATASTORE_SYSROOT_AZURE"),
        datastore=value("METAFLOW_DEFAULT_DATASTORE"),
        client_provider=value("METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER") or "azure-default",
        known_client_providers=known,
        key_vault_prefix=value("METAFLOW_AZURE_KEY_VAULT_PREFIX"),
        secrets=list(secrets or []),
        env=res.env,
        locations=locations,
    )
    kw.update({k: v for k, v in overrides.items() if v is not None})
    return LiveSettings(**kw)


# --- shared state between the probes ---------------------------------------------


class _Shared:
    def __init__(self, settings: LiveSettings, deadline: Deadline, read_only: bool):
        from .container import Cleanup, parse_endpoint, parse_sysroot

        self.settings = settings
        self.deadline = deadline
        self.read_only = read_only
        self.cleanup = Cleanup()
        self.credential = None
        self._cred_ready = threading.Event()
        self.account_id = None
        self._account_ready = threading.Event()
        self.vault_ids: dict = {}
        self._vaults_ready = threading.Event()
        self.account = self.container = self.prefix = None
        try:
            if settings.blob_endpoint:
                self.account = parse_endpoint(settings.blob_endpoint).account
            if settings.sysroot:
                self.container, self.prefix = parse_sysroot(settings.sysroot)
        except ValueError:
            pass
        # (vault name, secret id) for each secret whose id Metaflow accepts.
        from .keyvault import resolve_secret

        self.vaults = []
        for sid, _loc in settings.secrets:
            try:
                self.vaults.append((resolve_secret(sid, settings.key_vault_prefix).vault_name, sid))
            except ValueError:
                pass

    def set_credential(self, result) -> None:
        self.credential = result
        self._cred_ready.set()

    def wait_credential(self):
        while not self._cred_ready.wait(0.1):
            if self.deadline.expired:
                return None
        return self.credential

    def publish_account_id(self, account_id: Optional[str]) -> None:
        self.account_id = account_id
        self._account_ready.set()

    def publish_vault_ids(self, ids: dict) -> None:
        self.vault_ids.update({k.lower(): v for k, v in ids.items() if v})
        self._vaults_ready.set()

    def wait_vault_id(self, vault: str, seconds: float) -> Optional[str]:
        self._vaults_ready.wait(min(seconds, self.deadline.remaining()))
        return self.vault_ids.get(vault.lower())

    def wait_account_id(self, seconds: float) -> Optional[str]:
        self._account_ready.wait(min(seconds, self.deadline.remaining()))
        return self.account_id


def _credential_task(task, shared):
    from .credential import probe_credential

    result = None
    try:
        result = probe_credential(shared.settings, shared.deadline, task)
        return result.findings
    finally:
        shared.set_credential(result)


def _container_task(task, shared):
    from .container import probe_container

    return probe_container(task, shared)


def _rbac_task(task, shared):
    from .rbac import probe_rbac

    try:
        return probe_rbac(task, shared)
    finally:
        if not shared._account_ready.is_set():
            shared.publish_account_id(None)
        shared._vaults_ready.set()


def _secret_task(task, shared, sid, loc):
    from .keyvault import probe_secret

    return probe_secret(task, shared, sid, loc)


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM raises KeyboardInterrupt during the probes, so the write probe is cleaned up either way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt("SIGTERM")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _missing_sdk() -> Optional[str]:
    try:
        import azure.identity  # noqa: F401
        import azure.storage.blob  # noqa: F401
    except ImportError as e:
        return str(e)
    return None


def run_live(settings: LiveSettings, *, timeout: float = 15.0, read_only: bool = False,
             verbose: bool = False) -> list:
    """Run every live probe that applies; never raises for an Azure problem, never prints."""
    settings = dataclasses.replace(settings, verbose=verbose)
    deadline = Deadline(timeout)
    with use_environment(settings.env), _sigterm_as_interrupt():
        missing = _missing_sdk()
        if missing:
            return [Finding("azure.credential", ERROR,
                            "The Azure SDK is not installed (%s); Metaflow's azure datastore needs it too." % missing,
                            fix="pip install azure-identity azure-storage-blob azure-keyvault-secrets")] + [
                Finding(c, SKIPPED, "Not probed: the Azure SDK is not installed.") for c in CHECKS[1:]]
        from .credential import silence_azure_logging

        undo_logging = silence_azure_logging()
        shared = _Shared(settings, deadline, read_only)
        tasks = [Task("azure.credential", _credential_task, shared),
                 Task("azure.container", _container_task, shared),
                 Task("azure.rbac", _rbac_task, shared)]
        seen = {}
        for sid, loc in settings.secrets:
            if sid not in seen:
                seen[sid] = loc
                tasks.append(Task("azure.keyvault", _secret_task, shared, sid, loc))
        finished = False
        try:
            for t in tasks:
                t.wait(deadline)
            finished = all(t.done for t in tasks)
        finally:
            # From here on no probe may start a write (an abandoned thread could otherwise leave a blob).
            shared.cleanup.abort()
            # Timeout, Ctrl-C or SIGTERM with a write probe in flight: delete its blob now.
            if not finished or shared.cleanup.pending:
                if shared.cleanup.run_all():
                    # An upload was in flight: it may land after our delete. Give the probe a moment to
                    # finish it (it sees `aborted` and deletes in its own finally), then delete again.
                    tasks[1].wait(Deadline(CLEANUP_GRACE_S))
                    shared.cleanup.run_all()
                    shared.cleanup.sweep(CLEANUP_GRACE_S)
            undo_logging()
    return _collect(tasks, shared, timeout)


def _collect(tasks, shared, timeout) -> list:
    out = []
    for t in tasks:
        if not t.done:
            out.append(Finding(t.name, SKIPPED, "Did not finish within the %gs timeout (was %s)." % (timeout, t.step),
                               fix="Retry with a longer --timeout, or check the network path to Azure.",
                               detail={"step": t.step}))
        elif t.error is not None:
            out.append(Finding(t.name, ERROR, "The probe crashed: %s: %s" % (type(t.error).__name__, t.error),
                               fix="Please report this as an mfdoctor bug (run with -v)."))
        else:
            out.extend(t.result or [])
    if not any(t.name == "azure.keyvault" for t in tasks):
        # Say so rather than drop the check: --offline reports it too.
        out.append(Finding("azure.keyvault", INFO,
                           "No Key Vault secret to read: no --secret given and no az-key-vault "
                           "@secrets source found in the flow files."))
    if shared.cleanup.leftovers:
        names = ", ".join(shared.cleanup.leftovers)
        out.append(Finding("azure.container", ERROR, "The write probe could not delete its blob(s): %s" % names,
                           fix="az storage blob delete --account-name %s --container-name %s --auth-mode login "
                               "--name <name above>" % (shared.account, shared.container)))
    _propagation_note(out)
    _data_plane_wins(out)
    return out


def _data_plane_wins(findings: list) -> None:
    """The container probe is the ground truth: if it read, wrote and deleted, a missing grant in the
    role assignments means access comes from something this check cannot see, not a failure."""
    container_ok = any(f.check == "azure.container" and f.severity == "ok" and "delete" in
                       (f.detail.get("steps") or {}) for f in findings)
    for i, f in enumerate(findings):
        if container_ok and f.check == "azure.rbac" and f.severity == ERROR and f.detail.get("granted") is False:
            findings[i] = dataclasses.replace(f, severity="warning", message=f.message + (
                " Yet the container probe read, wrote and deleted: access comes from something "
                "this check does not see (an ABAC condition, a classic administrator, or an emulator)."))


def _propagation_note(findings: list) -> None:
    """A data-plane 403 while the role assignment exists: most likely still propagating."""
    mismatch = [i for i, f in enumerate(findings) if f.check == "azure.container" and
                f.detail.get("error_code") == "AuthorizationPermissionMismatch"]
    granted = [f for f in findings if f.check == "azure.rbac" and f.detail.get("granted") is True]
    if mismatch and granted:
        created = [a.get("created") for a in granted[0].detail.get("assignments", []) if a.get("created")]
        note = (" The role assignments say access is granted%s, so the assignment is most likely still "
                "propagating (up to 30 minutes), or a deny assignment or condition applies."
                % (" (newest created %s)" % max(created) if created else ""))
        i = mismatch[0]
        findings[i] = dataclasses.replace(findings[i], message=findings[i].message + note)
