#!/usr/bin/env bash
# bench/floor.sh: the reference scenario (bench/run.sh) against cascade,
# then against the do-nothing fan-out server (cmd/cascade-floor) in the
# same conditions, and the ratio of the two servers' CPU per protocol.
# The environment is run.sh's (N, DURATION, WARMUP, PROTO, ports…), plus
#   ROUNDS=1   alternate cascade and the floor this many times; the ratio is
#              of the medians (on a machine shared with other work, one run
#              of each can be off by a third)
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
base=${OUT_DIR:-$(mktemp -d /tmp/cascade-floor.XXXXXX)}
ROUNDS=${ROUNDS:-1}
for ((i = 1; i <= ROUNDS; i++)); do
	dir=$base/cascade floor=$base/floor
	if ((ROUNDS > 1)); then
		dir=$base/cascade.$i floor=$base/floor.$i
	fi
	OUT_DIR=$dir FLOOR=0 bash "$script_dir/run.sh"
	OUT_DIR=$floor FLOOR=1 bash "$script_dir/run.sh"
done

# A server figure from a report (indented JSON: the first such key after
# "server").
server_field() { awk -v k="\"$2\"" '/"server": \{/ { s = 1 } s && index($0, k) { gsub(/[^0-9.-]/, "", $2); print $2; exit }' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# values SERVER PROTO FIELD: the field over the rounds, one a line.
values() {
	local f
	for f in "$base/$1"*/"$2.json"; do
		[[ -f $f ]] && server_field "$f" "$3"
	done
}
echo
for name in rtmp flv; do
	[[ -n $(values cascade "$name" cpu_pct) && -n $(values floor "$name" cpu_pct) ]] || continue
	c=$(values cascade "$name" cpu_pct | median)
	f=$(values floor "$name" cpu_pct | median)
	cr=$(values cascade "$name" rss_per_player_bytes | median)
	fr=$(values floor "$name" rss_per_player_bytes | median)
	awk -v n="${N:-2000}" -v p="$name" -v c="$c" -v f="$f" -v cr="$cr" -v fr="$fr" -v r="$ROUNDS" 'BEGIN {
		printf "floor.sh: %s players %s: cascade cpu %.1f%% / floor cpu %.1f%% = %.2f;  rss per player %.1f / %.1f KiB", n, p, c, f, (f > 0 ? c / f : 0), cr / 1024, fr / 1024
		if (r > 1) printf "  (medians of %d rounds)", r
		printf "\n" }'
done
echo "floor.sh: reports in $base"
