"""Terraform (python-hcl2), Makefiles, justfiles, tox.ini, template placeholders,
file kinds, and the JSON harness `{nonce}` fields."""

import pytest

from mfdoctor.scan import scan_file, scan_text
from mfdoctor.scan.detect import kind_from_name
from mfdoctor.scan.templates import find_template
from scan_helpers import col, occurrences


def occ(text, kind, path):
    return occurrences(text, kind, path)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MFDOCTOR_CACHE_DIR", str(tmp_path / "cache"))


AZURE_CONFIG_TF = """\
# Writes the Metaflow config for this deployment.
resource "local_file" "metaflow_config" {
  content = jsonencode({
    "METAFLOW_DEFAULT_DATASTORE"       = "azure"
    "METAFLOW_DATASTORE_SYSROOT_AZURE" = "${local.storage_container_name}/tf-full-stack-sysroot"
    "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT" = data.azurerm_storage_account.default.primary_blob_endpoint
    "METAFLOW_KUBERNETES_NAMESPACE"    = "default"
  })
  filename = "./config.json"
}
"""


def test_terraform_jsonencode_config():
    assert occ(AZURE_CONFIG_TF, "terraform", "metaflow_config.tf") == [
        ("METAFLOW_DEFAULT_DATASTORE", 4, 6, "config-map", "azure", None),
        ("METAFLOW_DATASTORE_SYSROOT_AZURE", 5, 6, "config-map",
         "${local.storage_container_name}/tf-full-stack-sysroot", "${local.storage_container_name}"),
        ("METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT", 6, 6, "config-map", None,
         "data.azurerm_storage_account.default.primary_blob_endpoint"),
        ("METAFLOW_KUBERNETES_NAMESPACE", 7, 6, "config-map", "default", None),
    ]
    o = scan_text(AZURE_CONFIG_TF, "terraform", "m.tf").occurrences[0]
    assert (o.value_line, o.value_column) == (4, col(AZURE_CONFIG_TF, 4, "azure"))


SERVICES_TF = """\
locals {
  default_ui_backend_env_vars = {
    "METAFLOW_SERVICE_URL"       = "http://${aws_lb.this.dns_name}/"
    "METAFLOW_DEFAULT_DATASTORE" = "s3"
    METAFLOW_RUN_MAX_WORKERS     = 8
  }
}

output "METAFLOW_DATASTORE_SYSROOT_S3" {
  value       = module.metaflow-datastore.METAFLOW_DATASTORE_SYSROOT_S3
  description = "Amazon S3 URL for Metaflow DataStore [METAFLOW_DATASTORE_SYSROOT_S3]"
}

resource "kubernetes_deployment" "ui" {
  spec {
    template {
      spec {
        container {
          env {
            name  = "METAFLOW_SERVICE"
            value = "http://metadata-service:8080/"
          }
          env {
            name = "METAFLOW_SERVICE_AUTH_KEY"
            value_from {
              secret_key_ref { name = "mf" }
            }
          }
        }
      }
    }
  }
}

output "config" {
  value = <<EOT
export METAFLOW_DATASTORE_SYSROOT_GS=gs://${local.bucket}/tf-full-stack-sysroot
METAFLOW_KUBERNETES_SERVICE_ACCOUNT=argo
EOT
}
"""


def test_terraform_env_maps_blocks_heredocs_and_identifiers():
    got = occ(SERVICES_TF, "terraform", "main.tf")
    assert got == [
        ("METAFLOW_SERVICE_URL", 3, 6, "terraform-env", "http://${aws_lb.this.dns_name}/",
         "${aws_lb.this.dns_name}"),
        ("METAFLOW_DEFAULT_DATASTORE", 4, 6, "terraform-env", "s3", None),
        ("METAFLOW_RUN_MAX_WORKERS", 5, 5, "terraform-env", 8, None),
        # output "METAFLOW_..." blocks, module attributes and descriptions are HCL, not settings.
        ("METAFLOW_SERVICE", 20, 22, "terraform-env", "http://metadata-service:8080/", None),
        ("METAFLOW_SERVICE_AUTH_KEY", 24, 21, "terraform-env", None, "value_from: secret_key_ref"),
        ("METAFLOW_DATASTORE_SYSROOT_GS", 37, 8, "shell", "gs://${local.bucket}/tf-full-stack-sysroot",
         "${local.bucket}"),
        ("METAFLOW_KUBERNETES_SERVICE_ACCOUNT", 38, 1, "shell", "argo", None),
    ]


def test_terraform_results_are_cached_by_content(tmp_path, monkeypatch):
    import mfdoctor.scan.terraform as tf

    first = occ(SERVICES_TF, "terraform", "a.tf")
    calls = []
    monkeypatch.setattr(tf, "_parse", lambda text: calls.append(1))
    assert occ(SERVICES_TF, "terraform", "b.tf") == first
    assert calls == []


def test_invalid_hcl_is_a_problem_not_a_crash():
    r = scan_text('resource "x" {\n  env = { "METAFLOW_X" = \n', "terraform", "bad.tf")
    assert r.occurrences == []
    assert [(p.check, p.severity) for p in r.problems] == [("lint.parse-error", "warning")]


def test_terraform_json_and_templatefile_templates():
    tfjson = '{"locals": {"env": {"METAFLOW_DEFAULT_DATASTORE": "gs", "METAFLOW_X": "${var.x}"}}}'
    assert occ(tfjson, "terraform", "main.tf.json") == [
        ("METAFLOW_DEFAULT_DATASTORE", 1, 22, "json-key", "gs", None),
        ("METAFLOW_X", 1, 58, "json-key", "${var.x}", "${var.x}"),
    ]
    script = "#!/bin/bash\necho 'export METAFLOW_SERVICE_URL=${service_url}' >> /etc/profile.d/mf.sh\n"
    assert occ(script, "terraform", "user_data.sh.tftpl") == [
        ("METAFLOW_SERVICE_URL", 2, 14, "shell", "${service_url}", "${service_url}"),
    ]


MAKEFILE = """\
export METAFLOW_HOME ?= $(CURDIR)/.devtools
METAFLOW_PROFILE := local
# METAFLOW_COMMENTED = 1

deploy:
\tMETAFLOW_USER=x METAFLOW_KUBERNETES_SERVICE_ACCOUNT=argo-workflow \\
\t  METAFLOW_DATASTORE_SYSROOT_S3="s3://b/metaflow/" python f.py --datastore=s3 argo-workflows create
\techo "    env METAFLOW_SHELL_HOME=\\"$(DEVTOOLS_DIR)\\" \\\\" >> $$SHELL_PATH
"""


def test_makefile_variables_and_recipes():
    assert occ(MAKEFILE, "makefile", "Makefile") == [
        ("METAFLOW_HOME", 1, 8, "shell", "$(CURDIR)/.devtools", "$(CURDIR)"),
        ("METAFLOW_PROFILE", 2, 1, "shell", "local", None),
        ("METAFLOW_USER", 6, 2, "shell", "x", None),
        ("METAFLOW_KUBERNETES_SERVICE_ACCOUNT", 6, col(MAKEFILE, 6, "METAFLOW_K"), "shell", "argo-workflow",
         None),
        ("METAFLOW_DATASTORE_SYSROOT_S3", 7, 4, "shell", "s3://b/metaflow/", None),
        ("METAFLOW_SHELL_HOME", 8, col(MAKEFILE, 8, "METAFLOW_"), "shell", "$(DEVTOOLS_DIR)",
         "$(DEVTOOLS_DIR)"),
    ]


def test_justfile_and_tox():
    just = ('export METAFLOW_PROFILE := "dev"\nMETAFLOW_RUN := `date +%s`\n\n'
            'run:\n    METAFLOW_USER={{user}} python flow.py run\n')
    assert occ(just, "justfile", "justfile") == [
        ("METAFLOW_PROFILE", 1, 8, "shell", "dev", None),
        ("METAFLOW_RUN", 2, 1, "shell", "`date +%s`", "`date +%s`"),
        ("METAFLOW_USER", 5, 5, "shell", "{{user}}", "{{user}}"),
    ]
    tox = ("[testenv]\nsetenv =\n    METAFLOW_DEFAULT_METADATA = local\n    METAFLOW_HOME = {toxinidir}/.mf\n"
           "passenv = METAFLOW_*\ncommands =\n    METAFLOW_USER=tox pytest tests\n")
    assert occ(tox, "tox", "tox.ini") == [
        ("METAFLOW_DEFAULT_METADATA", 3, 5, "shell", "local", None),
        ("METAFLOW_HOME", 4, 5, "shell", "{toxinidir}/.mf", "{toxinidir}/.mf"),
        ("METAFLOW_USER", 7, 5, "shell", "tox", None),
    ]


def test_json_harness_format_fields_are_templates_but_config_files_are_literal():
    ctx = '{"contexts": [{"env": {"METAFLOW_DATASTORE_SYSROOT_AZURE": "az://metaflow-test/metaflow/{nonce}"}}]}'
    (o,) = scan_text(ctx, "json", "test/core/contexts.json").occurrences
    assert (o.value, o.template) == ("az://metaflow-test/metaflow/{nonce}", "{nonce}")
    cfg = '{"METAFLOW_DATASTORE_SYSROOT_AZURE": "container/{nonce}"}'
    (o,) = scan_text(cfg, "json", "/h/.metaflowconfig/config.json").occurrences
    assert o.template is None  # Metaflow reads a config file as it is


@pytest.mark.parametrize("value,template", [
    ("s3://${MetaflowS3Bucket}/metaflow/", "${MetaflowS3Bucket}"),
    ("${local.storage}/sysroot", "${local.storage}"),
    ("{{ .Values.x | quote }}", "{{ .Values.x | quote }}"),
    ("s3://<your-bucket>/metaflow", "<your-bucket>"),
    ("$(cat _env_id)", "$(cat _env_id)"),
    ("%(bucket)s/x", "%(bucket)s"),
    ("$HOME/mf", "$HOME"),
    ("${{ secrets.X }}", "${{ secrets.X }}"),
    ("azure", None), ("s3://bucket/metaflow", None), ("{\"endpoint_url\": \"http://x\"}", None),
    ("a <= b", None), ("", None),
])
def test_find_template(value, template):
    assert find_template(value) == template


def test_find_template_format_fields_only_when_asked():
    assert find_template("az://c/{nonce}") is None
    assert find_template("az://c/{nonce}", format_fields=True) == "{nonce}"
    assert find_template("s3://%s/x", percent=True) == "%s"


@pytest.mark.parametrize("name,kind", [
    ("main.tf", "terraform"), ("prod.tfvars", "terraform"), ("main.tf.json", "terraform"),
    ("user_data.sh.tftpl", "terraform"), ("Makefile", "makefile"), ("GNUmakefile", "makefile"),
    ("rules.mk", "makefile"), ("justfile", "justfile"), ("Justfile", "justfile"), ("tox.ini", "tox"),
    ("Tiltfile", "tiltfile"), ("airflow.tiltfile", "tiltfile"), ("_helpers.tpl", "helm"),
    ("setup.cfg", None),
])
def test_new_file_kinds(name, kind):
    assert kind_from_name(name) == kind


def test_walked_tree_reads_the_new_kinds(tmp_path):
    from mfdoctor.scan import scan_paths

    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text('locals {\n  env = { "METAFLOW_USER" = "tf" }\n}\n')
    (tmp_path / "Makefile").write_text("run:\n\tMETAFLOW_PROFILE=dev python flow.py run\n")
    (tmp_path / "Tiltfile").write_text('cfg = {"METAFLOW_DEFAULT_METADATA": "service"}\n')
    results, missing = scan_paths([str(tmp_path)])
    got = sorted((r.kind, o.name, o.value) for r in results for o in r.occurrences)
    assert missing == []
    assert got == [("makefile", "METAFLOW_PROFILE", "dev"), ("terraform", "METAFLOW_USER", "tf"),
                   ("tiltfile", "METAFLOW_DEFAULT_METADATA", "service")]
    assert scan_file(str(tmp_path / "infra" / "main.tf")).kind == "terraform"


def test_hcl_parser_is_imported_only_for_terraform_files(tmp_path):
    import subprocess
    import sys

    (tmp_path / "run.sh").write_text("export METAFLOW_USER=ci\n")
    (tmp_path / "Dockerfile").write_text("ENV METAFLOW_PROFILE=dev\n")
    code = ("import sys; from mfdoctor.scan import scan_paths; scan_paths([sys.argv[1]]); "
            "print(sorted(m for m in ('hcl2', 'lark') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
