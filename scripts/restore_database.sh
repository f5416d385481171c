#!/bin/sh
# Restore a dump made by scripts/backup_database.sh into the database DATABASE_URL names,
# which must be new and empty (createdb first). All or nothing: one transaction, stopped at
# the first error, so a database that already holds tables is refused and left as it was.
# Then run `manage.py migrate` with the version that made the dump or a newer one.
#
#   createdb -h db.internal -U postgres -O veiligthuis veiligthuis_restored
#   DATABASE_URL=postgres://veiligthuis@db.internal:5432/veiligthuis_restored \
#   DATABASE_PASSWORD_FILE=secrets/postgres_password \
#   scripts/restore_database.sh backups/veiligthuis-db-20261201T020000Z.dump
#
# PG_RESTORE runs another pg_restore, e.g. "docker compose exec -T postgres pg_restore"
# (the dump is read from stdin, so it need not be inside the container).
set -eu
dump=${1:?usage: scripts/restore_database.sh DUMP_FILE}
: "${DATABASE_URL:?set DATABASE_URL to the new, empty database to restore into}"
PG_RESTORE=${PG_RESTORE:-pg_restore}
if [ ! -s "$dump" ]; then
    echo "restore_database: $dump is missing or empty" >&2
    exit 2
fi
if [ -n "${DATABASE_PASSWORD_FILE:-}" ]; then
    PGPASSWORD=$(cat "$DATABASE_PASSWORD_FILE")
    export PGPASSWORD
elif [ -n "${DATABASE_PASSWORD:-}" ]; then
    PGPASSWORD=$DATABASE_PASSWORD
    export PGPASSWORD
fi
if ! $PG_RESTORE --single-transaction --exit-on-error --no-owner --no-privileges \
    --dbname="$DATABASE_URL" < "$dump"; then
    echo "restore_database: nothing was restored (is the target database new and empty?)" >&2
    exit 1
fi
echo "restored $dump"
