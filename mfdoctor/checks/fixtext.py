"""Exact fix instructions for a configuration value, worded for where it was set.

A fix must be something a person can paste: for an environment variable an
`export` line, for a config file the JSON member to write and the file.
"""

from __future__ import annotations

import json
import shlex
from typing import Optional

from ..findings import Location
from ..vocabulary import Source

# The sources that are config files (a fix or a location can name the file).
FILE_SOURCES = (Source.LOCAL, Source.PROFILE)


def set_value(key: str, value: str, source: Optional[str] = None,
              location: Optional[Location] = None, origin: Optional[str] = None) -> str:
    """How to give `key` the value `value`, where it is currently set."""
    if source == Source.REMOTE:
        return ("%s comes from the remote configuration (%s); change it there, or override "
                "it: export %s=%s" % (key, origin, key, shlex.quote(value)))
    if source in FILE_SOURCES and (location or origin):
        path = location.path if location else origin
        return 'set "%s": %s in %s' % (key, json.dumps(value), path)
    if source == Source.EXTENSION:
        return ("%s is set by the Metaflow extension %s, which overrides the environment; "
                "change it there to %s" % (key, origin or "(unknown)", json.dumps(value)))
    return "export %s=%s" % (key, shlex.quote(value))


def unset_value(key: str, source: Optional[str] = None,
                location: Optional[Location] = None, origin: Optional[str] = None) -> str:
    if source in FILE_SOURCES and (location or origin):
        return 'remove "%s" from %s' % (key, location.path if location else origin)
    if source == Source.EXTENSION:
        return "%s is set by the Metaflow extension %s; remove it there" % (key, origin or "(unknown)")
    if source == Source.REMOTE:
        return "%s comes from the remote configuration (%s); remove it there" % (key, origin)
    return "unset %s" % key


def where(source: Optional[str], origin: Optional[str] = None,
          location: Optional[Location] = None) -> str:
    """'the environment', 'profile file /x/config.json:3', ... for messages."""
    if source == Source.ENV:
        return "the environment"
    if source in FILE_SOURCES:
        kind = "project config" if source == Source.LOCAL else "profile config"
        return "%s %s" % (kind, str(location) if location else (origin or "file"))
    if source == Source.EXTENSION:
        return "the Metaflow extension %s" % (origin or "")
    if source == Source.REMOTE:
        return "the remote configuration (%s)" % (origin or "")
    if source == Source.DERIVED:
        return "a default derived from %s" % (origin or "another key")
    if source == Source.DEFAULT:
        return "Metaflow's default"
    return source or "unknown source"
