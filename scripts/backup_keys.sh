#!/bin/sh
# Back up the keys and secrets (the files of SECRETS_DIRECTORY, ./secrets with docker
# compose) into one archive in DIRECTORY. Keep it apart from the database dumps: the dump
# and these keys together are every case file in plain text; the dump without the keys is
# unreadable, for ever (README: "Key custody and rotation").
#
#   scripts/backup_keys.sh secrets/ /mnt/offline-key-store/
set -eu
secrets=${1:?usage: scripts/backup_keys.sh SECRETS_DIRECTORY DIRECTORY}
directory=${2:?usage: scripts/backup_keys.sh SECRETS_DIRECTORY DIRECTORY}
for required in field_encryption_keys blind_index_key access_log_keys; do
    if [ ! -s "$secrets/$required" ]; then
        echo "backup_keys: $secrets/$required is missing or empty; no archive made" >&2
        exit 2
    fi
done
umask 077
mkdir -p "$directory"
target="$directory/veiligthuis-keys-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
tar -C "$secrets" -czf "$target.partial" .
mv "$target.partial" "$target"
echo "$target"
