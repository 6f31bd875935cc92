"""`mfdoctor.pyast`: each environment predicate against the forms it is named for, and
the literal and dotted-name helpers."""

from __future__ import annotations

import ast

import pytest

from mfdoctor.pyast import (UNRESOLVED, dotted, is_environ_attribute, is_os_environ, literal_json,
                            names_environment_mapping, static_value, string_constant, unparsed)


def mapping_of(code: str) -> ast.AST:
    """The object an environment read reads from: `m` in `m[...]` and `m.get(...)`."""
    node = ast.parse(code, mode="eval").body
    if isinstance(node, ast.Subscript):
        return node.value
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    return node.func.value


# expression -> (is_os_environ, is_environ_attribute, names_environment_mapping)
CASES = {
    'os.environ["METAFLOW_X"]': (True, True, True),
    'environ.get("METAFLOW_X")': (True, True, True),
    'os.getenv("METAFLOW_X")': (False, False, False),  # a function of `os`, not a mapping
    'self.environ["METAFLOW_X"]': (False, True, True),
    'self.environment["METAFLOW_X"]': (False, False, True),
    'self._environ.get("METAFLOW_X")': (False, False, True),
    'get_ctx().environ["METAFLOW_X"]': (False, True, False),
    'env["METAFLOW_X"]': (False, False, False),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_environment_predicates(code):
    node = mapping_of(code)
    got = (is_os_environ(node), is_environ_attribute(node), names_environment_mapping(node))
    assert got == CASES[code]


def test_getenv_is_recognised_by_its_dotted_name():
    call = ast.parse('os.getenv("METAFLOW_X")', mode="eval").body
    assert dotted(call.func) == "os.getenv"


def test_dotted():
    assert dotted(ast.parse("a.b.c", mode="eval").body) == "a.b.c"
    assert dotted(ast.parse("a", mode="eval").body) == "a"
    assert dotted(ast.parse("f().b", mode="eval").body) is None


def test_string_constant():
    assert string_constant(ast.parse('"x"', mode="eval").body) == "x"
    assert string_constant(ast.parse("1", mode="eval").body) is None
    assert string_constant(ast.parse("x", mode="eval").body) is None


@pytest.mark.parametrize("code, value", [
    ('"a" + "b"', "ab"),
    ('f"ab"', "ab"),
    ('("a", ["b", 1])', ("a", ["b", 1])),
    ('{"type": "az-key-vault", "id": "x"}', {"type": "az-key-vault", "id": "x"}),
    ("b'x'", b"x"),
])
def test_static_value_known(code, value):
    got = static_value(ast.parse(code, mode="eval").body)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("code", ["x", "f()", 'f"{x}"', "[*xs]", "{**d}", '"a" + 1', "1 + 2"])
def test_static_value_unresolved(code):
    assert static_value(ast.parse(code, mode="eval").body) is UNRESOLVED


def test_literal_json_only_exact_json():
    assert literal_json(ast.parse('("a", 1)', mode="eval").body) == (True, ["a", 1])
    assert literal_json(ast.parse("b'x'", mode="eval").body) == (False, None)
    assert literal_json(ast.parse("x", mode="eval").body) == (False, None)


def test_unparsed_normalises():
    assert unparsed(ast.parse('f( "a" ,1 )', mode="eval").body) == "f('a', 1)"
