#!/usr/bin/env bash
# bench/floor.sh: the reference scenario (bench/run.sh) against cascade,
# then against the do-nothing fan-out server (cmd/cascade-floor) in the
# same conditions, and the ratio of the two servers' CPU per protocol.
# The environment is run.sh's (N, DURATION, WARMUP, PROTO, ports…).
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
base=${OUT_DIR:-$(mktemp -d /tmp/cascade-floor.XXXXXX)}
OUT_DIR=$base/cascade FLOOR=0 bash "$script_dir/run.sh"
OUT_DIR=$base/floor FLOOR=1 bash "$script_dir/run.sh"

# The server's mean CPU from a report (indented JSON: the first cpu_pct
# after "server").
server_cpu() { awk '/"server": \{/ { s = 1 } s && /"cpu_pct"/ { gsub(/[^0-9.]/, "", $2); print $2; exit }' "$1"; }
echo
for name in rtmp flv; do
	[[ -f $base/cascade/$name.json && -f $base/floor/$name.json ]] || continue
	c=$(server_cpu "$base/cascade/$name.json")
	f=$(server_cpu "$base/floor/$name.json")
	awk -v n="${N:-2000}" -v p="$name" -v c="$c" -v f="$f" 'BEGIN {
		printf "floor.sh: %s players %s: cascade cpu %.1f%% / floor cpu %.1f%% = %.2f\n", n, p, c, f, (f > 0 ? c / f : 0) }'
done
echo "floor.sh: reports in $base"
