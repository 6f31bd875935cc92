"""Fixtures for the live Azure tests: Azurite over HTTPS, a managed-identity endpoint, a fake `az`,
a fault-injecting proxy, and an ARM + Key Vault server, all local.

Session-scoped where a process or server is started (one set per pytest-xdist worker).
When Azurite is missing, tests that need it fail under CI=true and skip elsewhere.
"""

from __future__ import annotations

import os
import sys
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from harness.arm_kv import State, start_arm_kv  # noqa: E402
from harness.azurite import ACCOUNT, Azurite, find_azurite  # noqa: E402
from harness.certs import make_cert  # noqa: E402
from harness.identity import identity_env, install_fake_az, start_identity_server  # noqa: E402
from harness.proxy import start_proxy  # noqa: E402

IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    return make_cert(str(tmp_path_factory.mktemp("certs")))


@pytest.fixture(scope="session")
def azurite(certs, tmp_path_factory):
    binary = find_azurite()
    if not binary:
        msg = "Azurite is not installed: run scripts/install-test-services.sh (npm ci in tests/live)"
        if IN_CI:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    a = Azurite(binary, certs[0], certs[1], str(tmp_path_factory.mktemp("azurite")))
    yield a
    a.stop()


@pytest.fixture(scope="session")
def identity():
    srv = start_identity_server()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def proxy(azurite, certs):
    srv = start_proxy(azurite.port, certs[0], certs[1])
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def arm_server(certs):
    srv = start_arm_kv(*certs)
    yield srv
    srv.stop()


@pytest.fixture
def arm(arm_server):
    """The ARM + Key Vault server with a fresh State for this test (the account is registered)."""
    arm_server.state = State()
    arm_server.state.add_storage_account(ACCOUNT)
    return arm_server


@pytest.fixture(scope="session")
def fake_az_dir(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("fake-az-bin"))
    install_fake_az(d)
    return d


@pytest.fixture
def closed_port():
    """A TCP port with nothing listening (bound then released)."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def base_env(tmp_path, cert: str | None) -> dict:
    """A clean environment: no Azure credential of the developer's, nothing from the test process."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "USER": "tester",
        "METAFLOW_HOME": str(home / ".metaflowconfig"),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "LANG": "C.UTF-8",
    }
    if cert:
        env["REQUESTS_CA_BUNDLE"] = cert
    return env


@pytest.fixture
def new_container(azurite):
    """Factory: a fresh, uniquely named container in Azurite."""
    def make(prefix: str = "c") -> str:
        name = "%s-%s" % (prefix, uuid.uuid4().hex[:12])
        azurite.admin().create_container(name)
        return name
    return make


@pytest.fixture
def live_env(tmp_path, certs, azurite, identity, arm, new_container):
    """A healthy configuration: Azurite via the managed-identity endpoint, ARM/Key Vault local."""
    container = new_container()
    env = base_env(tmp_path, certs[0])
    env.update(identity_env(identity, "healthy"))
    env.update({
        "METAFLOW_DEFAULT_DATASTORE": "azure",
        "METAFLOW_DEFAULT_METADATA": "local",
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": azurite.url,
        "METAFLOW_DATASTORE_SYSROOT_AZURE": "%s/metaflow" % container,
        "MFDOCTOR_AZURE_MANAGEMENT_URL": arm.url,
        "MFDOCTOR_AZURE_VAULT_URL": arm.url + "/{vault}",
    })
    env["_container"] = container  # for the test's convenience; not an env var anyone reads
    return env


def settings_for(env: dict, **kw):
    """LiveSettings straight from an environment (METAFLOW_* variables only; no config files)."""
    from mfdoctor.checks.azure_live import LiveSettings

    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    args = dict(
        blob_endpoint=clean.get("METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"),
        sysroot=clean.get("METAFLOW_DATASTORE_SYSROOT_AZURE"),
        datastore=clean.get("METAFLOW_DEFAULT_DATASTORE"),
        client_provider=clean.get("METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER") or "azure-default",
        known_client_providers=["azure-default"],
        key_vault_prefix=clean.get("METAFLOW_AZURE_KEY_VAULT_PREFIX"),
        env=clean)
    args.update(kw)
    return LiveSettings(**args)


def by_check(findings, check):
    return [f for f in findings if f.check == check]


def one(findings, check):
    got = by_check(findings, check)
    assert len(got) == 1, [(f.check, f.severity, f.message) for f in findings]
    return got[0]


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs real Metaflow flows (seconds each); runs in CI too")
