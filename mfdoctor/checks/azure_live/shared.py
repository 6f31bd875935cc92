"""What the concurrent probes share: the credential, the resource ids RBAC finds, and the cleanup registry.

The credential probe publishes its result; the others wait for it before their
authenticated calls (never past the deadline). The RBAC probe publishes the
storage account's and vaults' resource ids, which the container and Key Vault
probes use in their fix commands.
"""

from __future__ import annotations

import threading
from typing import Optional

from .container import parse_endpoint, parse_sysroot
from .deadline import Deadline
from .keyvault import resolve_secret
from .settings import LiveSettings
from .write_probe import Cleanup


class Shared:
    def __init__(self, settings: LiveSettings, deadline: Deadline, read_only: bool):
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

    def lookups_done(self) -> None:
        """The RBAC probe has ended, however: nobody need wait for an id it did not publish."""
        if not self._account_ready.is_set():
            self.publish_account_id(None)
        self._vaults_ready.set()

    def wait_vault_id(self, vault: str, seconds: float) -> Optional[str]:
        self._vaults_ready.wait(min(seconds, self.deadline.remaining()))
        return self.vault_ids.get(vault.lower())

    def wait_account_id(self, seconds: float) -> Optional[str]:
        self._account_ready.wait(min(seconds, self.deadline.remaining()))
        return self.account_id
