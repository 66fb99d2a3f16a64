#!/usr/bin/env bash
# bench/cluster.sh: one origin feeding E edges, each played by N RTMP players
# from its own cascade-bench, for DURATION. Prints each edge's report (its
# CPU is the edge process's) and the origin's CPU over the same time.
# Everything it started is stopped on exit.
#
# Environment: E=2 edges, N=500 players per edge, DURATION=20s, WARMUP=5s,
# BASE_PORT=19400 (origin RTMP; edges BASE_PORT+1…), CASCADE_MEDIA, OUT_DIR.
set -euo pipefail
E=${E:-2}
N=${N:-500}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-5s}
BASE_PORT=${BASE_PORT:-19400}
media=${CASCADE_MEDIA:-$(cd "$(dirname "$0")/../.." && pwd)/shared/media}
[[ -f $media/h264_aac_720p25.flv ]] || { echo "cluster.sh: set CASCADE_MEDIA" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/.." && pwd)
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/cascade-cluster-bench.XXXXXX)}
cd "$repo"
go build -o bin/cascade ./cmd/cascade
go build -o bin/cascade-bench ./cmd/cascade-bench
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

conf() { # port, vhost body
	cat <<EOC
pid $OUT_DIR/cascade-$1.pid;
listen 127.0.0.1:$1;
max_connections $((N + 1000));
daemon off;
srs_log_level warn;
http_api { enabled off; }
vhost __defaultVhost__ { $2 }
EOC
}
conf "$BASE_PORT" "" >"$OUT_DIR/origin.conf"
bin/cascade -c "$OUT_DIR/origin.conf" 2>"$OUT_DIR/origin.log" &
origin=$!
pids+=("$origin")
edges=()
for i in $(seq 1 "$E"); do
	conf $((BASE_PORT + i)) "cluster { mode remote; origin 127.0.0.1:$BASE_PORT; }" >"$OUT_DIR/edge$i.conf"
	bin/cascade -c "$OUT_DIR/edge$i.conf" 2>"$OUT_DIR/edge$i.log" &
	edges+=($!)
	pids+=($!)
done
sleep 1
ffmpeg -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$media/h264_aac_720p25.flv" -c copy -f flv \
	"rtmp://127.0.0.1:$BASE_PORT/live/livestream" 2>"$OUT_DIR/ffmpeg.log" &
pids+=($!)
sleep 2

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
benches=()
for i in $(seq 1 "$E"); do
	bin/cascade-bench -q -url "rtmp://127.0.0.1:$((BASE_PORT + i))/live/livestream" -n "$N" -duration "$DURATION" \
		-warmup "$WARMUP" -pid "${edges[$((i - 1))]}" -expect-kbps 1130 >"$OUT_DIR/edge$i.report" &
	benches+=($!)
done
sleep "${WARMUP%s}"
t0=$(ticks "$origin")
s0=$(date +%s.%N)
wait "${benches[@]}"
t1=$(ticks "$origin")
s1=$(date +%s.%N)
for i in $(seq 1 "$E"); do
	echo "== edge $i"
	cat "$OUT_DIR/edge$i.report"
done
awk -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v hz="$hz" -v e="$E" \
	'BEGIN { printf "== origin feeding %d edges: cpu %.1f%% of a core\n", e, 100 * (t1 - t0) / hz / (s1 - s0) }'
echo "cluster.sh: logs in $OUT_DIR"
