"""Names: is each METAFLOW_* name one the installed Metaflow reads, and if not,
what was meant.

Known = every key `from_conf` reads (with ENABLED_* and DEBUG_*), the names
Metaflow reads or sets directly, the flow CLI's auto-envvars, extension
names, plus `known-names` from `[tool.mfdoctor]`.
"""

from __future__ import annotations

from typing import Iterable, List, Optional

from ..config.loader import loader_keys
from ..findings import ERROR, INFO, WARNING, Finding, Location
from ..suggest import TYPO, Suggester
from ..vocabulary import PREFIX
from .. import ids
from .messages import quote

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

    def __init__(self, catalog, settings=None, enabled_cli: Optional[list] = None):
        self.catalog = catalog
        self.settings = settings
        self.version = getattr(catalog, "version", "unknown")
        self.known = set(catalog.known_names())
        # Options of CLI groups an extension's TOGGLE_CLI removes: unknown, unless the
        # user's own ENABLED_CLI (`enabled_cli`, which makes Metaflow ignore toggles)
        # brings their group back.
        self.disabled_cli = dict(getattr(catalog, "data", {}).get("cli_disabled") or {})
        if enabled_cli is not None:
            back = set(enabled_cli)
            self.known |= {n for n, d in self.disabled_cli.items() if d.get("plugin") in back}
        self._config = set(catalog.keys)
        # Unprefixed profile keys an extension's config loader reads (OBP_METAFLOW_CONFIG_URL).
        self.loader_keys = loader_keys(catalog) if hasattr(catalog, "extensions") else set()
        self._suggester: Optional[Suggester] = None
        self._kinds = None
        # "METAFLOW_RUN_" -> "run": commands whose flow Parameters click reads.
        self.param_prefixes = dict(getattr(catalog, "data", {}).get("cli_parameter_prefixes") or {})
        self.tree = None  # scan.flowparams.TreeNames of the linted tree, once learned

    def learn(self, tree) -> None:
        """Add what the linted tree defines (flow Parameters, flow-decorator options,
        extension settings): known names, and candidates for did-you-mean."""
        self.tree = tree
        self.known |= tree.options | tree.extension
        self._suggester = None

    # -- membership ------------------------------------------------------
    def _known_exact(self, name: str) -> bool:
        if name in self.known:
            return True
        return bool(self.settings is not None and self.settings.is_known(name))

    def cli_parameter(self, name: str) -> Optional[tuple]:
        """(command, PARAM) when the name has the shape of a flow Parameter's
        auto-envvar (METAFLOW_RUN_<PARAM>), else None."""
        for prefix in sorted(self.param_prefixes, key=len, reverse=True):
            if name.startswith(prefix) and len(name) > len(prefix):
                return self.param_prefixes[prefix], name[len(prefix):]
        return None

    def is_known(self, name: str) -> bool:
        if self._known_exact(name):
            return True
        if self.tree is not None and self.tree.params:
            cp = self.cli_parameter(name)
            if cp and cp[1] in self.tree.params:
                return True
        # METAFLOW_X-default (a shell ${METAFLOW_X-default}) is METAFLOW_X.
        if "-" in name:
            return self._known_exact(name.split("-", 1)[0])
        return False

    def parameter_near_miss(self, name: str) -> Optional[tuple]:
        """(METAFLOW_<CMD>_<PARAM>, the Parameter as the flow writes it, "path:line") when
        `name` has a flow Parameter's shape and its PARAM is one typo away from a Parameter
        the linted tree defines (or the same words without their underscores)."""
        cp = self.cli_parameter(name)
        if not cp or self.tree is None or not self.tree.params:
            return None
        word = cp[1]
        squeezed = word.replace("_", "")
        best = next((p for p in sorted(self.tree.params) if p.replace("_", "") == squeezed), None)
        if best is None and len(word) >= 4:  # one letter of X is not a typo of Y
            m = Suggester(self.tree.params).match(word)
            best = m[0] if m and m[1] == TYPO else None
        if best is None:
            return None
        return (name[:len(name) - len(word)] + best, self.tree.spelled.get(best, best.lower()),
                self.tree.where.get(best))

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

    def match(self, name: str) -> Optional[tuple]:
        """(intended name, how): "rename", "typo" or "qualifier" (see suggest.py)."""
        new = self.renamed(name)
        return (new, "rename") if new else self.suggester.match(name)


_KNOWN_NAMES_FIX = "add it to known-names under [tool.mfdoctor] in pyproject.toml"


def unknown_name_finding(index: NameIndex, name: str, location: Optional[Location],
                         where: str, metaflow_config: bool = False, read: bool = False) -> Finding:
    """A name Metaflow does not read. `where`: 'the environment', 'config file X',
    'this file'. metaflow_config: only Metaflow reads the place (its config files).

    An error only where the name is certainly wrong: in a Metaflow config file, an old
    name Metaflow renamed, a typo of a known name. Elsewhere (the environment, a
    Dockerfile, CI, Python...) another program may read it (the Metaflow UI reads
    METAFLOW_SERVICE, test harnesses their own names): a warning that says so; `info`
    where the file only reads the variable (`os.environ.get(...)`, `$X`): that configures
    nothing, the program reading it is this one."""
    # A location already says where; without one, the message does.
    in_where = "" if location is not None else " (in %s)" % where
    removed = index.disabled_cli.get(name)
    if removed:
        return Finding(
            ids.CONFIG_UNKNOWN_NAME, WARNING,
            "%s is option %s of `%s`, a command group that %s removes from the flow CLI "
            "(TOGGLE_CLI): nothing reads it%s" % (
                name, removed.get("option"), removed.get("command"), removed.get("removed_by"), in_where),
            key=name, location=location,
            fix="remove it (the `%s` commands are not available with %s installed)" % (
                removed.get("plugin"), removed.get("removed_by")))
    m = index.match(name)
    best, how = m if m else (None, None)
    cp = index.cli_parameter(name) if not m else None
    if how == "rename":
        msg = "%s is an old name that Metaflow %s does not read; it reads %s%s" % (
            name, index.version, best, in_where)
    elif cp and index.tree is not None:
        msg = ("%s has the shape of a flow Parameter's variable (click reads METAFLOW_%s_<PARAM> "
               "for `%s`), but no Parameter %s is defined in the linted files%s" % (
                   name, cp[0].upper().replace(" ", "_").replace("-", "_"), cp[0],
                   cp[1].lower(), in_where))
        near = index.parameter_near_miss(name)
        if near:
            best = near[0]
            msg += "; did you mean %s, for Parameter %s%s?" % (
                best, quote(near[1]), " (%s)" % near[2] if near[2] else "")
    elif best or metaflow_config:
        msg = "%s is not a name Metaflow %s reads: it is ignored%s" % (
            name, index.version, in_where)
    elif read:
        msg = ("%s is read here, but it is not a name Metaflow %s reads: this program's own "
               "variable, not a Metaflow setting%s" % (name, index.version, in_where))
    else:
        msg = ("%s is not a name Metaflow %s reads: Metaflow ignores it, though another "
               "program may read it%s" % (name, index.version, in_where))
    certain = how in ("rename", TYPO) or (metaflow_config and not cp)
    severity = ERROR if certain else INFO if read and not best else WARNING
    if best:
        fix = "rename %s to %s" % (name, best)
    elif cp:
        fix = ("define the Parameter in the flow, or if another program reads it, %s"
               % _KNOWN_NAMES_FIX)
    elif read:
        fix = "nothing to change if this program reads its own variable; to silence it, " + _KNOWN_NAMES_FIX
    else:
        fix = "remove it, or if another program or an in-house extension reads it, " + _KNOWN_NAMES_FIX
    return Finding(ids.CONFIG_UNKNOWN_NAME, severity, msg, key=name,
                   fix=fix, suggestion=best, location=location)


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
            out.append(unknown_name_finding(index, name, loc, "config file %s" % path,
                                            metaflow_config=True))
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
