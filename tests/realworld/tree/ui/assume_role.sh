#!/bin/bash
# Assume the deploy role (the admin's own variables, read from admin.env).
set -o allexport
source admin.env
set +o allexport

role_name=$2
if [ -z "$role_name" ]; then
    role_name=$METAFLOW_USER_ROLE
fi
echo "assuming ${role_name} for ${METAFLOW_DEPLOY_STAGE:-dev}"
aws sts assume-role --role-arn "arn:aws:iam::$1:role/$role_name" --role-session-name deploy
