"""Time bounds for the live probes.

Every probe gets a `Deadline`; SDK calls take their connection/read timeouts
from what is left of it, so no single call can outlive the probe. Probes run
in daemon threads (`Task`): when the global `--timeout` passes, run_live stops
waiting and reports each unfinished probe as `skipped`, naming the step it was
stuck in. Daemon threads matter here: a hung socket in a ThreadPoolExecutor
worker would keep the interpreter from exiting.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Optional


# The fix of a probe that timed out waiting for the credential probe: the cause is there.
WAITING_HINT = "the credential never arrived: see azure.credential for what it was waiting on"


class Deadline:
    def __init__(self, seconds: float, *, end: Optional[float] = None):
        self.end = end if end is not None else time.monotonic() + max(0.0, seconds)

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def child(self, seconds: float) -> "Deadline":
        """A deadline at most `seconds` away and never later than this one."""
        return Deadline(0, end=min(self.end, time.monotonic() + seconds))

    def timeouts(self, connect: float = 3.0, read: float = 6.0) -> tuple:
        """(connection_timeout, read_timeout) for one HTTP call, bounded by what is left."""
        left = max(0.05, self.remaining())
        return (min(connect, left), min(read, left))


class Task:
    """Run `fn(*args)` in a daemon thread; `step` says what it is doing now."""

    def __init__(self, name: str, fn: Callable[..., Any], *args: Any):
        self.name = name
        self.step = "starting"
        self.hint: Optional[str] = None
        self.target: Optional[str] = None
        self.step_started = time.monotonic()
        self.result: Any = None
        self.error: Optional[BaseException] = None
        self.started = time.monotonic()
        self.elapsed: Optional[float] = None
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(fn, args), name="mfdoctor-" + name, daemon=True
        )
        self._thread.start()

    def _run(self, fn, args):
        try:
            self.result = fn(self, *args)
        except BaseException as e:  # reported by the caller as a finding
            self.error = e
        finally:
            self.elapsed = time.monotonic() - self.started
            self._done.set()

    def set_step(self, text: str, hint: Optional[str] = None, target: Optional[str] = None) -> None:
        """What the probe does now; `hint`: what to check if it hangs there (the timeout's
        fix); `target`: what it waits on, in a few words, for the progress display."""
        self.step = text
        self.hint = hint
        self.target = target
        self.step_started = time.monotonic()

    def status(self) -> str:
        """A few words for the progress display: for how long, the probe, what it waits on."""
        return "%.0fs %s: %s" % (time.monotonic() - self.step_started, self.name, self.target or self.step)

    def wait(self, deadline: Deadline) -> bool:
        """Wait until done or the deadline passes; True when done."""
        # Short waits keep the main thread responsive to Ctrl-C.
        while not self._done.is_set():
            left = deadline.remaining()
            if left <= 0:
                return False
            self._done.wait(min(left, 0.1))
        return True

    @property
    def done(self) -> bool:
        return self._done.is_set()
