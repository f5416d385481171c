#!/bin/sh
# Back up the database to DIRECTORY as one pg_dump file in the custom format (compressed,
# restorable whole or table by table with pg_restore). The case data in it stays
# encrypted: without the keys (scripts/backup_keys.sh, kept elsewhere) it is unreadable.
#
#   DATABASE_URL=postgres://veiligthuis@db.internal:5432/veiligthuis \
#   DATABASE_PASSWORD_FILE=secrets/postgres_password scripts/backup_database.sh backups/
#
# PG_DUMP runs another pg_dump, e.g. the one in the compose file's postgres container,
# which always matches the server's version:
#
#   PG_DUMP="docker compose exec -T postgres pg_dump" \
#   DATABASE_URL="postgresql:///veiligthuis?user=veiligthuis" scripts/backup_database.sh backups/
#
# pg_dump refuses a server newer than itself; restore with the same major version or newer.
set -eu
directory=${1:?usage: scripts/backup_database.sh DIRECTORY}
: "${DATABASE_URL:?set DATABASE_URL, e.g. postgres://user@host:5432/name}"
PG_DUMP=${PG_DUMP:-pg_dump}
if [ -n "${DATABASE_PASSWORD_FILE:-}" ]; then
    PGPASSWORD=$(cat "$DATABASE_PASSWORD_FILE")
    export PGPASSWORD
elif [ -n "${DATABASE_PASSWORD:-}" ]; then
    PGPASSWORD=$DATABASE_PASSWORD
    export PGPASSWORD
fi
umask 077
mkdir -p "$directory"
target="$directory/veiligthuis-db-$(date -u +%Y%m%dT%H%M%SZ).dump"
# Written under another name first: a dump that failed halfway never looks like a backup.
# The output goes through stdout so that PG_DUMP may run in a container.
$PG_DUMP --format=custom --dbname="$DATABASE_URL" > "$target.partial"
mv "$target.partial" "$target"
echo "$target"
