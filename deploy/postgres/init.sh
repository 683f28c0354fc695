#!/usr/bin/env bash
# Runs once, when the PostgreSQL volume is new: per service (and the console) a schema, the role that owns
# it and applies its migrations, and the service's own login role, which may use only that schema and
# gets its table rights from the owner when the service starts. Passwords come from the environment
# (docker-compose.yml).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
REVOKE ALL ON DATABASE $POSTGRES_DB FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SQL
for service in sessions authorizations verification notifications console; do
  variable="EXAMHALL_$(echo "$service" | tr a-z A-Z)_DB_PASSWORD"
  owner_variable="EXAMHALL_$(echo "$service" | tr a-z A-Z)_DB_OWNER_PASSWORD"
  password="${!variable:?$variable must be set}"
  owner_password="${!owner_variable:?$owner_variable must be set}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
       -v role="$service" -v owner="${service}_owner" -v password="$password" -v owner_password="$owner_password" \
       -v database="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"role" LOGIN PASSWORD :'password';
GRANT CONNECT ON DATABASE :"database" TO :"owner", :"role";
CREATE SCHEMA :"role" AUTHORIZATION :"owner";
REVOKE ALL ON SCHEMA :"role" FROM PUBLIC;
GRANT USAGE ON SCHEMA :"role" TO :"role";
ALTER ROLE :"owner" IN DATABASE :"database" SET search_path = :"role";
ALTER ROLE :"role" IN DATABASE :"database" SET search_path = :"role";
SQL
done
