"""YAML: Kubernetes `env: [{name, value}]`, GitHub Actions `env:` maps,
docker-compose `environment:` (map and `- NAME=value` list), Helm values
(any mapping whose key is a METAFLOW_ name).

The file is composed (not constructed) so every node keeps its position.
Invalid YAML (or a Helm template, which is not YAML until rendered) falls
back to the generic text reading, with a `lint.parse-error` problem for
files that are not templates.
"""

from __future__ import annotations

import re

from .. import ids
from .generic import merge
from .model import K8S_ENV, YAML_LIST, YAML_MAP, FileProblem, Occurrence
from .text import LineIndex

_FULL_NAME = re.compile(r"METAFLOW_[A-Z0-9_]+(?:-[A-Z0-9_]+)*")
_LIST_ITEM = re.compile(r"(METAFLOW_[A-Z0-9_]+(?:-[A-Z0-9_]+)*)=(.*)", re.S)
_NULL_TAG = "tag:yaml.org,2002:null"


def _loader():
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _pos(node, text_offset_adjust=0):
    # Marks are 0-based; a quoted scalar starts at its quote.
    line = node.start_mark.line + 1
    col = node.start_mark.column + 1
    if getattr(node, "style", None) in ('"', "'"):
        col += 1
    return line, col + text_offset_adjust


def _scalar(node):
    """(value, has_value) of a YAML value node, as the consumer's env sees it."""
    from yaml.nodes import ScalarNode

    if not isinstance(node, ScalarNode):
        return None, False
    if node.tag == _NULL_TAG and not node.style:  # plain null ('' style from libyaml)
        return None, False
    return node.value, True


# Aliases share one composed node: visiting each node once keeps the walk linear in the
# file, however far the aliases would expand (a 400-byte "billion laughs" expands to
# millions of nodes, and a recursive alias never ends).
ALIAS_EXPANSION_LIMIT = 1_000_000


def _children(n):
    from yaml.nodes import MappingNode, SequenceNode

    if isinstance(n, MappingNode):
        return [x for pair in n.value for x in pair]
    if isinstance(n, SequenceNode):
        return n.value
    return ()


def expanded_size(root, cap: int = ALIAS_EXPANSION_LIMIT) -> int:
    """How many nodes the document has once every alias is expanded, counting no
    further than `cap` (a recursive alias counts as `cap`). Iterative, memoised."""
    size: dict = {}
    busy: set = set()
    stack = [(root, False)]
    while stack:
        n, done = stack.pop()
        key = id(n)
        if done:
            busy.discard(key)
            size[key] = min(cap, 1 + sum(size.get(id(c), cap) for c in _children(n)))
            continue
        if key in size or key in busy:
            continue
        busy.add(key)
        stack.append((n, True))
        for c in _children(n):
            if id(c) in busy:  # a recursive alias: infinite
                size[id(c)] = cap
            elif id(c) not in size:
                stack.append((c, False))
    return size.get(id(root), cap)


def _walk(node, occs):
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    stack = [node]
    seen = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:  # an alias of a node already read
            continue
        seen.add(id(n))
        if isinstance(n, MappingNode):
            name_node = value_node = None
            for k, v in n.value:
                if not isinstance(k, ScalarNode):
                    stack.append(k)
                    stack.append(v)
                    continue
                if _FULL_NAME.fullmatch(k.value or ""):
                    value, has = _scalar(v)
                    line, col = _pos(k)
                    o = Occurrence(name=k.value, line=line, column=col, context=YAML_MAP,
                                   value=value, has_value=has)
                    if has:
                        o.value_line, o.value_column = _pos(v)
                    occs.append(o)
                elif k.value == "name" and isinstance(v, ScalarNode) and _FULL_NAME.fullmatch(v.value or ""):
                    name_node = v
                elif k.value == "value":
                    value_node = v
                stack.append(v)
            if name_node is not None:
                # Kubernetes EnvVar: {name, value} or {name, valueFrom}.
                value, has = _scalar(value_node) if value_node is not None else (None, False)
                if value_node is not None and not has and isinstance(value_node, ScalarNode):
                    # `value:` with nothing: Kubernetes sets an empty string.
                    value, has = "", True
                line, col = _pos(name_node)
                o = Occurrence(name=name_node.value, line=line, column=col, context=K8S_ENV,
                               value=value, has_value=has)
                if has and value_node is not None:
                    o.value_line, o.value_column = _pos(value_node)
                occs.append(o)
        elif isinstance(n, SequenceNode):
            for item in n.value:
                if isinstance(item, ScalarNode):
                    m = _LIST_ITEM.fullmatch(item.value or "")
                    if m:
                        line, col = _pos(item)
                        occs.append(Occurrence(
                            name=m.group(1), line=line, column=col, context=YAML_LIST,
                            value=m.group(2), has_value=True,
                            value_line=line, value_column=col + len(m.group(1)) + 1,
                        ))
                else:
                    stack.append(item)


def scan_yaml(text: str, li: LineIndex, problems: list) -> list:
    occs: list = []
    try:
        yaml, Loader = _loader()
    except ImportError:
        problems.append(FileProblem(
            ids.LINT_PARSE_ERROR, "info",
            "PyYAML is not installed: YAML structure not read, names found by text only",
        ))
        return merge(text, li, occs)
    try:
        for doc in yaml.compose_all(text, Loader=Loader):
            if doc is not None:
                if "*" in text and expanded_size(doc) >= ALIAS_EXPANSION_LIMIT:
                    problems.append(FileProblem(
                        ids.LINT_PARSE_ERROR, "warning",
                        "YAML aliases here expand to over %d nodes (an alias bomb, or a "
                        "recursive alias): each anchored value was read once, where it is "
                        "defined; the program reading this file may run out of memory"
                        % ALIAS_EXPANSION_LIMIT))
                _walk(doc, occs)
    except yaml.YAMLError as e:
        occs = []
        if "{{" not in text:  # Helm/Jinja templates are not YAML before rendering
            mark = getattr(e, "problem_mark", None)
            problems.append(FileProblem(
                ids.LINT_PARSE_ERROR, "warning",
                "invalid YAML (%s): names found by text only"
                % (getattr(e, "problem", None) or str(e).splitlines()[0]),
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            ))
    except RecursionError:
        occs = []
        problems.append(FileProblem(ids.LINT_PARSE_ERROR, "warning",
                                    "YAML nested too deeply: names found by text only"))
    return merge(text, li, occs)
