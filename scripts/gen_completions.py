#!/usr/bin/env python3
"""Write the shell completion scripts for mfdoctor into completions/.

The scripts come from the Typer app itself (the same text `mfdoctor --show-completion
SHELL` prints); they ask mfdoctor for candidates at completion time, so commands,
options and key names are always those of the installed mfdoctor.

    python scripts/gen_completions.py          # write completions/
    python scripts/gen_completions.py --check  # exit 1 if completions/ is stale
"""

import os
import sys

from typer._completion_shared import get_completion_script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "completions")
SHELLS = {"bash": "mfdoctor.bash", "zsh": "_mfdoctor", "fish": "mfdoctor.fish", "pwsh": "mfdoctor.ps1"}


def scripts() -> dict:
    # Importing the app makes sure the scripts are produced by the CLI we ship.
    from mfdoctor.cli import app  # noqa: F401

    return {
        fname: get_completion_script(prog_name="mfdoctor", complete_var="_MFDOCTOR_COMPLETE", shell=shell)
        for shell, fname in SHELLS.items()
    }


def main(argv) -> int:
    check = "--check" in argv
    stale = []
    for fname, text in scripts().items():
        path = os.path.join(OUT, fname)
        text = text.rstrip("\n") + "\n"
        current = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if current != text:
            stale.append(fname)
            if not check:
                os.makedirs(OUT, exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    if check and stale:
        print("stale completion scripts: %s (run python scripts/gen_completions.py)" % ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
