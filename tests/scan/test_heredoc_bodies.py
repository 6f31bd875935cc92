"""A heredoc body is the text of the file it is written into: `cat > f <<EOF` into a
Metaflow profile is a Metaflow config (JSON), into a `.yaml` or `.env` file YAML or
dotenv; `$VAR` and `$(cmd)` left in an unquoted body are placeholders."""

from mfdoctor.scan import scan_text
from mfdoctor.scan.model import CONFIG_KEY
from scan_helpers import col, occurrences

PROFILE = """\
#!/bin/bash
mkdir -p ~/.metaflowconfig
cat > ~/.metaflowconfig/config.json <<EOF
{
  "METAFLOW_DEFAULT_DATASTORE": "s3",
  "METAFLOW_DATASTORE_SYSROOT_S3": "s3://$BUCKET/metaflow",
  "METAFLOW_SERVICE_URL": "$(terraform output -raw service_url)"
}
EOF
"""


def test_a_profile_written_by_a_heredoc_is_a_metaflow_config():
    got = occurrences(PROFILE, "shell", "setup.sh")
    assert got == [
        ("METAFLOW_DEFAULT_DATASTORE", 5, col(PROFILE, 5, "METAFLOW_"), CONFIG_KEY, "s3", None),
        ("METAFLOW_DATASTORE_SYSROOT_S3", 6, col(PROFILE, 6, "METAFLOW_"), CONFIG_KEY,
         "s3://$BUCKET/metaflow", "$BUCKET"),
        ("METAFLOW_SERVICE_URL", 7, col(PROFILE, 7, "METAFLOW_"), CONFIG_KEY,
         "$(terraform output -raw service_url)", "$(terraform output -raw service_url)"),
    ]
    first = scan_text(PROFILE, "shell", "setup.sh").occurrences[0]
    assert (first.value_line, first.value_column) == (5, col(PROFILE, 5, 's3"'))


def test_metaflow_home_and_named_profiles_are_profiles_too():
    text = ('cat <<EOF | sudo tee "$METAFLOW_HOME/config_dev.json"\n'
            '{"METAFLOW_DEFAULT_METADATA": "service"}\nEOF\n')
    assert [o[:1] + o[3:4] for o in occurrences(text, "shell", "x.sh")] == [
        ("METAFLOW_HOME", "shell-read"), ("METAFLOW_DEFAULT_METADATA", CONFIG_KEY)]


def test_other_json_is_plain_json_and_yaml_and_env_bodies_are_read_as_such():
    text = """\
cat > /tmp/ctx.json <<'EOF'
{"env": {"METAFLOW_USER": "ci"}}
EOF
cat > values.yaml <<EOF
env:
  - name: METAFLOW_SERVICE_URL
    value: $URL
EOF
tee -a app/.env >/dev/null <<EOF
METAFLOW_PROFILE=ci # the CI profile
EOF
"""
    assert occurrences(text, "shell", "x.sh") == [
        ("METAFLOW_USER", 2, col(text, 2, "METAFLOW_"), "json-key", "ci", None),
        ("METAFLOW_SERVICE_URL", 6, col(text, 6, "METAFLOW_"), "k8s-env", "$URL", "$URL"),
        # dotenv: the comment is not part of the value
        ("METAFLOW_PROFILE", 10, 1, "env-file", "ci", None),
    ]


def test_scripts_and_files_of_unknown_kind_stay_shell():
    text = ("cat > /etc/profile.d/mf.sh <<EOF\nexport METAFLOW_DEFAULT_METADATA=service\nEOF\n"
            "cat > .devtools/env_local <<EOF\nexport METAFLOW_PROFILE=local\nEOF\n")
    assert [(o[0], o[3], o[4]) for o in occurrences(text, "shell", "x.sh")] == [
        ("METAFLOW_DEFAULT_METADATA", "shell", "service"), ("METAFLOW_PROFILE", "shell", "local")]


def test_a_heredoc_in_a_workflow_run_block_keeps_file_positions():
    text = """\
jobs:
  t:
    steps:
      - run: |
          cat > ~/.metaflowconfig/config.json <<EOF
          {"METAFLOW_DEFAULT_DATASTORE": "local"}
          EOF
"""
    assert occurrences(text, "yaml", "ci.yml") == [
        ("METAFLOW_DEFAULT_DATASTORE", 6, col(text, 6, "METAFLOW_"), CONFIG_KEY, "local", None)]


def test_invalid_json_in_a_body_is_no_file_error():
    text = 'cat > ~/.metaflowconfig/config.json <<EOF\n{"METAFLOW_DEFAULT_DATASTORE": $DS}\nEOF\n'
    r = scan_text(text, "shell", "x.sh")
    assert r.problems == []
    assert [(o.name, o.context != CONFIG_KEY) for o in r.occurrences] == [
        ("METAFLOW_DEFAULT_DATASTORE", True)]
