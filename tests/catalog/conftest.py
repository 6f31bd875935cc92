"""The fake extension package most catalog tests install."""

import pytest

from catalog_support import make_acme


@pytest.fixture
def acme(tmp_path):
    return make_acme(tmp_path / "ext")
