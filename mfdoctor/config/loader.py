"""The profile layer when an extension installs its own config loader (Outerbounds'
`init_config()`, recognised by catalog/extensions/loader.py).

- `__REMOTE_CONFIG_HAS_BEEN_RESOLVED__` set in the environment: its JSON *is* the layer
  (source `remote`, origin the variable); the profile file is not read at all.
- a profile file naming `OBP_METAFLOW_CONFIG_URL`: the layer is the server's
  configuration, which mfdoctor does not fetch: the profile's own METAFLOW_* keys are
  not the layer, and a finding says so, naming the URL's key (the URL redacted when it
  carries credentials). The key itself is the loader's, never "ignored".
- otherwise the profile file, as the loader reads it: Outerbounds' does not expand `~`
  in METAFLOW_HOME (`Path(os.environ.get("METAFLOW_HOME", ...))`), so `~/alt` is a
  directory `~` under the current one; and its perimeter file (`ob_config.json` in
  $OBP_CONFIG_DIR or the expanded $METAFLOW_HOME) names the server's URL instead.
The loader's errors fail every `import metaflow` (Metaflow swallows the first, when the
org package is imported as a `toplevel` point, but imports it again for its `config`
point): they are errors here.
"""

from __future__ import annotations

import json
import os
from typing import Mapping, Optional

from .. import ids
from ..findings import ERROR, INFO, WARNING, Finding, Location
from ..redact import redact_text
from ..vocabulary import Source
from .files import DEFAULT_HOME, ConfigFile, ConfigFiles, read_config_file


def config_loader(catalog) -> Optional[dict]:
    """The last extension's loader wins (each one assigns METAFLOW_CONFIG in turn)."""
    found = None
    for ext in catalog.extensions:
        if ext.get("config_loader"):
            found = dict(ext["config_loader"], extension=ext.get("name"))
    return found


def _who(loader: dict) -> str:
    return "the config loader of the Metaflow extension %s" % loader.get("extension")


def loader_keys(catalog) -> set:
    """Profile-file keys a loader reads although they lack the METAFLOW_ prefix."""
    loader = config_loader(catalog)
    return {loader["url_key"]} if loader and loader.get("modelled") else set()


def apply_config_loader(catalog, env: Mapping[str, str], files: ConfigFiles, cwd: str = ".") -> None:
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
                "$%s (the remote configuration cached by %s) is not valid JSON "
                "(%s): every `import metaflow` fails." % (cache, _who(loader), exc),
                key=cache, fix="unset %s (the loader then fetches the configuration again)" % cache,
            ))
            return
        files.remote = ConfigFile(kind=Source.REMOTE, path="$" + cache, exists=True,
                                  data=data if isinstance(data, dict) else {})
        return
    prof = _loader_profile(loader, env, files, cwd)
    if prof is None or prof.data is None:
        return
    url_key = loader["url_key"]
    url, named_in = prof.data.get(url_key), prof.path
    perimeter = _perimeter_url(loader, env, files)
    if perimeter:
        url, named_in = perimeter
    if not url:
        return
    files.remote = ConfigFile(kind=Source.REMOTE, path="%s from %s" % (url_key, named_in),
                              exists=True, data={})
    files.remote_unread = True
    if loader["auth_key"] not in prof.data:
        files.problems.append(Finding(
            ids.CONFIG_EXTENSION, ERROR,
            "%s names a remote configuration (%s), but %s has no %s: %s "
            "fails every `import metaflow` with KeyError: '%s'." % (
                named_in, url_key, prof.path, loader["auth_key"], _who(loader), loader["auth_key"]),
            key=loader["auth_key"], location=prof.location_of(url_key),
            fix="Run `outerbounds configure` again, or add %s to %s." % (loader["auth_key"], prof.path)))
    files.problems.append(Finding(
        ids.CONFIG_EXTENSION, INFO,
        "Metaflow's configuration lives on a server: %s fetches %s=%s (named in "
        "%s) at every `import metaflow`, and its keys take the place of the profile file's. "
        "mfdoctor does not fetch it, so keys set only there show their defaults here." % (
            _who(loader), url_key, redact_text(str(url)), named_in),
        key=url_key, location=prof.location_of(url_key) if named_in == prof.path else Location(named_in),
        fix="Run `mfdoctor show --verify` (it imports Metaflow, which fetches the configuration) "
        "to see the values Metaflow resolves.",
    ))


def _loader_profile(loader: dict, env: Mapping[str, str], files: ConfigFiles, cwd: str):
    """The profile file the loader reads (None when it fails); it becomes the loader's
    layer when it is not the file Metaflow's own loader would read."""
    home = env.get("METAFLOW_HOME", DEFAULT_HOME)
    if loader.get("expands_home", True) or "METAFLOW_HOME" not in env or not home.startswith("~"):
        return files.profile
    profile = env.get("METAFLOW_PROFILE")
    name = "config_%s.json" % profile if profile else "config.json"
    path = os.path.join(cwd, home, name)  # relative to the current directory, `~` and all
    prof = read_config_file(Source.PROFILE, path, profile or None)
    files.problems.extend(prof.problems)
    expanded = os.path.expanduser(os.path.join(home, name))
    fix = "Give METAFLOW_HOME without `~`: export METAFLOW_HOME=%s" % os.path.expanduser(home)
    if not prof.exists and profile:
        files.problems.append(Finding(
            ids.CONFIG_PROFILE_MISSING, ERROR,
            "%s does not expand `~` in METAFLOW_HOME=%s: it looks for %s, which "
            "does not exist, so every `import metaflow` fails (\"Unable to locate METAFLOW_PROFILE "
            "%s in %s\")." % (_who(loader).capitalize(), home, path, profile, os.path.join(home, name)),
            key="METAFLOW_HOME", fix=fix, location=Location(path)))
        return None
    if not prof.exists and os.path.isfile(expanded):
        files.problems.append(Finding(
            ids.CONFIG_NO_EFFECT, WARNING,
            "%s does not expand `~` in METAFLOW_HOME=%s: it looks for %s (not "
            "found) instead of %s, so that profile file has no effect." % (
                _who(loader).capitalize(), home, path, expanded),
            key="METAFLOW_HOME", fix=fix, location=Location(expanded)))
    files.remote = ConfigFile(kind=Source.PROFILE, path=path, exists=prof.exists, data=prof.data or {},
                              text=prof.text, profile=profile or None)
    return prof


def _perimeter_url(loader: dict, env: Mapping[str, str], files: ConfigFiles) -> Optional[tuple]:
    """(URL, perimeter file) when Outerbounds' perimeter file names the configuration's
    URL (it replaces the profile's); its failures are every import's."""
    per = loader.get("perimeter")
    if not per:
        return None
    base = os.path.expanduser(env.get(per["dir_env"], env.get("METAFLOW_HOME", DEFAULT_HOME)))
    profile = env.get("METAFLOW_PROFILE")
    path = os.path.join(base, "%s_%s.json" % (per["file"], profile) if profile else per["file"] + ".json")
    who = _who(loader)

    def fails(why: str, fix: str) -> None:
        files.problems.append(Finding(ids.CONFIG_EXTENSION, ERROR, "%s: every `import metaflow` "
                                      "fails (%s reads it)." % (why, who), fix=fix, location=Location(path)))

    if not os.path.exists(path):
        if per["dir_env"] in env:
            fails("%s=%s holds no %s" % (per["dir_env"], env[per["dir_env"]], os.path.basename(path)),
                  "Point %s at the directory of the perimeter file, or unset it." % per["dir_env"])
        return None
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        fails("The perimeter file %s cannot be read as JSON (%s)" % (path, exc),
              "Run `outerbounds configure` again, or fix the file.")
        return None
    url = None
    if isinstance(data, dict) and per["key"] in data:
        url = data.get(per["url_key"], data.get(per["legacy_url_key"]))
    if url is None:
        fails("The perimeter file %s does not contain the key %s and a %s" % (path, per["key"], per["url_key"]),
              "Run `outerbounds configure` again, or fix the file.")
        return None
    return url, path
