"""YAML: Kubernetes `env: [{name, value}]` (and CloudFormation ECS `Name`/`Value`),
GitHub Actions `env:` maps, docker-compose `environment:` (map and `- NAME=value`
list), Helm values (any mapping whose key is a METAFLOW_ name), and the shell of
`run:`, `script:`, `command:`, `args:`, `entrypoint:` and CloudFormation
`UserData`/`Fn::Base64` strings (a `Fn::Join` of fragments as one script, see cfn.py),
read by the shell lexer.

Not settings: comments (`# - name: METAFLOW_SERVICE`) and CI expressions
(`${{ secrets.METAFLOW_X }}` names a CI secret; the key it is assigned to is
still a setting, whose value is then a template). A Kubernetes `valueFrom` sets
the name to a value the file does not hold (`template` says from where).

The file is composed (not constructed) so every node keeps its position. A
Helm template (not YAML until rendered) is read with its `{{ ... }}` actions
masked, length for length; other invalid YAML falls back to a text reading
with a `lint.parse-error` problem.
"""

from __future__ import annotations

import bisect
import re

from .. import ids
from .cfn import join_parts, joined_text
from .generic import merge
from .model import K8S_ENV, YAML_LIST, YAML_MAP, FileProblem, Occurrence
from .shell import shell_occurrences
from .templates import find_template
from .text import LineIndex

_FULL_NAME = re.compile(r"METAFLOW_[A-Z0-9_]+(?:-[A-Z0-9_]+)*")
_LIST_ITEM = re.compile(r"(METAFLOW_[A-Z0-9_]+(?:-[A-Z0-9_]+)*)=(.*)", re.S)
_NULL_TAG = "tag:yaml.org,2002:null"
_CI_EXPR = re.compile(r"\$\{\{.*?\}\}", re.S)
_ACTION = re.compile(r"\{\{.*?\}\}", re.S)
_NOT_NL = re.compile(r"[^\n]")
_ACTION_LINE = re.compile(r"^[ \t]*(?:\{\{.*?\}\}[ \t]*)+$", re.M)
# Keys whose string values are shell command lines.
_SHELL_KEYS = {"run", "script", "scripts", "command", "commands", "args", "entrypoint",
               "before_script", "after_script", "UserData", "OnCreate", "OnStart", "Fn::Base64"}
_SHELL_TAGS = {"!Base64"}


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


def _loader():
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _pos(node):
    # Marks are 0-based; a quoted scalar starts at its quote.
    line = node.start_mark.line + 1
    col = node.start_mark.column + 1
    if getattr(node, "style", None) in ('"', "'"):
        col += 1
    return line, col


class _Walk:
    def __init__(self, text: str, li: LineIndex, original: str, masked: list):
        self.text, self.li, self.original = text, li, original
        self.masked = masked  # sorted (start, end) of masked Helm actions
        self.occs: list = []
        self.spans: list = []  # (start, end) of every scalar holding a name

    def template_in(self, a: int, b: int):
        """The original text of the first masked action within [a, b)."""
        i = bisect.bisect_left(self.masked, (a, -1))
        if i < len(self.masked) and self.masked[i][0] < b:
            s, e = self.masked[i]
            return self.original[s:e]
        return None

    def scalar(self, node):
        """(value, has_value, template) of a YAML value node, as the consumer's env sees it."""
        from yaml.nodes import ScalarNode

        if not isinstance(node, ScalarNode):
            join = join_parts(node)
            if join is None:
                return None, False, None
            value = joined_text(join[0], join[1], self.text)[0]  # `Value: !Join [...]`
            return value, True, find_template(value)
        if node.tag == _NULL_TAG and not node.style:  # plain null ('' style from libyaml)
            return None, False, None
        value = node.value
        template = self.template_in(node.start_mark.index, node.end_mark.index)
        if template is not None:
            a, b = node.start_mark.index, node.end_mark.index
            if node.style in ('"', "'"):
                a, b = a + 1, b - 1
            if self.text[a:b] == value:  # one line, no escapes: the original text is the value
                value = self.original[a:b]
        elif node.tag.startswith("!"):  # !Ref X, !GetAtt Y.Z: CloudFormation fills it in
            template = "%s %s" % (node.tag, value)
        else:
            template = find_template(value)
        return value, True, template

    def add(self, name_node, context, value_node, has_value=None, template=None):
        value, has, tmpl = self.scalar(value_node) if value_node is not None else (None, False, None)
        if has_value is not None:
            value, has = (value, has) if has_value else (None, False)
        line, col = _pos(name_node)
        o = Occurrence(name=name_node.value, line=line, column=col, context=context,
                       value=value, has_value=has, template=template or tmpl)
        if has:
            o.value_line, o.value_column = _pos(value_node)
        self.occs.append(o)

    def shell(self, node) -> None:
        """Every string under `node` read as shell."""
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

        stack = [node]
        seen = set()
        while stack:
            n = stack.pop()
            if id(n) in seen:  # an alias of a node already read
                continue
            seen.add(id(n))
            join = join_parts(n)
            if join is not None:  # UserData from a list of strings: one script
                script, track = joined_text(join[0], join[1], self.text)
                if "METAFLOW_" in script and track:
                    shell_occurrences(script, self.li, out=self.occs, readers=_READERS,
                                      at=lambda o, t=track: t[o] if o < len(t) else t[-1])
                continue
            if isinstance(n, ScalarNode):
                if "METAFLOW_" not in n.value:
                    continue
                a, b = n.start_mark.index, n.end_mark.index
                style = n.style or ""
                if style in "|>" and style:
                    nl = self.text.find("\n", a, b)
                    a = b if nl == -1 else nl + 1
                    shell_occurrences(self.original, self.li, a, b, fold_newlines=style == ">",
                                      out=self.occs, readers=_READERS)
                elif style in ('"', "'"):
                    if self.text[a + 1:b - 1] == n.value:
                        shell_occurrences(self.original, self.li, a + 1, b - 1, out=self.occs,
                                          readers=_READERS)
                    else:  # escapes: positions of the string's start
                        for o in shell_occurrences(n.value, LineIndex(n.value), readers=_READERS):
                            o.line, o.column = _pos(n)
                            o.value_line = o.value_column = None
                            self.occs.append(o)
                else:
                    shell_occurrences(self.original, self.li, a, b,
                                      fold_newlines="\n" in self.text[a:b], out=self.occs,
                                      readers=_READERS)
            elif isinstance(n, SequenceNode):
                stack.extend(n.value)
            elif isinstance(n, MappingNode):
                for k, v in n.value:
                    stack.append(v)

    def walk(self, node) -> None:
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

        stack = [node]
        seen = set()
        while stack:
            n = stack.pop()
            if id(n) in seen:  # an alias of a node already read: each node once
                continue
            seen.add(id(n))
            if isinstance(n, ScalarNode):
                if "METAFLOW_" in n.value:
                    self.spans.append((n.start_mark.index, n.end_mark.index))
                continue
            if n.tag in _SHELL_TAGS:
                self.shell(n)
                continue
            if isinstance(n, SequenceNode):
                for item in n.value:
                    m = _LIST_ITEM.fullmatch(item.value or "") if isinstance(item, ScalarNode) else None
                    if m:
                        line, col = _pos(item)
                        value = m.group(2)
                        self.occs.append(Occurrence(
                            name=m.group(1), line=line, column=col, context=YAML_LIST,
                            value=value, has_value=True, template=find_template(value),
                            value_line=line, value_column=col + len(m.group(1)) + 1))
                    stack.append(item)
                continue
            if not isinstance(n, MappingNode):
                continue
            name_node = value_node = value_from = None
            for k, v in n.value:
                stack.append(v)
                if not isinstance(k, ScalarNode):
                    stack.append(k)
                    continue
                key = k.value or ""
                if _FULL_NAME.fullmatch(key):
                    self.spans.append((k.start_mark.index, k.end_mark.index))
                    self.add(k, YAML_MAP, v)
                elif key in ("name", "Name") and isinstance(v, ScalarNode) and _FULL_NAME.fullmatch(v.value or ""):
                    name_node = v
                elif key in ("value", "Value"):
                    value_node = v
                elif key == "valueFrom":
                    value_from = v
                if key in _SHELL_KEYS or v.tag in _SHELL_TAGS:
                    stack.pop()
                    self.shell(v)
            if name_node is not None:
                # Kubernetes EnvVar: {name, value} or {name, valueFrom}.
                if value_from is not None:
                    ref = value_from.value[0][0].value if isinstance(value_from, MappingNode) \
                        and value_from.value and isinstance(value_from.value[0][0], ScalarNode) else "valueFrom"
                    self.add(name_node, K8S_ENV, None, template="valueFrom: %s" % ref)
                elif value_node is not None and isinstance(value_node, ScalarNode) \
                        and self.scalar(value_node)[1] is False:
                    # `value:` with nothing: Kubernetes sets an empty string.
                    self.add(name_node, K8S_ENV, None)
                    o = self.occs[-1]
                    o.value, o.has_value = "", True
                    o.value_line, o.value_column = _pos(value_node)
                else:
                    self.add(name_node, K8S_ENV, value_node)


def _mask(text: str):
    """Helm/Jinja actions replaced, length for length (newlines kept): inline ones
    by a run of `_` (one plain scalar), lines that hold only actions by blanks.
    Returns the masked text and the sorted (start, end) spans of the actions."""
    spans = [(m.start(), m.end()) for m in _ACTION.finditer(text)]
    masked = _ACTION_LINE.sub(lambda m: _NOT_NL.sub(" ", m.group()), text)
    masked = _ACTION.sub(lambda m: _NOT_NL.sub("_", m.group()), masked)
    return masked, spans


def _comment_hit(text: str, start: int) -> bool:
    """A `#` comment before `start` on its line (text reading of invalid YAML)."""
    a = text.rfind("\n", 0, start) + 1
    line = text[a:start]
    return bool(re.search(r"(?:^|[ \t])#", line))


def scan_yaml(text: str, li: LineIndex, problems: list) -> list:
    try:
        yaml, Loader = _loader()
    except ImportError:
        problems.append(FileProblem(
            ids.LINT_PARSE_ERROR, "info",
            "PyYAML is not installed: YAML structure not read, names found by text only",
        ))
        return merge(text, li, [])
    expr = [(m.start(), m.end()) for m in _CI_EXPR.finditer(text)] if "${{" in text else []
    w = None
    error = None
    attempts = [(text, [])]
    if "{{" in text:
        attempts.append(_mask(text))
    for parsed, masked in attempts:
        w = _Walk(parsed, li, text, masked)
        try:
            for doc in yaml.compose_all(parsed, Loader=Loader):
                if doc is not None:
                    if "*" in parsed and expanded_size(doc) >= ALIAS_EXPANSION_LIMIT:
                        problems.append(FileProblem(
                            ids.LINT_PARSE_ERROR, "warning",
                            "YAML aliases here expand to over %d nodes (an alias bomb, or a "
                            "recursive alias): each anchored value was read once, where it is "
                            "defined; the program reading this file may run out of memory"
                            % ALIAS_EXPANSION_LIMIT))
                    w.walk(doc)
            error = None
            break
        except yaml.YAMLError as e:
            error = e
        except RecursionError:
            error = RecursionError()
            break
    if error is not None:
        if isinstance(error, RecursionError):
            problems.append(FileProblem(ids.LINT_PARSE_ERROR, "warning",
                                        "YAML nested too deeply: names found by text only"))
        elif "{{" not in text:  # Helm/Jinja templates are not YAML before rendering
            mark = getattr(error, "problem_mark", None)
            problems.append(FileProblem(
                ids.LINT_PARSE_ERROR, "warning",
                "invalid YAML (%s): names found by text only"
                % (getattr(error, "problem", None) or str(error).splitlines()[0]),
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            ))
        keep = lambda start: not _comment_hit(text, start)  # noqa: E731
        return merge(text, li, [], keep=lambda s: keep(s) and not _inside(expr, s))
    spans = sorted(w.spans)
    return merge(text, li, w.occs, keep=lambda s: _inside(spans, s) and not _inside(expr, s))


# A heredoc in a `run:` block that writes a YAML file: read by this module.
_READERS = {"yaml": scan_yaml}


def _inside(spans: list, offset: int) -> bool:
    i = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= offset < spans[i][1]
