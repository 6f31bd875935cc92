"""The Typer app: parse options, call the library, render, set the exit code. No logic here."""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from . import __version__

app = typer.Typer(
    name="mfdoctor",
    help="The configuration doctor for Metaflow: effective config with provenance, "
    "lint of METAFLOW_* names and values, offline and live Azure checks, and the "
    "\"Unknown user\" diagnosis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _State:
    profile: Optional[str] = None
    no_color: bool = False
    verbose: bool = False


state = _State()


class ShowFormat(str, Enum):
    table = "table"
    json = "json"
    env = "env"


class ReportFormat(str, Enum):
    human = "human"
    json = "json"
    sarif = "sarif"
    github = "github"


class ExplainFormat(str, Enum):
    text = "text"
    json = "json"


class CheckGroup(str, Enum):
    all = "all"
    user = "user"
    azure = "azure"


def _console(stderr: bool = False):
    from rich.console import Console

    no_color = state.no_color or bool(os.environ.get("NO_COLOR"))
    return Console(stderr=stderr, no_color=no_color, highlight=False, soft_wrap=False)


def _version(value: bool):
    if value:
        typer.echo("mfdoctor %s" % __version__)
        raise typer.Exit()


@app.callback()
def main(
    profile: Optional[str] = typer.Option(
        None, "--profile", "-p", help="Act as if METAFLOW_PROFILE=PROFILE.", metavar="PROFILE"
    ),
    no_color: bool = typer.Option(False, "--no-color", help="No colours (NO_COLOR is honoured too)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="More detail: passing checks, timings."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
):
    state.profile = profile
    state.no_color = no_color
    state.verbose = verbose


def _resolve():
    from .config import resolve

    return resolve(profile=state.profile)


@app.command()
def show(
    patterns: Optional[List[str]] = typer.Argument(
        None, help="Keys to show: names with or without METAFLOW_, any case, shell globs ('AZURE*')."
    ),
    all_keys: bool = typer.Option(False, "--all", "-a", help="Every key, not only those that differ from the default."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", "-f", help="Output format."),
):
    """The effective Metaflow configuration: each key's value, where it came from, and what it overrides."""
    from .config.select import select_keys, unmatched_patterns

    res = _resolve()
    keys = select_keys(res, patterns or [], all_keys)
    if fmt is ShowFormat.json:
        from .render import show_json

        typer.echo(show_json.render(res, keys))
    elif fmt is ShowFormat.env:
        from .render import show_env

        typer.echo(show_env.render(res, keys))
    else:
        from .render import show_table

        show_table.render(res, keys, _console(), show_all=all_keys or bool(patterns))
    missing = unmatched_patterns(res, patterns or [])
    if missing:
        _console(stderr=True).print(
            "No key matches %s (try `mfdoctor explain NAME`)." % ", ".join(missing)
        )


@app.command()
def explain(
    key: str = typer.Argument(..., help="A key, with or without METAFLOW_."),
    fmt: ExplainFormat = typer.Option(ExplainFormat.text, "--format", "-f", help="Output format."),
):
    """Everything about one key: documentation, default, type, each layer's value, and how to set it."""
    from .config.explain import explain_key

    info = explain_key(_resolve(), key)
    if fmt is ExplainFormat.json:
        import json

        typer.echo(json.dumps(info, indent=2, default=str))
    else:
        from .render import explain_text

        explain_text.render(info, _console())
    if not info["found"]:
        raise typer.Exit(1)


def run():
    """Console-script entry: no traceback ever reaches the user."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("mfdoctor: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # pragma: no cover - the last line of defence
        if os.environ.get("MFDOCTOR_DEBUG"):
            raise
        sys.stderr.write(
            "mfdoctor: internal error: %s: %s\n(set MFDOCTOR_DEBUG=1 to see the traceback, "
            "and please report it)\n" % (type(exc).__name__, exc)
        )
        sys.exit(3)
