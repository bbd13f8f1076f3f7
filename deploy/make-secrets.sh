#!/usr/bin/env sh
# Write the secrets deploy/compose.yaml reads (random passwords), unless they exist already.
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
chmod 700 secrets
random() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
[ -f secrets/postgres_password ] || random > secrets/postgres_password
[ -f secrets/app_password ] || random > secrets/app_password
[ -f secrets/metrics_token ] || random > secrets/metrics_token
owner=$(cat secrets/postgres_password)
app=$(cat secrets/app_password)
printf 'postgresql://atlas_owner:%s@postgres:5432/atlas\n' "$owner" > secrets/database_url
printf 'postgresql://atlas_app:%s@postgres:5432/atlas\n' "$app" > secrets/database_app_url
printf 'redis://redis:6379/0\n' > secrets/redis_url
chmod 600 secrets/*
echo "secrets written to $(pwd)/secrets"
