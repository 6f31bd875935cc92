"""Finding and reading the two config files Metaflow reads, exactly as it finds them.

Mirrors `init_config` (profile file) and `init_local_config` (nearest `.metaflow/`) in
`metaflow/metaflow_config_funcs.py`. Problems become findings; nothing here raises,
and nothing here ever writes.
"""

from __future__ import annotations

import glob
import json
import os
import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

from .. import bounds, ids
from ..findings import ERROR, WARNING, Finding, Location
from ..redact import is_secret_name, register_secret
from ..vocabulary import Source

DEFAULT_HOME = "~/.metaflowconfig"


@dataclass
class ConfigFile:
    kind: Source  # Source.PROFILE | Source.LOCAL
    path: str
    exists: bool
    data: Optional[dict] = None  # None when missing or unreadable
    text: Optional[str] = None
    profile: Optional[str] = None
    problems: list = field(default_factory=list)

    def location_of(self, key: str) -> Location:
        """File, line and column of `"key":` in the file (1-based)."""
        if self.text:
            m = re.search(r'"%s"\s*:' % re.escape(key), self.text)
            if m:
                line = self.text.count("\n", 0, m.start()) + 1
                col = m.start() - (self.text.rfind("\n", 0, m.start()) + 1) + 1
                return Location(self.path, line, col)
        return Location(self.path)

    def to_dict(self) -> dict:
        out = {"path": self.path, "exists": self.exists}
        if self.kind == Source.PROFILE:
            out["profile"] = self.profile
        return out


@dataclass
class ConfigFiles:
    home: str
    profile: ConfigFile
    local: Optional[ConfigFile]  # None: no `.metaflow/` directory found upward
    local_dir: Optional[str] = None
    problems: list = field(default_factory=list)
    local_read: bool = True  # False: this release has no project-local file at all
    # An extension's config loader's layer, in place of the profile file (config/loader.py).
    remote: Optional[ConfigFile] = None
    remote_unread: bool = False  # the loader fetches it from a server mfdoctor does not reach


# What Metaflow does when its config file is not a regular file.
_DEVICE_FATE = {
    "a named pipe (FIFO)": "blocks until something writes to it",
    "a character device": "reads it (forever, for /dev/zero or /dev/urandom)",
    "a block device": "reads the whole device",
    "a socket": "fails (no such device or address)",
}


def _line_col(text: str, pos: int):
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _hidden_by_permissions(path: str) -> Optional[str]:
    """The directory whose permissions hide `path` (os.path.exists then says False)."""
    try:
        os.stat(path)
    except PermissionError:
        parent = os.path.dirname(path)
        while parent and parent != os.path.dirname(parent):
            if os.path.isdir(parent) and not os.access(parent, os.X_OK):
                return parent
            parent = os.path.dirname(parent)
        return os.path.dirname(path)
    except OSError:
        pass
    return None


def read_config_file(kind: Source, path: str, profile: Optional[str] = None) -> ConfigFile:
    """Read one JSON config file the way Metaflow does (`json.load`, UTF-8)."""
    cf = ConfigFile(kind=kind, path=path, exists=os.path.exists(path), profile=profile)
    if not cf.exists:
        blocked = _hidden_by_permissions(path)
        if blocked:
            cf.problems.append(Finding(
                ids.CONFIG_FILE_INVALID, WARNING,
                "Cannot look into %s (permission denied), so Metaflow cannot see %s and "
                "silently runs without it." % (blocked, path),
                fix="Give the user running Metaflow access: chmod u+rx %s" % blocked,
                location=Location(path),
            ))
        return cf
    what = "profile file" if kind == Source.PROFILE else "project config file"

    def bad(msg, line=None, col=None, fix=None):
        cf.problems.append(
            Finding(
                ids.CONFIG_FILE_INVALID, ERROR, msg, fix=fix,
                location=Location(path, line, col),
            )
        )
        return cf

    try:
        raw = bounds.read_regular(path)
    except bounds.UnreadableFile as exc:
        if exc.what == "a directory":
            return bad("The %s %s is a directory; Metaflow fails to open it at import." % (what, path))
        if exc.what == "too large":
            cf.problems.append(Finding(
                ids.CONFIG_FILE_INVALID, WARNING,
                "The %s %s was not read: %s. Metaflow reads it; mfdoctor does not check it."
                % (what, path, exc.strerror.split(" is ", 1)[-1]),
                location=Location(path)))
            return cf
        return bad(
            "The %s %s is %s, not a regular file: mfdoctor did not read it. Metaflow opens it "
            "at import and %s." % (what, path, exc.what, _DEVICE_FATE.get(exc.what, "fails")),
            fix="Replace it with a regular JSON file, or remove it.")
    except OSError as exc:
        return bad(
            "Cannot read the %s %s: %s. Metaflow fails at import with the same error."
            % (what, path, exc.strerror or exc),
            fix="Fix the file's permissions (chmod u+r) or remove it.",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw[: exc.start].decode("utf-8", "replace"), exc.start)
        return bad(
            "The %s %s is not valid UTF-8 (byte 0x%02x at line %d, column %d); "
            "Metaflow fails at import with a UnicodeDecodeError that names no file."
            % (what, path, raw[exc.start], line, col),
            line, col, fix="Save the file as UTF-8.",
        )
    cf.text = text
    try:
        data = bounds.loads(text, bounds.METAFLOW_FILE_JSON_DEPTH)
    except bounds.JSONLimitError as exc:
        return bad(
            "Metaflow would fail to read the %s %s: %s. Every `import metaflow` fails."
            % (what, path, exc), fix="Flatten the file: Metaflow's settings are flat values.")
    except json.JSONDecodeError as exc:
        return bad(
            "Invalid JSON in the %s %s at line %d, column %d: %s. Every `import metaflow` "
            "fails with a bare JSONDecodeError that names no file."
            % (what, path, exc.lineno, exc.colno, exc.msg),
            exc.lineno, exc.colno,
            fix="Correct the JSON (check python -m json.tool %s)." % path,
        )
    if not isinstance(data, dict):
        return bad(
            "The %s %s holds a JSON %s, not an object; Metaflow fails at import "
            "(AttributeError: no .get)." % (what, path, type(data).__name__),
            1, 1, fix='Make it an object: {"METAFLOW_...": "..."}.',
        )
    # What mfdoctor analyses and shows is cut below a sane depth (Metaflow reads it all).
    cf.data = {k: bounds.cut_depth(v)[0] for k, v in data.items()}
    return cf


def existing_profiles(home: str) -> list:
    """Profile names with a file in `home` ("" is the default config.json)."""
    names = []
    home = os.path.expanduser(home)
    if os.path.isfile(os.path.join(home, "config.json")):
        names.append("")
    for p in sorted(glob.glob(os.path.join(glob.escape(home), "config_*.json"))):
        names.append(os.path.basename(p)[len("config_"):-len(".json")])
    return names


def profile_file(env: Mapping[str, str]) -> ConfigFile:
    home = env.get("METAFLOW_HOME", DEFAULT_HOME)
    profile = env.get("METAFLOW_PROFILE")
    path = os.path.join(home, "config.json")
    if profile:
        path = os.path.join(home, "config_%s.json" % profile)
    path = os.path.expanduser(path)
    cf = read_config_file(Source.PROFILE, path, profile or None)
    if not cf.exists and profile:
        from ..suggest import suggest  # saves start-up time: only this error path needs it

        found = existing_profiles(home)
        named = [p for p in found if p]
        listing = ", ".join(named) if named else "none"
        if "" in found:
            listing += " (and the default config.json)"
        guess = suggest(profile, named)
        cf.problems.append(
            Finding(
                ids.CONFIG_PROFILE_MISSING, ERROR,
                "METAFLOW_PROFILE=%s but %s does not exist: every `import metaflow` fails "
                "(\"Unable to locate METAFLOW_PROFILE\"). Profiles in %s: %s."
                % (profile, path, home, listing),
                key="METAFLOW_PROFILE",
                suggestion=guess,
                fix=("Use METAFLOW_PROFILE=%s" % guess) if guess else
                "Create %s, or unset METAFLOW_PROFILE to use config.json." % path,
                location=Location(path),
                detail={"profiles": named},
            )
        )
    return cf


def find_local_dir(cwd: str, dirname: str = ".metaflow") -> tuple:
    """(directory or None, notes) exactly as `init_local_config` walks up from cwd."""
    notes = []
    current = cwd
    check = os.path.realpath(os.path.join(current, dirname))
    while not os.path.isdir(check):
        blocked = _hidden_by_permissions(check)
        if blocked:
            notes.append(Finding(
                ids.CONFIG_FILE_INVALID, WARNING,
                "Cannot look into %s (permission denied): Metaflow cannot tell whether %s "
                "exists there and keeps looking further up." % (blocked, check),
                fix="Give the user running Metaflow access: chmod u+rx %s" % blocked,
                location=Location(check),
            ))
        elif os.path.islink(check) or os.path.lexists(check):
            # A dangling link, a symlink loop or a plain file: Metaflow skips it silently.
            notes.append(
                Finding(
                    ids.CONFIG_FILE_INVALID, WARNING,
                    "%s exists but is not a directory (a file, a dangling symlink or a "
                    "symlink loop); Metaflow skips it and keeps looking further up."
                    % check,
                    location=Location(check),
                )
            )
        parent = os.path.dirname(current)
        if parent == current:
            return None, notes
        current = parent
        check = os.path.join(current, dirname)
    return check, notes


def config_files(env: Mapping[str, str], cwd: str, local_dir_name: str = ".metaflow",
                 local_file_name: str = "config.json", read_local: bool = True,
                 release: str = "") -> ConfigFiles:
    """`read_local=False`: a release without `init_local_config` (2.9 to 2.12.10): the
    project file is not a layer, and one that exists is said to have no effect."""
    prof = profile_file(env)
    local_dir, notes = find_local_dir(cwd, local_dir_name)
    local = None
    if local_dir is not None and read_local:
        local = read_config_file(Source.LOCAL, os.path.join(local_dir, local_file_name))
    elif local_dir is not None:
        path = os.path.join(local_dir, local_file_name)
        notes = []
        if os.path.isfile(path):
            notes.append(Finding(
                ids.CONFIG_NO_EFFECT, WARNING,
                "Metaflow %s does not read project-local config files (that arrived in "
                "2.12.15), so %s has no effect here." % (release or "(this release)", path),
                fix="Move its keys to the profile file or the environment, or upgrade Metaflow.",
                location=Location(path),
            ))
        local_dir = None
    problems = list(notes) + prof.problems + (local.problems if local else [])
    return ConfigFiles(
        home=os.path.expanduser(env.get("METAFLOW_HOME", DEFAULT_HOME)),
        profile=prof, local=local, local_dir=local_dir, problems=problems,
        local_read=read_local,
    )


def register_secrets(env: Mapping[str, str], files: ConfigFiles) -> None:
    """Every secret-named value in the environment and the config files, known to the
    redaction point before any message is built (so none can echo it)."""
    for name, value in env.items():
        if is_secret_name(name):
            register_secret(value)
    for cf in (files.profile, files.local):
        for name, value in ((cf.data or {}).items() if cf is not None else ()):
            if is_secret_name(str(name)):
                register_secret(value)
