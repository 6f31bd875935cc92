"""§2 the blob sysroot (METAFLOW_DATASTORE_SYSROOT_AZURE and the roots derived from
it): `<container>/<prefix>` as Metaflow's parse_azure_full_path reads it, plus Azure's
container naming rules, with the corrected value when a URL or untidy path was given."""

from __future__ import annotations

import re
from typing import Optional

from ...findings import ERROR, OK, WARNING, Location
from ...redact import redact_text
from .. import azure_rules as R
from ... import ids
from ..fixtext import set_value
from ..messages import PYTHON, finding, quote
from .hosts import is_ip_or_local, storage_host
from .keys import ENDPOINT_KEY, SYSROOT_KEY

_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://(.*)", re.S)
_AZURE_BLOB_HOST_RE = re.compile(
    r"([^.]+)\.(blob|dfs)\.(core\.windows\.net|core\.chinacloudapi\.cn|core\.usgovcloudapi\.net"
    r"|core\.cloudapi\.de|z\d\d\.(?:blob|dfs)\.storage\.azure\.net)$",
    re.I,
)


def suggest_sysroot(value: str):
    """The `<container>/<prefix>` a URL-ish or untidy sysroot most likely means.

    Returns (corrected_or_None, account_or_None, host_or_None). `corrected` is only
    returned when it passes both Metaflow's parser and Azure's naming rules.
    """
    v = value.strip()
    account = host = None
    m = _SCHEME_RE.fullmatch(v)
    if m:
        scheme, rest = m.group(1).lower(), m.group(2)
        rest = re.split(r"[?#]", rest, maxsplit=1)[0]
        netloc, _, path = rest.partition("/")
        if "@" in netloc:  # abfss://container@account.dfs.core.windows.net/path, wasbs://...
            container, host = netloc.split("@", 1)
            body = container + "/" + path
            account = host.split(".")[0] if "." in host else None
        elif scheme in ("http", "https") or _AZURE_BLOB_HOST_RE.match(netloc.split(":")[0]):
            host = netloc
            hostname = netloc.split(":")[0]
            if is_ip_or_local(hostname) or "." not in hostname:
                # Emulator form: http(s)://127.0.0.1:10000/<account>/<container>/<prefix>
                account, _, body = path.partition("/")
            else:
                account = hostname.split(".")[0]
                body = path
        else:
            # az://container/prefix (fsspec/adlfs convention), s3://bucket/prefix, ...
            body = netloc + "/" + path
    else:
        body = v
    body = re.sub(r"/+", "/", body).strip("/")
    container, sep, prefix = body.partition("/")
    if container and any("A" <= c <= "Z" for c in container):
        container = container.lower()  # Azure container names are lowercase only
    corrected = container + (sep + prefix if prefix else "")
    if not corrected or corrected == value:
        return None, account, host
    try:
        c, p = R.mf_parse_azure_full_path(corrected)
    except R.SysrootError:
        return None, account, host
    if R.azure_container_problems(c) or R.azure_prefix_problems(p):
        return None, account, host
    return corrected, account, host


def _endpoint_for_host(host: Optional[str], account: Optional[str]) -> Optional[str]:
    """The blob endpoint a sysroot URL's host implies (for the fix text)."""
    if not host or not account:
        return None
    hostname = host.split(":")[0].lower()
    m = storage_host(hostname)
    if m:
        return "https://%s/" % hostname.replace(".%s." % m.group("service"), ".blob.", 1)
    if is_ip_or_local(hostname) or "." not in hostname:
        return "https://%s/%s" % (host, account)
    return None


def check_sysroot(value, key: str = SYSROOT_KEY, location: Optional[Location] = None, *,
                  source: Optional[str] = None, origin: Optional[str] = None,
                  required: bool = False) -> list:
    """`<container>/<prefix>` as parse_azure_full_path reads it, plus Azure's naming rules."""
    out = []
    if value is None:
        if required:
            out.append(finding(
                ids.AZURE_SYSROOT, ERROR,
                "%s is not set; with the azure datastore every run fails with \"Could not find the "
                "location of the datastore -- did you correctly set the %s environment variable?\""
                % (key, key),
                key=key, location=location,
                fix="export %s=<container>/<prefix> (e.g. metaflow/data: no scheme, no account, "
                    "no leading or trailing slash)" % key))
        return out
    if not isinstance(value, str):
        value = str(value)
    corrected, account, host = suggest_sysroot(value)

    def fix_to(v):
        return set_value(key, v, source, location, origin)

    mf_error = None
    container = prefix = None
    try:
        container, prefix = R.mf_parse_azure_full_path(value)
    except R.SysrootError as e:
        mf_error = str(e)
    scheme = _SCHEME_RE.fullmatch(value.strip())
    if scheme:
        what = "a URL (%s://...)" % scheme.group(1)
        if host:
            what += " with the storage host %s" % host
        msg = ("%s is %s; Metaflow expects <container>/<prefix> with no scheme and no account"
               % (key, what))
        msg += (" and rejects it with \"%s\"" % mf_error) if mf_error else \
            " and would read '%s' as the container name" % container
        fix = fix_to(corrected) if corrected else \
            "write it as <container>/<prefix>, without scheme, host or account"
        ep = _endpoint_for_host(host, account)
        if ep and corrected:
            fix += "  (the account belongs in %s=%s)" % (ENDPOINT_KEY, ep)
        return [finding(ids.AZURE_SYSROOT, ERROR, msg, key=key, fix=fix, suggestion=corrected,
                        location=location, metaflow_error=mf_error, value=redact_text(value))]
    if mf_error:
        return [finding(ids.AZURE_SYSROOT, ERROR,
                        "%s=%s is rejected by Metaflow: %s" % (key, quote(value, style=PYTHON), mf_error),
                        key=key, location=location, suggestion=corrected, metaflow_error=mf_error,
                        fix=fix_to(corrected) if corrected else
                        "write it as <container>/<prefix>: no leading or trailing '/', no '//'")]
    cproblems = R.azure_container_problems(container)
    pproblems = R.azure_prefix_problems(prefix)
    if cproblems:
        fix = fix_to(corrected) if corrected else (
            "use the container's real name: 3-63 lowercase letters, digits and single hyphens, "
            "starting and ending with a letter or digit%s"
            % (" (e.g. '%s')" % container.replace("_", "-").lower() if "_" in container else ""))
        out.append(finding(ids.AZURE_SYSROOT, ERROR,
                           "%s: container %s %s; Azure rejects the name (Metaflow does not check it, "
                           "so this fails later at the first blob request)"
                           % (key, quote(container, style=PYTHON), "; ".join(cproblems)),
                           key=key, location=location, fix=fix, suggestion=corrected,
                           container=container, azure_rule=cproblems))
    if pproblems:
        out.append(finding(ids.AZURE_SYSROOT, ERROR, "%s: %s" % (key, "; ".join(pproblems)),
                           key=key, location=location,
                           fix="use a shorter blob prefix (e.g. %s)" % (container + "/metaflow")))
    if container == "$web":
        out.append(finding(ids.AZURE_SYSROOT, WARNING,
                           "%s uses the static-website container '$web': every artifact becomes "
                           "publicly readable if static website hosting is enabled" % key,
                           key=key, location=location, fix="use a dedicated container, e.g. metaflow/data"))
    for w in R.azure_prefix_warnings(prefix):
        out.append(finding(ids.AZURE_SYSROOT, WARNING, "%s: %s" % (key, w), key=key, location=location,
                           fix=fix_to(corrected) if corrected else "rename the prefix"))
    if not cproblems and not pproblems:
        out.append(finding(ids.AZURE_SYSROOT, OK,
                           "%s=%s parses as container '%s'%s; the container name follows Azure's rules"
                           % (key, quote(value, style=PYTHON), container,
                              ", blob prefix '%s'" % prefix if prefix else " (no prefix)"),
                           key=key, location=location, container=container, prefix=prefix))
    return out
