"""The words every room of mfdoctor shares, each defined once: the prefix of Metaflow's
variables and where a value can come from."""

from __future__ import annotations

from enum import Enum

PREFIX = "METAFLOW_"


class Source(str, Enum):
    """Where a resolved value came from: the `source` field of `show --format json`.

    A `str` subclass, so it compares, hashes, sorts and serialises as its value
    (`Source.ENV == "env"`, `json.dumps(Source.ENV) == '"env"'`)."""

    EXTENSION = "extension"  # an extension's config module assigns the name: beats all
    ENV = "env"
    LOCAL = "local"  # the nearest project .metaflow/config.json
    PROFILE = "profile"  # $METAFLOW_HOME/config[_<profile>].json
    # A config loader an extension installs (Outerbounds' init_config()) in place of the
    # profile file: its cached or fetched remote configuration.
    REMOTE = "remote"
    DEFAULT = "default"
    DERIVED = "derived"  # a default computed from other keys
    # Only in a remote task's view (`show --target T`):
    FORWARDED = "forwarded"  # Metaflow copied a local key's value into the task's env
    METAFLOW = "metaflow"  # Metaflow sets it for the task itself (METAFLOW_USER=argo-workflows)
    FLOW = "flow"  # the step's @environment(vars=...)

    # "%s" % Source.ENV and f"{Source.ENV}" give "env", as a plain string would.
    __str__ = str.__str__
    __format__ = str.__format__


# The layers a from_conf lookup tries, first hit wins (extensions apply afterwards).
LOOKUP_ORDER = (Source.ENV, Source.LOCAL, Source.PROFILE, Source.DEFAULT)
# (Source.REMOTE, where an extension's loader is installed, takes the place of PROFILE.)
# Sources a user sets by hand (an environment variable or a config file).
USER_SET = (Source.ENV, Source.LOCAL, Source.PROFILE, Source.REMOTE)
