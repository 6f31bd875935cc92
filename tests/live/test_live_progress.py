"""A hanging managed-identity endpoint, as a user meets it: on a terminal a status line
on stderr names what is being waited on while the probes run; piped or in JSON there is
no status line; the timeout finding names the endpoint, for how long, and what to check."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from env_helpers import clean_env, run_in_terminal, run_mfdoctor


@pytest.fixture
def hanging_endpoint():
    """A TCP port that accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield "127.0.0.1:%d" % srv.getsockname()[1]
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    srv.close()


@pytest.fixture
def env(home, tmp_path, hanging_endpoint):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: the blob endpoint refuses at once
    env = clean_env(
        home, METAFLOW_HOME=home / ".metaflowconfig", METAFLOW_DEFAULT_DATASTORE="azure",
        METAFLOW_DATASTORE_SYSROOT_AZURE="mf-container/flows",
        METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://127.0.0.1:%d/acct" % port,
        IDENTITY_ENDPOINT="http://%s/msi/token" % hanging_endpoint, IDENTITY_HEADER="h",
        NO_COLOR="1", TERM="xterm-256color")
    for k in ("COLUMNS", "LINES"):  # the pseudo-terminal's size decides
        env.pop(k, None)
    return env


def test_terminal_shows_what_is_waited_on(env, tmp_path, hanging_endpoint):
    # Long enough for the probes to start on a loaded machine (importing the SDK takes a while).
    out = run_in_terminal(["check", "azure", "--timeout", "6"], env, tmp_path, 120)
    report = out.index("mfdoctor check azure")
    status = out[:report]  # the status line comes before the report replaces it
    assert "azure.credential: ManagedIdentityCredential at %s (IDENTITY_ENDPOINT)" % hanging_endpoint in status, out


def test_piped_and_json_have_no_status_line_and_the_timeout_names_the_endpoint(env, tmp_path, hanging_endpoint):
    p = run_mfdoctor(["check", "azure", "--timeout", "3", "--format", "json"], env, tmp_path)
    assert p.stderr == "", p.stderr
    cred = [f for f in json.loads(p.stdout)["findings"] if f["check"] == "azure.credential"][0]
    assert cred["severity"] == "skipped"
    assert "%s (IDENTITY_ENDPOINT)" % hanging_endpoint in cred["message"]
    assert "for " in cred["message"] and cred["detail"]["seconds"] > 0
    assert "IDENTITY_ENDPOINT=http://%s/msi/token did not answer" % hanging_endpoint in cred["fix"]
    human = run_mfdoctor(["check", "azure", "--timeout", "3"], env, tmp_path)
    assert human.stderr == "" and "ManagedIdentityCredential at %s" % hanging_endpoint in human.stdout
