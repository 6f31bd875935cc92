"""CloudFormation's `Fn::Join` / `!Join`, as CloudFormation renders it: the literal
fragments joined with the delimiter, each `Ref`/`!Ref`, `Fn::GetAtt`/`!GetAtt` or other
intrinsic function a `${...}` placeholder (its value is known only when the stack is
created). UserData built from a list of strings is then one shell script, read as the
shell reads it: a line split across fragments is one line.

Works on PyYAML composed nodes; each character of the joined text keeps the offset in
the file it came from (a placeholder: its node's start), so positions stay exact.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

_JOIN_KEY = "Fn::Join"
_JOIN_TAG = "!Join"


def join_parts(node) -> Optional[tuple]:
    """(delimiter node, item nodes) when `node` is a Join, else None."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    args = None
    if isinstance(node, SequenceNode) and node.tag == _JOIN_TAG:
        args = node
    elif isinstance(node, MappingNode) and len(node.value) == 1:
        k, v = node.value[0]
        if isinstance(k, ScalarNode) and k.value == _JOIN_KEY and isinstance(v, SequenceNode):
            args = v
    if args is None or len(args.value) != 2:
        return None
    delim, items = args.value
    if not isinstance(delim, ScalarNode) or not isinstance(items, SequenceNode):
        return None
    return delim, items.value


def _placeholder(node) -> str:
    """`${X}` for the value an intrinsic function stands for: Ref X, GetAtt X.Y, or
    the function's name (Fn::If, Fn::Select, ...)."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if isinstance(node, ScalarNode):  # !Ref X, !GetAtt X.Y, !ImportValue X
        return "${%s}" % (node.value or node.tag.lstrip("!"))
    if isinstance(node, SequenceNode):  # !GetAtt [X, Y], !Select [...]
        if node.tag == "!GetAtt" and all(isinstance(n, ScalarNode) for n in node.value):
            return "${%s}" % ".".join(n.value for n in node.value)
        return "${%s}" % node.tag.lstrip("!")
    if isinstance(node, MappingNode) and node.value and isinstance(node.value[0][0], ScalarNode):
        fn, arg = node.value[0][0].value, node.value[0][1]
        if fn == "Ref" and isinstance(arg, ScalarNode):
            return "${%s}" % arg.value
        if fn == "Fn::GetAtt":
            if isinstance(arg, SequenceNode) and all(isinstance(n, ScalarNode) for n in arg.value):
                return "${%s}" % ".".join(n.value for n in arg.value)
            if isinstance(arg, ScalarNode):
                return "${%s}" % arg.value
        return "${%s}" % fn
    return "${}"


def _scalar_track(node, text: str) -> List[int]:
    """The file offset of each character of a scalar's value: exact when the value is
    written as it reads (no escapes, one line), else the scalar's start for each."""
    a, b = node.start_mark.index, node.end_mark.index
    if node.style in ('"', "'"):
        a, b = a + 1, b - 1
    if text[a:b] == node.value:
        return list(range(a, b))
    if node.style == '"' and "\n" not in text[a:b]:
        track = _unescaped_track(text, a, b)
        if len(track) == len(node.value):
            return track
    return [a] * len(node.value)


_ESCAPE_LEN = {"x": 4, "u": 6, "U": 10}


def _unescaped_track(text: str, a: int, b: int) -> List[int]:
    """The offset of each character of a one-line double-quoted scalar text[a:b] once its
    escapes (`\\n`, `\\"`, `\\x41`, ...) are read."""
    out = []
    i = a
    while i < b:
        out.append(i)
        i += _ESCAPE_LEN.get(text[i + 1:i + 2], 2) if text[i] == "\\" else 1
    return out


def joined_text(delim, items, text: str) -> Tuple[str, List[int]]:
    """The Join as CloudFormation renders it (placeholders for the functions) and the
    file offset of each of its characters. `text`: the file's text."""
    from yaml.nodes import ScalarNode

    out: List[str] = []
    track: List[int] = []
    for i, item in enumerate(items):
        if i and delim.value:
            out.append(delim.value)
            track.extend([delim.start_mark.index] * len(delim.value))
        if isinstance(item, ScalarNode) and (not item.tag.startswith("!") or item.tag == "!Sub"):
            # A literal fragment (a `!Sub` string keeps its ${X}: placeholders too).
            out.append(item.value)
            track.extend(_scalar_track(item, text))
        else:
            nested = join_parts(item)
            if nested is not None:
                t, tr = joined_text(nested[0], nested[1], text)
            else:
                t = _placeholder(item)
                tr = [item.start_mark.index] * len(t)
            out.append(t)
            track.extend(tr)
    return "".join(out), track
