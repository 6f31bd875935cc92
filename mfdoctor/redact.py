"""Secret handling shared by every output format.

A secret is never printed: it becomes "<redacted>" plus a short fingerprint
(first 8 hex digits of its SHA-256) so two machines can be compared without
revealing the value.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .vocabulary import PREFIX

REDACTED = "<redacted>"

# Key names (with or without METAFLOW_) that hold credentials.
_SECRET_NAME = re.compile(
    r"(AUTH_KEY|API_KEY|_TOKEN$|^TOKEN$|PASSWORD|SECRET$|CLIENT_SECRET|_KEY$|"
    r"SERVICE_HEADERS|WEBHOOK_AUTH|CREDENTIAL|SAS)",
    re.IGNORECASE,
)
# Names that match the pattern above but hold no secret.
_NOT_SECRET = {
    "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE",
    "METAFLOW_DEFAULT_SECRETS_ROLE",
    "METAFLOW_AZURE_KEY_VAULT_PREFIX",
    "METAFLOW_GCP_SECRET_MANAGER_PREFIX",
    "METAFLOW_KUBERNETES_SECRETS",
    "METAFLOW_ARGO_WORKFLOWS_KUBERNETES_SECRETS",
    "METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION",
    "METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_ROLE",
    "METAFLOW_KUBERNETES_IMAGE_PULL_SECRETS",
    "METAFLOW_ARGO_EVENTS_WEBHOOK_AUTH",
}
# SAS signature (and other signed query parameters) inside URLs.
_URL_SECRET_PARAM = re.compile(r"([?&](?:sig|signature|code|token|access_token)=)[^&#\s\"']+", re.I)


# A documentation comment that says the value holds credentials (netflixext's
# CONDA_SRCS_AUTH_INFO: "a tuple/list of username and password").
_SECRET_DOC = re.compile(r"\b(passwords?|passphrases?|api[ _-]?keys?|access[ _-]?tokens?|"
                         r"auth(?:entication)?[ _-]?tokens?|client[ _-]?secrets?)\b", re.I)


def is_secret_doc(doc: str) -> bool:
    return bool(doc and _SECRET_DOC.search(doc))


def is_secret_name(name: str) -> bool:
    full = name if name.upper().startswith(PREFIX) else PREFIX + name
    if full.upper() in _NOT_SECRET:
        return False
    return bool(_SECRET_NAME.search(name))


def fingerprint(value: Any) -> str:
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True, default=str)
    import hashlib  # only when there is a secret to fingerprint

    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:8]


# user:password@ in a URL (https://bob:pw@host/).
_URL_PASSWORD = re.compile(r"(://[^/@\s:]+:)[^@/\s]+@")


def redact_text(text: str) -> str:
    """Redact signed query parameters (SAS `sig=`) and URL passwords inside free text."""
    text = _URL_SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + "@", text)


def has_url_secret(text: str) -> bool:
    return bool(_URL_SECRET_PARAM.search(text) or _URL_PASSWORD.search(text))


def redact_value(name: str, value: Any, secret: bool | None = None) -> Any:
    """What may be shown for `value` of key `name`."""
    if value is None:
        return None
    if secret is None:
        secret = is_secret_name(name)
    if secret:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(name, v, False) for v in value]
    return value
