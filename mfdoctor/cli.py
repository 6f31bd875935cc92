"""The Typer app: parse options, call the library, render, set the exit code. No logic here.

Each command imports the library code it needs inside its function, to save start-up
time: `--help`, shell completion and every command load only what they use.
"""

from __future__ import annotations

import functools
import inspect
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
    # Click's plain help: it wraps at word boundaries to the terminal (Rich's panels cut
    # option metavars and env var names mid-word at 80 columns) and loads no Rich.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class _State:
    profile: Optional[str] = None
    color: str = "auto"
    verbose: bool = False
    quiet: bool = False


state = _State()


# The global options, declared once. Each is accepted before the command (`mfdoctor -v
# check`) and after it (`mfdoctor check -v`): `_globals` adds them to the callback and to
# every command. A value given after the command wins; one not given there leaves the
# value given before it alone (hence the None / False defaults and `_apply`).
_GLOBAL_OPTIONS = {
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
}


def _apply(values: dict) -> None:
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


def _globals(fn):
    """Give `fn` the global options as keyword-only parameters (Typer reads the signature)
    and store their values in `state` before it runs."""
    sig = inspect.signature(fn, eval_str=True)
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=make(), annotation=ann)
             for name, (ann, make) in _GLOBAL_OPTIONS.items()]
    params = list(sig.parameters.values()) + extra

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        _apply({name: kwargs.pop(name) for name in _GLOBAL_OPTIONS})
        return fn(*args, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params)
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__  # Typer must see the new signature, not fn's
    return wrapper


def _no_color() -> bool:
    return state.color == Color.never.value


def _options(**options) -> RenderOptions:
    return RenderOptions(no_color=_no_color(), color=state.color, verbose=state.verbose,
                         quiet=state.quiet, **options)


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


def _write(command: str, fmt: Enum, data, out=None, **options) -> None:
    """Render through the renderer table (see mfdoctor/render/__init__.py)."""
    write(command, fmt.value, data, out, _options(**options))


def _error(message: str) -> None:
    """A message on stderr (Rich, imported here: only when there is something to say)."""
    from .render.console import make_console

    make_console(no_color=_no_color(), stderr=True).print(message)


def _version(value: bool):
    if value:
        from .catalog import describe_source, load_catalog

        cat = load_catalog()
        typer.echo("mfdoctor %s\nMetaflow %s\nkey catalog: %s" % (__version__, cat.version, describe_source(cat)))
        raise typer.Exit()


@app.callback()
@_globals
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True,
        help="Print mfdoctor's version, the Metaflow version and where the key catalog came from."
    ),
):
    pass


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


def _resolve():
    from .config import resolve

    return resolve(profile=state.profile)


@app.command(short_help="The effective configuration and where each value came from.")
@_globals
def show(
    patterns: Optional[List[str]] = typer.Argument(
        None, help="Keys to show: names with or without METAFLOW_, any case, shell globs ('AZURE*').",
        autocompletion=_complete_keys,
    ),
    all_keys: bool = typer.Option(False, "--all", "-a", help="Every key, not only those that differ from the default."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", "-f", help="Output format."),
):
    """The effective Metaflow configuration: each key's value, where it came from, and what it overrides."""
    from .config.select import select_keys, unmatched_patterns
    from .view import Shown

    res = _resolve()
    _write("show", fmt, Shown(res, select_keys(res, patterns or [], all_keys)),
           show_all=all_keys or bool(patterns))
    missing = unmatched_patterns(res, patterns or [])
    if missing:
        _error("No key matches %s (try `mfdoctor explain NAME`)." % ", ".join(missing))


@app.command(short_help="Everything about one key.")
@_globals
def explain(
    key: str = typer.Argument(..., help="A key, with or without METAFLOW_.", autocompletion=_complete_keys),
    fmt: ExplainFormat = typer.Option(ExplainFormat.text, "--format", "-f", help="Output format."),
):
    """Everything about one key: documentation, default, type, each layer's value, and how to set it."""
    from .config.explain import explain_key

    info = explain_key(_resolve(), key)
    _write("explain", fmt, info)
    if not info["found"]:
        raise typer.Exit(1)


def _usage_error(message: str) -> None:
    _error("mfdoctor: %s" % message)
    raise typer.Exit(2)


# The options lint and check share, declared once (a linter's conventions: ruff, eslint).
def _format_option():
    return typer.Option(ReportFormat.human, "--format", "-f", help="Output format.")


def _strict_option():
    return typer.Option(False, "--strict", help="Warnings, and checks that could not complete (a timeout, "
                        "no permission), fail too; probes deliberately not run (--offline) do not.")


def _exit_zero_option():
    return typer.Option(False, "--exit-zero", help="Exit 0 even when findings fail (2 still means it could not run).")


def _output_file_option():
    return typer.Option(None, "--output-file", "-o", metavar="PATH",
                        help="Write the report to PATH instead of standard output.")


def _summary_file_option():
    return typer.Option(None, "--summary-file", metavar="PATH",
                        help="Also append the report in Markdown to PATH (e.g. $GITHUB_STEP_SUMMARY).")


def _select_option():
    return typer.Option(None, "--select", help="Only these check ids (repeatable, comma lists, prefixes like config.).")


def _ignore_option():
    return typer.Option(None, "--ignore", help="Not these check ids (repeatable).")


def _open(path: str, mode: str, option: str):
    try:
        return open(path, mode, encoding="utf-8")
    except OSError as e:
        _usage_error("cannot write %s %s: %s" % (option, path, e.strerror or e))


def _emit_report(report, fmt: Enum, strict: bool, exit_zero: bool, output_file: Optional[str],
                 title: str, summary_file: Optional[str] = None) -> None:
    """Render a Report in the chosen format (to --output-file or stdout), and in Markdown to
    --summary-file, then exit with the contract's code (0 with --exit-zero)."""
    shown = report.actionable() if state.quiet and fmt.value == "human" else report
    if output_file is None:
        _write("report", fmt, shown, strict=strict, title=title)
    else:
        with _open(output_file, "w", "--output-file") as out:
            _write("report", fmt, shown, out, strict=strict, title=title)
    if summary_file:
        with _open(summary_file, "a", "--summary-file") as out:
            _write("report", ReportFormat.markdown, report, out, strict=strict, title=title)
    raise typer.Exit(0 if exit_zero else report.exit_code(strict))


@app.command(short_help="Check METAFLOW_* names and values in files.")
@_globals
def lint(
    paths: Optional[List[str]] = typer.Argument(
        None, help="Files or directories to scan for METAFLOW_* names. Without any: the "
        "environment and the config files Metaflow would read."
    ),
    fmt: ReportFormat = _format_option(),
    strict: bool = _strict_option(),
    select: Optional[List[str]] = _select_option(),
    ignore: Optional[List[str]] = _ignore_option(),
    exit_zero: bool = _exit_zero_option(),
    output_file: Optional[str] = _output_file_option(),
    summary_file: Optional[str] = _summary_file_option(),
    list_checks: bool = typer.Option(False, "--list-checks", help="List every check id with its description."),
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
    report.add(run_lint(paths or None, res=_resolve(), settings=settings, timings=report.timings))
    _emit_report(settings.filter(report), fmt, strict, exit_zero, output_file, "lint", summary_file)


@app.command(short_help="The CI preflight: lint, user identity, Azure.")
@_globals
def check(
    group: CheckGroup = typer.Argument(CheckGroup.all, help="Which checks: all (default), user or azure."),
    offline: bool = typer.Option(False, "--offline", help="No network: live probes are reported as skipped (not run)."),
    flows: Optional[List[str]] = typer.Option(None, "--flow", help="Flow file to scan for @secrets (repeatable; default: flows in the current directory)."),
    secrets: Optional[List[str]] = typer.Option(None, "--secret", help="Key Vault secret id as the az-key-vault provider receives it (repeatable)."),
    fmt: ReportFormat = _format_option(),
    strict: bool = _strict_option(),
    select: Optional[List[str]] = _select_option(),
    ignore: Optional[List[str]] = _ignore_option(),
    exit_zero: bool = _exit_zero_option(),
    output_file: Optional[str] = _output_file_option(),
    summary_file: Optional[str] = _summary_file_option(),
    timeout: float = typer.Option(15.0, "--timeout", help="Seconds for all live probes together."),
    read_only: bool = typer.Option(False, "--read-only", help="Skip the write probe (upload, read back, delete)."),
    management_url: Optional[str] = typer.Option(None, "--management-url", envvar="MFDOCTOR_AZURE_MANAGEMENT_URL", help="Azure Resource Manager base URL (sovereign clouds)."),
    vault_url: Optional[str] = typer.Option(None, "--vault-url", envvar="MFDOCTOR_AZURE_VAULT_URL", help="Key Vault base URL override."),
    storage_account_id: Optional[str] = typer.Option(None, "--storage-account-id", help="Resource id of the storage account (skips the lookup)."),
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
    settings = load_settings(os.getcwd(), select=select, ignore=ignore)
    report = run_check(_resolve(), opts, settings=settings)
    _emit_report(settings.filter(report), fmt, strict, exit_zero, output_file, "check %s" % group.value,
                 summary_file)


def run():
    """Console-script entry: no traceback ever reaches the user."""
    try:
        app(prog_name="mfdoctor")
    except KeyboardInterrupt:
        sys.stderr.write("mfdoctor: interrupted\n")
        sys.exit(130)
    except ValueError as exc:
        from .catalog import CatalogChoiceError

        if not isinstance(exc, CatalogChoiceError):
            _internal_error(exc)
        sys.stderr.write("mfdoctor: %s\n" % exc)
        sys.exit(2)
    except Exception as exc:  # pragma: no cover - the last line of defence
        _internal_error(exc)


def _internal_error(exc: Exception) -> None:
    if os.environ.get("MFDOCTOR_DEBUG"):
        raise exc
    sys.stderr.write(
        "mfdoctor: internal error: %s: %s\n(set MFDOCTOR_DEBUG=1 to see the traceback, "
        "and please report it)\n" % (type(exc).__name__, exc)
    )
    sys.exit(2)  # the contract's "could not run as asked": never mistaken for a verdict
