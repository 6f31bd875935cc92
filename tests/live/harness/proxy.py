"""A fault-injecting HTTPS proxy in front of Azurite.

Requests pass through to Azurite unchanged unless a rule for the request's container
matches; then the proxy answers itself with Azure's real error shape
(`x-ms-error-code` header + XML body), throttles with 429 + Retry-After, or hangs.
Every request is recorded (method, path, headers) so tests can assert what the code
under test sent (If-None-Match: *, If-Match: <etag>).
"""

from __future__ import annotations

import fnmatch
import http.client
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from .servers import Handler, Server

ERROR_XML = ('<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}\n'
             'RequestId:7d6b9c2e-301e-0042-3f3a-000000000000\nTime:2025-01-01T00:00:00.0000000Z</Message></Error>')

MESSAGES = {
    "AuthorizationPermissionMismatch": "This request is not authorized to perform this operation using this permission.",
    "AuthorizationFailure": "This request is not authorized to perform this operation.",
    "ServerBusy": "The server is busy.",
    "InvalidAuthenticationInfo": "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
    "KeyBasedAuthenticationNotPermitted": "Key based authentication is not permitted on this storage account.",
}


@dataclass
class Rule:
    status: int = 403
    code: str | None = None
    methods: tuple | None = None  # None: every method
    blob: str | None = None  # glob on the blob name; None: any request for the container
    hang: float = 0.0  # seconds to hold the request before answering (or closing)
    headers: dict | None = None
    passthrough_after_hang: bool = False

    def matches(self, method: str, blob: str) -> bool:
        if self.methods and method not in self.methods:
            return False
        if self.blob is not None and not fnmatch.fnmatch(blob, self.blob):
            return False
        return True


class _ProxyHandler(Handler):
    def _handle(self):
        srv = self.server
        body = self.body()
        u = urlparse(self.path)
        parts = u.path.split("/", 3)  # '', account, container, blob
        container = parts[2] if len(parts) > 2 else ""
        blob = parts[3] if len(parts) > 3 else ""
        srv.log.append({"method": self.command, "path": u.path, "query": u.query,
                        "headers": {k.lower(): v for k, v in self.headers.items()}})
        rule = srv.rules.get(container)
        if rule and rule.matches(self.command, blob):
            if rule.hang:
                time.sleep(rule.hang)
            if not rule.passthrough_after_hang:
                return self._error(rule)
        self._forward(body)

    def _error(self, rule: Rule):
        code = rule.code or ("ServerBusy" if rule.status == 429 else "AuthorizationFailure")
        xml = ERROR_XML.format(code=code, message=MESSAGES.get(code, code)).encode()
        headers = {"x-ms-error-code": code, "x-ms-request-id": "7d6b9c2e-301e-0042-3f3a-000000000000",
                   "x-ms-version": "2025-01-05"}
        headers.update(rule.headers or {})
        self.reply(rule.status, xml, headers, ctype="application/xml")

    def _forward(self, body: bytes):
        srv = self.server
        conn = http.client.HTTPSConnection("127.0.0.1", srv.upstream_port, context=srv.upstream_ctx, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        headers["Host"] = "127.0.0.1:%d" % srv.upstream_port
        conn.request(self.command, self.path, body=body or None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "keep-alive"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_DELETE = do_HEAD = do_POST = _handle


def start_proxy(upstream_port: int, cert: str, key: str) -> Server:
    srv = Server(_ProxyHandler, cert=cert, key=key)
    srv.upstream_port = upstream_port
    srv.upstream_ctx = ssl.create_default_context(cafile=cert)
    srv.rules = {}
    srv.log = []
    srv.lock = threading.Lock()
    return srv.start()
