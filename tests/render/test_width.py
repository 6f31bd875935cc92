"""Human output fits the terminal: each command runs in a real pseudo-terminal of 80 and
120 columns, as a user would see it, and no line is wider than the window and no word
is cut except after a break character (`/`, `.`, `_`, ...) of a long URL, path or name.
Piped, the same commands are not wrapped at all."""

from __future__ import annotations

import re

import pytest

from env_helpers import clean_env, run_in_terminal, run_mfdoctor

from mfdoctor.render.layout import break_point

_BREAKS = "/,;&?=.:_"
_QUOTES = "()[]<>\"'`"

COMMANDS = [
    ["show"],
    ["show", "--all"],
    ["explain", "DATASTORE_SYSROOT_AZURE"],
    ["explain", "SERVICE_URL"],
    ["explain", "config.unknown-name"],
    ["lint", ".env"],
    ["check", "--offline"],
    ["--help"],
    ["check", "--help"],
    ["show", "--help"],
]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, cache_dir):
    root = tmp_path_factory.mktemp("width")
    home = root / "home"
    (home / ".metaflowconfig").mkdir(parents=True)
    (home / ".metaflowconfig" / "config.json").write_text(
        '{"METAFLOW_DEFAULT_DATASTORE": "local", '
        '"METAFLOW_DATASTORE_SYSROOT_AZURE": "az://metaflow/flows/", '
        '"METAFLOW_SERVICE_URL": "https://metaflow-service.internal.example.com/api/v1/'
        'a/rather/long/path/segment/that/wraps"}')
    repo = root / "repo"
    (repo / ".metaflow").mkdir(parents=True)
    (repo / ".env").write_text(
        "METAFLOW_DEFAULT_DATSTORE=azure\n"
        "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE=highCpu\n"
        "METAFLOW_DEBUG_S3CLIENT=no\n")
    env = clean_env(home, METAFLOW_HOME=home / ".metaflowconfig", NO_COLOR="1",
                    TERM="xterm-256color", MFDOCTOR_CACHE_DIR=cache_dir,
                    METAFLOW_DEFAULT_DATASTORE="azure",
                    METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://mfprod.blob.core.windows.net/",
                    METAFLOW_SERVICE_HEADERS='{"x-api-key": "not-a-real-key-0123"}')
    for k in ("COLUMNS", "LINES"):
        env.pop(k, None)
    return env, repo


def _words(text: str) -> set:
    return {w.strip(_QUOTES) for w in text.split()} - {""}


def _is_piece(token: str, words: set) -> bool:
    """`token` is a whole word, or a piece of one cut right after a break character."""
    token = token.strip(_QUOTES)
    if not any(c.isalnum() for c in token):  # punctuation, box drawing
        return True
    if token in words or token[-1] in _BREAKS:
        return True
    return any(w.endswith(token) and w[-len(token) - 1] in _BREAKS for w in words if len(w) > len(token))


def test_break_point_prefers_break_characters():
    url = "https://mfprod.blob.core.windows.net/"
    assert url[:break_point(url, 20)] == "https://mfprod.blob."
    assert break_point("nullSidecarLogger", 10) == 0


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_fits_80_and_120_columns_without_cutting_words(sandbox, args):
    env, repo = sandbox
    wide = run_in_terminal(args, env, repo, 250)
    piped = run_mfdoctor(args, env, repo)
    assert "Traceback" not in wide + piped.stdout + piped.stderr
    words = _words(wide) | _words(piped.stdout)
    for columns in (80, 120):
        out = run_in_terminal(args, env, repo, columns)
        assert "Traceback" not in out
        assert "…" not in out, out  # nothing cut short either
        for line in out.splitlines():
            assert len(line) <= columns, "%d > %d columns:\n%s" % (len(line), columns, line)
        cut = [t for t in out.split() if not _is_piece(t, words)]
        assert not cut, "words cut at %d columns: %s\n%s" % (columns, cut, out)


def test_piped_output_is_not_wrapped(sandbox):
    env, repo = sandbox
    env = dict(env, COLUMNS="60")  # even when COLUMNS says so: pipes and CI logs stay grep-able
    lint = run_mfdoctor(["lint", ".env"], env, repo).stdout
    line = [l for l in lint.splitlines() if "DATSTORE is not a name" in l][0]
    assert line.endswith("[config.unknown-name]") and len(line) > 60
    show = run_mfdoctor(["show"], env, repo).stdout
    assert re.search(r"^METAFLOW_SERVICE_URL +https://\S+/wraps +profile ", show, re.M), show


def test_wide_terminal_keeps_the_source_next_to_the_values(sandbox):
    env, repo = sandbox
    out = run_in_terminal(["show"], env, repo, 250).splitlines()
    head = [l for l in out if l.startswith("key ")][0]
    rows = [l for l in out if l.startswith("METAFLOW_")]
    start = head.index("value")
    longest = max(len(l[start:].split("  ")[0]) for l in rows)
    assert head.index("source") == start + longest + 2, "\n".join(out)
