"""`azure.keyvault`: can each secret the flows use be read? Metadata only.

The id is resolved exactly as Metaflow's `az-key-vault` provider resolves it
(azure_rules.mf_parse_secret_id), then fetched with `SecretClient.get_secret`
through the same credential. The secret's value is never printed, logged,
cached or kept: only `enabled`, expiry and version are read from the response
before it is dropped (the SDK's logging policy logs no bodies).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Optional
from urllib.parse import urlparse

from ...findings import ERROR, OK, SKIPPED, WARNING, Finding
from ...redact import redact_text
from ..azure_rules import mf_parse_secret_id
from ...ids import AZURE_KEYVAULT
from . import errors as E
from .settings import ENDPOINT_KEY
from .deadline import WAITING_HINT

# The Azure SDK is imported inside the functions that call it: importing this
# module must not load azure (show and lint import the checks package).

EXPIRY_WARNING_DAYS = 14


def resolve_secret(secret_id: str, vault_prefix: Optional[str]):
    """ParsedSecretId, or raise ValueError with Metaflow's reason."""
    return mf_parse_secret_id(secret_id, vault_prefix)


def vault_base(parsed, override: Optional[str]) -> str:
    """Where to send the request: the vault's own URL, or the override (`{vault}` is replaced by the vault name)."""
    if not override:
        return parsed.vault_url
    return override.replace("{vault}", parsed.vault_name).rstrip("/")


def probe_secret(task, ctx, secret_id: str, location) -> list:
    s = ctx.settings
    try:
        parsed = resolve_secret(secret_id, s.key_vault_prefix)
    except ValueError as e:
        return [Finding(AZURE_KEYVAULT, SKIPPED, "Secret %r not read: Metaflow rejects the id (%s); see azure.secret-id."
                        % (secret_id, e), location=location)]
    label = parsed.name + ("/" + parsed.version if parsed.version else "")
    ectx = E.Context(vault=parsed.vault_name, secret=parsed.name)
    detail = {"id": secret_id, "vault": parsed.vault_name, "name": parsed.name, "version": parsed.version}
    task.set_step("waiting for the credential", WAITING_HINT)
    cred = ctx.wait_credential()
    if cred is None or not cred.ok:
        return [Finding(AZURE_KEYVAULT, SKIPPED, "Secret %s in vault %s not read: no credential (see azure.credential)."
                        % (label, parsed.vault_name), location=location, detail=detail)]
    ectx.object_id, ectx.tenant = cred.object_id, cred.tenant

    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
    from azure.keyvault.secrets import SecretClient

    base = vault_base(parsed, s.vault_url)
    detail["url"] = base
    conn, read = ctx.deadline.timeouts(3.0, 8.0)
    kwargs = dict(retry_total=0, connection_timeout=conn, read_timeout=read,
                  # The challenge's resource must be a DNS suffix of the vault host; an overridden
                  # base URL (private endpoint, local test server) cannot satisfy that.
                  verify_challenge_resource=not s.vault_url)
    if s.ca_bundle_explicit:
        kwargs["connection_verify"] = s.ca_bundle_explicit
    client = SecretClient(vault_url=base, credential=cred.credential, **kwargs)
    task.set_step("reading secret %s from vault %s" % (label, parsed.vault_name))
    t = time.monotonic()
    try:
        meta = _metadata(client.get_secret(parsed.name, parsed.version))
    except HttpResponseError as e:
        if getattr(e, "status_code", None) == 403:
            ectx.vault_id = ctx.wait_vault_id(parsed.vault_name, 2.0)  # for the fix's --scope
        return [_error_finding(e, parsed, label, ectx, location, detail)]
    except (ServiceRequestError, ServiceResponseError) as e:
        kind = E.classify_network(e) or "tcp"
        host = urlparse(base).hostname
        cause, fix = E.NETWORK.get(kind, E.NETWORK["tcp"])
        ectx.host, ectx.endpoint = host, base
        more = {"detail": str(e).splitlines()[0][:200], "tls_fix": E.tls_fix(str(e), s.ca_bundle)}
        return [Finding(AZURE_KEYVAULT, ERROR, "Vault %s unreachable: %s" % (parsed.vault_name, E.fill(cause, ectx, **more)),
                        location=location, fix=E.fill(fix, ectx, **more).replace(
                            ENDPOINT_KEY, "the vault URL"),
                        detail=dict(detail, network=kind))]
    except Exception as e:  # e.g. ClientAuthenticationError from the credential during the challenge
        first = redact_text(str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__)[:300]
        return [Finding(AZURE_KEYVAULT, ERROR, "Reading secret %s from vault %s failed: %s" % (label, parsed.vault_name, first),
                        location=location, fix="See azure.credential; the vault's tenant must match the identity's.",
                        detail=detail)]
    detail.update(meta, seconds=round(time.monotonic() - t, 3))
    return [_ok_finding(meta, parsed, label, location, detail)]


def _metadata(secret) -> dict:
    """Only metadata leaves this function; the KeyVaultSecret (and its value) is dropped with the frame."""
    p = secret.properties
    meta = {
        "enabled": p.enabled,
        "expires_on": p.expires_on.isoformat() if p.expires_on else None,
        "not_before": p.not_before.isoformat() if p.not_before else None,
        "resolved_version": p.version,
        "updated_on": p.updated_on.isoformat() if p.updated_on else None,
    }
    del secret, p
    return meta


def _ok_finding(meta, parsed, label, location, detail) -> Finding:
    exp = meta.get("expires_on")
    text = "Secret %s in vault %s is readable (version %s, %s%s)." % (
        label, parsed.vault_name, meta.get("resolved_version") or "?",
        "enabled" if meta.get("enabled") is not False else "disabled",
        ", expires %s" % exp if exp else ", no expiry")
    if exp:
        left = datetime.fromisoformat(exp) - datetime.now(timezone.utc)
        if left.total_seconds() <= 0:
            return Finding(AZURE_KEYVAULT, ERROR, text.replace("is readable", "has expired"), location=location,
                           fix="az keyvault secret set-attributes --vault-name %s --name %s --expires <new date>"
                               % (parsed.vault_name, parsed.name), detail=detail)
        if left.days < EXPIRY_WARNING_DAYS:
            return Finding(AZURE_KEYVAULT, WARNING, text + " It expires in %d days." % left.days, location=location,
                           fix="Rotate it or extend its expiry: az keyvault secret set-attributes --vault-name %s "
                               "--name %s --expires <new date>" % (parsed.vault_name, parsed.name), detail=detail)
    return Finding(AZURE_KEYVAULT, OK, text, location=location, detail=detail)


def _error_finding(e, parsed, label, ectx, location, detail) -> Finding:
    status = getattr(e, "status_code", None)
    err = getattr(e, "error", None)
    code = getattr(err, "code", None)
    inner = None
    ie = getattr(err, "innererror", None)
    if isinstance(ie, dict):
        inner = ie.get("code")
    elif ie is not None:
        inner = getattr(ie, "code", None)
    msg = redact_text(getattr(err, "message", None) or str(e).splitlines()[0])[:300]
    detail.update(status=status, code=code, inner_code=inner)
    if code is None and status == 404:
        code = "SecretNotFound"
    ex = E.explain_keyvault(code, inner)
    if ex is None and status == 403 and "firewall" in msg.lower():
        ex = E.explain_keyvault("Forbidden", "ForbiddenByFirewall")
    if ex is None:
        return Finding(AZURE_KEYVAULT, ERROR, "Reading secret %s from vault %s failed: %s %s%s: %s" % (
            label, parsed.vault_name, status, code or "", "/" + inner if inner else "", msg),
            location=location, fix="See the Key Vault error reference for %s." % (inner or code), detail=detail)
    cause, fix = ex
    return Finding(AZURE_KEYVAULT, ERROR, "Secret %s in vault %s: %s (%s%s)" % (
        label, parsed.vault_name, E.fill(cause, ectx), code, "/" + inner if inner else ""),
        location=location, fix=E.fill(fix, ectx), detail=detail)
