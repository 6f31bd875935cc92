"""CloudFormation `Fn::Join` / `!Join`: UserData built from a list of strings is one
shell script (a line split across fragments is one line), `Ref`/`GetAtt` parts are
placeholders; an ECS `Value: !Join [...]` is the joined value. JSON templates too."""

from env_helpers import resolve_in
from mfdoctor.checks.lint import run_lint
from scan_helpers import col, occurrences

LIFECYCLE = """\
Resources:
  NotebookLifecycle:
    Type: AWS::SageMaker::NotebookInstanceLifecycleConfig
    Properties:
      OnStart:
        - Content:
            Fn::Base64: !Join
              - ''
              - - "#!/bin/bash\\n"
                - "echo 'export METAFLOW_DEFAULT_DATASTORE="
                - "s3' >> /etc/profile.d/jupyter-env.sh\\n"
                - "echo 'export METAFLOW_DATASTORE_SYSROOT_S3=s3://"
                - !Ref MetaflowS3Bucket
                - "/metaflow' >> /etc/profile.d/jupyter-env.sh\\n"
                - "echo 'export METAFLOW_SERVICE_URL=http://"
                - !GetAtt NLB.DNSName
                - "/' >> /etc/profile.d/jupyter-env.sh\\n"
                - "systemctl restart jupyter-server\\n"
"""


def test_user_data_joined_from_fragments_is_one_script():
    assert occurrences(LIFECYCLE, "yaml", "stack.yml") == [
        # the value is split across two fragments: the shell sees `s3`
        ("METAFLOW_DEFAULT_DATASTORE", 10, col(LIFECYCLE, 10, "METAFLOW_"), "shell", "s3", None),
        ("METAFLOW_DATASTORE_SYSROOT_S3", 12, col(LIFECYCLE, 12, "METAFLOW_"), "shell",
         "s3://${MetaflowS3Bucket}/metaflow", "${MetaflowS3Bucket}"),
        ("METAFLOW_SERVICE_URL", 15, col(LIFECYCLE, 15, "METAFLOW_"), "shell",
         "http://${NLB.DNSName}/", "${NLB.DNSName}"),
    ]


def test_long_form_join_and_ecs_values():
    text = """\
Resources:
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        UserData:
          Fn::Base64:
            Fn::Join:
              - ""
              - - "export METAFLOW_DATASTORE_SYSROOT_S3=s3://"
                - {"Ref": "Bucket"}
                - "/mf\\nexport METAFLOW_DEFAULT_METADATA="
                - "service\\n"
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Environment:
            - Name: METAFLOW_SERVICE_URL
              Value: !Join ['', ['http://', !GetAtt [NLB, DNSName], ':8080/']]
            - Name: METAFLOW_DEFAULT_DATASTORE
              Value: !Join ['', ['s', '3']]
"""
    assert [(o[0], o[1], o[3], o[4], o[5]) for o in occurrences(text, "yaml", "stack.yml")] == [
        ("METAFLOW_DATASTORE_SYSROOT_S3", 10, "shell", "s3://${Bucket}/mf", "${Bucket}"),
        ("METAFLOW_DEFAULT_METADATA", 12, "shell", "service", None),
        ("METAFLOW_SERVICE_URL", 19, "k8s-env", "http://${NLB.DNSName}:8080/", "${NLB.DNSName}"),
        ("METAFLOW_DEFAULT_DATASTORE", 21, "k8s-env", "s3", None),
    ]


JSON_TEMPLATE = """\
{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Box": {
      "Type": "AWS::EC2::Instance",
      "Properties": {
        "UserData": {"Fn::Base64": {"Fn::Join": ["", [
          "#!/bin/bash\\n",
          "echo 'export METAFLOW_DEFAULT_DATASTORE=", "s3' >> /etc/profile.d/mf.sh\\n",
          "export METAFLOW_DEFAULT_METADATA=servce\\n"
        ]]}}
      }
    }
  }
}
"""


def test_a_json_template_is_read_the_same_way(home, tmp_path):
    (tmp_path / "stack.json").write_text(JSON_TEMPLATE)
    (tmp_path / "stack.yml").write_text(LIFECYCLE)
    bad = [(f.severity, f.key, f.location.path.rsplit("/", 1)[-1], f.location.line, f.location.column)
           for f in run_lint([str(tmp_path)], res=resolve_in(home, tmp_path))
           if f.severity in ("error", "warning")]
    # Read fragment by fragment, `export METAFLOW_DEFAULT_DATASTORE=` was an empty value
    # (an error); joined, it is `s3`. The one real error, at its value (past the \\n escape).
    assert bad == [("error", "METAFLOW_DEFAULT_METADATA", "stack.json", 10,
                    col(JSON_TEMPLATE, 10, "servce"))]
