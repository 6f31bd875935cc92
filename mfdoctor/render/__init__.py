"""Renderers: one module per output format; checks never print.

The CLI produces all its output through `write(command, fmt, data, out, options)`,
which looks the format up in `FORMATS` and calls that module's
`write(data, out, options)`, the one renderer interface:

- `data`: a `view.Shown` for `show`, explain's dict for `explain` (one key:
  `config/explain.py`; one check: `checks/verdict.py`; `--all`: `config/reference.py`), a `findings.Report` for `lint` and `check`;
- `out`: a text stream, or None for standard output;
- `options`: `RenderOptions`.

Text formats write with `typer.echo`, as the CLI always has (it copes with a
misconfigured stdout encoding and drops escape codes when not on a terminal);
Rich formats print through `console.make_console`. Most modules also have a
`render(...)` that builds the output itself (a string, or printed on a given Rich
console), which tests call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, TextIO

# command -> format name -> renderer module. Module names, not imports: a format loads
# only its own renderer, on use, so `show` piped never imports Rich (a third of its
# start-up) and `--format json` neither Rich nor the SARIF code. The CLI's --format
# choices are these names, in this order.
FORMATS = {
    "show": {"table": "show_table", "json": "show_json", "env": "show_env"},
    "explain": {"text": "explain_text", "json": "explain_json", "markdown": "explain_markdown"},
    "report": {"human": "report_human", "json": "report_json", "sarif": "report_sarif",
               "github": "report_github", "markdown": "report_markdown", "junit": "report_junit"},
}


@dataclass(frozen=True)
class RenderOptions:
    no_color: bool = False  # --no-color / --color never (NO_COLOR is honoured as well)
    color: str = "auto"  # --color auto|always|never: `always` colours even a pipe or file
    quiet: bool = False  # -q: a human report without header, passing checks or summary
    verbose: bool = False  # -v: each finding's detail, and timings
    strict: bool = False  # --strict: warnings and skipped checks fail too (summary, exit code)
    title: Optional[str] = None  # a human report's first line: "mfdoctor <title>"
    show_all: bool = False  # show: --all or patterns given (says "No keys match" when empty)


def write(command: str, fmt: str, data, out: Optional[TextIO] = None,
          options: RenderOptions = RenderOptions()) -> None:
    """Render `data` of `command` ("show", "explain", "report") in format `fmt`."""
    # __import__ rather than importlib.import_module: it goes through the import
    # statement's machinery, so `python -X importtime` (which tests/test_no_heavy_imports.py
    # reads) lists the renderer module too.
    module = __import__("%s.%s" % (__name__, FORMATS[command][fmt]), fromlist=["write"])
    module.write(data, out, options)
