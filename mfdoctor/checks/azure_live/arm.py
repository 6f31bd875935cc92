"""A small JSON client for Azure Resource Manager (and Resource Graph).

Raw requests through azure-core's pipeline (bearer token policy, no retries,
timeouts from the probe's deadline) rather than the management SDKs: the
calls are few, their JSON shapes are documented, and paging by `nextLink` is a
loop. The base URL is overridable (sovereign clouds; tests).
"""

from __future__ import annotations

import json
from typing import Iterator, Optional
from urllib.parse import urlparse

from .deadline import Deadline

# The Azure SDK is imported inside the functions that call it: importing this
# module must not load azure (show and lint import the checks package).

ARM_API = "2022-04-01"  # Microsoft.Authorization
GRAPH_API = "2021-03-01"  # Microsoft.ResourceGraph
RESOURCES_API = "2021-04-01"
SUBSCRIPTIONS_API = "2022-12-01"
MAX_PAGES = 50


class ArmError(Exception):
    def __init__(self, status: Optional[int], code: Optional[str], message: str):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status, self.code, self.message = status, code, message


def management_scope(base_url: str) -> str:
    """Token scope for a management endpoint: its origin + /.default (https://management.azure.com/.default)."""
    p = urlparse(base_url)
    return "%s://%s/.default" % (p.scheme, p.netloc)


class Arm:
    def __init__(self, base_url: str, credential, deadline: Deadline, verify=None):
        from azure.core import PipelineClient
        from azure.core.pipeline.policies import (BearerTokenCredentialPolicy, HeadersPolicy,
                                                  RetryPolicy, UserAgentPolicy)
        from azure.core.pipeline.transport import RequestsTransport

        self.base = base_url.rstrip("/")
        self.deadline = deadline
        transport = RequestsTransport(connection_verify=verify) if verify else RequestsTransport()
        self._client = PipelineClient(
            base_url=self.base,
            policies=[HeadersPolicy(), UserAgentPolicy("mfdoctor"), RetryPolicy(retry_total=0),
                      BearerTokenCredentialPolicy(credential, management_scope(self.base))],
            transport=transport,
        )

    def request(self, method: str, url: str, params: Optional[dict] = None, body=None) -> dict:
        from azure.core.rest import HttpRequest

        if url.startswith("/"):
            url = self.base + url
        req = HttpRequest(method, url, params=params or {}, json=body)
        conn, read = self.deadline.timeouts(3.0, 8.0)
        resp = self._client.send_request(req, connection_timeout=conn, read_timeout=read)
        text = resp.text()
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        if resp.status_code >= 400:
            err = data.get("error") or {}
            raise ArmError(resp.status_code, err.get("code"), err.get("message") or text[:200])
        return data

    def paged(self, url: str, params: Optional[dict] = None) -> Iterator[dict]:
        data = self.request("GET", url, params)
        for _ in range(MAX_PAGES):
            yield from data.get("value", [])
            nxt = data.get("nextLink")
            if not nxt:
                return
            data = self.request("GET", nxt)

    # --- lookups -------------------------------------------------------------------

    def find_resources(self, wanted: list) -> dict:
        """Resource Graph: {(type, name): {id, properties, ...}} for `wanted` [(type, name)], lower-cased keys."""
        if not wanted:
            return {}
        clauses = " or ".join("(type =~ '%s' and name =~ '%s')" % (t, n.replace("'", "")) for t, n in wanted)
        query = "resources | where %s | project id, name, type, subscriptionId, resourceGroup, properties" % clauses
        data = self.request("POST", "/providers/Microsoft.ResourceGraph/resources",
                            params={"api-version": GRAPH_API}, body={"query": query})
        rows = data.get("data") or []
        if isinstance(rows, dict):  # the "table" result format
            cols = [c["name"] for c in rows.get("columns", [])]
            rows = [dict(zip(cols, r)) for r in rows.get("rows", [])]
        return {(str(r.get("type", "")).lower(), str(r.get("name", "")).lower()): r for r in rows}

    def find_resources_by_listing(self, wanted: list) -> dict:
        """Fallback when Resource Graph is unavailable: list subscriptions, then filter resources in each."""
        out = {}
        for sub in self.paged("/subscriptions", {"api-version": SUBSCRIPTIONS_API}):
            sid = sub.get("subscriptionId")
            for t, n in wanted:
                flt = "resourceType eq '%s' and name eq '%s'" % (t, n)
                for r in self.paged("/subscriptions/%s/resources" % sid,
                                    {"api-version": RESOURCES_API, "$filter": flt}):
                    out[(str(r.get("type", "")).lower(), str(r.get("name", "")).lower())] = r
            if len(out) == len(wanted):
                break
        return out

    def role_assignments(self, scope: str, object_id: str) -> list:
        """Assignments at and above `scope` for `object_id`, groups included (assignedTo expands membership)."""
        flt = "atScope() and assignedTo('%s')" % object_id
        return list(self.paged(scope + "/providers/Microsoft.Authorization/roleAssignments",
                               {"api-version": ARM_API, "$filter": flt}))

    def role_definition(self, definition_id: str) -> dict:
        return self.request("GET", definition_id, {"api-version": ARM_API})

    def permissions(self, scope: str) -> list:
        """The caller's effective permissions at `scope` (needs no role-assignment read access)."""
        return list(self.paged(scope + "/providers/Microsoft.Authorization/permissions", {"api-version": ARM_API}))

    def resource(self, resource_id: str, api_version: str) -> dict:
        return self.request("GET", resource_id, {"api-version": api_version})
