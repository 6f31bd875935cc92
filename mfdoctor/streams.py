"""The process's standard streams, made safe to write: a closed descriptor, an undecodable
file name, a reader that went away (`| head -1`) or a full disk never turns into a
traceback or a wrong exit code. Used by the console entry point in `cli.py`."""

from __future__ import annotations

import os
import sys


def drop_stdout() -> None:
    """Send what is left of stdout to /dev/null (the reader is gone)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def usable_streams() -> None:
    """Standard streams that can always be written: a closed descriptor (`>&-`) is
    reopened on /dev/null (so no file mfdoctor opens can take its number, and writing
    never fails), and text that cannot be encoded (an undecodable byte of a file name)
    is written as an escape instead of raising."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                new = os.open(os.devnull, os.O_RDWR)
                if new != fd:
                    os.dup2(new, fd)
                    os.close(new)
            except OSError:
                pass
    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = getattr(sys, name)
        if stream is None:
            try:
                setattr(sys, name, open(fd, "w", closefd=False, errors="backslashreplace"))
            except OSError:
                pass
        elif hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def finish(code) -> int:
    """Flush stdout before the interpreter does: a reader gone by now is not an error
    (the verdict's code stands); a full disk is (exit 2, as grep does)."""
    code = code if isinstance(code, int) else (0 if code is None else 1)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        drop_stdout()
    except OSError as exc:
        drop_stdout()
        say("mfdoctor: cannot write the output: %s\n" % (exc.strerror or exc))
        return 2
    return code


def say(text: str) -> None:
    try:
        sys.stderr.write(text)
    except OSError:
        pass
