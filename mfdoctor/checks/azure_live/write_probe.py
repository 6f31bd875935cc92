"""The container probe's write step, and the guarantee that its blob does not outlive the run.

A uniquely named blob under the sysroot prefix is uploaded with `If-None-Match: *`
(never overwrites), read back, and deleted with its ETag. Cleanup is
guaranteed on every path: the probe's own `finally`; `clean_up` from run_live
on timeout or Ctrl-C; and SIGTERM, which `sigterm_as_interrupt` turns into a
KeyboardInterrupt so the same path runs.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Optional

from .deadline import Deadline, Task

# The Azure SDK is imported inside the functions that call it: importing this
# module must not load azure (show and lint import the checks package).

PROBE_PREFIX = ".mfdoctor-probe-"
# After the global timeout or Ctrl-C: how long cleanup of the write probe may take.
CLEANUP_GRACE_S = 5.0


@dataclass
class _Pending:
    blob_client: object
    name: str
    etag: Optional[str] = None


@dataclass
class Cleanup:
    """Probe blobs that may exist; run_all deletes whatever is still registered."""

    pending: dict = field(default_factory=dict)
    aborted: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    leftovers: list = field(default_factory=list)  # names that could not be deleted
    uncertain: dict = field(default_factory=dict)  # name -> blob client, for uploads cut off mid-call

    def register(self, blob_client, name: str) -> None:
        with self.lock:  # atomic with abort(): once aborted, no new probe blob may be started
            if self.aborted:
                raise TimeoutError("the write probe was not started: out of time")
            self.pending[name] = _Pending(blob_client, name)

    def abort(self) -> None:
        with self.lock:
            self.aborted = True

    def set_etag(self, name: str, etag: str) -> None:
        with self.lock:
            if name in self.pending:
                self.pending[name].etag = etag

    def done(self, name: str) -> None:
        with self.lock:
            self.pending.pop(name, None)

    def delete(self, name: str) -> bool:
        """Delete a registered probe blob; True when it is gone."""
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError

        with self.lock:
            p = self.pending.get(name)
        if p is None:
            return True
        timeouts = {"connection_timeout": 3, "read_timeout": 5}
        try:
            if p.etag:
                try:
                    p.blob_client.delete_blob(etag=p.etag, match_condition=MatchConditions.IfNotModified, **timeouts)
                except ResourceModifiedError:
                    # Someone changed our uniquely named blob: leave it and say so.
                    self.leftovers.append(name)
                    self.done(name)
                    return False
            else:
                # The upload may or may not have landed (or may land later: a server can commit a
                # request whose client gave up). The name is unique to this run, so a blob with it
                # is ours; `sweep` looks again for a while.
                with self.lock:
                    self.uncertain[name] = p.blob_client
                p.blob_client.delete_blob(**timeouts)
        except ResourceNotFoundError:
            pass
        except Exception:
            self.leftovers.append(name)
            self.done(name)
            return False
        self.done(name)
        return True

    def sweep(self, seconds: float) -> None:
        """Keep deleting blobs of cut-off uploads for `seconds`, in case one lands late."""
        from azure.core.exceptions import ResourceNotFoundError

        end = time.monotonic() + seconds
        while self.uncertain and time.monotonic() < end:
            for name, client in list(self.uncertain.items()):
                try:
                    client.delete_blob(connection_timeout=2, read_timeout=3)
                    self.uncertain.pop(name, None)  # it had landed; now it is gone
                except ResourceNotFoundError:
                    pass
                except Exception:
                    pass
            time.sleep(0.25)
        self.uncertain.clear()

    def run_all(self) -> bool:
        """Delete every pending probe blob; True when an upload was still in flight (no ETag yet)."""
        self.abort()
        with self.lock:
            in_flight = any(p.etag is None for p in self.pending.values())
        for name in list(self.pending):
            self.delete(name)
        return in_flight


def write_probe(task, cc, prefix, ctx) -> dict:
    """Write, read back and delete a probe blob under `prefix`; the step timings."""
    from azure.core import MatchConditions

    if ctx.cleanup.aborted or ctx.deadline.expired:
        # run_live has given up on this probe: a blob written now might outlive the process.
        raise TimeoutError("the write probe was not started: out of time")
    name = "%s%s%s" % ((prefix + "/") if prefix else "", PROBE_PREFIX, uuid.uuid4().hex)
    data = b"mfdoctor write probe; safe to delete\n"
    blob = cc.get_blob_client(name)
    ctx.cleanup.register(blob, name)  # before the upload: a timeout mid-call may still create it
    steps = {}
    try:
        task.set_step("uploading probe blob %s (If-None-Match: *)" % name)
        t = time.monotonic()
        r = blob.upload_blob(data, overwrite=False)  # the SDK sends If-None-Match: *
        ctx.cleanup.set_etag(name, r["etag"])
        steps["write"] = round(time.monotonic() - t, 3)
        if ctx.cleanup.aborted:
            return steps
        task.set_step("reading probe blob %s back" % name)
        t = time.monotonic()
        got = blob.download_blob().readall()
        steps["read"] = round(time.monotonic() - t, 3)
        if got != data:
            raise RuntimeError("the probe blob read back differs from what was written")
        task.set_step("deleting probe blob %s" % name)
        t = time.monotonic()
        blob.delete_blob(etag=r["etag"], match_condition=MatchConditions.IfNotModified)
        ctx.cleanup.done(name)
        steps["delete"] = round(time.monotonic() - t, 3)
    finally:
        if name in ctx.cleanup.pending:
            ctx.cleanup.delete(name)
    return steps


def clean_up(cleanup: Cleanup, finished: bool, container_task: Task) -> None:
    """After the probes, on every path: no write may start any more, and a probe blob left is deleted."""
    # From here on no probe may start a write (an abandoned thread could otherwise leave a blob).
    cleanup.abort()
    # Timeout, Ctrl-C or SIGTERM with a write probe in flight: delete its blob now.
    if not finished or cleanup.pending:
        if cleanup.run_all():
            # An upload was in flight: it may land after our delete. Give the probe a moment to
            # finish it (it sees `aborted` and deletes in its own finally), then delete again.
            container_task.wait(Deadline(CLEANUP_GRACE_S))
            cleanup.run_all()
            cleanup.sweep(CLEANUP_GRACE_S)


@contextlib.contextmanager
def sigterm_as_interrupt():
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
