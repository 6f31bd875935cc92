#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run it.
#   bash scripts/test.sh            # the whole suite (what CI runs)
#   bash scripts/test.sh -k show    # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
# mfdoctor itself, plus pytest and the real Metaflow (the oracle for config semantics).
python -m pip install --quiet -e ".[test]"
# Azurite (npm, pinned in tests/live/package-lock.json) for the live Azure tests.
bash scripts/install-test-services.sh

# The tests start their own services (Azurite, token endpoint, ARM/Key Vault fakes)
# on loopback; keep any proxy settings away from them.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

# The differential suite's venvs (real PyPI installs of several Metaflow releases and
# extensions), built in parallel once and cached in ~/.cache/mfdoctor-venvs.
python tests/differential/venvs.py

python -m pytest -n "${MFDOCTOR_TEST_WORKERS:-2}" "$@"
