"""`mfdoctor lint`: every METAFLOW_* name and value, checked the way Metaflow
will read it.

Without paths: the environment and the config files Metaflow would read (the
layers of the Resolution), plus cross-key requirements on the effective
configuration. With paths: the METAFLOW_* names and values in those files
(directories walked with git's ignore rules).
"""

from __future__ import annotations

import time
from typing import Dict, List, Optional

from ..config import resolve
from ..catalog.plugin_list import enabled_plugins
from ..findings import ERROR, OK, SKIPPED, WARNING, Finding, Location
from ..scan import ScanResult, scan_paths, scan_text
from ..scan.model import CONFIG_KEY, JSON_KEY, MENTION, READ_CONTEXTS
from ..redact import is_secret_name, register_secret
from ..settings import Settings
from ..vocabulary import PREFIX, USER_SET, Source
from .. import ids
from .effective import check_effective
from .file_rules import file_pair_findings, file_value_findings, template_value_findings
from .fixtext import FILE_SOURCES
from .messages import quote
from .names import NameIndex, check_config_keys, check_env_names, unknown_name_finding
from .values import ValueProblem, check_value, empty_value_problem


def run_lint(paths: Optional[List[str]] = None, *, res=None, settings=None, jobs: Optional[int] = None,
             timings: Optional[Dict[str, float]] = None) -> List[Finding]:
    """All lint findings (including `ok` ones for what passed).

    paths: None/[] lints the environment and Metaflow's config files; else the
    given files and directories. res: a `Resolution` (resolved here when None).
    settings: `Settings` (known names, plugins, exclude); select/ignore are
    applied by the caller (`settings.filter`). timings: filled with phase
    durations in seconds when given."""
    settings = settings if settings is not None else Settings()
    t0 = time.perf_counter()
    if res is None:
        res = resolve()
    index = NameIndex(res.catalog, settings, _enabled_map(res).get("cli"))
    if timings is not None:
        timings["catalog"] = time.perf_counter() - t0
    if paths:
        return _lint_paths(list(paths), res, index, settings, jobs, timings)
    t1 = time.perf_counter()
    out = _lint_environment(res, index, settings)
    if timings is not None:
        timings["environment"] = time.perf_counter() - t1
    return out


# -- helpers ---------------------------------------------------------------------

# Contexts that give no value to check: the file reads the variable (`os.environ.get`,
# `$X`, `${X:-d}`: nothing is set there) or only mentions it.
_NO_VALUE = READ_CONTEXTS | {MENTION}


def _finding(p: ValueProblem, name: str, location: Optional[Location]) -> Finding:
    return Finding(p.check, p.severity, p.message, key=name, fix=p.fix, suggestion=p.suggestion,
                   location=location)


def _enabled_map(res) -> dict:
    """category -> plugin names enabled by a valid ENABLED_<CATEGORY>, or None."""
    out = {}
    for cat in getattr(res.catalog, "plugin_categories", []) or []:
        rk = res.get("ENABLED_%s" % cat.upper())
        if rk is None or not rk.layers or rk.error or rk.source == Source.EXTENSION:
            out[cat] = None
            continue
        v = rk.layers[0].value
        if isinstance(v, (list, dict)):
            out[cat] = enabled_plugins(v)
        else:
            out[cat] = None
    return out


def _ok(check: str, message: str) -> Finding:
    return Finding(check, OK, message)


def _add_oks(findings: List[Finding], oks: Dict[str, str]) -> List[Finding]:
    failing = {f.check for f in findings if f.severity in (ERROR, WARNING)}
    if ids.CONFIG_PROFILE_MISSING in failing:
        failing.add(ids.CONFIG_FILE_INVALID)  # a missing profile file did not "load cleanly"
    if failing & {ids.AZURE_SYSROOT, ids.AZURE_ENDPOINT, ids.AZURE_VAULT_PREFIX, ids.AZURE_IMAGE,
                  ids.AZURE_SECRET_ID}:
        failing.add(ids.CONFIG_INVALID_VALUE)  # a value in a file failed a service rule
    for check, msg in oks.items():
        if check not in failing:
            findings.append(_ok(check, msg))
    return findings


# -- the environment and Metaflow's config files ---------------------------------

def _config_positions(cf) -> Optional[ScanResult]:
    if cf is None or cf.data is None or not cf.text:
        return None
    return scan_text(cf.text, "json", cf.path, metaflow_config=True)


def _lint_environment(res, index: NameIndex, settings) -> List[Finding]:
    catalog = res.catalog
    out: List[Finding] = list(res.problems)
    env_names = [n for n in res.env if n.upper().startswith("METAFLOW_")]
    out += check_env_names(res.env, index)

    # Config files: names, unprefixed keys, duplicates; and exact positions.
    positions: Dict[tuple, tuple] = {}
    file_keys = 0
    for cf in (res.files.local, res.files.profile):
        sr = _config_positions(cf)
        if sr is None:
            continue
        keys = []
        for o in sr.occurrences:
            if o.context == CONFIG_KEY:
                keys.append((o.name, o.line, o.column))
                positions[(cf.path, o.name)] = (o.line, o.column, o.value_line, o.value_column)
        file_keys += len(keys) + len(sr.unprefixed_keys)
        out += check_config_keys(keys, sr.unprefixed_keys, sr.duplicate_keys, cf.path, index)

    # Values: the winning layer of every key a user set, and the hidden ones.
    enabled = _enabled_map(res)
    n_values = 0
    for name, rk in res.keys.items():
        layers = [lv for lv in rk.layers if lv.source in USER_SET]
        if not layers or (rk.layers and rk.layers[0].source == Source.EXTENSION):
            continue
        for i, lv in enumerate(layers):
            n_values += 1
            in_file = lv.source in FILE_SOURCES
            loc = None
            if in_file:
                pos = positions.get((lv.origin, name))
                if pos:
                    loc = Location(lv.origin, pos[2] or pos[0], pos[3] or pos[1])
                else:
                    loc = lv.location or Location(lv.origin)
            probs = check_value(name, lv.value, rk.spec, catalog, settings=settings,
                                from_config_file=in_file, enabled=enabled, default=rk.default)
            if i == 0:
                if lv.source == Source.ENV and lv.value == "":
                    p = empty_value_problem(name, rk.spec, layers[1:], "the environment")
                    if p and not any(q.check == p.check or q.severity == ERROR for q in probs):
                        probs.append(p)
                if rk.error and not any(p.severity == ERROR for p in probs):
                    # The resolution knows Metaflow rejects it: never stay silent.
                    probs.append(ValueProblem(
                        ids.CONFIG_INVALID_VALUE, ERROR,
                        "%s=%s: Metaflow rejects it: %s" % (
                            name, quote(lv.value, key=name, secret=rk.spec.secret),
                            rk.error if not rk.spec.secret else "value redacted")))
                out += [_finding(p, name, loc) for p in probs]
            else:
                # Hidden by a higher layer today; fails as soon as that goes away.
                for p in probs:
                    if p.severity != ERROR:
                        continue
                    out.append(Finding(
                        p.check, WARNING,
                        "%s (currently hidden by the value from %s; it fails as soon as that "
                        "is removed)" % (p.message, _layer_name(layers[0])),
                        key=name, fix=p.fix, suggestion=p.suggestion, location=loc))
    out += check_effective(res)
    n_names = len(env_names) + file_keys
    return _add_oks(out, {
        ids.CONFIG_UNKNOWN_NAME: "all %d METAFLOW_* names in the environment and config files are "
                               "known to Metaflow %s" % (n_names, index.version),
        ids.CONFIG_INVALID_VALUE: "all %d configured values read as Metaflow expects" % n_values,
        ids.CONFIG_MISSING_REQUIRED: "every setting the configuration requires is present",
        ids.CONFIG_FILE_INVALID: "the config files Metaflow reads load cleanly",
    })


def _layer_name(lv) -> str:
    if lv.source == Source.ENV:
        return "the environment"
    return str(lv.location) if lv.location else lv.origin


# -- files ------------------------------------------------------------------------

def _lint_paths(paths, res, index: NameIndex, settings, jobs, timings) -> List[Finding]:
    t0 = time.perf_counter()
    listed: dict = {}
    results, missing = scan_paths(paths, jobs=jobs,
                                  exclude=settings.excluded if settings.exclude else None,
                                  listed=listed)
    out: List[Finding] = []
    for p in missing:
        out.append(Finding(ids.LINT_FILE_SKIPPED, SKIPPED, "no such file or directory: %s" % p,
                           location=Location(p)))
    t1 = time.perf_counter()
    unknown = {o.name for r in results for o in r.occurrences if not index.is_known(o.name)}
    if unknown:
        # Only then: what the tree's flows and extensions define.
        from ..scan.flowparams import learn_tree

        # Flow Parameters are looked for (with grep) only for METAFLOW_RUN_<X>-shaped names.
        words = {cp[1] for cp in map(index.cli_parameter, unknown) if cp}
        index.learn(learn_tree(paths, settings.excluded if settings.exclude else None, words,
                               listed))
        if timings is not None:
            timings["tree"] = time.perf_counter() - t1
    for r in results:  # before any finding is built: none may echo a secret of any file
        for o in r.occurrences:
            if o.has_value and is_secret_name(o.name):
                register_secret(o.value)
    stored = None
    if any(r.stamp is not None for r in results):
        from .lint_cache import FindingsCache, context_key

        stored = FindingsCache(list(paths), context_key(res, index, settings))
    n_names = n_values = n_files = 0
    for r in results:
        hit = stored.lookup(r) if stored is not None else None
        if hit is None:
            hit = _lint_result(r, res, index, settings)
            if stored is not None:
                stored.keep(r, *hit)
        found, names, values = hit
        out += found
        n_names += names
        n_values += values
        n_files += 1 if names else 0
    if stored is not None:
        stored.save()
    if timings is not None:
        # Key names are fixed phase names (JSON readers index them); counts live in the ok findings.
        timings["scan"] = t1 - t0
        timings["check"] = time.perf_counter() - t1
    return _add_oks(out, {
        ids.CONFIG_UNKNOWN_NAME: "all %d METAFLOW_* names in %d file(s) are known to Metaflow %s"
                               % (n_names, n_files, index.version),
        ids.CONFIG_INVALID_VALUE: "all %d values in files read as Metaflow expects" % n_values,
    })


def _lint_result(r: ScanResult, res, index: NameIndex, settings):
    catalog = res.catalog
    out: List[Finding] = []
    path = r.path

    def keep(f: Finding, *lines) -> None:
        for ln in lines:
            if r.suppressed(f.check, ln):
                return
        out.append(f)

    for p in r.problems:
        keep(Finding(p.check, p.severity, p.message, fix=p.fix,
                     location=Location(path, p.line, p.column)), p.line)
    n_values = 0
    config_keys = []
    reported = set()
    # (line, name) set there: a line that sets a name and reads it too is reported as the set.
    set_on = {(o.line, o.name) for o in r.occurrences if o.context not in READ_CONTEXTS}
    literal: Dict[str, tuple] = {}  # name -> (value, location) of the literal values set here
    # The Azure client provider this file sets decides http vs token, else the effective one.
    provider = next((o.value for o in r.occurrences if o.has_value and o.context not in _NO_VALUE
                     and o.name == PREFIX + "DEFAULT_AZURE_CLIENT_PROVIDER"), None) \
        or res.value("DEFAULT_AZURE_CLIENT_PROVIDER")
    for o in r.occurrences:
        name_loc = Location(path, o.line, o.column)
        if not index.is_known(o.name):
            read = o.context in READ_CONTEXTS
            if (o.line, o.name) not in reported and not (read and (o.line, o.name) in set_on):
                reported.add((o.line, o.name))  # one finding per name and line
                # A key of a Metaflow config, even one a script writes with a heredoc.
                in_config = r.metaflow_config or o.context == CONFIG_KEY
                keep(unknown_name_finding(index, o.name, name_loc, path,
                                          metaflow_config=in_config, read=read), o.line)
            continue
        if o.context == CONFIG_KEY:
            config_keys.append((o.name, o.line, o.column))
        if not o.has_value or o.context in _NO_VALUE:
            continue
        spec = catalog.key(o.name) if o.name in catalog.keys else None
        if spec is None:
            continue
        value = o.value
        from_config = o.context == CONFIG_KEY
        if not from_config and not isinstance(value, str):
            if o.context == JSON_KEY and isinstance(value, (int, float, bool)):
                value = str(value).lower() if isinstance(value, bool) else str(value)
            else:
                continue
        n_values += 1
        value_loc = Location(path, o.value_line, o.value_column) if o.value_line else name_loc
        source = Source.LOCAL if r.metaflow_config else None
        placeholder = getattr(o, "template", None)
        if placeholder and isinstance(value, str):
            for f in template_value_findings(o.name, value, placeholder, value_loc, source=source):
                keep(f, o.line, o.value_line)
            continue
        literal[o.name] = (value, value_loc)
        for f in file_value_findings(o.name, value, value_loc, client_provider=provider,
                                     source=source):
            keep(f, o.line, o.value_line)
        rk = res.get(o.name)
        probs = check_value(o.name, value, spec, catalog, settings=settings,
                            from_config_file=from_config,
                            **({"default": rk.default} if rk is not None else {}))
        if not from_config and value == "":
            p = empty_value_problem(o.name, spec, [], path)
            if p and not probs:
                probs.append(p)
        for p in probs:
            loc = name_loc
            if p.at_value and o.value_line:
                loc = Location(path, o.value_line, o.value_column)
            keep(_finding(p, o.name, loc), o.line, o.value_line)
    for f in file_pair_findings(literal, res):
        keep(f, f.location.line if f.location else None)
    if r.metaflow_config or config_keys:
        # Names already checked above; here: unprefixed, env-only and duplicate keys
        # (a config written by a heredoc: its env-only keys).
        for f in check_config_keys(config_keys, r.unprefixed_keys, r.duplicate_keys, path, index):
            keep(f, f.location.line if f.location else None)
    return out, len(r.occurrences), n_values
