#!/bin/sh
# Copy Twilio's Voice JS SDK from npm into static/vendor/twilio-voice/ (the project serves
# it itself: no CDN). To update: change VERSION, run this with SHA256= (empty) to see the
# new file's hash, read the SDK's CHANGELOG, then pin the printed hash below.
set -eu

VERSION="${VERSION:-2.18.5}"
SHA256="${SHA256-35d3cb1b22e309f9884724a89250aecd2de4f1556ad7b67a7bc5e06c73dcb74a}"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor/twilio-voice"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# npm pack checks the tarball against the registry's integrity hash.
(cd "$WORK" && npm pack --silent "@twilio/voice-sdk@$VERSION" >/dev/null)
tar -xzf "$WORK/twilio-voice-sdk-$VERSION.tgz" -C "$WORK"

actual="$(sha256sum "$WORK/package/dist/twilio.min.js" | cut -d' ' -f1)"
if [ -z "$SHA256" ]; then
    echo "twilio.min.js $VERSION sha256: $actual"
    exit 1
fi
if [ "$actual" != "$SHA256" ]; then
    echo "twilio.min.js $VERSION has sha256 $actual, expected $SHA256" >&2
    exit 1
fi

mkdir -p "$DEST"
cp "$WORK/package/dist/twilio.min.js" "$DEST/twilio.min.js"
cp "$WORK/package/LICENSE.md" "$DEST/LICENSE.md"
echo "$actual  twilio.min.js" >"$DEST/twilio.min.js.sha256"
echo "@twilio/voice-sdk $VERSION copied to static/vendor/twilio-voice/"
