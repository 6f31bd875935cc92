"""azure.credential: the real DefaultAzureCredential chain, fed by local token sources."""

from __future__ import annotations

import json
import os

import pytest
from conftest import base_env

from harness.identity import identity_env
from harness.tokens import OBJECT_ID, OTHER_TENANT, TENANT
from mfdoctor.checks.azure_live import LiveSettings, run_live


def run(env, **kw):
    s = LiveSettings(env=env, known_client_providers=["azure-default"], **kw)
    return run_live(s, timeout=kw.pop("timeout", 20) if "timeout" in kw else 20)


def cred(findings):
    return [f for f in findings if f.check == "azure.credential"]


def main(findings):
    return next(f for f in findings if f.check == "azure.credential" and f.severity in ("ok", "error"))


def test_managed_identity_is_used_and_claims_decoded(tmp_path, certs, identity):
    env = base_env(tmp_path, certs[0])
    env.update(identity_env(identity, "user"))
    f = main(run(env))
    assert f.severity == "ok", f.message
    assert "ManagedIdentityCredential" in f.message and "ada@example.com" in f.message
    assert OBJECT_ID in f.message and TENANT in f.message
    chain = {c["name"]: c for c in f.detail["chain"]}
    assert chain["EnvironmentCredential"]["status"] == "unavailable"
    assert chain["ManagedIdentityCredential"]["status"] == "succeeded"
    assert chain["ManagedIdentityCredential"]["configured"].startswith("App Service")
    assert chain["AzureCliCredential"]["status"] == "not reached"


def test_token_is_never_in_findings(tmp_path, certs, identity):
    env = base_env(tmp_path, certs[0])
    env.update(identity_env(identity, "healthy"))
    findings = run(env)
    text = json.dumps([f.to_dict() for f in findings])
    # Every JWT starts with the base64 of '{"typ": "JWT"' -> 'eyJ'; none may appear.
    assert "eyJ" not in text


@pytest.mark.parametrize("variant, needle", [
    ("wrong-audience", "audience https://management.azure.com/"),
    ("expired", "expired"),
])
def test_bad_tokens_are_errors(tmp_path, certs, identity, variant, needle):
    env = base_env(tmp_path, certs[0])
    env.update(identity_env(identity, variant))
    errors = [f for f in cred(run(env)) if f.severity == "error"]
    assert errors and needle in errors[0].message, [f.message for f in cred(run(env))]
    assert errors[0].fix


def test_foreign_issuer_warns(tmp_path, certs, identity):
    env = base_env(tmp_path, certs[0])
    env.update(identity_env(identity, "foreign-issuer"))
    warn = [f for f in cred(run(env)) if f.severity == "warning"]
    assert warn and "sts.example.com" in warn[0].message


def test_short_lived_token_warns(tmp_path, certs, identity):
    env = base_env(tmp_path, certs[0])
    env.update(identity_env(identity, "short-lived"))
    warn = [f for f in cred(run(env)) if f.severity == "warning"]
    assert warn and "expires in" in warn[0].message


def test_tenant_mismatch_with_azure_tenant_id(tmp_path, certs, identity):
    env = base_env(tmp_path, certs[0])
    env.update(identity_env(identity, "other-tenant"))
    env["AZURE_TENANT_ID"] = TENANT
    warn = [f for f in cred(run(env)) if f.severity == "warning" and f.key == "AZURE_TENANT_ID"]
    assert warn and OTHER_TENANT in warn[0].message


def test_no_credential_at_all(tmp_path, certs):
    env = base_env(tmp_path, certs[0])
    f = main(run(env))
    assert f.severity == "error"
    assert "No credential" in f.message and "az login" in f.fix
    assert {c["status"] for c in f.detail["chain"]} == {"unavailable"}


def test_partial_service_principal_is_named(tmp_path, certs):
    env = base_env(tmp_path, certs[0])
    env.update(AZURE_CLIENT_ID="app", AZURE_CLIENT_SECRET="Zq8-very-secret-value")
    f = main(run(env))
    assert f.severity == "error"
    assert "AZURE_TENANT_ID missing" in f.message
    assert "Zq8-very-secret-value" not in json.dumps(f.to_dict())


def test_fake_az_cli(tmp_path, certs, fake_az_dir):
    env = base_env(tmp_path, certs[0])
    env["PATH"] = fake_az_dir + os.pathsep + env["PATH"]
    f = main(run(env))
    assert f.severity == "ok", f.message
    assert "AzureCliCredential" in f.message and "dev@example.com" in f.message


def test_az_not_logged_in(tmp_path, certs, fake_az_dir):
    env = base_env(tmp_path, certs[0])
    env["PATH"] = fake_az_dir + os.pathsep + env["PATH"]
    env["FAKE_AZ_MODE"] = "not-logged-in"
    f = main(run(env))
    assert f.severity == "error"
    chain = {c["name"]: c for c in f.detail["chain"]}
    assert "az login" in chain["AzureCliCredential"]["reason"]


def test_stale_identity_endpoint_hides_working_az_login(tmp_path, certs, fake_az_dir, closed_port):
    env = base_env(tmp_path, certs[0])
    env["PATH"] = fake_az_dir + os.pathsep + env["PATH"]
    env["IDENTITY_ENDPOINT"] = "http://127.0.0.1:%d/msi/token" % closed_port
    env["IDENTITY_HEADER"] = "stale"
    f = main(run(env))
    assert f.severity == "error" and f.key == "IDENTITY_ENDPOINT"
    assert "AzureCliCredential" in f.message and "never tried" in f.message
    assert "unset IDENTITY_ENDPOINT IDENTITY_HEADER" in f.fix
    assert "AZURE_TOKEN_CREDENTIALS=AzureCliCredential" in f.fix


def test_stale_identity_endpoint_alone(tmp_path, certs, closed_port):
    env = base_env(tmp_path, certs[0])
    env["IDENTITY_ENDPOINT"] = "http://127.0.0.1:%d/msi/token" % closed_port
    env["IDENTITY_HEADER"] = "stale"
    f = main(run(env))
    assert f.severity == "error" and f.key == "IDENTITY_ENDPOINT"
    assert "stops" in f.message


def test_token_credentials_selects_the_cli(tmp_path, certs, fake_az_dir, closed_port):
    env = base_env(tmp_path, certs[0])
    env["PATH"] = fake_az_dir + os.pathsep + env["PATH"]
    env["IDENTITY_ENDPOINT"] = "http://127.0.0.1:%d/msi/token" % closed_port
    env["IDENTITY_HEADER"] = "stale"
    env["AZURE_TOKEN_CREDENTIALS"] = "AzureCliCredential"
    f = main(run(env))
    assert f.severity == "ok" and "AzureCliCredential" in f.message
    excluded = [c for c in f.detail["chain"] if c["status"] == "excluded"]
    assert any(c["name"] == "ManagedIdentityCredential" for c in excluded)


def test_invalid_azure_token_credentials(tmp_path, certs, identity):
    env = base_env(tmp_path, certs[0])
    env.update(identity_env(identity, "healthy"))
    env["AZURE_TOKEN_CREDENTIALS"] = "AzureCLI"
    f = main(run(env))
    assert f.severity == "error" and f.key == "AZURE_TOKEN_CREDENTIALS"
    assert "azureclicredential" in f.message.lower() and "dev, prod" in f.fix


def test_unknown_client_provider(tmp_path, certs, identity):
    env = base_env(tmp_path, certs[0])
    env.update(identity_env(identity, "healthy"))
    f = main(run(env, client_provider="azure-cli"))
    assert f.severity == "error"
    assert "Cannot find Azure Client provider azure-cli" in f.message
    assert "azure-default" in f.fix


def test_verbose_lists_every_link(tmp_path, certs, identity):
    env = base_env(tmp_path, certs[0])
    env.update(identity_env(identity, "healthy"))
    s = LiveSettings(env=env)
    infos = [f for f in run_live(s, verbose=True) if f.check == "azure.credential" and f.severity == "info"]
    names = [f.detail["name"] for f in infos]
    assert names[:3] == ["EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential"]


def test_reproduces_metaflow_verdict(tmp_path, certs, identity):
    """Metaflow's own credential factory, in a subprocess with the same env, agrees with the probe.
    (The stale-endpoint case is covered end to end in test_live_e2e.py.)"""
    import subprocess
    import sys

    for ident in (identity_env(identity, "healthy"), identity_env(identity, "error"), {}):
        env = base_env(tmp_path, certs[0])
        env.update(ident)
        ours = main(run(env)).severity == "ok"
        code = ("from metaflow.plugins.azure.azure_credential import create_cacheable_azure_credential as c\n"
                "c().get_token('https://storage.azure.com/.default')")
        theirs = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, cwd=str(tmp_path),
                                timeout=60).returncode == 0
        assert ours == theirs, ident


def test_stale_msi_endpoint(tmp_path, certs, fake_az_dir, closed_port):
    env = base_env(tmp_path, certs[0])
    env["PATH"] = fake_az_dir + os.pathsep + env["PATH"]
    env["MSI_ENDPOINT"] = "http://127.0.0.1:%d/msi/token" % closed_port
    f = main(run(env))
    assert f.severity == "error" and f.key == "MSI_ENDPOINT", f.message
    assert "unset MSI_ENDPOINT MSI_SECRET" in f.fix and "AzureCliCredential" in f.message
