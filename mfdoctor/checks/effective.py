"""The configuration as a whole: settings another setting requires (a datastore's
sysroot, the service URL), and settings that have no effect with the others."""

from __future__ import annotations

from typing import List

from ..findings import ERROR, INFO, WARNING, Finding
from ..vocabulary import USER_SET, Source
from .. import ids
from .fixtext import FILE_SOURCES, set_value
from .messages import quote

_SYSROOTS = {"s3": "METAFLOW_DATASTORE_SYSROOT_S3", "azure": "METAFLOW_DATASTORE_SYSROOT_AZURE",
             "gs": "METAFLOW_DATASTORE_SYSROOT_GS"}
# (key, requiring key, requiring value, why when unset, example)
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
# What an empty value does instead (cli.py tests `datastore_root is None`, so "" passes
# it): key -> the failure, as Metaflow 2.19.39 raises it (run with each value empty).
_EMPTY = {
    "METAFLOW_DATASTORE_SYSROOT_AZURE": "Metaflow's parse_azure_full_path rejects it: \"Container name "
                                        "part of sysroot may not be empty (tried to parse )\"",
    "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": "the first datastore access fails: \"Must "
                                                    "configure METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT\"",
    "METAFLOW_DATASTORE_SYSROOT_S3": "the run fails at start with \"Invalid address: Initialize S3 "
                                     "with an 's3root' or 'run' if you don't want to specify full "
                                     "s3:// urls.\"",
    "METAFLOW_DATASTORE_SYSROOT_GS": "the empty string is used as the datastore root, and the first "
                                     "datastore access fails",
    "METAFLOW_SERVICE_URL": "the run fails at start: \"requests.exceptions.MissingSchema: Invalid URL "
                            "'flows/<FlowName>': No scheme supplied\"",
}
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
# Sources a person or an extension set (not a default).
_USER_SOURCES = USER_SET + (Source.EXTENSION,)


def _set_in(r, location) -> str:
    """" (in <where>)", unless the finding's location already says it."""
    return "" if location is not None else " (in %s)" % _where(r)


def _where(rk) -> str:
    if rk is None:
        return "unset"
    if rk.source == Source.ENV:
        return "the environment"
    if rk.source in FILE_SOURCES:
        return str(rk.location) if rk.location else rk.origin
    if rk.source == Source.EXTENSION:
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
        have = rk(key)
        if have is not None and have.source in _USER_SOURCES and have.value == "":
            # Set but empty is not "not set": Metaflow fails another way.
            out.append(Finding(
                ids.CONFIG_MISSING_REQUIRED, ERROR,
                "%s is %s (from %s) but %s is set but empty (in %s): %s" % (
                    req_key, req_val, _where(req), key, _where(have), _EMPTY[key]),
                key=key, fix=set_value(key, example, have.source, have.location, have.origin),
                location=have.location if have.source in FILE_SOURCES else None))
            continue
        out.append(Finding(
            ids.CONFIG_MISSING_REQUIRED, ERROR,
            "%s is %s (from %s) but %s is not set: %s" % (req_key, req_val, _where(req), key, why),
            key=key, fix="export %s=%s" % (key, example)))
    datastore = val("METAFLOW_DEFAULT_DATASTORE")
    for ds, key in _SYSROOTS.items():
        r = rk(key)
        if r is not None and r.source in _USER_SOURCES and r.value and datastore != ds:
            loc = r.location if r.source in FILE_SOURCES else None
            out.append(Finding(
                ids.CONFIG_NO_EFFECT, INFO,
                "%s is set%s but the datastore is %s, not %s: it is only used with "
                "--datastore=%s" % (key, _set_in(r, loc), quote(datastore), ds, ds),
                key=key, location=loc))
    for key, req_key, req_val, why in _NO_EFFECT:
        r = rk(key)
        if r is None or r.source not in _USER_SOURCES or not r.value:
            continue
        if val(req_key) == req_val:
            continue
        loc = r.location if r.source in FILE_SOURCES else None
        out.append(Finding(
            ids.CONFIG_NO_EFFECT, INFO,
            "%s is set%s but %s is %s: %s" % (
                key, _set_in(r, loc), req_key, quote(val(req_key)), why),
            key=key, location=loc))
    env = res.env
    if env.get("METAFLOW_PROFILE") == "":
        out.append(Finding(
            ids.CONFIG_NO_EFFECT, WARNING,
            "METAFLOW_PROFILE is set but empty: Metaflow treats it as unset and reads %s"
            % res.files.profile.path, key="METAFLOW_PROFILE",
            fix="unset METAFLOW_PROFILE, or name a profile (config_<name>.json)"))
    if env.get("METAFLOW_HOME") == "":
        out.append(Finding(
            ids.CONFIG_EMPTY_OVERRIDE, WARNING,
            "METAFLOW_HOME is set but empty: Metaflow then reads the profile file config.json "
            "from the current directory, not ~/.metaflowconfig", key="METAFLOW_HOME",
            fix="unset METAFLOW_HOME"))
    return out
