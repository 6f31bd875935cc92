"""The one-line verdict that ends the human and the Markdown reports. Plain text, no
Rich: `--format markdown` must not load it."""

from __future__ import annotations

from ..findings import ERROR, INFO, OK, SKIPPED, WARNING, Report


def _plural(n: int, word: str) -> str:
    if word == "info":
        return "%d info" % n
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def summary_line(report: Report, strict: bool = False) -> str:
    c = report.summary()
    parts = [_plural(c[ERROR], "error"), _plural(c[WARNING], "warning"), _plural(c[INFO], "info"),
             "%d ok" % c[OK], "%d skipped" % c[SKIPPED]]
    code = report.exit_code(strict)
    verdict = "FAILED" if code else "passed"
    return "%s: %s (exit %d%s)" % (verdict, ", ".join(parts), code, ", strict" if strict else "")
