"""Fixtures for every test directory: an isolated HOME per test and one catalog cache
for the whole session (subprocess and resolution helpers are in env_helpers.py)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("mfdoctor-cache"))
    os.environ["MFDOCTOR_CACHE_DIR"] = d
    return d


@pytest.fixture
def home(tmp_path, cache_dir):
    """A clean environment: HOME and METAFLOW_HOME in tmp, no METAFLOW_* vars."""
    h = tmp_path / "home"
    (h / ".metaflowconfig").mkdir(parents=True)
    return h
