"""§3 the blob service endpoint (METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT), as the
Azure SDK's BlobServiceClient will read it: scheme, host (which cloud and service, or
an emulator), account name, path, port, query and fragment.

The check runs in steps, each on what the previous one established: the value as
written (spaces, scheme), the parsed URL, the host (Azure, emulator or custom), then
the parts every kind of host shares (https, query, fragment)."""

from __future__ import annotations

import re
from typing import List, Optional, Tuple
from urllib.parse import SplitResult, urlsplit

from ...findings import ERROR, OK, WARNING, Finding, Location
from ...redact import has_url_secret, redact_text
from ... import ids
from ..fixtext import set_value
from ..messages import PYTHON, finding, quote
from .hosts import BLOB_CLOUDS, is_ip_or_local, storage_host
from .keys import ENDPOINT_KEY, SYSROOT_KEY

_ACCOUNT_RE = re.compile(r"[a-z0-9]{3,24}")
_FEATURE_SUFFIXES = ("-ipv6", "-dualstack")


class _Endpoint:
    """The endpoint value being checked, and what every finding about it shares."""

    def __init__(self, value: str, key: str, location: Optional[Location],
                 source: Optional[str], origin: Optional[str]):
        self.value, self.key, self.location = value, key, location
        self.source, self.origin = source, origin
        self.shown = quote(value, style=PYTHON)
        self.secret_in_url = has_url_secret(value)

    def fix_to(self, v: str) -> str:
        return set_value(self.key, v, self.source, self.location, self.origin)

    def finding(self, severity: str, message: str, **kw) -> Finding:
        return finding(ids.AZURE_ENDPOINT, severity, message, key=self.key, location=self.location, **kw)


def check_endpoint(value, *, client_provider: Optional[str] = "azure-default",
                   location: Optional[Location] = None, key: str = ENDPOINT_KEY,
                   source: Optional[str] = None, origin: Optional[str] = None,
                   required: bool = True, account_hint: Optional[str] = None) -> list:
    """The blob service endpoint as the Azure SDK's BlobServiceClient will read it."""
    example = "https://%s.blob.core.windows.net/" % (account_hint or "<account>")
    if value is None or value == "":
        if not required:
            return []
        return [finding(ids.AZURE_ENDPOINT, ERROR,
                        "%s is %s; the azure datastore fails with \"Must configure %s\""
                        % (key, "empty" if value == "" else "not set", key),
                        key=key, location=location,
                        fix=set_value(key, example, source, location, origin),
                        suggestion=example if account_hint else None)]
    if not isinstance(value, str):  # a number or list from a config file: as the SDK gets it
        value = str(value)
    e = _Endpoint(value, key, location, source, origin)
    # The findings before the host is known carry no kind/account detail.
    v, out = _as_written(e, example)
    if v is None:
        return out
    u, port, problem = _parsed(e, v, example)
    if problem is not None:
        return out + [problem]
    host = (u.hostname or "").lower()
    path = u.path.strip("/")
    account, cloud = None, None
    m = storage_host(host)
    if m:
        kind = "azure"
        account, cloud = _azure_host(e, m, u, port, path, out)
    elif is_ip_or_local(host) or ("." not in host and host):
        kind, cloud = "emulator", "emulator"
        account = _emulator_host(e, u, path, out)
    else:
        kind = "custom"
        out.append(e.finding(
            WARNING,
            "%s=%s is not an Azure Storage host (*.blob.core.windows.net or a sovereign "
            "cloud); a custom domain or private endpoint can work, but cannot be verified "
            "offline" % (key, e.shown),
            fix="make sure the host serves the Blob API with a certificate for that name, "
                "or use https://<account>.blob.core.windows.net/"))
    _transport(e, u, path, kind, client_provider, out)
    if not any(f.severity in (ERROR, WARNING) for f in out):
        desc = {"azure": "account '%s' in %s" % (account, cloud),
                "emulator": "the Azurite/storage emulator form (account '%s'); an emulator, not Azure"
                            % account}.get(kind, "a custom host")
        out.append(e.finding(OK, "%s=%s is %s" % (key, e.shown, desc),
                             account=account, cloud=cloud, kind=kind))
    for f in out:
        f.detail.setdefault("kind", kind)
        if account:
            f.detail.setdefault("account", account)
    return out


def _as_written(e: _Endpoint, example: str) -> Tuple[Optional[str], List[Finding]]:
    """Spaces and the scheme: (the URL to parse, or None when the value is unusable; findings)."""
    key, shown, v = e.key, e.shown, e.value
    if v != v.strip(" "):
        stripped = v.strip()
        return None, [e.finding(
            ERROR, "%s=%s has leading or trailing spaces, which end up in the request URL" % (key, shown),
            fix=e.fix_to(redact_text(stripped)), suggestion=None if e.secret_in_url else stripped)]
    out = []
    if v != v.strip():
        out.append(e.finding(
            WARNING,
            "%s=%s has a leading or trailing tab or newline; Python's URL parser drops it, "
            "but the shell command that downloads the code package in remote tasks does not"
            % (key, shown), fix=e.fix_to(redact_text(v.strip()))))
        v = v.strip()
    if "://" in v and not v.lower().startswith(("http://", "https://")):
        return None, out + [e.finding(
            ERROR,
            "%s=%s uses the scheme %s://; the blob endpoint is an https:// URL (the Azure SDK "
            "would turn it into https://%s)" % (key, shown, v.split("://")[0], v),
            fix=e.fix_to(example))]
    if not v.lower().startswith("http"):
        # BlobServiceClient prepends https:// itself (azure.storage.blob._parse_url).
        out.append(e.finding(
            WARNING, "%s=%s has no scheme; the Azure SDK assumes https://, but write it out" % (key, shown),
            fix=e.fix_to(redact_text("https://" + v)),
            suggestion=None if e.secret_in_url else "https://" + v))
        v = "https://" + v
    return v, out


def _parsed(e: _Endpoint, v: str, example: str) -> Tuple[Optional[SplitResult], Optional[int], Optional[Finding]]:
    """(url, port, None), or (.., .., the error) when the URL is no account URL at all."""
    key, shown = e.key, e.shown
    try:
        u = urlsplit(v.rstrip("/"))
        port = u.port
    except ValueError as exc:
        return None, None, e.finding(ERROR, "%s=%s is not a valid URL: %s" % (key, shown, exc),
                                     fix=e.fix_to(example))
    if not u.netloc:
        return u, port, e.finding(
            ERROR, "%s=%s is not a valid URL (no host); the Azure SDK raises \"Invalid URL\"" % (key, shown),
            fix=e.fix_to(example))
    if u.scheme.lower() not in ("http", "https"):
        return u, port, e.finding(
            ERROR, "%s=%s uses the scheme %s://; the blob endpoint is an https:// URL" % (key, shown, u.scheme),
            fix=e.fix_to(example))
    if "@" in u.netloc:
        return u, port, e.finding(
            ERROR,
            "%s=%s has user information ('...@') in the host part; the blob endpoint is "
            "just the account URL" % (key, shown),
            fix=e.fix_to("https://%s/" % u.netloc.rsplit("@", 1)[1]))
    return u, port, None


def _azure_host(e: _Endpoint, m, u: SplitResult, port: Optional[int], path: str,
                out: List[Finding]) -> Tuple[str, str]:
    """An Azure Storage host: service, private link, secondary, account name, cloud, path,
    port. Appends to `out`; returns (account, cloud)."""
    key, shown = e.key, e.shown
    host = (u.hostname or "").lower()
    host_raw = u.netloc.rsplit(":", 1)[0] if port is not None else u.netloc
    account = m.group("account")
    service = m.group("service")
    suffix = m.groupdict().get("suffix")
    cloud = BLOB_CLOUDS.get(suffix or "core.windows.net", "Azure")
    base_host = host
    if service != "blob":
        base_host = host.replace(".%s." % service, ".blob.", 1)
        out.append(e.finding(
            ERROR,
            "%s=%s is the %s endpoint of account '%s'; Metaflow talks to the Blob "
            "service and needs the .blob. endpoint" % (key, shown, service, account),
            fix=e.fix_to("https://%s/" % base_host), suggestion="https://%s/" % base_host))
    if m.groupdict().get("private"):
        public = host.replace(".privatelink.", ".", 1)
        out.append(e.finding(
            WARNING,
            "%s=%s names the private-endpoint host; use the public name %s, which "
            "resolves to the private endpoint inside the VNet (and matches the TLS "
            "certificate)" % (key, shown, public),
            fix=e.fix_to("https://%s/" % public), suggestion="https://%s/" % public))
    if account.endswith("-secondary"):
        account = account[: -len("-secondary")]
        out.append(e.finding(
            ERROR,
            "%s=%s is the read-only secondary endpoint of account '%s'; Metaflow "
            "writes artifacts, and every write fails there" % (key, shown, account),
            fix=e.fix_to("https://%s/" % base_host.replace("-secondary.", ".", 1))))
    for sfx in _FEATURE_SUFFIXES:
        if account.endswith(sfx):
            account = account[: -len(sfx)]
    if not _ACCOUNT_RE.fullmatch(account):
        out.append(e.finding(
            ERROR,
            "%s=%s: storage account name '%s' must be 3-24 lowercase letters and digits" % (key, shown, account),
            fix="use the storage account's real name: %s"
                % e.fix_to("https://<account>.blob.%s/" % (suffix or "core.windows.net"))))
    elif host_raw != host_raw.lower():
        out.append(e.finding(
            WARNING,
            "%s=%s has uppercase letters in the host; DNS ignores case but account names "
            "are lowercase" % (key, shown), fix=e.fix_to("https://%s/" % host)))
    if "Germany" in (cloud or ""):
        out.append(e.finding(WARNING, "%s=%s is in Azure Germany, which closed in October 2021" % (key, shown)))
    if path:
        out.append(e.finding(
            WARNING,
            "%s=%s has a path ('/%s') after the account; the Azure SDK drops it for "
            "Azure hosts, so it has no effect (containers and prefixes belong in %s)"
            % (key, shown, path, SYSROOT_KEY),
            fix=e.fix_to("https://%s/" % u.netloc.lower()), suggestion="https://%s/" % u.netloc.lower()))
    if port not in (None, 443):
        out.append(e.finding(WARNING, "%s=%s uses port %d; Azure Storage serves HTTPS on 443" % (key, shown, port),
                             fix=e.fix_to("https://%s/" % host)))
    return account, cloud


def _emulator_host(e: _Endpoint, u: SplitResult, path: str, out: List[Finding]) -> Optional[str]:
    """An IP or local host (Azurite): the account is the first path segment. Returns it."""
    key, shown = e.key, e.shown
    segs = [s for s in path.split("/") if s] if path else []
    if not segs:
        out.append(e.finding(
            ERROR,
            "%s=%s points at %s without an account name; for the Azurite emulator "
            "the account is the first path segment (http(s)://%s/<account>)"
            % (key, shown, u.netloc, u.netloc),
            fix=e.fix_to("https://%s/devstoreaccount1" % u.netloc)))
    elif len(segs) > 1:
        out.append(e.finding(
            WARNING,
            "%s=%s has a path after the account '%s'; with an emulator host the Azure SDK "
            "keeps it, so every blob silently goes into container '%s' instead of the "
            "sysroot's" % (key, shown, segs[0], segs[1]),
            fix=e.fix_to("%s://%s/%s" % (u.scheme, u.netloc, segs[0]))))
    return segs[0] if segs else None


def _transport(e: _Endpoint, u: SplitResult, path: str, kind: str, client_provider: Optional[str],
               out: List[Finding]) -> None:
    """What every host shares: https (for the token credential), no query, no fragment."""
    key, shown = e.key, e.shown
    if u.scheme.lower() != "https":
        out.append(e.finding(
            ERROR,
            "%s=%s uses http://; Metaflow authenticates with a token credential (%s), and "
            "the Azure SDK refuses it: \"Token credential is only supported with HTTPS.\""
            % (key, shown, client_provider or "azure-default"),
            fix=e.fix_to(redact_text("https://" + e.value.split("://", 1)[1]))
            + ("  (start Azurite with --cert/--key and --oauth basic)" if kind == "emulator" else "")))
    if u.query:
        if has_url_secret("?" + u.query):
            out.append(e.finding(
                WARNING,
                "%s contains a SAS token (shown redacted); Metaflow uses a token credential "
                "anyway, and the SAS is appended to every request and leaks into logs and "
                "task environments" % key,
                fix=e.fix_to("%s://%s/%s" % (u.scheme, u.netloc, path) if path
                             else "%s://%s/" % (u.scheme, u.netloc))))
        else:
            out.append(e.finding(WARNING, "%s=%s has a query string, which is not part of an account URL"
                                 % (key, shown), fix=e.fix_to("%s://%s/" % (u.scheme, u.netloc))))
    if u.fragment:
        out.append(e.finding(WARNING, "%s=%s has a '#fragment'" % (key, shown),
                             fix=e.fix_to("%s://%s/" % (u.scheme, u.netloc))))


def endpoint_facts(value) -> dict:
    """kind ('azure'|'emulator'|'custom'), account, cloud of an endpoint (best effort)."""
    if not value:
        return {}
    for f in check_endpoint(value, required=False):
        if "kind" in f.detail:
            return {k: f.detail.get(k) for k in ("kind", "account", "cloud")}
    return {}
