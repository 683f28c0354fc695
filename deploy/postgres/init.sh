#!/usr/bin/env bash
# Runs once, when the PostgreSQL volume is new: one login role and one schema per service (and the
# console), each role allowed only its own schema. Passwords come from the environment (docker-compose.yml).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
REVOKE ALL ON DATABASE $POSTGRES_DB FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SQL
for service in sessions authorizations verification notifications console; do
  variable="EXAMHALL_$(echo "$service" | tr a-z A-Z)_DB_PASSWORD"
  password="${!variable:?$variable must be set}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
       -v role="$service" -v password="$password" -v database="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
GRANT CONNECT ON DATABASE :"database" TO :"role";
CREATE SCHEMA :"role" AUTHORIZATION :"role";
REVOKE ALL ON SCHEMA :"role" FROM PUBLIC;
ALTER ROLE :"role" IN DATABASE :"database" SET search_path = :"role";
SQL
done
