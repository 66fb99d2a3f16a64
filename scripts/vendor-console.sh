#!/usr/bin/env bash
# vendor-console.sh copies the web console's JavaScript libraries (hls.js,
# mpegts.js), pinned by internal/console/package-lock.json, from npm into
# internal/console/assets/vendor, where go:embed takes them into the binary.
# The copies are committed, so a clone builds without npm; run this after
# changing package.json (npm install --package-lock-only, then this script,
# or `make console-vendor`), and commit the result. internal/console's tests
# check that the committed files are byte for byte what the lockfile
# installs.
set -euo pipefail

dir="$(cd "$(dirname "$0")/.." && pwd)/internal/console"
if [[ "${1:-}" != "--no-install" ]]; then
	npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
fi
# Keep this list in step with vendored in internal/console/console_test.go.
while read -r from to; do
	install -m 0644 "$dir/node_modules/$from" "$dir/assets/vendor/$to"
done <<'LIST'
hls.js/dist/hls.light.min.js hls.light.min.js
hls.js/LICENSE hls.js.LICENSE
mpegts.js/dist/mpegts.js mpegts.js
mpegts.js/LICENSE mpegts.js.LICENSE
LIST
echo "vendor-console: copied into $dir/assets/vendor" >&2
