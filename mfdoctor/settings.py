"""Project settings: `[tool.mfdoctor]` in the nearest pyproject.toml (found by
walking up from the working directory), merged with the command line.

```toml
[tool.mfdoctor]
known-names = ["METAFLOW_ACME_*"]   # extra valid names (shell globs), e.g. an in-house extension
ignore = ["config.no-effect"]       # check ids (or prefixes: "azure") never reported
select = []                         # when non-empty: only these checks are reported
exclude = ["tests/fixtures/**"]     # files `lint PATH` does not read (globs, relative to the project)

[tool.mfdoctor.plugins]             # extra plugin names, per category, for in-house extensions
datastore = ["acme-store"]
```

Nothing here raises: a broken pyproject.toml becomes a `lint.settings` finding.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from typing import Iterable, List, Optional

from . import ids
from .findings import WARNING, Finding, Location, Report
from .suggest import suggest

_KNOWN_OPTIONS = ("known-names", "ignore", "select", "exclude", "plugins")


def _split_ids(values: Optional[Iterable[str]]) -> List[str]:
    """`--select a,b --select c` -> [a, b, c]."""
    out: List[str] = []
    for v in values or ():
        out.extend(s.strip() for s in str(v).split(",") if s.strip())
    return out


def id_matches(check_id: str, pattern: str) -> bool:
    """`config.unknown-name` matches itself, its prefix `config` (or `config.`),
    and globs like `config.*`."""
    pattern = pattern.strip()
    if not pattern:
        return False
    if pattern in ("*", "all", "ALL"):
        return True
    if check_id == pattern:
        return True
    prefix = pattern.rstrip(".")
    if check_id.startswith(prefix + "."):
        return True
    return any(c in pattern for c in "*?[") and fnmatch.fnmatchcase(check_id, pattern)


@dataclass
class Settings:
    path: Optional[str] = None  # the pyproject.toml in use
    root: Optional[str] = None  # its directory (exclude globs are relative to it)
    known_names: List[str] = field(default_factory=list)
    ignore: List[str] = field(default_factory=list)
    select: List[str] = field(default_factory=list)
    exclude: List[str] = field(default_factory=list)
    plugins: dict = field(default_factory=dict)  # category -> [names]
    problems: List[Finding] = field(default_factory=list)

    # -- names -------------------------------------------------------------
    def is_known(self, name: str) -> bool:
        for pat in self.known_names:
            if name == pat or (any(c in pat for c in "*?[") and fnmatch.fnmatchcase(name, pat)):
                return True
        return False

    # -- checks ------------------------------------------------------------
    def enabled(self, check_id: str) -> bool:
        if self.select and not any(id_matches(check_id, p) for p in self.select):
            return False
        return not any(id_matches(check_id, p) for p in self.ignore)

    def filter_findings(self, findings: Iterable[Finding]) -> List[Finding]:
        # Problems with the settings themselves are always shown.
        return [f for f in findings if f.check == ids.LINT_SETTINGS or self.enabled(f.check)]

    def filter(self, report: Report) -> Report:
        out = Report(findings=self.filter_findings(report.findings), timings=dict(report.timings))
        known = {id(f) for f in out.findings}
        out.findings.extend(p for p in self.problems if id(p) not in known)
        return out

    # -- paths -------------------------------------------------------------
    def excluded(self, path: str) -> bool:
        if not self.exclude:
            return False
        ap = os.path.abspath(path)
        rel = os.path.relpath(ap, self.root) if self.root else path
        rel = rel.replace(os.sep, "/")
        for pat in self.exclude:
            pat = pat.rstrip("/")
            if fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(rel, pat + "/*") \
                    or rel.startswith(pat + "/"):
                return True
            if "/" not in pat and fnmatch.fnmatchcase(os.path.basename(rel), pat):
                return True
        return False


def find_pyproject(start: str) -> Optional[str]:
    """The nearest pyproject.toml at or above `start` that has a [tool.mfdoctor] table
    (checked textually first, so unrelated pyproject files are never parsed)."""
    cur = os.path.abspath(start)
    while True:
        cand = os.path.join(cur, "pyproject.toml")
        if os.path.isfile(cand):
            try:
                with open(cand, encoding="utf-8", errors="replace") as f:
                    text = f.read()
            except OSError:
                text = ""
            if re.search(r"^\s*\[\s*tool\s*\.\s*mfdoctor\b", text, re.M):
                return cand
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent


def _toml_loads(text: str):
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib  # type: ignore
    return tomllib.loads(text), tomllib.TOMLDecodeError


def _problem(path: str, message: str, line: Optional[int] = None, column: Optional[int] = None,
             fix: Optional[str] = None, suggestion: Optional[str] = None) -> Finding:
    return Finding(ids.LINT_SETTINGS, WARNING, message, fix=fix, suggestion=suggestion,
                   location=Location(path, line, column))


def _str_list(path: str, key: str, value, problems: list) -> List[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(_problem(path, "[tool.mfdoctor] %s must be a list of strings; ignored" % key))
        return []
    return list(value)


def settings_start(paths: Optional[Iterable[str]]) -> str:
    """Where the search for pyproject.toml starts: like ruff, from the linted path (the
    directory of a file; the common parent of several), else the current directory."""
    try:
        paths = [os.path.abspath(p) for p in (paths or [])]
        if not paths:
            return os.getcwd()
    except OSError:  # a deleted working directory (resolve() reports it)
        return os.environ.get("PWD") or "/"
    try:
        common = os.path.commonpath(paths)
    except ValueError:  # different drives
        common = paths[0]
    return common if os.path.isdir(common) else os.path.dirname(common)


def load_settings(cwd: Optional[str] = None, *, select: Optional[Iterable[str]] = None,
                  ignore: Optional[Iterable[str]] = None) -> Settings:
    """Settings from the nearest pyproject.toml, with the CLI's --select
    (replaces the file's select) and --ignore (adds to the file's ignore)."""
    s = Settings()
    path = find_pyproject(cwd or os.getcwd())
    if path:
        s.path, s.root = path, os.path.dirname(path)
        _read_into(s, path)
    cli_select = _split_ids(select)
    if cli_select:
        s.select = cli_select
    s.ignore = s.ignore + _split_ids(ignore)
    _check_ids(s)
    return s


def _read_into(s: Settings, path: str) -> None:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        s.problems.append(_problem(path, "cannot read %s: %s; settings ignored" % (path, e)))
        return
    try:
        data, err_cls = _toml_loads(text)
    except ImportError:
        s.problems.append(_problem(
            path, "cannot parse pyproject.toml on this Python without the `tomli` package; "
            "[tool.mfdoctor] ignored", fix="pip install tomli"))
        return
    except Exception as e:  # TOMLDecodeError; its class depends on the parser
        m = re.search(r"line (\d+), column (\d+)", str(e))
        s.problems.append(_problem(
            path, "invalid TOML: %s; [tool.mfdoctor] ignored" % e,
            int(m.group(1)) if m else None, int(m.group(2)) if m else None))
        return
    table = data.get("tool", {}).get("mfdoctor")
    if not isinstance(table, dict):
        return
    for key in table:
        if key not in _KNOWN_OPTIONS:
            alt = suggest(key.replace("_", "-"), _KNOWN_OPTIONS)
            s.problems.append(_problem(
                path, "unknown option `%s` in [tool.mfdoctor]%s" % (
                    key, "; did you mean `%s`?" % alt if alt else ""),
                suggestion=alt))
    s.known_names = [n.strip() for n in _str_list(path, "known-names", table.get("known-names", []), s.problems)]
    s.ignore = _split_ids(_str_list(path, "ignore", table.get("ignore", []), s.problems))
    s.select = _split_ids(_str_list(path, "select", table.get("select", []), s.problems))
    s.exclude = _str_list(path, "exclude", table.get("exclude", []), s.problems)
    plugins = table.get("plugins", {})
    if not isinstance(plugins, dict):
        s.problems.append(_problem(path, "[tool.mfdoctor.plugins] must be a table of lists; ignored"))
        plugins = {}
    for cat, names in plugins.items():
        s.plugins[cat] = _str_list(path, "plugins.%s" % cat, names, s.problems)


def _check_ids(s: Settings) -> None:
    """A select/ignore entry that matches no check id is almost always a typo."""
    # Imported here: only select/ignore entries need the registry (a large table), so
    # every other lint run starts without it.
    from .checks.registry import all_ids

    known = all_ids()
    for pat in s.select + s.ignore:
        if any(id_matches(i, pat) for i in known):
            continue
        alt = suggest(pat, known)
        s.problems.append(Finding(
            ids.LINT_SETTINGS, WARNING,
            "`%s` (in select/ignore) matches no check id%s" % (
                pat, "; did you mean `%s`?" % alt if alt else ""),
            suggestion=alt, fix="`mfdoctor lint --list-checks` lists the check ids.",
            location=Location(s.path) if s.path else None))
