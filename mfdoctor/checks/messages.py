"""How checks word their findings: the one formatter for values inside messages, and
a Finding builder whose detail keeps only the facts that are known."""

from __future__ import annotations

import json
from typing import Any, Optional

from ..findings import Finding
from ..redact import redact_text, redact_value

# The two quoting styles messages use, kept apart because both are part of the output:
JSON = "json"  # lint and flow files: JSON-quoted, as the value would be written in JSON
PYTHON = "python"  # Azure settings: single-quoted like repr(); "(unset)" for None


def quote(value: Any, *, style: str = JSON, key: Optional[str] = None,
          secret: Optional[bool] = None) -> str:
    """`value` as a message shows it, so that whitespace, newlines and \\r stay visible.

    JSON: `json.dumps` (non-JSON values through str); with `key`, the value of that key
    is redacted first (a secret becomes "<redacted>", SAS signatures are cut).
    PYTHON: repr() when the text has surrounding whitespace, control characters or is
    empty, else the text in single quotes; SAS signatures are always cut."""
    if style == PYTHON:
        if value is None:
            return "(unset)"
        text = redact_text(str(value))
        if text != text.strip() or any(ord(c) < 32 for c in text) or text == "":
            return repr(text)
        return "'%s'" % text
    if key is not None:
        value = redact_value(key, value, secret)
    return json.dumps(value, default=str)


def finding(check, severity, message, *, key=None, fix=None, suggestion=None, location=None,
            **detail) -> Finding:
    """A Finding whose detail drops the facts given as None."""
    return Finding(check=check, severity=severity, message=message, key=key, fix=fix,
                   suggestion=suggestion, location=location,
                   detail={k: v for k, v in detail.items() if v is not None})
