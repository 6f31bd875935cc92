"""`check`: settings that stay behind when a step runs remotely.

Runs for each `--target`, else for the targets the flows' decorators imply (`@kubernetes`
runs on Kubernetes, `@batch` on AWS Batch). Every finding compares what this machine
resolves with what a task on the target resolves (`config/remote.py`), so it is only
raised where the task would really see something else.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional
from urllib.parse import urlsplit

from .. import ids
from ..config.remote import remote_view
from ..findings import INFO, OK, SKIPPED, WARNING
from ..vocabulary import PREFIX, Source
from .flows.remote_decos import FlowRemote
from .messages import PYTHON, finding, quote

# Settings a task uses at run time (its datastore, credentials, secrets, service). The
# others are read by the deploying process (image, queue, namespace, ...) or only
# locally, so a task without them is not wrong.
_TASK_SETTINGS = re.compile(
    r"^(DEFAULT_(AZURE|AWS|GCP)_CLIENT_PROVIDER|(AZURE|GS)_STORAGE_\w+|DATATOOLS_\w+"
    r"|DATASTORE_SYSROOT_(S3|AZURE|GS)|CARD_(S3|AZURE|GS)ROOT|S3_\w+|DEFAULT_SECRETS_BACKEND_TYPE"
    r"|AWS_SECRETS_MANAGER_DEFAULT_REGION|GCP_SECRET_MANAGER_PREFIX|AZURE_KEY_VAULT_PREFIX"
    r"|OTEL_\w+|SERVICE_\w+|DEFAULT_METADATA)$")
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal")
_AZURE_PROVIDER = PREFIX + "DEFAULT_AZURE_CLIENT_PROVIDER"
_FIX = "pass it to the remote steps with @environment(vars={%s: %s}), %sor bake it into the image's Metaflow config file"
_K8S_FIX = "put it in a Kubernetes secret (METAFLOW_KUBERNETES_SECRETS), "
_K8S_TARGETS = ("kubernetes", "argo-workflows", "airflow")
_REMOTE_TARGET = {"kubernetes": "kubernetes", "batch": "batch"}


def targets_of(flows: FlowRemote, given: Iterable[str]) -> list:
    """The targets to check: those given, else the ones the flows' decorators run on."""
    out = list(dict.fromkeys(given))
    if not out:
        out = list(dict.fromkeys(_REMOTE_TARGET[f.name] for f in flows.remote_steps()))
    return out


def _is_loopback(url) -> bool:
    if not isinstance(url, str) or not url:
        return False
    try:
        host = urlsplit(url if "://" in url else "//" + url).hostname or ""
    except ValueError:
        return False
    return host in _LOOPBACK or host.startswith("127.") or host.endswith(".localhost")


def _where(flows: FlowRemote, target: str) -> str:
    """Who receives the environment: the decorated steps, else any task on the target."""
    steps = sorted({f.step for f in flows.remote_steps(_REMOTE_TARGET.get(target))})
    if target in _REMOTE_TARGET and steps:
        return "step%s %s (@%s)" % ("s" if len(steps) > 1 else "", ", ".join(steps), target)
    return "a task on %s" % target


def check_target(res, target: str, flows: FlowRemote) -> list:
    view = remote_view(res, target, flows)
    where = _where(flows, target)
    if view.missing:
        # Metaflow's code is not where the catalog reads it: everything would look like
        # it stays behind. Say so instead of guessing.
        return [finding(ids.REMOTE_STAYS_BEHIND, SKIPPED,
                        "what Metaflow %s sends to %s could not be read (%s not found), so "
                        "settings that stay behind are not checked" % (
                            res.catalog.version, target, ", ".join(view.missing)), target=target)]
    secrets = [n for n, _ in view.secrets]
    out = []
    out.extend(_datastore(res, view, where))
    out.extend(_service_url(view, where))
    behind = [rk for rk in view.not_forwarded if _TASK_SETTINGS.match(rk.spec.short)
              and view.task.keys.get(rk.name) is not None
              and view.task.keys[rk.name].value != rk.value]
    for rk in behind:
        out.append(_stays_behind(rk, view, where, secrets))
    if not behind:
        out.append(finding(ids.REMOTE_STAYS_BEHIND, OK,
                           "every setting a task on %s uses that is set here is sent to it" % target,
                           target=target))
    return out


def _stays_behind(rk, view, where: str, secrets: list):
    task_value = view.task.keys[rk.name].value
    check = ids.REMOTE_AZURE_CLIENT_PROVIDER if rk.name == _AZURE_PROVIDER else ids.REMOTE_STAYS_BEHIND
    shown = "<redacted>" if rk.secret else quote(rk.value, style=PYTHON)
    msg = ("%s=%s (%s %s) is not sent to %s: Metaflow's %s environment has no entry for it, "
           "so it %s there" % (rk.name, shown, rk.source, rk.origin, where, view.target,
                               "is unset" if task_value is None
                               else "falls back to %s" % quote(task_value, style=PYTHON)))
    severity = WARNING
    if secrets:
        severity = INFO
        msg += " unless Kubernetes secret %s provides it (its keys cannot be read offline)" % (
            ", ".join(secrets))
    value = '"<value>"' if rk.secret else quote(rk.value)
    return finding(check, severity, msg, key=rk.name, fix=_FIX % (quote(rk.name), value, _K8S_FIX if view.target in _K8S_TARGETS else ""),
                   location=rk.location, target=view.target)


def _datastore(res, view, where: str) -> list:
    allowed = ("s3",) if view.target in ("batch", "step-functions") else ("s3", "azure", "gs")
    value = res.value("DEFAULT_DATASTORE")
    if value in allowed:
        return []
    rk = res.get("DEFAULT_DATASTORE")
    need = " or ".join(allowed)
    return [finding(ids.REMOTE_DATASTORE, WARNING,
                    "the datastore is %s (%s %s), but %s needs %s: Metaflow refuses to start "
                    "it" % (quote(value, style=PYTHON), rk.source, rk.origin, where, need),
                    key=rk.name, location=rk.location, target=view.target,
                    fix="set METAFLOW_DEFAULT_DATASTORE to %s (with its sysroot), or pass "
                        "--datastore on the command line" % need)]


def _service_url(view, where: str) -> list:
    sent = view.entries.get(PREFIX + "SERVICE_URL")
    if sent is None or sent.source != Source.FORWARDED or not _is_loopback(sent.value):
        return []
    internal = view.local.get("SERVICE_INTERNAL_URL")
    how = ("METAFLOW_SERVICE_INTERNAL_URL is not set, so it defaults to METAFLOW_SERVICE_URL"
           if internal is not None and internal.source == Source.DERIVED
           else "METAFLOW_SERVICE_INTERNAL_URL is %s" % quote(sent.value, style=PYTHON))
    src = view.local.get(sent.origin)
    return [finding(ids.REMOTE_SERVICE_URL, WARNING,
                    "%s gets METAFLOW_SERVICE_URL=%s, an address only this machine can reach "
                    "(%s); the task cannot talk to the metadata service"
                    % (where, quote(sent.value, style=PYTHON), how),
                    key=PREFIX + "SERVICE_INTERNAL_URL", target=view.target,
                    location=src.location if src is not None else None,
                    fix="set METAFLOW_SERVICE_INTERNAL_URL to the URL pods use, e.g. "
                        "http://metaflow-service.<namespace>.svc.cluster.local:8080")]


def run_remote_checks(res, flows: FlowRemote, targets: Optional[Iterable[str]] = ()) -> list:
    out = []
    for target in targets_of(flows, targets or ()):
        out.extend(check_target(res, target, flows))
    return out
