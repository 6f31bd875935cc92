"""Azure Storage host names: which cloud, which service, and emulator hosts."""

from __future__ import annotations

import ipaddress
import re

BLOB_CLOUDS = {
    "core.windows.net": "Azure public cloud",
    "core.chinacloudapi.cn": "Azure China",
    "core.usgovcloudapi.net": "Azure US Government",
    "core.cloudapi.de": "Azure Germany (closed in 2021)",
}
AZURE_STORAGE_HOST_RE = re.compile(
    r"(?P<account>[^.]+)\.(?P<private>privatelink\.)?(?P<service>blob|dfs|file|queue|table|web)\."
    r"(?P<suffix>core\.windows\.net|core\.chinacloudapi\.cn|core\.usgovcloudapi\.net|core\.cloudapi\.de)$")
AZURE_DNSZONE_HOST_RE = re.compile(
    r"(?P<account>[^.]+)\.(?P<zone>z\d\d)\.(?P<service>blob|dfs|file|queue|table|web)\.storage\.azure\.net$")


def is_ip_or_local(host: str) -> bool:
    """An IP address or a local name (localhost, host.docker.internal): an emulator."""
    host = host.strip("[]").lower()
    if host in ("localhost", "host.docker.internal"):
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def storage_host(hostname: str):
    """The match of an Azure Storage host name (groups account, service, and suffix or
    zone; private for a privatelink name), or None."""
    return AZURE_STORAGE_HOST_RE.fullmatch(hostname) or AZURE_DNSZONE_HOST_RE.fullmatch(hostname)
