#!/bin/bash
# Writes the notebook user's Metaflow profile.
set -euo pipefail
BUCKET=$(terraform output -raw bucket)
mkdir -p ~/.metaflowconfig
cat > ~/.metaflowconfig/config.json <<EOF
{
  "METAFLOW_DEFAULT_DATASTORE": "s3",
  "METAFLOW_DATASTORE_SYSROOT_S3": "s3://${BUCKET}/metaflow",
  "METAFLOW_DEFAULT_METADATA": "local",
  "METAFLOW_NOTEBOOK_OWNER": "$USER"
}
EOF
cat > ~/notebook.env <<EOF
METAFLOW_NOTEBOOK_THEME=dark
EOF
