#!/bin/sh
# Unpack a key archive made by scripts/backup_keys.sh into SECRETS_DIRECTORY, which must
# not hold key files yet: keys in use are never overwritten by older ones.
#
#   scripts/restore_keys.sh /mnt/offline-key-store/veiligthuis-keys-20261201T020000Z.tar.gz secrets/
set -eu
archive=${1:?usage: scripts/restore_keys.sh ARCHIVE SECRETS_DIRECTORY}
secrets=${2:?usage: scripts/restore_keys.sh ARCHIVE SECRETS_DIRECTORY}
if [ ! -s "$archive" ]; then
    echo "restore_keys: $archive is missing or empty" >&2
    exit 2
fi
if [ -d "$secrets" ] && [ -n "$(ls -A "$secrets")" ]; then
    echo "restore_keys: $secrets is not empty; refusing to overwrite keys in use" >&2
    exit 1
fi
umask 077
mkdir -p "$secrets"
chmod 700 "$secrets"
tar -C "$secrets" -xzf "$archive"
echo "restored keys into $secrets"
