"""Outerbounds' config loader (ob-metaflow-extensions), against the real one in the
ob-ext venv: `~` in METAFLOW_HOME (not expanded by it), its perimeter file
`ob_config.json`, `OBP_CONFIG_DIR`, and a remote configuration served by a local HTTP
server (the only fake: the server's side of the HTTP boundary). Per case: `lint`
fails exactly when `import metaflow` does, and when it works every value `show`
reports is Metaflow's; a configuration only the server holds is reported, and
`show --verify` finds what it changes."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from test_real_installs import _compare, _env, _mfd, _real, venvs  # noqa: F401 (fixture)

SERVED = {"METAFLOW_DEFAULT_DATASTORE": "s3", "METAFLOW_DATASTORE_SYSROOT_S3": "s3://served/mf"}
AUTH = {"METAFLOW_SERVICE_AUTH_KEY": "k3y"}
PERIMETER = {"OB_CURRENT_PERIMETER": "default", "OB_CURRENT_PERIMETER_MF_CONFIG_URL": "{url}"}

# files: path under HOME -> JSON (or raw text); "{url}" is the server's URL.
CASES = {
    "tilde_home": dict(env={"METAFLOW_HOME": "~/alt"},
                       files={"alt/config.json": {"METAFLOW_KUBERNETES_NAMESPACE": "team"}}),
    "tilde_home_profile": dict(env={"METAFLOW_HOME": "~/alt", "METAFLOW_PROFILE": "dev"},
                               files={"alt/config_dev.json": {"METAFLOW_KUBERNETES_NAMESPACE": "team"}}),
    "absolute_home": dict(env={"METAFLOW_HOME": "{home}/alt"},
                          files={"alt/config.json": {"METAFLOW_KUBERNETES_NAMESPACE": "dev"}}),
    "perimeter_without_key": dict(files={".metaflowconfig/config.json": AUTH,
                                         ".metaflowconfig/ob_config.json": {"OB_X": "1"}}),
    "perimeter_bad_json": dict(files={".metaflowconfig/config.json": AUTH,
                                      ".metaflowconfig/ob_config.json": "nope"}),
    "obp_config_dir_without_file": dict(env={"OBP_CONFIG_DIR": "{home}/alt"},
                                        files={".metaflowconfig/config.json": AUTH, "alt/x": "1"}),
    "url_without_auth_key": dict(files={".metaflowconfig/config.json": {"OBP_METAFLOW_CONFIG_URL": "{url}"}}),
    "perimeter_url": dict(files={".metaflowconfig/config.json": dict(AUTH, METAFLOW_DEFAULT_DATASTORE="local"),
                                 ".metaflowconfig/ob_config.json": PERIMETER}, served=True),
    "profile_url": dict(files={".metaflowconfig/config.json": dict(AUTH, OBP_METAFLOW_CONFIG_URL="{url}")},
                        served=True),
}


@pytest.fixture(scope="module")
def server():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"config": dict(SERVED, **AUTH)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/v1/config" % httpd.server_port
    httpd.shutdown()


def _fill(value, subs):
    if isinstance(value, str):
        for k, v in subs.items():
            value = value.replace("{%s}" % k, v)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, subs) for k, v in value.items()}
    return value


@pytest.mark.parametrize("case", sorted(CASES))
def test_outerbounds_loader_as_the_real_one(case, venvs, server, tmp_path):  # noqa: F811
    venv = venvs["ob-ext"]
    sc = CASES[case]
    home, cwd = tmp_path / "home", tmp_path / "work"
    (home / ".metaflowconfig").mkdir(parents=True)
    cwd.mkdir()
    subs = {"url": server, "home": str(home)}
    for rel, data in sc.get("files", {}).items():
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        data = _fill(data, subs)
        (home / rel).write_text(data if isinstance(data, str) else json.dumps(data))
    env = _env(str(home), _fill(sc.get("env", {}), subs), str(tmp_path / "cache"))
    real = _real(venv, env, str(cwd))
    crashes = "import_error" in real
    lint = json.loads(_mfd(venvs, venv, env, str(cwd), "lint", "--format", "json").stdout)
    errors = [f["message"] for f in lint["findings"]
              if f["severity"] == "error" and f["check"] != "config.unknown-name"]
    assert crashes == bool(errors), (real.get("import_error"), errors)
    if crashes:
        return
    doc = json.loads(_mfd(venvs, venv, env, str(cwd), "show", "--all", "--format", "json").stdout)
    if not sc.get("served"):
        assert _compare({}, real, doc) == []
        return
    # The server's configuration: named (never fetched offline), then found by --verify.
    assert real["globals"]["DEFAULT_DATASTORE"] == "s3"
    info = [p for p in doc["problems"] if p["check"] == "config.extension"]
    assert info and "OBP_METAFLOW_CONFIG_URL" in info[0]["message"], doc["problems"]
    verified = json.loads(_mfd(venvs, venv, env, str(cwd), "show", "--all", "--format", "json",
                               "--verify").stdout)
    found = {p["key"]: p["message"] for p in verified["problems"] if p["check"] == "config.verify"}
    assert "METAFLOW_DEFAULT_DATASTORE" in found and "s3" in found["METAFLOW_DEFAULT_DATASTORE"], found
