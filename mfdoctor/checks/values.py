"""Values: each one checked the way Metaflow will read it.

`check_value` covers one value of one key, wherever it was written (the
environment, a config file, a Dockerfile `ENV`): `from_conf` coercion (via
`config.coerce`, which mirrors it), `validate_fn` choices, plugin names, the
bool reading, whitespace, empty values. `check_effective` covers the
configuration as a whole: cross-key requirements and settings that do nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, List, Optional

from ..config.coerce import coerce
from ..findings import ERROR, INFO, WARNING, Finding
from ..redact import redact_value
from ..suggest import suggest

CHECK_INVALID = "config.invalid-value"
CHECK_PLUGIN = "config.unknown-plugin"
CHECK_BOOL = "config.ambiguous-bool"
CHECK_WHITESPACE = "config.whitespace"
CHECK_EMPTY = "config.empty-override"
CHECK_REQUIRED = "config.missing-required"
CHECK_NO_EFFECT = "config.no-effect"

PREFIX = "METAFLOW_"

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


def show(name: str, value: Any, secret: Optional[bool] = None) -> str:
    """A value as it may appear in a message: JSON-quoted so whitespace and \\r
    show; secrets redacted."""
    shown = redact_value(name, value, secret)
    if isinstance(shown, str):
        return json.dumps(shown)
    return json.dumps(shown, default=str)


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


def resolve_enabled(items: list) -> set:
    """resolve_plugins' +name / -name / name handling."""
    out = set()
    for p in items:
        if not isinstance(p, str):
            continue
        if p.startswith("-"):
            out.discard(p[1:])
        elif p.startswith("+"):
            out.add(p[1:])
        else:
            out.add(p)
    return out


def _check_enabled(name: str, category: str, value, from_config_file: bool, catalog, settings) -> List[ValueProblem]:
    known = plugin_names(catalog, category, settings)
    label = category.replace("_", " ")
    if value is None:
        return []
    if isinstance(value, str):
        if value == "":
            return [ValueProblem(
                CHECK_INVALID, WARNING,
                "%s is empty: Metaflow enables no %s plugin at all" % (name, label),
                fix="unset %s (every installed %s plugin is then enabled)" % (name, label))]
        first = value[0]
        return [ValueProblem(
            CHECK_PLUGIN, ERROR,
            "%s=%s is a string, which Metaflow reads letter by letter: it looks for a %s plugin "
            "named '%s' and every `import metaflow` fails (\"Configuration requested %s plugin "
            "'%s' but no such plugin is available\")" % (name, show(name, value), label, first,
                                                         category, first),
            fix="set it as a JSON list in a config file, e.g. \"%s\": %s, or unset it"
            % (name, json.dumps([v.strip() for v in value.split(",") if v.strip()] or [value])),
        )]
    items = _enabled_items(value)
    if items is None:
        return [ValueProblem(
            CHECK_INVALID, ERROR,
            "%s must be a JSON list of %s plugin names; a %s makes every `import metaflow` fail"
            % (name, label, type(value).__name__),
            fix="\"%s\": %s" % (name, json.dumps(known)))]
    out = []
    for item in items:
        if not isinstance(item, str):
            out.append(ValueProblem(
                CHECK_INVALID, ERROR,
                "%s holds %s, not a plugin name: every `import metaflow` fails" % (name, json.dumps(item)),
                fix="list plugin names only (%s)" % ", ".join(known)))
            continue
        bare = item[1:] if item[:1] in ("+", "-") else item
        if bare not in known:
            best = suggest(bare, known)
            out.append(ValueProblem(
                CHECK_PLUGIN, ERROR,
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

    # 1. from_conf: validate_fn choices, then coercion by the default's type.
    coerced, error = coerce(name, value, literal_default, spec.choices)
    if error:
        if spec.choices and value not in spec.choices:
            best = suggest(str(value).strip(), spec.choices)
            if isinstance(value, str) and value.strip() in spec.choices:
                best = value.strip()
            bad = _KNOWN_BAD.get(name, ())
            extra = ""
            if isinstance(value, str) and value.strip().lower() in {b.lower() for b in bad}:
                extra = " (%s come from outdated docs)" % ", ".join(bad)
            out.append(ValueProblem(
                CHECK_INVALID, ERROR,
                "%s=%s is not one of %s: every `import metaflow` fails (\"%s must be set to one "
                "of %s\")%s" % (name, show(name, value, secret), ", ".join(spec.choices), name,
                               spec.choices, extra),
                suggestion=best,
                fix="use one of: %s%s" % (", ".join(spec.choices),
                                          (" (probably %s)" % best) if best else "")))
        else:
            out.append(ValueProblem(
                CHECK_INVALID, ERROR,
                "%s=%s cannot be read as a %s: every `import metaflow` fails (%s)"
                % (name, show(name, value, secret), stype,
                   error if not secret else "value redacted"),
                fix=_type_fix(name, stype, literal_default)))
        return out

    # 2. Silent conversions worth knowing.
    if stype == "bool" and isinstance(value, str):
        low = value.lower()
        if low not in _BOOL_WORDS and low != "":
            negative = low.strip() in _NEGATIVE_WORDS or low.strip() in ("false", "0")
            out.append(ValueProblem(
                CHECK_BOOL, WARNING,
                "%s=%s: Metaflow reads %s (any value but \"0\", \"false\" and \"\" means True)%s"
                % (name, show(name, value, secret), coerced,
                   ", not False" if negative else ""),
                fix="write %s=%s" % (name, "false" if negative else "true")))
        elif low == "" and literal_default is True:
            out.append(ValueProblem(
                CHECK_EMPTY, WARNING,
                "%s is set but empty: Metaflow reads False (the default is True)" % name,
                fix="unset %s, or write true/false" % name))
    if stype == "int" and from_config_file and isinstance(value, (float, bool)) and coerced != value:
        out.append(ValueProblem(
            CHECK_INVALID, WARNING,
            "%s=%s in a config file: Metaflow converts it with int() and reads %s"
            % (name, json.dumps(value), coerced), fix="write an integer"))
    if stype == "str" and from_config_file and value is None and literal_default is not None:
        out.append(ValueProblem(
            CHECK_INVALID, WARNING,
            "%s is null in a config file: Metaflow converts it with str() and reads \"None\"" % name,
            fix="remove the key to get the default %s" % json.dumps(literal_default)))

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
            out.append(ValueProblem(
                CHECK_PLUGIN, ERROR,
                "%s=%s is not a %s plugin%s%s (known: %s); Metaflow fails %s"
                % (name, show(name, value, secret), category.replace("_", " "), restricted, ws,
                   ", ".join(known), when),
                suggestion=best,
                fix=("use %s" % best) if best else "use one of: %s" % ", ".join(known)))
            return out

    # 4. Whitespace Metaflow keeps.
    if isinstance(value, str) and value.strip() and value != value.strip():
        if stype in ("int", "float"):
            out.append(ValueProblem(
                CHECK_WHITESPACE, INFO,
                "%s=%s has surrounding whitespace; harmless here (%s() strips it)"
                % (name, show(name, value, secret), stype)))
        elif stype != "bool" or value.lower() in _BOOL_WORDS:
            crlf = " (a CRLF line ending)" if value.endswith("\r") else ""
            out.append(ValueProblem(
                CHECK_WHITESPACE, WARNING,
                "%s=%s has leading or trailing whitespace%s, which Metaflow keeps as part of "
                "the value" % (name, show(name, value, secret), crlf),
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
        shown = ", ".join("%s (%s)" % (show(name, lv.value, getattr(spec, "secret", None)),
                                       lv.origin) for lv in other_layers[:2])
        return ValueProblem(
            CHECK_EMPTY, WARNING,
            "%s is set but empty in %s, and an empty variable still wins: it hides %s"
            % (name, where, shown),
            fix="unset %s" % name)
    if spec is not None and spec.type == "str" and spec.default not in (None, ""):
        return ValueProblem(
            CHECK_EMPTY, WARNING,
            "%s is set but empty in %s: Metaflow reads \"\" instead of the default %s"
            % (name, where, json.dumps(spec.default)),
            fix="unset %s" % name)
    return None


# -- the configuration as a whole ----------------------------------------------

_SYSROOTS = {"s3": "METAFLOW_DATASTORE_SYSROOT_S3", "azure": "METAFLOW_DATASTORE_SYSROOT_AZURE",
             "gs": "METAFLOW_DATASTORE_SYSROOT_GS"}
# (key, requiring key, requiring value, why)
_REQUIRED = [
    ("METAFLOW_DATASTORE_SYSROOT_AZURE", "METAFLOW_DEFAULT_DATASTORE", "azure",
     "a flow fails at start: \"Could not find the location of the datastore -- did you correctly "
     "set the METAFLOW_DATASTORE_SYSROOT_AZURE environment variable?\"", "<container>/<prefix>"),
    ("METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT", "METAFLOW_DEFAULT_DATASTORE", "azure",
     "the first datastore access fails: \"Must configure "
     "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT\"", "https://<account>.blob.core.windows.net/"),
    ("METAFLOW_DATASTORE_SYSROOT_S3", "METAFLOW_DEFAULT_DATASTORE", "s3",
     "a flow fails at start: \"Could not find the location of the datastore\"", "s3://<bucket>/<prefix>"),
    ("METAFLOW_DATASTORE_SYSROOT_GS", "METAFLOW_DEFAULT_DATASTORE", "gs",
     "a flow fails at start: \"Could not find the location of the datastore\"", "gs://<bucket>/<prefix>"),
    ("METAFLOW_SERVICE_URL", "METAFLOW_DEFAULT_METADATA", "service",
     "a flow fails at start (the service metadata provider joins a None URL: TypeError)",
     "https://<metadata-service>/"),
]
# (key, requiring key, value it only matters for, what it is for)
_NO_EFFECT = [
    ("METAFLOW_AZURE_KEY_VAULT_PREFIX", "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE", "az-key-vault",
     "it is only used by @secrets sources of type az-key-vault"),
    ("METAFLOW_GCP_SECRET_MANAGER_PREFIX", "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE", "gcp-secret-manager",
     "it is only used by @secrets sources of type gcp-secret-manager"),
    ("METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION", "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE",
     "aws-secrets-manager", "it is only used by @secrets sources of type aws-secrets-manager"),
    ("METAFLOW_SERVICE_URL", "METAFLOW_DEFAULT_METADATA", "service",
     "it is only used by the service metadata provider"),
]
_USER_SOURCES = ("env", "local", "profile", "extension")


def _where(rk) -> str:
    if rk is None:
        return "unset"
    if rk.source == "env":
        return "the environment"
    if rk.source in ("local", "profile"):
        return str(rk.location) if rk.location else rk.origin
    if rk.source == "extension":
        return "the extension %s" % rk.origin
    return "the default"


def check_effective(res) -> List[Finding]:
    """Cross-key requirements and settings that do nothing, on the resolved
    configuration (the environment plus the files Metaflow reads)."""
    out: List[Finding] = []

    def rk(name):
        return res.get(name)

    def val(name):
        r = rk(name)
        return None if r is None or r.error else r.value

    for key, req_key, req_val, why, example in _REQUIRED:
        if val(req_key) != req_val:
            continue
        if val(key):
            continue
        req = rk(req_key)
        out.append(Finding(
            CHECK_REQUIRED, ERROR,
            "%s is %s (from %s) but %s is not set: %s" % (req_key, req_val, _where(req), key, why),
            key=key, fix="export %s=%s" % (key, example)))
    datastore = val("METAFLOW_DEFAULT_DATASTORE")
    for ds, key in _SYSROOTS.items():
        r = rk(key)
        if r is not None and r.source in _USER_SOURCES and r.value and datastore != ds:
            out.append(Finding(
                CHECK_NO_EFFECT, INFO,
                "%s is set (in %s) but the datastore is %s, not %s: it is only used with "
                "--datastore=%s" % (key, _where(r), json.dumps(datastore), ds, ds),
                key=key, location=r.location if r.source in ("local", "profile") else None))
    for key, req_key, req_val, why in _NO_EFFECT:
        r = rk(key)
        if r is None or r.source not in _USER_SOURCES or not r.value:
            continue
        if val(req_key) == req_val:
            continue
        out.append(Finding(
            CHECK_NO_EFFECT, INFO,
            "%s is set (in %s) but %s is %s: %s" % (
                key, _where(r), req_key, json.dumps(val(req_key)), why),
            key=key, location=r.location if r.source in ("local", "profile") else None))
    env = res.env
    if env.get("METAFLOW_PROFILE") == "":
        out.append(Finding(
            CHECK_NO_EFFECT, WARNING,
            "METAFLOW_PROFILE is set but empty: Metaflow treats it as unset and reads %s"
            % res.files.profile.path, key="METAFLOW_PROFILE",
            fix="unset METAFLOW_PROFILE, or name a profile (config_<name>.json)"))
    if env.get("METAFLOW_HOME") == "":
        out.append(Finding(
            CHECK_EMPTY, WARNING,
            "METAFLOW_HOME is set but empty: Metaflow then reads the profile file config.json "
            "from the current directory, not ~/.metaflowconfig", key="METAFLOW_HOME",
            fix="unset METAFLOW_HOME"))
    return out
