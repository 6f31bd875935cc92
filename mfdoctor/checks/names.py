"""Names: is each METAFLOW_* name one the installed Metaflow reads, and if not,
what was meant.

Known = every key `from_conf` reads (with ENABLED_* and DEBUG_*), the names
Metaflow reads or sets directly, the flow CLI's auto-envvars, extension
names, plus `known-names` from `[tool.mfdoctor]`.
"""

from __future__ import annotations

from typing import Iterable, List, Optional

from ..config.loader import loader_keys
from ..findings import ERROR, WARNING, Finding, Location
from ..suggest import Suggester
from ..vocabulary import PREFIX
from .. import ids

# Old names Metaflow no longer reads (or never read), and what it reads instead.
RENAMED = {
    # `metaflow configure aws` wrote this name into profile files, but
    # metaflow_config.py reads DATATOOLS_S3ROOT (Netflix/metaflow#999).
    "METAFLOW_DATATOOLS_SYSROOT_S3": "METAFLOW_DATATOOLS_S3ROOT",
}

# Kinds of known names (Catalog.kind_of) that Metaflow reads from the
# environment only: in a config file they do nothing.
_ENV_ONLY_KINDS = {"read": "Metaflow reads it from the environment only",
                   "cli": "it is a flow-CLI option, which click reads from the environment only",
                   "set": "Metaflow sets it itself for its tasks"}


class NameIndex:
    """The known-name set of one catalog (+ settings), with did-you-mean."""

    def __init__(self, catalog, settings=None):
        self.catalog = catalog
        self.settings = settings
        self.version = getattr(catalog, "version", "unknown")
        self.known = set(catalog.known_names())
        self._config = set(catalog.keys)
        # Unprefixed profile keys an extension's config loader reads (OBP_METAFLOW_CONFIG_URL).
        self.loader_keys = loader_keys(catalog) if hasattr(catalog, "extensions") else set()
        self._suggester: Optional[Suggester] = None
        self._kinds = None

    # -- membership ------------------------------------------------------
    def _known_exact(self, name: str) -> bool:
        if name in self.known:
            return True
        return bool(self.settings is not None and self.settings.is_known(name))

    def is_known(self, name: str) -> bool:
        if self._known_exact(name):
            return True
        # METAFLOW_X-default (a shell ${METAFLOW_X-default}) is METAFLOW_X.
        if "-" in name:
            return self._known_exact(name.split("-", 1)[0])
        return False

    def kind(self, name: str) -> Optional[str]:
        if self._kinds is None:
            self._kinds = {}
            for kind, names in self.catalog.extra_names().items():
                for n in names:
                    self._kinds.setdefault(n, kind)
        if name in self._config:
            return "config"
        return self._kinds.get(name)

    # -- did you mean ----------------------------------------------------
    @property
    def suggester(self) -> Suggester:
        if self._suggester is None:
            extra = [n for n in (self.settings.known_names if self.settings else [])
                     if not any(c in n for c in "*?[")]
            self._suggester = Suggester(list(self.known) + extra, preferred=self._config)
        return self._suggester

    def renamed(self, name: str) -> Optional[str]:
        """The current name for an old one (the catalog's renames, if it has
        any, then the known historical ones), when the new name is known."""
        renames = dict(RENAMED)
        renames.update(getattr(self.catalog, "renamed", None) or {})
        new = renames.get(name)
        return new if new and self._known_exact(new) else None

    def suggest(self, name: str) -> Optional[str]:
        return self.renamed(name) or self.suggester.best(name)


def unknown_name_finding(index: NameIndex, name: str, location: Optional[Location],
                         where: str) -> Finding:
    """`where`: 'the environment', 'a config file', 'this file'."""
    new = index.renamed(name)
    best = new or index.suggester.best(name)
    # A location already says where; without one, the message does.
    in_where = "" if location is not None else " (in %s)" % where
    if new:
        msg = "%s is an old name that Metaflow %s does not read; it reads %s%s" % (
            name, index.version, new, in_where)
    else:
        msg = "%s is not a name Metaflow %s knows: it is ignored%s" % (
            name, index.version, in_where)
    if best:
        fix = "rename %s to %s" % (name, best)
    else:
        fix = ("remove it, or if an in-house extension reads it, add it to known-names "
               "under [tool.mfdoctor] in pyproject.toml")
    return Finding(ids.CONFIG_UNKNOWN_NAME, ERROR, msg, key=name, fix=fix, suggestion=best,
                   location=location)


def check_env_names(env, index: NameIndex) -> List[Finding]:
    """METAFLOW_* names in an environment mapping (any case)."""
    out = []
    for name in sorted(env):
        upper = name.upper()
        if not upper.startswith(PREFIX):
            continue
        if name != upper:
            # Environment names are case-sensitive: Metaflow looks up METAFLOW_X only.
            best = upper if index.is_known(upper) else index.suggest(upper)
            out.append(Finding(
                ids.CONFIG_IGNORED_KEY, WARNING,
                "%s is not read: environment variable names are case-sensitive and Metaflow "
                "reads upper-case names only" % name,
                key=name, suggestion=best,
                fix=("export %s=\"$%s\"; unset %s" % (best, name, name)) if best else "unset %s" % name,
            ))
            continue
        if not index.is_known(name):
            out.append(unknown_name_finding(index, name, None, "the environment"))
    return out


def check_config_keys(keys: Iterable, unprefixed: Iterable, duplicates: Iterable, path: str,
                      index: NameIndex) -> List[Finding]:
    """Names in one Metaflow config file.

    keys: (name, line, column) of its top-level METAFLOW_* keys;
    unprefixed: (key, line, column, value) of top-level keys without the prefix;
    duplicates: (key, line, column) of repeated top-level keys."""
    out = []
    for name, line, col in keys:
        loc = Location(path, line, col)
        if not index.is_known(name):
            out.append(unknown_name_finding(index, name, loc, "config file %s" % path))
            continue
        kind = index.kind(name)
        if kind in _ENV_ONLY_KINDS:
            out.append(Finding(
                ids.CONFIG_IGNORED_KEY, WARNING,
                "%s has no effect in a config file: %s" % (name, _ENV_ONLY_KINDS[kind]),
                key=name, location=loc,
                fix="remove it from %s and set it in the environment instead "
                "(export %s=...)" % (path, name),
            ))
    for key, line, col, _value in unprefixed:
        if key in index.loader_keys:
            continue  # read by the extension's loader: removing it would break the setup
        loc = Location(path, line, col)
        cand = PREFIX + key.upper() if not key.upper().startswith(PREFIX) else key.upper()
        best = cand if index.is_known(cand) else index.suggest(cand)
        msg = ("\"%s\" is ignored: Metaflow reads only keys with the METAFLOW_ prefix from "
               "config files" % key) if not key.upper().startswith(PREFIX) else (
            "\"%s\" is ignored: config-file keys are case-sensitive; Metaflow reads \"%s\""
            % (key, cand))
        out.append(Finding(
            ids.CONFIG_IGNORED_KEY, WARNING, msg, key=key, suggestion=best, location=loc,
            fix=("rename the key to \"%s\"" % best) if best else "remove the key",
        ))
    for key, line, col in duplicates:
        out.append(Finding(
            ids.CONFIG_DUPLICATE_KEY, WARNING,
            "\"%s\" appears more than once in %s; Metaflow keeps only the last value" % (key, path),
            key=key, location=Location(path, line, col), fix="remove all but one of them",
        ))
    return out
