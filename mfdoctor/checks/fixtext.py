"""Exact fix instructions for a configuration value, worded for where it was set.

A fix must be something a person can paste: for an environment variable an
`export` line, for a config file the JSON member to write and the file.
"""

from __future__ import annotations

import json
import shlex
from typing import Optional

from ..findings import Location


def set_value(key: str, value: str, source: Optional[str] = None,
              location: Optional[Location] = None, origin: Optional[str] = None) -> str:
    """How to give `key` the value `value`, where it is currently set."""
    if source in ("local", "profile") and (location or origin):
        path = location.path if location else origin
        return 'set "%s": %s in %s' % (key, json.dumps(value), path)
    if source == "extension":
        return ("%s is set by the Metaflow extension %s, which overrides the environment; "
                "change it there to %s" % (key, origin or "(unknown)", json.dumps(value)))
    return "export %s=%s" % (key, shlex.quote(value))


def unset_value(key: str, source: Optional[str] = None,
                location: Optional[Location] = None, origin: Optional[str] = None) -> str:
    if source in ("local", "profile") and (location or origin):
        return 'remove "%s" from %s' % (key, location.path if location else origin)
    if source == "extension":
        return "%s is set by the Metaflow extension %s; remove it there" % (key, origin or "(unknown)")
    return "unset %s" % key


def where(source: Optional[str], origin: Optional[str] = None,
          location: Optional[Location] = None) -> str:
    """'the environment', 'profile file /x/config.json:3', ... for messages."""
    if source == "env":
        return "the environment"
    if source in ("local", "profile"):
        kind = "project config" if source == "local" else "profile config"
        return "%s %s" % (kind, str(location) if location else (origin or "file"))
    if source == "extension":
        return "the Metaflow extension %s" % (origin or "")
    if source == "derived":
        return "a default derived from %s" % (origin or "another key")
    if source == "default":
        return "Metaflow's default"
    return source or "unknown source"
