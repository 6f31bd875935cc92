"""The profile layer when an extension installs its own config loader (Outerbounds'
`init_config()`, recognised by catalog/extensions/loader.py).

- `__REMOTE_CONFIG_HAS_BEEN_RESOLVED__` set in the environment: its JSON *is* the layer
  (source `remote`, origin the variable); the profile file is not read at all.
- a profile file naming `OBP_METAFLOW_CONFIG_URL`: the layer is the server's
  configuration, which mfdoctor does not fetch: the profile's own METAFLOW_* keys are
  not the layer, and a finding says so, naming the URL's key (the URL redacted when it
  carries credentials). The key itself is the loader's, never "ignored".
- otherwise the profile file, as Metaflow reads it.
"""

from __future__ import annotations

import json
from typing import Mapping, Optional

from .. import ids
from ..findings import ERROR, INFO, Finding, Location
from ..redact import redact_text
from ..vocabulary import Source
from .files import ConfigFile, ConfigFiles


def config_loader(catalog) -> Optional[dict]:
    """The last extension's loader wins (each one assigns METAFLOW_CONFIG in turn)."""
    found = None
    for ext in catalog.extensions:
        if ext.get("config_loader"):
            found = dict(ext["config_loader"], extension=ext.get("name"))
    return found


def loader_keys(catalog) -> set:
    """Profile-file keys a loader reads although they lack the METAFLOW_ prefix."""
    loader = config_loader(catalog)
    return {loader["url_key"]} if loader and loader.get("modelled") else set()


def apply_config_loader(catalog, env: Mapping[str, str], files: ConfigFiles) -> None:
    loader = config_loader(catalog)
    if loader is None:
        return
    where = "%s (line %s)" % (loader["path"], loader.get("line"))
    if not loader.get("modelled"):
        files.problems.append(Finding(
            ids.CONFIG_EXTENSION, INFO,
            "The Metaflow extension %s replaces Metaflow's config loader (%s) in a way mfdoctor "
            "does not model: values shown from the profile file may differ from Metaflow's. "
            "Run `mfdoctor show --verify` to compare." % (loader.get("extension"), where),
        ))
        return
    cache = loader["cache_env"]
    raw = env.get(cache)
    if raw:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            files.problems.append(Finding(
                ids.CONFIG_FILE_INVALID, ERROR,
                "$%s (the remote configuration cached by %s's config loader) is not valid JSON "
                "(%s): every `import metaflow` fails." % (cache, loader.get("extension"), exc),
                key=cache, fix="unset %s (the loader then fetches the configuration again)" % cache,
            ))
            return
        files.remote = ConfigFile(kind=Source.REMOTE, path="$" + cache, exists=True,
                                  data=data if isinstance(data, dict) else {})
        return
    prof = files.profile
    url = (prof.data or {}).get(loader["url_key"]) if prof.data else None
    if not url:
        return
    files.remote = ConfigFile(kind=Source.REMOTE, path="%s from %s" % (loader["url_key"], prof.path),
                              exists=True, data={})
    files.remote_unread = True
    files.problems.append(Finding(
        ids.CONFIG_EXTENSION, INFO,
        "Metaflow's configuration lives on a server: %s's config loader fetches %s=%s (named in "
        "%s) at every `import metaflow`, and its keys take the place of the profile file's. "
        "mfdoctor does not fetch it, so keys set only there show their defaults here." % (
            loader.get("extension"), loader["url_key"], redact_text(str(url)), prof.path),
        key=loader["url_key"], location=prof.location_of(loader["url_key"]),
        fix="Run `mfdoctor show --verify` (it imports Metaflow, which fetches the configuration) "
        "to see the values Metaflow resolves.",
    ))
