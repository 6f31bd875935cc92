"""The Rich console every human-facing output prints through."""

from __future__ import annotations

import os

from rich.console import Console


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # Rich's own handling exits 1; the CLI drops the output and keeps the verdict's
        # exit code instead (see cli._write).
        self.quiet = True
        raise BrokenPipeError()


def make_console(file=None, no_color: bool = False, stderr: bool = False, color: str = "auto") -> Console:
    """The one console mfdoctor prints through: no colour when asked or NO_COLOR is set
    (Rich already drops colour when `file` is not a terminal), and no markup or emoji
    parsing: messages carry user text (`[/x]` in a value must print, not crash).
    `color="always"` (`--color always`) colours a pipe or file too, and beats NO_COLOR,
    as a command-line flag should (no-color.org)."""
    if color == "always":
        return _Console(file=file, stderr=stderr, force_terminal=True, no_color=False, highlight=False, soft_wrap=True,
                       markup=False, emoji=False)
    no_color = no_color or color == "never" or bool(os.environ.get("NO_COLOR"))
    return _Console(file=file, stderr=stderr, no_color=no_color, highlight=False, soft_wrap=True,
                   markup=False, emoji=False)
