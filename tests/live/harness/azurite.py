"""Azurite (Microsoft's Blob Storage emulator) over HTTPS with basic OAuth, on a free port.

Installed by scripts/install-test-services.sh (`npm ci` in tests/live, version pinned in
package.json + package-lock.json). Found through $MFDOCTOR_AZURITE_BLOB, tests/live/node_modules,
or `azurite-blob` on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time

ACCOUNT = "devstoreaccount1"
# Azurite's documented development-account key (public, emulator only).
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
LIVE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_azurite() -> str | None:
    explicit = os.environ.get("MFDOCTOR_AZURITE_BLOB")
    if explicit:
        return explicit
    local = os.path.join(LIVE_DIR, "node_modules", ".bin", "azurite-blob")
    if os.path.exists(local):
        return local
    return shutil.which("azurite-blob")


class Azurite:
    def __init__(self, binary: str, cert: str, key: str, workdir: str):
        os.makedirs(workdir, exist_ok=True)
        self.cert = cert
        self.log = os.path.join(workdir, "azurite.log")
        args = [binary, "--blobHost", "127.0.0.1", "--blobPort", "0", "--cert", cert, "--key", key,
                "--oauth", "basic", "--disableTelemetry", "--inMemoryPersistence", "--skipApiVersionCheck",
                "--silent"]
        self._out = open(self.log, "w+")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     cwd=workdir, start_new_session=True)
        self.port = self._wait_port(30.0)

    def _wait_port(self, timeout: float) -> int:
        box = {}

        def read():
            for line in self.proc.stdout:
                self._out.write(line)
                self._out.flush()
                m = re.search(r"successfully listens on https://127\.0\.0\.1:(\d+)", line)
                if m and "port" not in box:
                    box["port"] = int(m.group(1))

        threading.Thread(target=read, daemon=True).start()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if "port" in box:
                return box["port"]
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        with open(self.log) as f:
            raise RuntimeError("Azurite did not start:\n" + f.read()[-2000:])

    @property
    def url(self) -> str:
        return "https://127.0.0.1:%d/%s" % (self.port, ACCOUNT)

    def admin(self):
        """A BlobServiceClient with the emulator's account key (for fixtures, not for the code under test)."""
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient(self.url, credential={"account_name": ACCOUNT, "account_key": ACCOUNT_KEY},
                                 connection_verify=self.cert)

    def list_blobs(self, container: str) -> list:
        return [b.name for b in self.admin().get_container_client(container).list_blobs()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._out.close()
