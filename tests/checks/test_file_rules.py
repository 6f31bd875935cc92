"""The service rules on values found in files (checks/file_rules.py), through `lint`."""

from env_helpers import resolve_in
from mfdoctor.checks.file_rules import template_value_findings
from mfdoctor.checks.lint import run_lint
from mfdoctor.findings import Location


def _bad(findings):
    return sorted((f.severity, f.check, f.key, f.location.line) for f in findings
                  if f.severity in ("error", "warning"))


def test_azure_rules_apply_to_values_in_files(home, tmp_path):
    (tmp_path / "ci.env").write_text(
        "METAFLOW_DATASTORE_SYSROOT_AZURE=az://box/metaflow\n"
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=http://127.0.0.1:10000/devstoreaccount1\n"
        "METAFLOW_AZURE_KEY_VAULT_PREFIX=myvault\n"
        "METAFLOW_DATASTORE_SYSROOT_AZURE=box/metaflow\n")
    got = _bad(run_lint([str(tmp_path / "ci.env")], res=resolve_in(home, tmp_path)))
    assert ("error", "azure.sysroot", "METAFLOW_DATASTORE_SYSROOT_AZURE", 1) in got
    assert ("error", "azure.endpoint", "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT", 2) in got
    assert any(c == "azure.vault-prefix" and ln == 3 for _, c, _, ln in got)
    assert not any(ln == 4 for *_, ln in got)  # a valid sysroot stays silent


def test_an_https_endpoint_with_the_provider_set_in_the_same_file_is_silent(home, tmp_path):
    (tmp_path / "ci.env").write_text(
        "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER=azure-default\n"
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=https://acct.blob.core.windows.net/\n")
    assert _bad(run_lint([str(tmp_path / "ci.env")], res=resolve_in(home, tmp_path))) == []


def test_a_template_value_is_skipped_except_what_its_literal_part_decides():
    loc = Location("contexts.json", 3, 9)
    fs = template_value_findings("METAFLOW_DATASTORE_SYSROOT_AZURE", "az://bucket/mf/{nonce}", "{nonce}", loc)
    assert [f.severity for f in fs] == ["skipped", "error"]
    assert fs[1].check == "azure.sysroot" and fs[1].location == loc
    fs = template_value_findings("METAFLOW_DATASTORE_SYSROOT_AZURE", "${container}/metaflow", "${container}", loc)
    assert [f.severity for f in fs] == ["skipped"]
    assert "unknown until the template is rendered" in fs[0].message
    fs = template_value_findings("METAFLOW_DEFAULT_DATASTORE", "{{ .Values.ds }}", "{{ .Values.ds }}", loc)
    assert [f.severity for f in fs] == ["skipped"]


def test_empty_click_choice_quotes_clicks_failure(home, tmp_path):
    (tmp_path / "ci.env").write_text("METAFLOW_DEFAULT_METADATA=\n")
    (f,) = [f for f in run_lint([str(tmp_path / "ci.env")], res=resolve_in(home, tmp_path))
            if f.severity == "error"]
    assert f.check == "config.unknown-plugin"
    assert "set but empty" in f.message and "Invalid value for '--metadata'" in f.message


def test_image_references_in_files_get_the_check_rules(home, tmp_path):
    # What `check` says of these values in the environment (azure.image), at the value.
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11\n"
        "ENV METAFLOW_KUBERNETES_CONTAINER_IMAGE=https://myreg.azurecr.io/flows:1.2\n"
        "ENV METAFLOW_DEFAULT_CONTAINER_IMAGE=Flows:1.2\n"
        "ENV METAFLOW_KUBERNETES_CONTAINER_REGISTRY=https://myreg.azurecr.io\n")
    (tmp_path / "ok.env").write_text(
        "METAFLOW_KUBERNETES_CONTAINER_IMAGE=myreg.azurecr.io/team/flows:1.2@sha256:" + "a" * 64 + "\n"
        "METAFLOW_DEFAULT_CONTAINER_IMAGE=localhost:5000/flows\n"
        "METAFLOW_KUBERNETES_CONTAINER_IMAGE=${IMAGE}\n"
        # a registry alone: the image may be set elsewhere, so no "no image set" warning
        "METAFLOW_KUBERNETES_CONTAINER_REGISTRY=myreg.azurecr.io\n")
    findings = run_lint([str(tmp_path)], res=resolve_in(home, tmp_path))
    got = _bad(findings)
    assert got == [("error", "azure.image", "METAFLOW_DEFAULT_CONTAINER_IMAGE", 3),
                   ("error", "azure.image", "METAFLOW_KUBERNETES_CONTAINER_IMAGE", 2),
                   ("error", "azure.image", "METAFLOW_KUBERNETES_CONTAINER_REGISTRY", 4)]
    f = next(f for f in findings if f.key == "METAFLOW_KUBERNETES_CONTAINER_IMAGE" and f.severity == "error")
    assert f.location.column == len("ENV METAFLOW_KUBERNETES_CONTAINER_IMAGE=") + 1
    assert f.fix == "export METAFLOW_KUBERNETES_CONTAINER_IMAGE=myreg.azurecr.io/flows:1.2"
    # the value checks did not pass, so no "all values read as expected"
    assert not any(f.check == "config.invalid-value" and f.severity == "ok" for f in findings)


def test_a_vault_and_an_account_in_different_clouds_in_one_file(home, tmp_path):
    (tmp_path / "azure.env").write_text(
        "METAFLOW_AZURE_KEY_VAULT_PREFIX=https://team-kv.vault.azure.cn\n"
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=https://acct.blob.core.windows.net/\n")
    (tmp_path / "same.env").write_text(
        "METAFLOW_AZURE_KEY_VAULT_PREFIX=https://team-kv.vault.azure.net\n"
        "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=https://acct.blob.core.windows.net/\n")
    (tmp_path / "vault_only.env").write_text("METAFLOW_AZURE_KEY_VAULT_PREFIX=https://team-kv.vault.azure.cn\n")
    got = [(f.location.path.rsplit("/", 1)[-1], f.location.line) + g[:3]
           for f in run_lint([str(tmp_path)], res=resolve_in(home, tmp_path))
           for g in [(f.severity, f.check, f.key)] if f.severity in ("error", "warning")]
    assert got == [("azure.env", 1, "warning", "azure.vault-prefix", "METAFLOW_AZURE_KEY_VAULT_PREFIX")]
