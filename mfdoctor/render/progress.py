"""What a slow `check` is doing, on a terminal: one transient status line on stderr
(the probe, what it waits on, for how long), gone when the report prints.

Nothing at all when stderr is not a terminal or the format is for machines (JSON,
SARIF, GitHub): CI logs and parsed output never see it. The checks know nothing of
Rich: they call the function `live_status` yields with a line of text.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

HUMAN_FORMATS = ("human",)


@contextmanager
def live_status(fmt: str, no_color: bool = False, stream=None,
                quiet: bool = False) -> Iterator[Optional[Callable[[str], None]]]:
    """A context whose value is `update(text)` for the status line, or None when there
    is to be no status line (not a terminal, a machine format, --quiet)."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if fmt not in HUMAN_FORMATS or not tty or quiet:
        yield None
        return
    # Imported here: only a terminal that shows the status line pays for Rich's Live.
    from rich.text import Text

    from .console import make_console

    console = make_console(file=stream, no_color=no_color)

    def line(text: str) -> Text:
        # One line, cut to the window: a status line that wraps would scroll the screen.
        return Text(text, overflow="ellipsis", no_wrap=True, end="")

    with console.status(line("checking the configuration"), spinner="dots") as status:
        # `text` from the probes: "3s azure.credential: ManagedIdentityCredential at ..."
        yield lambda text: status.update(line(text))
