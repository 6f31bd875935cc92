"""The Typer app: parse options, call the library, render, set the exit code. No logic here.

Each command imports the library code it needs inside its function, to save start-up
time: `--help`, shell completion and every command load only what they use.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from . import __version__
from .render import FORMATS, RenderOptions, write
from .vocabulary import PREFIX

app = typer.Typer(
    name="mfdoctor",
    help="The configuration doctor for Metaflow: effective config with provenance, "
    "lint of METAFLOW_* names and values, offline and live Azure checks, and the "
    "\"Unknown user\" diagnosis.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _State:
    profile: Optional[str] = None
    no_color: bool = False
    verbose: bool = False


state = _State()


def _formats(enum_name: str, command: str):
    """The --format choices: the renderer table's names (a new format is one table entry)."""
    return Enum(enum_name, [(name, name) for name in FORMATS[command]], type=str)


ShowFormat = _formats("ShowFormat", "show")
ExplainFormat = _formats("ExplainFormat", "explain")
ReportFormat = _formats("ReportFormat", "report")


class CheckGroup(str, Enum):
    all = "all"
    user = "user"
    azure = "azure"


def _write(command: str, fmt: Enum, data, **options) -> None:
    """Render to stdout through the renderer table (see mfdoctor/render/__init__.py)."""
    write(command, fmt.value, data, None,
          RenderOptions(no_color=state.no_color, verbose=state.verbose, **options))


def _error(message: str) -> None:
    """A message on stderr (Rich, imported here: only when there is something to say)."""
    from .render.console import make_console

    make_console(no_color=state.no_color, stderr=True).print(message)


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


def _complete_keys(incomplete: str):
    """Key names for shell completion (from the cached catalog: fast)."""
    from .catalog import load_catalog

    # Offer names in the form being typed (with or without METAFLOW_, same case): the
    # shell keeps only candidates that start with exactly what was typed.
    inc = incomplete.upper()
    lower = incomplete != inc
    out = []
    for name in load_catalog().keys:
        cand = name if name.startswith(inc) else name[len(PREFIX):]
        if cand.startswith(inc):
            out.append(cand.lower() if lower else cand)
    return out


def _profile_option():
    # Accepted after the command too (`mfdoctor show --profile dev`), as users type it.
    return typer.Option(None, "--profile", "-p", help="Act as if METAFLOW_PROFILE=PROFILE.",
                        metavar="PROFILE")


def _verify_option():
    return typer.Option(False, "--verify", help="Also import the installed Metaflow in a subprocess "
                        "and report every key whose real value differs from mfdoctor's.")


def _resolve(profile: Optional[str] = None):
    from .config import resolve

    return resolve(profile=profile if profile is not None else state.profile)


@app.command()
def show(
    patterns: Optional[List[str]] = typer.Argument(
        None, help="Keys to show: names with or without METAFLOW_, any case, shell globs ('AZURE*').",
        autocompletion=_complete_keys,
    ),
    all_keys: bool = typer.Option(False, "--all", "-a", help="Every key, not only those that differ from the default."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", "-f", help="Output format."),
    profile: Optional[str] = _profile_option(),
    verify: bool = _verify_option(),
):
    """The effective Metaflow configuration: each key's value, where it came from, and what it overrides."""
    from .config.select import select_keys, unmatched_patterns
    from .view import Shown

    res = _resolve(profile)
    if verify:
        from .checks.verify import verify as run_verify

        res.problems.extend(run_verify(res))
    _write("show", fmt, Shown(res, select_keys(res, patterns or [], all_keys)),
           show_all=all_keys or bool(patterns))
    missing = unmatched_patterns(res, patterns or [])
    if missing:
        _error("No key matches %s (try `mfdoctor explain NAME`)." % ", ".join(missing))


@app.command()
def explain(
    key: str = typer.Argument(..., help="A key, with or without METAFLOW_.", autocompletion=_complete_keys),
    fmt: ExplainFormat = typer.Option(ExplainFormat.text, "--format", "-f", help="Output format."),
    profile: Optional[str] = _profile_option(),
):
    """Everything about one key: documentation, default, type, each layer's value, and how to set it."""
    from .config.explain import explain_key

    info = explain_key(_resolve(profile), key)
    _write("explain", fmt, info)
    if not info["found"]:
        raise typer.Exit(1)


def _emit_report(report, fmt: Enum, strict: bool, title: str) -> None:
    """Render a Report in the chosen format and exit with the contract's code."""
    _write("report", fmt, report, strict=strict, title=title)
    raise typer.Exit(report.exit_code(strict))


def _usage_error(message: str) -> None:
    _error("mfdoctor: %s" % message)
    raise typer.Exit(2)


@app.command()
def lint(
    paths: Optional[List[str]] = typer.Argument(
        None, help="Files or directories to scan for METAFLOW_* names. Without any: the "
        "environment and the config files Metaflow would read."
    ),
    fmt: ReportFormat = typer.Option(ReportFormat.human, "--format", "-f", help="Output format."),
    strict: bool = typer.Option(False, "--strict", help="Warnings (and skipped checks) fail too."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these check ids (repeatable, comma lists, prefixes like config.)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Not these check ids (repeatable)."),
    list_checks: bool = typer.Option(False, "--list-checks", help="List every check id with its description."),
    profile: Optional[str] = _profile_option(),
):
    """Check every METAFLOW_* name and value the way Metaflow will read it."""
    if list_checks:
        from .checks.registry import format_checks

        typer.echo(format_checks())
        raise typer.Exit(0)
    missing = [p for p in paths or [] if not os.path.exists(p)]
    if missing:
        _usage_error("no such file or directory: %s" % ", ".join(missing))
    from .checks.lint import run_lint
    from .findings import Report
    from .settings import load_settings

    settings = load_settings(os.getcwd(), select=select, ignore=ignore)
    report = Report()
    report.add(run_lint(paths or None, res=_resolve(profile), settings=settings, timings=report.timings))
    _emit_report(settings.filter(report), fmt, strict, "lint")


@app.command()
def check(
    group: CheckGroup = typer.Argument(CheckGroup.all, help="Which checks: all (default), user or azure."),
    offline: bool = typer.Option(False, "--offline", help="No network: live probes are reported as skipped."),
    flows: Optional[List[str]] = typer.Option(None, "--flow", help="Flow file to scan for @secrets (repeatable; default: flows in the current directory)."),
    secrets: Optional[List[str]] = typer.Option(None, "--secret", help="Key Vault secret id as the az-key-vault provider receives it (repeatable)."),
    fmt: ReportFormat = typer.Option(ReportFormat.human, "--format", "-f", help="Output format."),
    strict: bool = typer.Option(False, "--strict", help="Warnings and skipped checks fail too."),
    timeout: float = typer.Option(15.0, "--timeout", help="Seconds for all live probes together."),
    read_only: bool = typer.Option(False, "--read-only", help="Skip the write probe (upload, read back, delete)."),
    management_url: Optional[str] = typer.Option(None, "--management-url", envvar="MFDOCTOR_AZURE_MANAGEMENT_URL", help="Azure Resource Manager base URL (sovereign clouds)."),
    vault_url: Optional[str] = typer.Option(None, "--vault-url", envvar="MFDOCTOR_AZURE_VAULT_URL", help="Key Vault base URL override."),
    storage_account_id: Optional[str] = typer.Option(None, "--storage-account-id", help="Resource id of the storage account (skips the lookup)."),
    profile: Optional[str] = _profile_option(),
    verify: bool = _verify_option(),
):
    """The CI preflight: config lint, the "Unknown user" chain, and Azure (offline rules, then live probes)."""
    missing = [p for p in flows or [] if not os.path.isfile(p)]
    if missing:
        _usage_error("no such flow file: %s" % ", ".join(missing))
    from .checks.preflight import CheckOptions, run_check
    from .settings import load_settings

    opts = CheckOptions(
        group=group.value, offline=offline, flows=list(flows or []), secrets=list(secrets or []),
        timeout=timeout, read_only=read_only, verbose=state.verbose, management_url=management_url,
        vault_url=vault_url, storage_account_id=storage_account_id,
    )
    settings = load_settings(os.getcwd())
    res = _resolve(profile)
    report = run_check(res, opts, settings=settings)
    if verify:
        from .checks.verify import verify as run_verify

        report.add(run_verify(res))
    _emit_report(settings.filter(report), fmt, strict, "check %s" % group.value)


def run():
    """Console-script entry: no traceback ever reaches the user."""
    try:
        app(prog_name="mfdoctor")
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
        sys.exit(2)  # the contract's "could not run as asked": never mistaken for a verdict
