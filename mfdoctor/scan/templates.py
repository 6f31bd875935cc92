"""Unrendered template placeholders in a value: a value holding one is unknown
until something (a shell, a CI runner, Terraform, Helm, CloudFormation, a
`.format` call) renders it, so its value checks are skipped; the name is
still checked, and the literal parts may be."""

from __future__ import annotations

import re
from typing import Optional

# In the order they are tried at each position (leftmost match wins).
_PLACEHOLDER = re.compile(r"""
    \$\{\{.*?\}\}                               # ${{ secrets.X }} (GitHub Actions)
  | \{\{.*?\}\}                                 # {{ .Values.x }} (Helm, Jinja, just)
  | \$\{[^}\n]*\}?                              # ${var} ${local.x} ${AWS::Region} ${X:-d}
  | \$\([^)\n]*\)?                              # $(cmd), Kubernetes $(VAR), make $(X)
  | \$[A-Za-z_][A-Za-z0-9_]*                    # $VAR
  | `[^`\n]*`?                                  # `cmd`
  | %\([A-Za-z_][A-Za-z0-9_]*\)[-\#0 +]*\d*(?:\.\d+)?[sdifrx]   # %(name)s
  | <[A-Za-z][A-Za-z0-9_.-]*(?:[ -][A-Za-z0-9_.-]+)*>           # <your-bucket>
""", re.X)
# A str.format field: {name}, {0}, {name.attr}, {name!r:>10}.
_FORMAT_FIELD = re.compile(r"\{(?:[A-Za-z_0-9][A-Za-z0-9_.]*)?(?:\[[^\]{}]*\])?(?:![rsa])?(?::[^{}]*)?\}")
_PERCENT = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdifrx]")


def find_template(value: str, format_fields: bool = False, percent: bool = False) -> Optional[str]:
    """The first placeholder in `value`, or None.

    format_fields: also `{name}` fields (only where the text is clearly formatted
    later: a Python string with `.format`/an f-string, a JSON harness file);
    percent: also bare `%s` (a Python string used with `%`)."""
    if not isinstance(value, str) or not value:
        return None
    best = None
    if "$" in value or "{{" in value or "`" in value or "%(" in value or "<" in value:
        m = _PLACEHOLDER.search(value)
        if m:
            best = m
    if format_fields and "{" in value:
        m = _FORMAT_FIELD.search(value)
        if m and (best is None or m.start() < best.start()):
            best = m
    if percent and "%" in value:
        m = _PERCENT.search(value)
        if m and (best is None or m.start() < best.start()):
            best = m
    return best.group(0) if best else None
