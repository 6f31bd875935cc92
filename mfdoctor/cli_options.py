"""The options shared by several commands, declared once: the global options (accepted
before or after the command name, `with_globals`) and those of the report commands
(`lint`, `check`). cli.py composes them; a new shared option is one entry here."""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from enum import Enum
from typing import List, Optional

import typer

from .render import FORMATS


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class State:
    profile: Optional[str] = None
    color: str = "auto"
    verbose: bool = False
    quiet: bool = False


state = State()


# The global options, declared once. Each is accepted before the command (`mfdoctor -v
# check`) and after it (`mfdoctor check -v`): `with_globals` adds them to the callback and to
# every command. A value given after the command wins; one not given there leaves the
# value given before it alone (hence the None / False defaults and `_apply`).
GLOBAL_OPTIONS = {
    "verbose": (bool, lambda: typer.Option(
        False, "--verbose", "-v", help="More detail: passing checks, timings.")),
    "quiet": (bool, lambda: typer.Option(
        False, "--quiet", "-q", help="Only the findings to act on: no header, passing checks or summary.")),
    "no_color": (bool, lambda: typer.Option(
        False, "--no-color", help="No colours (same as --color never; NO_COLOR is honoured too).")),
    "color": (Optional[Color], lambda: typer.Option(
        None, "--color", help="Colours: auto (on a terminal, unless NO_COLOR is set), always, never.")),
    "profile": (Optional[str], lambda: typer.Option(
        None, "--profile", "-p", help="Act as if METAFLOW_PROFILE=PROFILE.", metavar="PROFILE")),
    "fingerprints": (bool, lambda: typer.Option(
        False, "--fingerprints", help="Show a slow, salted fingerprint (scrypt) of each secret, to "
        "compare two machines without showing it. Off by default: see the README.")),
}


def apply_globals(values: dict) -> None:
    if values["verbose"]:
        state.verbose = True
    if values["quiet"]:
        state.quiet = True
    if values["no_color"]:
        state.color = Color.never.value
    if values["color"] is not None:
        state.color = values["color"].value
    if values["profile"] is not None:
        state.profile = values["profile"]
    if values["fingerprints"]:
        from .redact import enable_fingerprints

        enable_fingerprints()


def _with_options(fn, options: dict, take):
    """`fn` with `options` ({name: (annotation, make Option)}) added as keyword-only
    parameters (Typer reads the signature); before it runs, `take(values, kwargs)` gets
    their values and may add to `fn`'s keyword arguments."""
    sig = inspect.signature(fn, eval_str=True)
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=make(), annotation=ann)
             for name, (ann, make) in options.items()]
    params = [p for p in sig.parameters.values() if p.name != "report"] + extra

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        take({name: kwargs.pop(name) for name in options}, kwargs)
        return fn(*args, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params)
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__  # Typer must see the new signature, not fn's
    return wrapper


def with_globals(fn):
    """Give `fn` the global options; their values go to `state`."""
    return _with_options(fn, GLOBAL_OPTIONS, lambda values, kwargs: apply_globals(values))


def formats(enum_name: str, command: str):
    """The --format choices: the renderer table's names (a new format is one table entry)."""
    return Enum(enum_name, [(name, name) for name in FORMATS[command]], type=str)


ShowFormat = formats("ShowFormat", "show")
ExplainFormat = formats("ExplainFormat", "explain")
ReportFormat = formats("ReportFormat", "report")


# The options lint and check share, declared once (a linter's conventions: ruff, eslint).
# `with_report_options` adds them and passes their values as one `report: ReportArgs`.
REPORT_OPTIONS = {
    "fmt": (ReportFormat, lambda: typer.Option(ReportFormat.human, "--format", "-f", help="Output format.")),
    "strict": (bool, lambda: typer.Option(
        False, "--strict", help="Warnings, and checks that could not complete (a timeout, no permission), "
        "fail too; probes deliberately not run (--offline) do not.")),
    "select": (Optional[List[str]], lambda: typer.Option(
        None, "--select", help="Only these check ids (repeatable, comma lists, prefixes like config.).")),
    "ignore": (Optional[List[str]], lambda: typer.Option(
        None, "--ignore", help="Not these check ids (repeatable).")),
    "exit_zero": (bool, lambda: typer.Option(
        False, "--exit-zero", help="Exit 0 even when findings fail (2 still means it could not run).")),
    "output_file": (Optional[str], lambda: typer.Option(
        None, "--output-file", "-o", metavar="PATH", help="Write the report to PATH instead of standard output.")),
    "summary_file": (Optional[str], lambda: typer.Option(
        None, "--summary-file", metavar="PATH",
        help="Also append the report in Markdown to PATH (e.g. $GITHUB_STEP_SUMMARY).")),
}


@dataclass(frozen=True)
class ReportArgs:
    fmt: Enum
    strict: bool
    select: Optional[List[str]]
    ignore: Optional[List[str]]
    exit_zero: bool
    output_file: Optional[str]
    summary_file: Optional[str]


def with_report_options(fn):
    """Give `fn` (which takes `report: ReportArgs`) the report options."""
    def take(values, kwargs):
        kwargs["report"] = ReportArgs(**values)
    return _with_options(fn, REPORT_OPTIONS, take)
