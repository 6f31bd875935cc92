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
from .cli_options import (
    Color, ExplainFormat, ReportArgs, ReportFormat, ShowFormat, state, with_globals, with_report_options,
)
from .render import RenderOptions, write
from .streams import drop_stdout, finish, say, usable_streams
from .workdir import working_dir
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


def _no_color() -> bool:
    return state.color == Color.never.value


def _options(**options) -> RenderOptions:
    return RenderOptions(no_color=_no_color(), color=state.color, verbose=state.verbose,
                         quiet=state.quiet, **options)


# The remote targets of `show --target` and `check --target` (config/remote.py).
Target = Enum("Target", [(t, t) for t in ("kubernetes", "argo-workflows", "batch",
                                          "step-functions", "airflow")], type=str)


class CheckGroup(str, Enum):
    all = "all"
    user = "user"
    azure = "azure"


def _write(command: str, fmt: Enum, data, out=None, **options) -> None:
    """Render through the renderer table (see mfdoctor/render/__init__.py).

    A reader that stops early (`mfdoctor check | head -1`) is not an error: as grep, git
    and ruff do, the rest of the output is dropped quietly and the exit code stays the
    verdict's, so `| head -1` and `| cat` exit alike."""
    try:
        write(command, fmt.value, data, out, _options(**options))
        if out is None:
            sys.stdout.flush()
    except BrokenPipeError:
        drop_stdout()
    except OSError as exc:  # a full disk, an I/O error: the output is lost, say so (as grep)
        drop_stdout()
        _error("mfdoctor: cannot write the output: %s" % (exc.strerror or exc))
        raise typer.Exit(2)


def _error(message: str) -> None:
    """A message on stderr (Rich, imported here: only when there is something to say);
    control characters in it are escaped, and a closed stderr is no reason to fail."""
    from .redact import printable
    from .render.console import make_console

    try:
        make_console(no_color=_no_color(), stderr=True).print(printable(message))
    except OSError:
        pass


def _version(value: bool):
    if value:
        from .catalog import load_catalog
        from .view import catalog_source

        cat = load_catalog()
        typer.echo("mfdoctor %s\nMetaflow %s\nkey catalog: %s" % (__version__, cat.version, catalog_source(cat)))
        raise typer.Exit()


@app.callback()
@with_globals
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


def _verify_option():
    return typer.Option(False, "--verify", help="Also import the installed Metaflow in a subprocess "
                        "and report every key whose real value differs from mfdoctor's.")


def _resolve():
    from .config import resolve

    return resolve(profile=state.profile)


@app.command(short_help="The effective configuration and where each value came from.")
@with_globals
def show(
    patterns: Optional[List[str]] = typer.Argument(
        None, help="Keys to show: names with or without METAFLOW_, any case, shell globs ('AZURE*').",
        autocompletion=_complete_keys,
    ),
    all_keys: bool = typer.Option(False, "--all", "-a", help="Every key, not only those that differ from the default."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", "-f", help="Output format."),
    target: Optional[Target] = typer.Option(None, "--target", "-t", help="What a task on this remote target resolves (forwarded, set by Metaflow, default), and what stays behind."),
    flows: Optional[List[str]] = typer.Option(None, "--flow", help="With --target: flow file whose @environment/@kubernetes(secrets=) to apply (repeatable; default: flows in the current directory)."),
    verify: bool = _verify_option(),
):
    """The effective Metaflow configuration: each key's value, where it came from, and what it overrides."""
    from .config.select import select_keys, unmatched_patterns
    from .view import Shown

    res = _resolve()
    if verify:
        from .checks.verify import verify as run_verify

        res.problems.extend(run_verify(res))
    shown = Shown(res, select_keys(res, patterns or [], all_keys))
    if target is not None:
        shown = _remote_shown(res, target.value, flows, patterns, all_keys)
    elif flows:
        _usage_error("--flow needs --target")
    _write("show", fmt, shown, show_all=all_keys or bool(patterns))
    missing = unmatched_patterns(res, patterns or [])
    if missing:
        _error("No key matches %s (try `mfdoctor explain NAME`)." % ", ".join(missing))


def _remote_shown(res, target: str, flows, patterns, all_keys):
    missing = [p for p in flows or [] if not os.path.isfile(p)]
    if missing:
        _usage_error("no such flow file: %s" % ", ".join(missing))
    from .checks.flows.discover import find_flow_files
    from .checks.flows.remote_decos import read_flows
    from .config.remote import UnknownTarget, remote_view
    from .config.select import select_keys
    from .view import Shown

    try:
        view = remote_view(res, target, read_flows(list(flows or []) or find_flow_files(res.cwd)))
    except UnknownTarget as exc:  # a catalog without this target (never the bundled one)
        _usage_error(str(exc))
    return Shown(view.task, select_keys(view.task, patterns or [], all_keys), view)


@app.command(short_help="Everything about one key or check; --all: the reference.")
@with_globals
def explain(
    key: Optional[str] = typer.Argument(
        None, help="A key, with or without METAFLOW_, or a check id (config.unknown-name).",
        autocompletion=_complete_keys),
    all_keys: bool = typer.Option(False, "--all", "-a", help="The reference of every setting the installed Metaflow reads."),
    fmt: ExplainFormat = typer.Option(ExplainFormat.text, "--format", "-f", help="Output format."),
):
    """Everything about one key: documentation, Metaflow's rules for its value, the verdict
    on the current value, each layer's value, and how to set it. A check id documents that
    check; --all writes the reference of every setting."""
    if all_keys:
        from .config.reference import reference

        _write("explain", fmt, reference(_resolve().catalog))
        return
    if not key:
        _usage_error("give a KEY or a check id, or --all")
    from .checks.verdict import explain as explain_data

    info = explain_data(key, _resolve)
    _write("explain", fmt, info)
    if not info["found"]:
        raise typer.Exit(1)


@app.command(short_help="Documentation of one check id.")
@with_globals
def rule(
    check_id: str = typer.Argument(..., help="A check id, e.g. config.unknown-name."),
    fmt: ExplainFormat = typer.Option(ExplainFormat.text, "--format", "-f", help="Output format."),
):
    """What a check verifies, why it matters, an example and the fix (as `ruff rule`)."""
    from .checks.verdict import explain_check

    info = explain_check(check_id)
    _write("explain", fmt, info)
    if not info["found"]:
        raise typer.Exit(1)


def _usage_error(message: str) -> None:
    _error("mfdoctor: %s" % message)
    raise typer.Exit(2)


def _open(path: str, mode: str, option: str):
    try:
        return open(path, mode, encoding="utf-8")
    except OSError as e:
        _usage_error("cannot write %s %s: %s" % (option, path, e.strerror or e))


def _emit_report(found, args: ReportArgs, title: str) -> None:
    """Render a Report in the chosen format (to --output-file or stdout), and in Markdown to
    --summary-file, then exit with the contract's code (0 with --exit-zero)."""
    shown = found.actionable() if state.quiet and args.fmt.value == "human" else found
    if args.output_file is None:
        _write("report", args.fmt, shown, strict=args.strict, title=title)
    else:
        with _open(args.output_file, "w", "--output-file") as out:
            _write("report", args.fmt, shown, out, strict=args.strict, title=title)
    if args.summary_file:
        with _open(args.summary_file, "a", "--summary-file") as out:
            _write("report", ReportFormat.markdown, found, out, strict=args.strict, title=title)
    raise typer.Exit(0 if args.exit_zero else found.exit_code(args.strict))


@app.command(short_help="Check METAFLOW_* names and values in files.")
@with_globals
@with_report_options
def lint(
    paths: Optional[List[str]] = typer.Argument(
        None, help="Files or directories to scan for METAFLOW_* names. Without any: the "
        "environment and the config files Metaflow would read."
    ),
    list_checks: bool = typer.Option(False, "--list-checks", help="List every check id with its description."),
    report: ReportArgs = None,  # the report options (cli_options.REPORT_OPTIONS)
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
    from .settings import load_settings, settings_start

    settings = load_settings(settings_start(paths), select=report.select, ignore=report.ignore)
    found = Report()
    found.add(run_lint(paths or None, res=_resolve(), settings=settings, timings=found.timings))
    _emit_report(settings.filter(found), report, "lint")


@app.command(short_help="The CI preflight: lint, user identity, Azure.")
@with_globals
@with_report_options
def check(
    group: CheckGroup = typer.Argument(CheckGroup.all, help="Which checks: all (default), user or azure."),
    offline: bool = typer.Option(False, "--offline", help="No network: live probes are reported as skipped (not run)."),
    flows: Optional[List[str]] = typer.Option(None, "--flow", help="Flow file to scan for @secrets (repeatable; default: flows in the current directory)."),
    secrets: Optional[List[str]] = typer.Option(None, "--secret", help="Key Vault secret id as the az-key-vault provider receives it (repeatable)."),
    timeout: float = typer.Option(15.0, "--timeout", help="Seconds for all live probes together."),
    read_only: bool = typer.Option(False, "--read-only", help="Skip the write probe (upload, read back, delete)."),
    management_url: Optional[str] = typer.Option(None, "--management-url", envvar="MFDOCTOR_AZURE_MANAGEMENT_URL", help="Azure Resource Manager base URL (sovereign clouds)."),
    vault_url: Optional[str] = typer.Option(None, "--vault-url", envvar="MFDOCTOR_AZURE_VAULT_URL", help="Key Vault base URL override."),
    storage_account_id: Optional[str] = typer.Option(None, "--storage-account-id", help="Resource id of the storage account (skips the lookup)."),
    targets: Optional[List[Target]] = typer.Option(None, "--target", "-t", help="Remote target whose tasks must get the settings that matter (repeatable; default: the flows' @kubernetes/@batch)."),
    verify: bool = _verify_option(),
    report: ReportArgs = None,  # the report options (cli_options.REPORT_OPTIONS)
):
    """The CI preflight: config lint, the "Unknown user" chain, and Azure (offline rules, then live probes)."""
    missing = [p for p in flows or [] if not os.path.isfile(p)]
    if missing:
        _usage_error("no such flow file: %s" % ", ".join(missing))
    from .checks.preflight import CheckOptions, run_check
    from .render.progress import live_status
    from .settings import load_settings

    # A status line on a terminal's stderr while the probes run (not with --quiet).
    with live_status(report.fmt.value, _no_color(), quiet=state.quiet) as progress:
        opts = CheckOptions(
            group=group.value, offline=offline, flows=list(flows or []), secrets=list(secrets or []),
            timeout=timeout, read_only=read_only, verbose=state.verbose, management_url=management_url,
            vault_url=vault_url, storage_account_id=storage_account_id, progress=progress,
            targets=[t.value for t in targets or []],
        )
        settings = load_settings(working_dir(), select=report.select, ignore=report.ignore)
        res = _resolve()
        found = run_check(res, opts, settings=settings)
        if verify:
            from .checks.verify import verify as run_verify

            found.add(run_verify(res))
    _emit_report(settings.filter(found), report, "check %s" % group.value)


def run():
    """Console-script entry: no traceback ever reaches the user."""
    usable_streams()
    try:
        app(prog_name="mfdoctor")
        code = 0
    except SystemExit as exc:  # typer.Exit and click's usage errors
        code = exc.code
    except KeyboardInterrupt:
        say("mfdoctor: interrupted\n")
        code = 130
    except BrokenPipeError:  # a reader gone while printing --help or an error
        drop_stdout()
        code = 0
    except ValueError as exc:
        from .catalog import CatalogChoiceError

        if not isinstance(exc, CatalogChoiceError):
            _internal_error(exc)
        say("mfdoctor: %s\n" % exc)
        code = 2
    except Exception as exc:  # pragma: no cover - the last line of defence
        _internal_error(exc)
    sys.exit(finish(code))


def _internal_error(exc: Exception) -> None:
    if os.environ.get("MFDOCTOR_DEBUG"):
        raise exc
    say("mfdoctor: internal error: %s: %s\n(set MFDOCTOR_DEBUG=1 to see the traceback, "
         "and please report it)\n" % (type(exc).__name__, exc))
    sys.exit(finish(2))  # the contract's "could not run as asked": never mistaken for a verdict
