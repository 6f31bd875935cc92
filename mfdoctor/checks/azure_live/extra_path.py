"""An endpoint with a path after the account (`https://127.0.0.1:10000/devstoreaccount1/metaflow`):
the Azure SDK keeps the path in every URL it builds, so the service sees another
container than the sysroot's, and the sysroot's container as the first part of each blob
name. Uploads and reads work that way (a flow runs); listing does not."""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlparse

from ...findings import WARNING, Finding
from ...ids import AZURE_CONTAINER
from .settings import ENDPOINT_KEY, SYSROOT_KEY


def service_view(ep, container_url: str, container: str):
    """(container, blob prefix) the service sees for Metaflow's container client, when the
    endpoint carries a path beyond the account (the SDK keeps it in every URL); else None."""
    seg = [x for x in urlparse(container_url).path.split("/") if x]
    if ep.is_ip:
        seg = seg[1:]  # the emulator's first segment is the account
    if len(seg) <= 1:
        return None
    return seg[0], "/".join(seg[1:])


def extra_path_text(ep, container: str, prefix: str, seen) -> str:
    where = "%s/%s" % (seen[1], prefix) if prefix else seen[1]
    return ("%s carries a path after the account, and the Azure SDK keeps it in every URL, so "
            "Metaflow's container '%s' is really container '%s' and its blobs land under '%s/' there."
            % (ENDPOINT_KEY, container, seen[0], where))


def http_status(e) -> Optional[int]:
    return getattr(e, "status_code", None)


def extra_path_listing(ep, container, prefix, seen, steps, s, detail) -> Finding:
    """Uploads and reads work on such a URL, but the service takes a list request on
    `<account>/<path>/<container>` for one on a blob: a run works, listing does not."""
    wrote = "" if "write" not in steps or not isinstance(steps.get("write"), float) else \
        " Uploading, reading back and deleting a blob worked, so flows run;"
    where = "%s/%s" % (seen[1], prefix) if prefix else seen[1]
    bare = ep.url.split(urlparse(ep.url).path, 1)[0] if urlparse(ep.url).path else ep.url
    account = ("/" + ep.account) if ep.is_ip and ep.account else ""
    return Finding(
        AZURE_CONTAINER, WARNING,
        "%s%s but listing blobs fails (404 BlobNotFound: the service reads the list request as "
        "one for blob '%s' in container '%s'), so whatever lists the datastore fails: resume, "
        "cards, the client's task listing." % (
            extra_path_text(ep, container, prefix, seen), wrote, container, seen[0]),
        key=ENDPOINT_KEY, location=s.location(ENDPOINT_KEY),
        fix="Keep only the account in the endpoint (%s%s) and set %s=%s/%s to keep the blobs where "
        "they are now." % (bare, account, SYSROOT_KEY, seen[0], where),
        detail=dict(detail, steps=steps),
    )
