#!/usr/bin/env bash
# fuzz.sh runs every Fuzz* target in the module, one at a time, for FUZZTIME
# each (default 60s). Go fuzzes only one target per invocation, so the
# targets are first listed, per package, with `go test -list`.
set -euo pipefail

go=${GO:-go}
fuzztime=${FUZZTIME:-60s}
cd "$(dirname "$0")/.."

# `go test -list` prints each package's matching names, then "ok <package> <time>".
if ! list=$("$go" test -list '^Fuzz' ./... 2>&1); then
	printf '%s\n' "$list" >&2
	echo "fuzz: listing fuzz targets failed" >&2
	exit 1
fi

targets=()
names=()
while read -r first second _; do
	case "$first" in
	Fuzz*) names+=("$first") ;;
	ok)
		for name in ${names[@]+"${names[@]}"}; do
			targets+=("$second $name")
		done
		names=()
		;;
	esac
done <<<"$list"

for target in ${targets[@]+"${targets[@]}"}; do
	read -r pkg name <<<"$target"
	echo "== fuzz $pkg $name ($fuzztime)"
	"$go" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"
done
echo "fuzz: ran ${#targets[@]} target(s) for $fuzztime each"
