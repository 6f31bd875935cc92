"""Values: each one checked the way Metaflow will read it.

`check_value` covers one value of one key, wherever it was written (the
environment, a config file, a Dockerfile `ENV`): `from_conf` coercion (via
`config.coerce`, which mirrors it), `validate_fn` choices, plugin names, the
bool reading, whitespace, empty values. The configuration as a whole
(cross-key requirements, settings that do nothing) is `effective.py`'s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, List, Optional

from ..config.coerce import coerce
from ..catalog.plugin_list import plugin_item
from ..findings import ERROR, INFO, WARNING
from ..suggest import suggest
from ..vocabulary import PREFIX
from .. import ids
from .messages import quote

# Key -> (plugin category, when an unknown name fails).
PLUGIN_KEYS = {
    "METAFLOW_DEFAULT_DATASTORE": ("datastore", "when a flow starts (click rejects the --datastore default)"),
    "METAFLOW_DEFAULT_METADATA": ("metadata_provider", "when a flow starts (click rejects the --metadata default)"),
    "METAFLOW_DEFAULT_ENVIRONMENT": ("environment", "when a flow starts (click rejects the --environment default)"),
    "METAFLOW_DEFAULT_EVENT_LOGGER": ("logging_sidecar", "when a flow starts (click rejects the --event-logger default)"),
    "METAFLOW_DEFAULT_MONITOR": ("monitor_sidecar", "when a flow starts (click rejects the --monitor default)"),
    "METAFLOW_DEFAULT_AWS_CLIENT_PROVIDER": ("aws_client_provider", "at the first AWS client (\"Cannot find AWS Client provider\")"),
    "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER": ("azure_client_provider", "when the first Azure credential is made (\"Cannot find Azure Client provider\")"),
    "METAFLOW_DEFAULT_GCP_CLIENT_PROVIDER": ("gcp_client_provider", "at the first GCP client (\"Cannot find GCP Client provider\")"),
    "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": ("secrets_provider", "when @secrets reads a source without a type (\"Unknown secrets backend type\")"),
    "METAFLOW_DEFAULT_FROM_DEPLOYMENT_IMPL": ("deployer_impl_provider", "when a deployed flow is looked up without an explicit implementation"),
}
# The flow-CLI option whose default a key is (click.Choice): an empty value fails there.
CLICK_OPTIONS = {
    "METAFLOW_DEFAULT_DATASTORE": "--datastore", "METAFLOW_DEFAULT_METADATA": "--metadata",
    "METAFLOW_DEFAULT_ENVIRONMENT": "--environment", "METAFLOW_DEFAULT_EVENT_LOGGER": "--event-logger",
    "METAFLOW_DEFAULT_MONITOR": "--monitor",
}
# Plugins Metaflow has besides the registered ones (MetaflowEnvironment is
# added by hand to the --environment choices in cli.py).
BUILTIN_PLUGINS = {"environment": ["local"]}

_BOOL_WORDS = ("true", "false", "1", "0")
_NEGATIVE_WORDS = {"no", "n", "off", "disable", "disabled", "none", "null", "nil", "f", "never", "-1"}

# Values from outdated docs, named explicitly in the fix.
_KNOWN_BAD = {
    "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": ("default", "highCpu", "highMemory"),
    "METAFLOW_GS_STORAGE_WORKLOAD_TYPE": ("default", "highCpu", "highMemory"),
}


@dataclass
class ValueProblem:
    check: str
    severity: str
    message: str
    fix: Optional[str] = None
    suggestion: Optional[str] = None
    at_value: bool = True  # located at the value (else at the name)


def plugin_names(catalog, category: str, settings=None, enabled: Optional[dict] = None) -> List[str]:
    names = list(catalog.plugins.get(category, [])) + BUILTIN_PLUGINS.get(category, [])
    if settings is not None:
        names += settings.plugins.get(category, [])
    if enabled is not None and category in enabled and enabled[category] is not None:
        allowed = set(enabled[category]) | set(BUILTIN_PLUGINS.get(category, []))
        names = [n for n in names if n in allowed]
    return names


def _enabled_items(value) -> Optional[list]:
    """What Metaflow iterates for an ENABLED_* value, or None if it cannot."""
    if isinstance(value, (str, list, dict)):
        return list(value)
    return None


def _check_enabled(name: str, category: str, value, from_config_file: bool, catalog, settings) -> List[ValueProblem]:
    known = plugin_names(catalog, category, settings)
    label = category.replace("_", " ")
    if value is None:
        return []
    if isinstance(value, str):
        if value == "":
            return [ValueProblem(
                ids.CONFIG_INVALID_VALUE, WARNING,
                "%s is empty: Metaflow enables no %s plugin at all" % (name, label),
                fix="unset %s (every installed %s plugin is then enabled)" % (name, label))]
        first = value[0]
        return [ValueProblem(
            ids.CONFIG_UNKNOWN_PLUGIN, ERROR,
            "%s=%s is a string, which Metaflow reads letter by letter: it looks for a %s plugin "
            "named '%s' and every `import metaflow` fails (\"Configuration requested %s plugin "
            "'%s' but no such plugin is available\")" % (name, quote(value, key=name), label, first,
                                                         category, first),
            fix="set it as a JSON list in a config file, e.g. \"%s\": %s, or unset it"
            % (name, json.dumps([v.strip() for v in value.split(",") if v.strip()] or [value])),
        )]
    items = _enabled_items(value)
    if items is None:
        return [ValueProblem(
            ids.CONFIG_INVALID_VALUE, ERROR,
            "%s must be a JSON list of %s plugin names; a %s makes every `import metaflow` fail"
            % (name, label, type(value).__name__),
            fix="\"%s\": %s" % (name, json.dumps(known)))]
    out = []
    for item in items:
        if not isinstance(item, str):
            out.append(ValueProblem(
                ids.CONFIG_INVALID_VALUE, ERROR,
                "%s holds %s, not a plugin name: every `import metaflow` fails" % (name, quote(item)),
                fix="list plugin names only (%s)" % ", ".join(known)))
            continue
        _, bare = plugin_item(item)
        if bare not in known:
            best = suggest(bare, known)
            out.append(ValueProblem(
                ids.CONFIG_UNKNOWN_PLUGIN, ERROR,
                "%s names %s plugin '%s', which does not exist (known: %s): every `import "
                "metaflow` fails" % (name, label, bare, ", ".join(known)),
                suggestion=best,
                fix=("replace '%s' with '%s'" % (bare, best)) if best else "remove '%s'" % bare))
    return out


_UNSET = object()


def check_value(name: str, value: Any, spec, catalog, *, settings=None, from_config_file: bool = False,
                enabled: Optional[dict] = None, default: Any = _UNSET) -> List[ValueProblem]:
    """Problems with one value of one known key.

    from_config_file: the value came from a Metaflow config file (JSON-typed);
    otherwise it is the string an environment variable would hold.
    enabled: category -> enabled plugin names, to restrict plugin choices.
    default: the evaluated default (from the Resolution), for keys whose
    default is an expression (`5 * 24 * 60 * 60`, a derived path): its type
    decides the coercion, as in `from_conf`."""
    if spec is None:
        return []
    secret = bool(getattr(spec, "secret", False))
    out: List[ValueProblem] = []
    categories = set(getattr(catalog, "plugin_categories", []) or [])
    if name.startswith(PREFIX + "ENABLED_") and name[len(PREFIX) + 8:].lower() in categories:
        return _check_enabled(name, name[len(PREFIX) + 8:].lower(), value, from_config_file, catalog, settings)

    stype = spec.type
    literal_default = spec.default if stype in ("bool", "int", "float", "str", "list", "dict") else None
    if literal_default is None and default is not _UNSET and default is not None:
        for t in (bool, int, float, str, list, dict):
            if isinstance(default, t):
                literal_default, stype = default, t.__name__
                break

    # 1. from_conf: validate_fn (choices, or an extension's own function), then
    # coercion by the default's type.
    # (No default and no choices: only the validator can reject, worded without a secret.)
    why = coerce(name, value, None, None, spec.secret, spec.validator)[1] if spec.validator else None
    if why:
        out.append(ValueProblem(
            ids.CONFIG_INVALID_VALUE, ERROR,
            "%s=%s: every `import metaflow` fails: %s" % (name, quote(value, key=name, secret=secret), why),
            fix="remove the setting of %s, or use a value %s accepts%s" % (
                name, spec.validator.get("function"),
                " (the default is %s)" % quote(spec.default) if spec.default is not None else "")))
        return out
    coerced, error = coerce(name, value, literal_default, spec.choices, spec.secret)
    if error:
        if spec.choices and value not in spec.choices:
            best = suggest(str(value).strip(), spec.choices)
            if isinstance(value, str) and value.strip() in spec.choices:
                best = value.strip()
            bad = _KNOWN_BAD.get(name, ())
            extra = ""
            if isinstance(value, str) and value.strip().lower() in {b.lower() for b in bad}:
                extra = "; %s come from outdated docs" % ", ".join(bad)
            # One sentence; the fix says what to write and where a bad value comes from.
            out.append(ValueProblem(
                ids.CONFIG_INVALID_VALUE, ERROR,
                "%s=%s is not one of %s: every `import metaflow` fails"
                % (name, quote(value, key=name, secret=secret), ", ".join(spec.choices)),
                suggestion=best,
                fix="use one of: %s%s%s" % (", ".join(spec.choices),
                                            (" (probably %s)" % best) if best else "", extra)))
        else:
            out.append(ValueProblem(
                ids.CONFIG_INVALID_VALUE, ERROR,
                "%s=%s cannot be read as a %s: every `import metaflow` fails (%s)"
                % (name, quote(value, key=name, secret=secret), stype,
                   error if not secret else "value redacted"),
                fix=_type_fix(name, stype, literal_default)))
        return out

    # 2. Silent conversions worth knowing.
    if stype == "bool" and isinstance(value, str):
        low = value.lower()
        if low not in _BOOL_WORDS and low != "":
            negative = low.strip() in _NEGATIVE_WORDS or low.strip() in ("false", "0")
            out.append(ValueProblem(
                ids.CONFIG_AMBIGUOUS_BOOL, WARNING,
                "%s=%s: Metaflow reads %s (any value but \"0\", \"false\" and \"\" means True)%s"
                % (name, quote(value, key=name, secret=secret), coerced,
                   ", not False" if negative else ""),
                fix="write %s=%s" % (name, "false" if negative else "true")))
        elif low == "" and literal_default is True:
            out.append(ValueProblem(
                ids.CONFIG_EMPTY_OVERRIDE, WARNING,
                "%s is set but empty: Metaflow reads False (the default is True)" % name,
                fix="unset %s, or write true/false" % name))
    if stype == "int" and from_config_file and isinstance(value, (float, bool)) and coerced != value:
        out.append(ValueProblem(
            ids.CONFIG_INVALID_VALUE, WARNING,
            "%s=%s in a config file: Metaflow converts it with int() and reads %s"
            % (name, quote(value), coerced), fix="write an integer"))
    if stype == "str" and from_config_file and value is None and literal_default is not None:
        out.append(ValueProblem(
            ids.CONFIG_INVALID_VALUE, WARNING,
            "%s is null in a config file: Metaflow converts it with str() and reads \"None\"" % name,
            fix="remove the key to get the default %s" % quote(literal_default)))

    # 3. Plugin names.
    if name in PLUGIN_KEYS and coerced is not None:
        category, when = PLUGIN_KEYS[name]
        known = plugin_names(catalog, category, settings, enabled)
        if isinstance(coerced, str) and coerced not in known:
            best = suggest(coerced.strip(), known) if coerced.strip() else None
            if coerced.strip() in known:
                best = coerced.strip()
            ws = " (note the whitespace)" if isinstance(coerced, str) and coerced != coerced.strip() else ""
            restricted = ""
            if enabled is not None and enabled.get(category) is not None:
                restricted = " enabled by METAFLOW_ENABLED_%s" % category.upper()
            if coerced == "" and name in CLICK_OPTIONS:
                # As click 7 prints it (checked with Metaflow 2.19.39).
                out.append(ValueProblem(
                    ids.CONFIG_UNKNOWN_PLUGIN, ERROR,
                    "%s is set but empty: it is the default of %s, and every flow command fails "
                    "with \"Error: Invalid value for '%s': invalid choice: .\" (the choices: %s)"
                    % (name, CLICK_OPTIONS[name], CLICK_OPTIONS[name], ", ".join(known)),
                    fix="unset %s (Metaflow's default is used), or give one of: %s"
                        % (name, ", ".join(known))))
                return out
            out.append(ValueProblem(
                ids.CONFIG_UNKNOWN_PLUGIN, ERROR,
                "%s=%s is not a %s plugin%s%s (known: %s); Metaflow fails %s"
                % (name, quote(value, key=name, secret=secret), category.replace("_", " "), restricted, ws,
                   ", ".join(known), when),
                suggestion=best,
                fix=("use %s" % best) if best else "use one of: %s" % ", ".join(known)))
            return out

    # 4. Whitespace Metaflow keeps.
    if isinstance(value, str) and value.strip() and value != value.strip():
        if stype in ("int", "float"):
            out.append(ValueProblem(
                ids.CONFIG_WHITESPACE, INFO,
                "%s=%s has surrounding whitespace; harmless here (%s() strips it)"
                % (name, quote(value, key=name, secret=secret), stype)))
        elif stype != "bool" or value.lower() in _BOOL_WORDS:
            crlf = " (a CRLF line ending)" if value.endswith("\r") else ""
            out.append(ValueProblem(
                ids.CONFIG_WHITESPACE, WARNING,
                "%s=%s has leading or trailing whitespace%s, which Metaflow keeps as part of "
                "the value" % (name, quote(value, key=name, secret=secret), crlf),
                fix="remove the whitespace%s" % (
                    " (save the file with LF line endings)" if crlf else "")))
    return out


def _type_fix(name: str, stype: str, default) -> str:
    if stype in ("list", "dict"):
        return "give JSON of a %s, e.g. %s=%s" % (stype, name, "'%s'" % json.dumps(default if default else ([] if stype == "list" else {})))
    if stype == "int":
        return "give a whole number, e.g. %s=%s" % (name, default)
    if stype == "float":
        return "give a number, e.g. %s=%s" % (name, default)
    if stype == "bool":
        return "give a string (\"true\"/\"false\") or a JSON boolean"
    return "fix the value"


def empty_value_problem(name: str, spec, other_layers: list, where: str) -> Optional[ValueProblem]:
    """An empty environment value still wins over files and the default."""
    if other_layers:
        shown = ", ".join("%s (%s)" % (quote(lv.value, key=name, secret=getattr(spec, "secret", None)),
                                       lv.origin) for lv in other_layers[:2])
        return ValueProblem(
            ids.CONFIG_EMPTY_OVERRIDE, WARNING,
            "%s is set but empty in %s, and an empty variable still wins: it hides %s"
            % (name, where, shown),
            fix="unset %s" % name)
    if spec is not None and spec.type == "str" and spec.default not in (None, ""):
        return ValueProblem(
            ids.CONFIG_EMPTY_OVERRIDE, WARNING,
            "%s is set but empty in %s: Metaflow reads \"\" instead of the default %s"
            % (name, where, quote(spec.default)),
            fix="unset %s" % name)
    return None
