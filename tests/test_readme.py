"""README.md is true: its console examples run (scripts/readme_examples.py, in a sandbox
the README itself describes) and print what it shows; every --option it names exists on
the command it is named with; its check table is the registry's."""

import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import readme_examples  # noqa: E402

README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()


def test_readme_examples_print_what_the_readme_shows():
    files, examples = readme_examples.parse(README)
    assert len(files) >= 3 and len(examples) >= 8
    diffs = readme_examples.differences(README)
    assert not diffs, "README examples are stale (python scripts/readme_examples.py --write):\n\n" + \
        "\n\n".join(diffs)


def _cli_options():
    """{command name or "": the options it accepts}, from the real Click command tree."""
    import typer.main

    from mfdoctor.cli import app

    group = typer.main.get_command(app)
    opts = {"": {o for p in group.params for o in p.opts + p.secondary_opts if o.startswith("--")}}
    for name, cmd in group.commands.items():
        opts[name] = {o for p in cmd.params for o in p.opts + p.secondary_opts if o.startswith("--")} | {"--help"}
    return opts


# Options of other tools the README shows in their own commands (not mfdoctor's).
_OTHER_TOOLS = re.compile(r"^\s*(\$ )?(pip|python3?|bash|cp|mkdir|pytest|npm|apt|brew)\b")
_COMMAND = re.compile(r"mfdoctor\s+(?:-\S+\s+)*(show|explain|rule|lint|check)\b")
_HEADING = re.compile(r"^#+ .*`mfdoctor (show|explain|lint|check)")


def _named_options(text):
    """(option, command it is named with or None, line) for every --option in `text`.
    The command is the nearest `mfdoctor CMD` before it on the line, else the section's."""
    section = None
    for line in text.split("\n"):
        m = _HEADING.match(line)
        if m:
            section = m.group(1)
        elif line.startswith("#"):
            section = None
        if _OTHER_TOOLS.match(line):
            continue
        for opt in re.finditer(r"(?<![\w-])--[a-z][a-z-]*", line):
            span = line[line.rfind("`", 0, opt.start()) + 1:]
            if line.count("`", 0, opt.start()) % 2 and _OTHER_TOOLS.match(span):
                continue  # inside `python scripts/... --write`: another program's option
            before = _COMMAND.findall(line[:opt.start()])
            yield opt.group(0), before[-1] if before else section, line


def _bad_options(text):
    opts = _cli_options()
    every = set().union(*opts.values())
    bad = []
    for opt, command, line in _named_options(text):
        allowed = opts[""] | (opts[command] if command else every)
        if opt not in allowed:
            bad.append("%s (%s): %s" % (opt, command or "any command", line.strip()))
    return bad


def test_every_option_the_readme_names_exists():
    bad = _bad_options(README)
    assert not bad, "\n".join(bad)


def test_option_check_catches_a_wrong_option():
    text = ("## `mfdoctor lint` - x\n`--select` and `mfdoctor check --offline`, `mfdoctor lint --offline`\n"
            "`python scripts/x.py --write`, `--no-such-thing`\n## `mfdoctor show`\n`--all`, `-v`, `--verbose`\n")
    assert _bad_options(text) == [
        "--offline (lint): `--select` and `mfdoctor check --offline`, `mfdoctor lint --offline`",
        "--no-such-thing (lint): `python scripts/x.py --write`, `--no-such-thing`"]


def test_check_table_is_the_registry():
    from mfdoctor.checks.registry import markdown_table

    assert markdown_table() in README


@pytest.mark.parametrize("claim", ["pip install mfdoctor", "rev: v0.1.0"])
def test_no_claims_of_a_release_that_does_not_exist(claim):
    for path in ("README.md", ".pre-commit-hooks.yaml", "action.yml"):
        assert claim not in open(os.path.join(ROOT, path), encoding="utf-8").read(), path
