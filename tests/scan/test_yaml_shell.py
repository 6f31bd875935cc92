"""YAML: comments and CI expressions are not settings; shell embedded in `run:`,
`script:`, `command:`/`args:` and CloudFormation `UserData` is read as shell;
Kubernetes `valueFrom` and CloudFormation `!Ref` values are templates; Helm
templates are read with their actions masked. Dockerfile comments and RUN lines."""

from mfdoctor.scan import scan_text
from scan_helpers import col, occurrences


def occ(text, kind="yaml", path="x.yaml"):
    return occurrences(text, kind, path)


WORKFLOW = """\
name: tests
on: [push]
env:
  METAFLOW_DATASTORE_SYSROOT_S3: s3://metaflow-test/metaflow/
  METAFLOW_SERVICE_URL: ${{ secrets.METAFLOW_SERVICE_URL }}
  HD_METAFLOW_SERVICE_AUTH_KEY: ${{secrets.METAFLOW_SERVICE_AUTH_KEY}}
  METAFLOW_CONDA_DEPENDENCY_RESOLVER: ${{ matrix.resolver }}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      # - name: METAFLOW_OLD_STEP
      - name: configure
        run: |
          echo "METAFLOW_DATASTORE_SYSROOT_LOCAL=$HOME" >> "$GITHUB_ENV"
          export METAFLOW_RUN_MAX_WORKERS=4  # METAFLOW_NOT_A_SETTING=1
          python flow.py run --with retry
      - run: METAFLOW_PROFILE=ci python -m pytest -x
        env:
          METAFLOW_USER: ${{ vars.METAFLOW_CI_USER }}
"""


def test_github_workflow():
    assert occ(WORKFLOW) == [
        ("METAFLOW_DATASTORE_SYSROOT_S3", 4, 3, "yaml-map", "s3://metaflow-test/metaflow/", None),
        ("METAFLOW_SERVICE_URL", 5, 3, "yaml-map", "${{ secrets.METAFLOW_SERVICE_URL }}",
         "${{ secrets.METAFLOW_SERVICE_URL }}"),
        ("METAFLOW_CONDA_DEPENDENCY_RESOLVER", 7, 3, "yaml-map", "${{ matrix.resolver }}",
         "${{ matrix.resolver }}"),
        ("METAFLOW_DATASTORE_SYSROOT_LOCAL", 15, col(WORKFLOW, 15, "METAFLOW_"), "shell", "$HOME", "$HOME"),
        ("METAFLOW_RUN_MAX_WORKERS", 16, col(WORKFLOW, 16, "METAFLOW_"), "shell", "4", None),
        ("METAFLOW_PROFILE", 18, col(WORKFLOW, 18, "METAFLOW_"), "shell", "ci", None),
        ("METAFLOW_USER", 20, 11, "yaml-map", "${{ vars.METAFLOW_CI_USER }}", "${{ vars.METAFLOW_CI_USER }}"),
    ]


HELM_VALUES = """\
ui:
  image: netflixoss/metaflow_metadata_service
  env: []
  # - name: METAFLOW_SERVICE
  #   value: http://metaflow-ui-backend:8083/api
"""


def test_helm_values_comments_are_not_settings():
    assert occ(HELM_VALUES, path="values.yaml") == []


POD = """\
apiVersion: v1
kind: Pod
spec:
  containers:
    - name: flow
      env:
        - name: METAFLOW_SERVICE_AUTH_KEY
          valueFrom:
            secretKeyRef: {name: mf, key: auth}
        - name: METAFLOW_KUBERNETES_NAMESPACE
          value: ""
        - name: METAFLOW_DEFAULT_DATASTORE
          value: $(DATASTORE)
      command: ["/bin/sh", "-c"]
      args: ["METAFLOW_USER=pod python flow.py run && echo done"]
"""


def test_kubernetes_value_from_and_container_shell():
    assert occ(POD) == [
        ("METAFLOW_SERVICE_AUTH_KEY", 7, 17, "k8s-env", None, "valueFrom: secretKeyRef"),
        ("METAFLOW_KUBERNETES_NAMESPACE", 10, 17, "k8s-env", "", None),
        ("METAFLOW_DEFAULT_DATASTORE", 12, 17, "k8s-env", "$(DATASTORE)", "$(DATASTORE)"),
        ("METAFLOW_USER", 15, col(POD, 15, "METAFLOW_"), "shell", "pod", None),
    ]


CFN = """\
Resources:
  NotebookLifecycle:
    Type: AWS::SageMaker::NotebookInstanceLifecycleConfig
    Properties:
      OnStart:
        - Content:
            Fn::Base64: !Sub |
              #!/bin/bash
              echo 'export METAFLOW_DATASTORE_SYSROOT_S3=s3://${MetaflowS3Bucket}/metaflow/' >> /etc/profile.d/jupyter-env.sh
              echo 'export METAFLOW_DEFAULT_DATASTORE=s3' >> /etc/profile.d/jupyter-env.sh
              echo 'export METAFLOW_DEFAULT_METADATA=service' >> /etc/profile.d/jupyter-env.sh
              initctl restart jupyter-server --no-wait
  UiTask:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: ui
          Environment:
            - Name: METAFLOW_SERVICE_URL
              Value: !Ref MetadataServiceUrl
            - Name: METAFLOW_DEFAULT_DATASTORE
              Value: s3
"""


def test_cloudformation_user_data_and_ecs_environment():
    assert occ(CFN, path="template.yml") == [
        ("METAFLOW_DATASTORE_SYSROOT_S3", 9, col(CFN, 9, "METAFLOW_"), "shell",
         "s3://${MetaflowS3Bucket}/metaflow/", "${MetaflowS3Bucket}"),
        ("METAFLOW_DEFAULT_DATASTORE", 10, col(CFN, 10, "METAFLOW_"), "shell", "s3", None),
        ("METAFLOW_DEFAULT_METADATA", 11, col(CFN, 11, "METAFLOW_"), "shell", "service", None),
        ("METAFLOW_SERVICE_URL", 19, 21, "k8s-env", "MetadataServiceUrl", "!Ref MetadataServiceUrl"),
        ("METAFLOW_DEFAULT_DATASTORE", 21, 21, "k8s-env", "s3", None),
    ]
    d = [o for o in scan_text(CFN, "yaml", "t.yml").occurrences][1]
    assert (d.value_line, d.value_column) == (10, col(CFN, 10, "s3'"))


HELM_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: ui-backend
          env:
            - name: METAFLOW_SERVICE_URL
              value: {{ .Values.uiBackend.metaflowServiceURL | quote }}
            {{- if .Values.uiBackend.s3Endpoint }}
            - name: METAFLOW_S3_ENDPOINT_URL
              value: "https://{{ .Values.uiBackend.s3Endpoint }}/"
            {{- end }}
            - name: METAFLOW_DEFAULT_METADATA
              value: "service"
            {{- include "metaflow-ui.metadatadbEnvVars" . | nindent 12 }}
"""


def test_helm_template_is_read_with_actions_masked():
    r = scan_text(HELM_TEMPLATE, "yaml", "templates/deployment.yaml")
    assert r.problems == []
    assert occ(HELM_TEMPLATE) == [
        ("METAFLOW_SERVICE_URL", 9, 21, "k8s-env", "{{ .Values.uiBackend.metaflowServiceURL | quote }}",
         "{{ .Values.uiBackend.metaflowServiceURL | quote }}"),
        ("METAFLOW_S3_ENDPOINT_URL", 12, 21, "k8s-env", "https://{{ .Values.uiBackend.s3Endpoint }}/",
         "{{ .Values.uiBackend.s3Endpoint }}"),
        ("METAFLOW_DEFAULT_METADATA", 15, 21, "k8s-env", "service", None),
    ]


def test_helm_named_template_file():
    text = ('{{- define "mf.env" -}}\n- name: METAFLOW_SERVICE_URL\n  value: {{ .Values.url | quote }}\n'
            '# - name: METAFLOW_COMMENTED\n{{- end }}\n')
    assert occ(text, "helm", "_helpers.tpl") == [
        ("METAFLOW_SERVICE_URL", 2, 9, "k8s-env", "{{ .Values.url | quote }}", "{{ .Values.url | quote }}"),
    ]


def test_invalid_yaml_text_reading_skips_comments():
    text = "a: [\n  METAFLOW_X: 1\n  # METAFLOW_COMMENT: 2\n"
    assert [o.name for o in scan_text(text, "yaml", "bad.yaml").occurrences] == ["METAFLOW_X"]


DOCKERFILE = """\
FROM python:3.11-slim
# METAFLOW_FLYTE_FLOW_FILE=/app/flows/<basename> is set by the trigger command.
ENV METAFLOW_SERVICE=/api METAFLOW_HEAD='' \\
    METAFLOW_HOME=$HOME/.metaflowconfig
ARG METAFLOW_VERSION=2.19.39
RUN pip install metaflow==${METAFLOW_VERSION} \\
 && echo 'export METAFLOW_DEFAULT_DATASTORE=azure' >> /etc/profile.d/metaflow.sh
CMD ["python", "flow.py", "run"]
"""


def test_dockerfile_comments_env_templates_and_run_shell():
    assert occ(DOCKERFILE, "dockerfile", "Dockerfile") == [
        ("METAFLOW_SERVICE", 3, 5, "dockerfile-env", "/api", None),
        ("METAFLOW_HEAD", 3, 27, "dockerfile-env", "", None),
        ("METAFLOW_HOME", 4, 5, "dockerfile-env", "$HOME/.metaflowconfig", "$HOME"),
        ("METAFLOW_VERSION", 5, 5, "dockerfile-arg", "2.19.39", None),
        ("METAFLOW_VERSION", 6, col(DOCKERFILE, 6, "METAFLOW_"), "shell-read", None, None),
        ("METAFLOW_DEFAULT_DATASTORE", 7, col(DOCKERFILE, 7, "METAFLOW_"), "shell", "azure", None),
    ]
