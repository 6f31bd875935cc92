"""Value coercion exactly as Metaflow's `from_conf` does it.

`from_conf` validates choices on the raw value first, then coerces by the type of the
default. Every branch below mirrors one in `metaflow/metaflow_config_funcs.py`,
including its quirks (a list value for a dict default is accepted as is; a non-string
file value for a bool default crashes with AttributeError). Where Metaflow raises, we
return the raw value and the reason instead.
"""

from __future__ import annotations

import json
from typing import Any, Optional, Tuple

from .. import bounds
from ..catalog.evaluate import EvalError, Evaluator, Unknown
from ..redact import REDACTED


def coerce(env_name: str, value: Any, default: Any, choices: Optional[list] = None,
           secret: bool = False, validator: Optional[dict] = None) -> Tuple[Any, Optional[str]]:
    """(value Metaflow will see, None) or (raw value, why Metaflow rejects it).

    `validator` is an extension's own validate_fn as rules (catalog/extensions/
    validators.py). Metaflow's own messages echo the value; for a secret key the
    reason says "<redacted>" instead, so no output can leak it."""
    error = validator_error(env_name, value, validator)
    if error is None:
        value, error = _coerce(env_name, value, default, choices)
    if error and secret:
        error = _without_value(error, value)
    return value, error


def validator_error(env_name: str, value: Any, validator: Optional[dict]) -> Optional[str]:
    """What `validate_fn(env_name, value)` raises, replayed from its rules; None when it
    accepts the value or when a rule is not statically decidable (never a guess)."""
    if validator is None or value is None:
        return None
    params = validator.get("params") or ["name", "value"]
    ev = Evaluator({params[0]: env_name, params[1]: value}, {}, "")
    fn = "the validator %s (%s)" % (validator.get("function"), validator.get("where"))
    for rule in validator.get("rules", []):
        try:
            rejected = ev(rule["test"])
        except Unknown:
            return None
        except EvalError as exc:  # the test itself raises, e.g. value[0] on ""
            return "%s raises %s" % (fn, exc)
        if not rejected:
            continue
        try:
            message = ev(rule["message"]) if rule.get("message") else None
        except (Unknown, EvalError):
            message = None
        exc_name = rule["raises"]
        if not rule.get("bound", True):
            # Python looks the class up before building the message: NameError.
            meant = " (it means to say: %s)" % message if message else ""
            return "%s raises NameError: name '%s' is not defined, because its module uses %s " \
                   "without importing it%s" % (fn, exc_name.split(".")[0], exc_name, meant)
        return "%s raises %s%s" % (fn, exc_name, ": %s" % message if message else "")
    return None


def _without_value(error: str, value: Any) -> str:
    """`error` with the value (and anything after "got") cut out."""
    for mark in ("Got '", "got: ", "got a "):
        at = error.find(mark)
        if at >= 0:
            return error[:at] + mark.rstrip("'").rstrip() + " " + REDACTED + "."
    return error.replace(str(value), REDACTED)


def _coerce(env_name: str, value: Any, default: Any, choices: Optional[list]) -> Tuple[Any, Optional[str]]:
    if choices is not None and value is not None:
        try:
            ok = value in choices
        except TypeError:
            ok = False
        if not ok:
            return value, "%s must be set to one of %s. Got '%s'." % (env_name, choices, value)
    if default is None:
        return value, None
    if isinstance(default, (list, dict)):
        if isinstance(value, (list, dict)):
            return value, None
        try:
            parsed = bounds.cut_depth(bounds.loads(value, bounds.METAFLOW_ENV_JSON_DEPTH))[0]
        except bounds.JSONLimitError as exc:
            return value, "Metaflow fails at import reading %s as JSON: %s" % (env_name, exc)
        except json.JSONDecodeError:
            return value, "Expected a valid JSON for %s, got: %s" % (env_name, value)
        except TypeError:
            return value, "Expected a JSON string for %s, got a %s (%r)" % (
                env_name, type(value).__name__, value)
        if type(parsed) != type(default):
            return value, "Expected value of type '%s' for %s, got: %s" % (
                type(default), env_name, parsed)
        return parsed, None
    if isinstance(default, (bool, int, float, str)):
        if type(value) == type(default):
            return value, None
        if isinstance(default, bool):
            if not isinstance(value, str):
                return value, (
                    "%s needs a string or a JSON boolean, got a %s: Metaflow crashes with "
                    "AttributeError ('%s' object has no attribute 'lower')"
                    % (env_name, type(value).__name__, type(value).__name__)
                )
            return value.lower() not in ("0", "false", ""), None
        try:
            return type(default)(value), None
        except ValueError:
            return value, "Expected a %s for %s, got: %s" % (type(default), env_name, value)
        except OverflowError as exc:  # int(Infinity), int(1e400): Metaflow fails at import
            return value, "Metaflow fails at import converting %s: %s" % (env_name, exc)
        except TypeError:
            return value, "Expected a %s for %s, got a %s: %r" % (
                type(default), env_name, type(value).__name__, value)
    return value, "Default of type %s for %s is not supported" % (type(default), env_name)
