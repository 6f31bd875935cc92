"""Run the probes under the environment being diagnosed.

azure-identity reads `os.environ` itself (at construction for most credentials,
at `get_token` time for the CLI ones: PATH, and the child's environment), and
requests reads REQUESTS_CA_BUNDLE / HTTPS_PROXY from it. To reproduce exactly
what a Metaflow process with environment `env` would see, the probes run with
`os.environ` holding `env`. When `env` is `os.environ` itself (the CLI case)
nothing changes; otherwise the swap is serialised by a process-wide lock and
undone afterwards.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Iterator, Mapping

_LOCK = threading.RLock()


@contextlib.contextmanager
def use_environment(env: Mapping[str, str]) -> Iterator[None]:
    if env is os.environ:
        yield
        return
    with _LOCK:
        saved = dict(os.environ)
        try:
            os.environ.clear()
            os.environ.update({str(k): str(v) for k, v in env.items()})
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)


def ca_bundle(env: Mapping[str, str], explicit: str | None = None) -> str | None:
    """The CA file the SDK's requests transport will trust, or None for the default store.

    Same order as requests: an explicit `connection_verify` path, then
    REQUESTS_CA_BUNDLE, then CURL_CA_BUNDLE.
    """
    if explicit:
        return explicit
    return env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE") or None
