"""JSON files, with the line and column of every object key.

Python's json module gives no positions, so valid JSON is walked a second
time by a small parser that records where each key starts. Invalid JSON is
reported with the position json.loads gives (what Metaflow's bare
JSONDecodeError would have said, plus the file name).
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring

from .. import bounds, ids
from .generic import merge
from .model import CONFIG_KEY, JSON_KEY, FileProblem, Occurrence
from .templates import find_template
from .text import LineIndex

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_FULL_NAME = re.compile(r"METAFLOW_[A-Z0-9_]+(?:-[A-Z0-9_]+)*")

# (.metaflow/config.json) or ($METAFLOW_HOME/config.json, config_<profile>.json)
_CONFIG_PATH = re.compile(
    r"(?:^|[\\/])(?:\.metaflow[\\/]config\.json|\.metaflowconfig[\\/]config(?:_[^\\/]*)?\.json)$"
)


def is_metaflow_config_path(path: str) -> bool:
    return ".metaflow" in path and bool(_CONFIG_PATH.search(path))


class _Parser:
    """Recursive descent over already-valid JSON, recording object members as
    (depth, key, key_offset, value, value_offset)."""

    def __init__(self, text: str):
        self.s = text
        self.members = []

    def ws(self, i):
        return _WS.match(self.s, i).end()

    def value(self, i, depth):
        s = self.s
        c = s[i]
        if c == "{":
            out = {}
            i = self.ws(i + 1)
            if s[i] == "}":
                return out, i + 1
            while True:
                kpos = i
                key, i = scanstring(s, i + 1)
                i = self.ws(i)
                i = self.ws(i + 1)  # ':'
                vpos = i
                v, i = self.value(i, depth + 1)
                self.members.append((depth, key, kpos, v, vpos))
                out[key] = v
                i = self.ws(i)
                if s[i] == ",":
                    i = self.ws(i + 1)
                    continue
                return out, i + 1
        if c == "[":
            out = []
            i = self.ws(i + 1)
            if s[i] == "]":
                return out, i + 1
            while True:
                v, i = self.value(i, depth + 1)
                out.append(v)
                i = self.ws(i)
                if s[i] == ",":
                    i = self.ws(i + 1)
                    continue
                return out, i + 1
        if c == '"':
            return scanstring(s, i + 1)
        for lit, val in (("true", True), ("false", False), ("null", None)):
            if s.startswith(lit, i):
                return val, i + len(lit)
        m = _NUMBER.match(s, i)
        txt = m.group(0)
        # NaN/Infinity are accepted by json.loads; positions do not matter there.
        return (float(txt) if any(ch in txt for ch in ".eE") else int(txt)), m.end()


def json_members(text: str):
    """Members of every object in (valid) JSON text, with offsets."""
    p = _Parser(text)
    p.value(p.ws(0), 0)
    return p.members


def scan_json(text: str, li: LineIndex, problems: list, path: str, result, forced=None) -> list:
    occs: list = []
    config_path = is_metaflow_config_path(path) if forced is None else forced
    try:
        # Fails where Metaflow's json.load fails (nesting, 4,300-digit integers).
        data = bounds.loads(text, bounds.METAFLOW_FILE_JSON_DEPTH)
    except bounds.JSONLimitError as e:
        problems.append(FileProblem(
            ids.CONFIG_FILE_INVALID, "error",
            "Metaflow would fail to read this config file: %s" % e,
            fix="Flatten the file: Metaflow's settings are flat values.",
        ) if config_path else FileProblem(
            ids.LINT_PARSE_ERROR, "warning", "JSON not read (%s): names found by text only" % e))
        return merge(text, li, occs)
    except json.JSONDecodeError as e:
        if config_path:
            problems.append(FileProblem(
                ids.CONFIG_FILE_INVALID, "error",
                "invalid JSON in Metaflow config file: %s (every `import metaflow` fails "
                "with a bare JSONDecodeError that names no file)" % e.msg,
                line=e.lineno, column=e.colno,
                fix="Fix the JSON syntax at line %d, column %d (a trailing comma, a missing "
                "quote or comma are the usual causes)." % (e.lineno, e.colno),
            ))
        else:
            problems.append(FileProblem(
                ids.LINT_PARSE_ERROR, "warning",
                "invalid JSON (%s): names found by text only" % e.msg,
                line=e.lineno, column=e.colno,
            ))
        return merge(text, li, occs)
    except RecursionError:
        problems.append(FileProblem(ids.LINT_PARSE_ERROR, "warning",
                                    "JSON nested too deeply: names found by text only"))
        return merge(text, li, occs)

    if config_path and not isinstance(data, dict):
        problems.append(FileProblem(
            ids.CONFIG_FILE_INVALID, "error",
            "Metaflow config file holds a JSON %s, not an object: Metaflow fails on the "
            "first key it looks up" % type(data).__name__,
            line=1, column=1, fix="Make the file a JSON object: {\"METAFLOW_...\": ...}",
        ))
    try:
        # A recursive reader: deep files only through the bounded stack below.
        members = json_members(text) if bounds.json_depth(text) <= bounds.ANALYSIS_DEPTH else []
    except (RecursionError, IndexError, AttributeError, ValueError):
        members = []
    top_keys = [m for m in members if m[0] == 0] if isinstance(data, dict) else []
    prefixed = sum(1 for m in top_keys if m[1].startswith("METAFLOW_"))
    # A JSON object whose keys are mostly METAFLOW_ names is a Metaflow config
    # file wherever it lives (a checked-in copy for ~/.metaflowconfig).
    looks_config = config_path or (top_keys and prefixed * 2 > len(top_keys))
    result.metaflow_config = bool(config_path or looks_config)
    seen = {}
    # In file order, so offset -> line/column lookups only move forward.
    members.sort(key=lambda m: m[2])
    for depth, key, kpos, value, vpos in members:
        line, col = li.pos(kpos + 1)
        if depth == 0 and looks_config:
            if key in seen:
                result.duplicate_keys.append((key, line, col))
            seen[key] = True
            if not key.startswith("METAFLOW_"):
                result.unprefixed_keys.append((key, line, col, value))
                continue
        if _FULL_NAME.fullmatch(key):
            vline, vcol = li.pos(vpos)
            is_config = depth == 0 and looks_config
            occs.append(Occurrence(
                name=key, line=line, column=col,
                context=CONFIG_KEY if is_config else JSON_KEY,
                value=value, has_value=True, value_line=vline, value_column=vcol + isinstance(value, str),
                # Metaflow reads a config file's values as they are; elsewhere a
                # `{nonce}` field is a harness's format placeholder (test contexts).
                template=find_template(value, format_fields=not config_path) if isinstance(value, str) else None,
            ))
    return merge(text, li, occs)
