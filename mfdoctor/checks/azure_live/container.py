"""`azure.container`: can this identity use the sysroot the way Metaflow's datastore does?

Steps, each bounded by the probe's deadline and each failure explained:
1. reachability of the blob endpoint, with DNS, TCP and TLS told apart and the
   host named (raw sockets, before any SDK call, so a dead host is diagnosed in
   about a second instead of the SDK's minute of retries);
2. the container exists (`get_container_properties`);
3. listing under the sysroot prefix (first page only);
4. the write probe (`write_probe`), which `--read-only` skips.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, replace
from typing import Optional
from urllib.parse import urlparse

from ...findings import ERROR, OK, REASON_NOT_APPLICABLE, REASON_READ_ONLY, SKIPPED, Finding
from ...redact import redact_text
from ..azure_rules import mf_parse_azure_full_path
from ...ids import AZURE_CONTAINER
from . import errors as E
from .deadline import Deadline, WAITING_HINT
from .settings import ENDPOINT_KEY, SYSROOT_KEY
from .extra_path import extra_path_listing, extra_path_text, http_status, service_view
from .write_probe import write_probe

# The Azure SDK is imported inside the functions that call it: importing this
# module must not load azure (show and lint import the checks package).


# --- inputs -------------------------------------------------------------------


@dataclass
class Endpoint:
    url: str
    scheme: str
    host: str
    port: int
    account: Optional[str]

    @property
    def is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
            return True
        except ValueError:
            return self.host == "localhost"


def parse_endpoint(url: str) -> Endpoint:
    p = urlparse(url.strip())
    if not p.scheme or not p.hostname:
        raise ValueError("not a URL: %s" % url)
    port = p.port or (443 if p.scheme == "https" else 80)
    host = p.hostname
    ep = Endpoint(url.strip(), p.scheme.lower(), host, port, None)
    if ep.is_ip:
        # Emulator form: the account is the first path segment (http(s)://127.0.0.1:10000/devstoreaccount1).
        seg = [s for s in p.path.split("/") if s]
        ep.account = seg[0] if seg else None
    else:
        ep.account = host.split(".", 1)[0]
    return ep


def parse_sysroot(sysroot: str):
    """(container, prefix) exactly as Metaflow's parse_azure_full_path; ValueError with its message."""
    return mf_parse_azure_full_path(sysroot)


# --- reachability ---------------------------------------------------------------


def _proxied(ep: Endpoint, env) -> Optional[str]:
    """The proxy the SDK would use for this host (requests honours HTTPS_PROXY/NO_PROXY)."""
    proxies = {k.lower(): v for k, v in env.items() if k.lower() in ("https_proxy", "http_proxy", "all_proxy", "no_proxy")}
    proxy = proxies.get(ep.scheme + "_proxy") or proxies.get("all_proxy")
    if not proxy:
        return None
    no = proxies.get("no_proxy", "")
    for item in [x.strip() for x in no.split(",") if x.strip()]:
        if item == "*" or ep.host == item or ep.host.endswith("." + item.lstrip(".")):
            return None
    return proxy


def reachability(ep: Endpoint, ca: Optional[str], deadline: Deadline, env) -> tuple:
    """(kind, detail) of the first failure, or (None, timings dict)."""
    if _proxied(ep, env):
        return None, {"proxy": redact_text(_proxied(ep, env))}
    timings = {}
    t = time.monotonic()
    box = {}

    def resolve():
        try:
            box["addrs"] = socket.getaddrinfo(ep.host, ep.port, type=socket.SOCK_STREAM)
        except BaseException as e:
            box["error"] = e

    th = threading.Thread(target=resolve, daemon=True)  # getaddrinfo has no timeout of its own
    th.start()
    th.join(min(5.0, deadline.remaining()))
    if th.is_alive():
        return "dns", "resolving %s did not finish within %.1f s" % (ep.host, time.monotonic() - t)
    if "error" in box:
        return "dns", str(box["error"])
    timings["dns"] = round(time.monotonic() - t, 3)

    t = time.monotonic()
    sock = None
    last = None
    for family, stype, proto, _c, addr in box["addrs"]:
        s = socket.socket(family, stype, proto)
        s.settimeout(max(0.05, min(3.0, deadline.remaining())))
        try:
            s.connect(addr)
            sock = s
            break
        except socket.timeout:
            last = ("tcp-timeout", "no answer from %s port %d within %.1f s" % (addr[0], ep.port, time.monotonic() - t))
            s.close()
        except OSError as e:
            kind = E.classify_network(e) or "tcp"
            last = (kind, "%s (%s port %d)" % (e.strerror or e, addr[0], ep.port))
            s.close()
    if sock is None:
        return last or ("tcp", "no address")
    timings["tcp"] = round(time.monotonic() - t, 3)
    if ep.scheme != "https":
        sock.close()
        return None, timings
    t = time.monotonic()
    try:
        ctx = ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()
        sock.settimeout(max(0.05, min(5.0, deadline.remaining())))
        with ctx.wrap_socket(sock, server_hostname=ep.host) as tls:
            timings["tls"] = round(time.monotonic() - t, 3)
            timings["tls_version"] = tls.version()
    except socket.timeout:
        return "timeout", "TLS handshake with %s got no answer within %.1f s" % (ep.host, time.monotonic() - t)
    except (ssl.SSLError, ssl.CertificateError) as e:
        return "tls", getattr(e, "verify_message", None) or str(e)
    except OSError as e:
        return "tls", str(e)
    finally:
        sock.close()
    return None, timings


# --- the probe ---------------------------------------------------------------------


def probe_container(task, ctx) -> list:
    """Run the container probe; `ctx` is run_live's shared state (settings, credential future, cleanup)."""
    s = ctx.settings
    out = []
    if not s.blob_endpoint:
        if (s.datastore or "").lower() == "azure":
            return [Finding(AZURE_CONTAINER, ERROR,
                            "Must configure METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: the azure datastore "
                            "cannot start without the account's blob endpoint.",
                            key=ENDPOINT_KEY, fix="export %s=https://<account>.blob.core.windows.net/" % ENDPOINT_KEY)]
        return [Finding(AZURE_CONTAINER, SKIPPED, "No blob endpoint configured (%s); container not probed." % ENDPOINT_KEY,
                        key=ENDPOINT_KEY, detail={"reason": REASON_NOT_APPLICABLE})]
    try:
        ep = parse_endpoint(s.blob_endpoint)
    except ValueError as e:
        return [Finding(AZURE_CONTAINER, SKIPPED, "Blob endpoint not probed: %s (see azure.endpoint)." % e, key=ENDPOINT_KEY,
                        location=s.location(ENDPOINT_KEY))]
    ectx = E.Context(account=ep.account, host=ep.host, endpoint=redact_text(ep.url))
    if not s.sysroot:
        container = prefix = None
    else:
        try:
            container, prefix = parse_sysroot(s.sysroot)
        except ValueError as e:
            return [Finding(AZURE_CONTAINER, SKIPPED, "Container not probed: Metaflow rejects the sysroot %r (%s); "
                            "see azure.sysroot." % (s.sysroot, e), key=SYSROOT_KEY, location=s.location(SYSROOT_KEY))]
    ectx.container, ectx.prefix = container, prefix
    detail = {"endpoint": redact_text(ep.url), "host": ep.host, "account": ep.account,
              "container": container, "prefix": prefix}

    if ep.scheme == "http":
        return [Finding(AZURE_CONTAINER, ERROR,
                        "The blob endpoint %s is plain http: the Azure SDK refuses to send a token credential "
                        "over it (\"Token credential is only supported with HTTPS\"), so every datastore call "
                        "fails." % redact_text(ep.url),
                        key=ENDPOINT_KEY, location=s.location(ENDPOINT_KEY),
                        fix="export %s=%s" % (ENDPOINT_KEY, "https" + redact_text(ep.url)[4:]), detail=detail)]

    # 1. Reachability (needs no token: runs while the credential is still being acquired).
    task.set_step("connecting to %s:%d" % (ep.host, ep.port),
                  "%s:%d did not answer: check DNS, the firewall or private endpoint of the storage "
                  "account, and any proxy between here and Azure" % (ep.host, ep.port))
    kind, info = reachability(ep, s.ca_bundle, ctx.deadline.child(8.0), s.env)
    if kind:
        return [_network_finding(kind, str(info), ectx, s, detail)]
    detail["reachability"] = info

    # 2.. need the credential.
    task.set_step("waiting for the credential", WAITING_HINT)
    cred = ctx.wait_credential()
    if cred is None or not cred.ok:
        return [Finding(AZURE_CONTAINER, SKIPPED,
                        "Endpoint %s is reachable, but the container was not probed: no credential "
                        "(see azure.credential)." % ep.host, key=SYSROOT_KEY, detail=detail)]
    ectx.object_id, ectx.tenant = cred.object_id, cred.tenant
    if not container:
        return [Finding(AZURE_CONTAINER, SKIPPED, "Endpoint %s is reachable; no sysroot (%s) to probe." % (ep.host, SYSROOT_KEY),
                        key=SYSROOT_KEY, detail=dict(detail, reason=REASON_NOT_APPLICABLE))]

    from azure.storage.blob import BlobServiceClient

    conn_t, read_t = ctx.deadline.timeouts()
    kwargs = dict(retry_total=0, connection_timeout=conn_t, read_timeout=read_t)
    if s.ca_bundle_explicit:
        kwargs["connection_verify"] = s.ca_bundle_explicit
    # Built as metaflow/plugins/azure/blob_service_client_factory.py does: the endpoint
    # exactly as configured, extra path included.
    service = BlobServiceClient(ep.url, credential=cred.credential, **kwargs)
    cc = service.get_container_client(container)
    seen = service_view(ep, cc.url, container)
    if seen:
        detail["service_container"], detail["service_prefix"] = seen
    steps = {}
    try:
        if seen:
            # Metaflow never reads container properties; on this URL the service would
            # take the container's name for a blob's. Probe only what Metaflow does.
            steps["exists"] = "skipped (the endpoint carries an extra path)"
        else:
            task.set_step("reading container %s's properties" % container)
            t = time.monotonic()
            cc.get_container_properties()
            steps["exists"] = round(time.monotonic() - t, 3)

        if seen and not ctx.read_only:
            # What a flow run does first (upload, read back): it works on such a URL.
            steps.update(write_probe(task, cc, prefix, ctx))
        task.set_step("listing blobs under %s/" % (prefix or ""))
        t = time.monotonic()
        try:
            pages = cc.list_blobs(name_starts_with=(prefix + "/") if prefix else None, results_per_page=5).by_page()
            first = next(pages, [])
        except Exception as e:
            if seen and http_status(e) == 404:
                detail["steps"] = steps
                return out + [extra_path_listing(ep, container, prefix, seen, steps, s, detail)]
            raise
        steps["list"] = round(time.monotonic() - t, 3)
        detail["listed"] = len(list(first))

        if ctx.read_only:
            steps["write"] = "skipped (--read-only)"
        elif not seen:
            steps.update(write_probe(task, cc, prefix, ctx))
    except Exception as e:
        detail["steps"] = steps
        f = _sdk_finding(e, task.step, ectx, ctx, s, detail)
        if seen:
            f = replace(f, message="%s %s" % (extra_path_text(ep, container, prefix, seen), f.message))
        return [f]
    detail["steps"] = steps
    wrote = "" if ctx.read_only else "; wrote, read back and deleted a probe blob"
    took = sum(v for v in steps.values() if isinstance(v, float))
    if seen:
        text = "%s Metaflow's operations work there: listed%s (%.2f s)." % (
            extra_path_text(ep, container, prefix, seen), wrote, took)
    else:
        text = "Container '%s' on %s: exists; listed under '%s/'%s (%.2f s)." % (
            container, ep.host, prefix or "", wrote, took)
    out.append(Finding(AZURE_CONTAINER, OK, text, key=SYSROOT_KEY, detail=detail))
    if ctx.read_only:
        out.append(Finding(AZURE_CONTAINER, SKIPPED, "Write probe not run (--read-only): write and delete access not verified.",
                           key=SYSROOT_KEY, detail={"reason": REASON_READ_ONLY}))
    return out


def _network_finding(kind, info, ectx, s, detail) -> Finding:
    cause, fix = E.NETWORK.get(kind, E.NETWORK["tcp"])
    more = {"detail": info, "tls_fix": E.fill(E.tls_fix(info, s.ca_bundle), ectx)}
    detail = dict(detail, network=kind, error=info)
    return Finding(AZURE_CONTAINER, ERROR, "Blob endpoint unreachable: " + E.fill(cause, ectx, **more) + " (%s)" % info,
                   key=ENDPOINT_KEY, location=s.location(ENDPOINT_KEY),
                   fix=E.fill(fix, ectx, **more), detail=detail)


def _sdk_finding(e, step, ectx, ctx, s, detail) -> Finding:
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

    detail = dict(detail, step=step)
    if isinstance(e, (ServiceRequestError, ServiceResponseError)) or (
            not isinstance(e, HttpResponseError) and E.classify_network(e)):
        kind = E.classify_network(e) or ("timeout" if isinstance(e, ServiceResponseError) else "tcp")
        return _network_finding(kind, "while %s: %s" % (step, _short(e)), ectx, s, detail)
    if isinstance(e, HttpResponseError) and getattr(e, "response", None) is not None:
        status = e.status_code
        code = e.error_code or e.response.headers.get("x-ms-error-code")
        code = str(code.value if hasattr(code, "value") else code) if code else None
        headers = e.response.headers
        detail.update(status=status, error_code=code)
        msg = _service_message(e)
        retry_after = headers.get("Retry-After")
        more = {"detail": msg, "retry_after": " (Retry-After: %s s)" % retry_after if retry_after else "",
                "auth_fix": "", "tenant_hint": "", "expected_tenant": "<tenant id>"}
        if code == "AuthenticationFailed":
            more["detail"], more["auth_fix"] = E.auth_failed_detail(str(e), ctx.credential.claims if ctx.credential else None)
        if code == "InvalidAuthenticationInfo":
            tid = _challenge_tenant(headers.get("WWW-Authenticate", ""))
            if tid:
                more["expected_tenant"] = tid
                more["tenant_hint"] = " (the account is in tenant %s, the token from %s)" % (tid, ectx.tenant or "?")
        if code in ("AuthorizationPermissionMismatch", "KeyBasedAuthenticationNotPermitted"):
            ectx.account_id = ctx.wait_account_id(2.0) or ectx.account_id
        if status == 429 and code not in E.STORAGE:
            cause, fix = E.THROTTLED
        elif code in E.STORAGE:
            cause, fix = E.STORAGE[code]
        else:
            cause, fix = ("The storage service answered %s %s: %s" % (status, code or "", msg),
                          "See the error code in the Azure Blob Storage error-code reference.")
        text = "While %s: %s%s" % (step, _mismatch_prefix(step) if code == "AuthorizationPermissionMismatch" else "",
                                   E.fill(cause, ectx, **more))
        return Finding(AZURE_CONTAINER, ERROR, text, key=SYSROOT_KEY, location=s.location(SYSROOT_KEY),
                       fix=E.fill(fix, ectx, **more), detail=detail)
    if isinstance(e, ValueError) and "HTTPS" in str(e):
        return Finding(AZURE_CONTAINER, ERROR, "The Azure SDK refused the endpoint: %s" % e, key=ENDPOINT_KEY,
                       fix="use an https:// blob endpoint", detail=detail)
    return Finding(AZURE_CONTAINER, ERROR, "While %s: %s" % (step, _short(e)), key=SYSROOT_KEY,
                   fix="Run with -v for the detail; this error is not one mfdoctor knows.", detail=detail)


def _mismatch_prefix(step: str) -> str:
    if step.startswith("uploading") or step.startswith("deleting"):
        return "reading and listing worked, so the identity has read access only (e.g. Storage Blob Data Reader). "
    return ""


def _service_message(e) -> str:
    msg = getattr(e, "message", None) or str(e)
    first = msg.strip().splitlines()[0] if msg.strip() else ""
    return redact_text(first)[:300]


def _short(e) -> str:
    text = str(e).strip().splitlines()
    return redact_text("%s: %s" % (type(e).__name__, text[0] if text else ""))[:300]

def _challenge_tenant(header: str) -> Optional[str]:
    m = re.search(r"authorization_uri=\"?https://[^/]+/([0-9a-fA-F-]{36})", header) or \
        re.search(r"authorization=\"?https://[^/]+/([0-9a-fA-F-]{36})", header)
    return m.group(1) if m else None
