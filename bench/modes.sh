#!/usr/bin/env bash
# bench/modes.sh: a short run of every load mode, as `make bench` does it.
# Each is bench/run.sh (or floor.sh) with its environment; set N, DURATION
# and the rest to scale them, or pick modes: bench/modes.sh floor latency.
#
#   floor      cascade and the do-nothing server, RTMP and HTTP-FLV: CPU ratio
#   storm      N players, then 2N more within 2 s (N/s): their start, the incumbents' rate
#   publishers P streams published by the load tool, 2 players each, outputs off and on
#   hls        N HLS players following the playlist: segment fetch latency
#   latency    delivery latency with min_latency on/off and mw_latency 0/100/350
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
N=${N:-500}
P=${P:-100}
modes=("$@")
((${#modes[@]})) || modes=(floor storm publishers hls latency)
base=${OUT_DIR:-$(mktemp -d /tmp/cascade-modes.XXXXXX)}
run() { # name, then environment assignments
	local name=$1
	shift
	echo "== modes.sh: $name"
	env OUT_DIR="$base/$name" "$@" bash "$script_dir/run.sh" | grep -v '^run.sh: ' || true
}
for mode in "${modes[@]}"; do
	case $mode in
	floor)
		N=$N DURATION=${DURATION:-20s} WARMUP=8s OUT_DIR="$base/floor" bash "$script_dir/floor.sh" | grep "^floor.sh: " || true ;;
	storm)
		run storm N="$N" PROTO=rtmp DURATION=30s WARMUP=8s \
			BENCH_ARGS="-storm $((2 * N)) -storm-rate $N -storm-at 10s -storm-window 10s" ;;
	publishers)
		for outputs in 0 1; do
			run "publishers-outputs$outputs" N=$((2 * P)) PROTO=rtmp DURATION=25s WARMUP=10s RAMP=100/s \
				SELF_PUBLISH=1 OUTPUTS=$outputs MEDIA_FILE=h264_only.flv EXPECT_KBPS=400 BENCH_ARGS="-publishers $P"
		done ;;
	hls)
		run hls N="$N" PROTO=hls DURATION=30s WARMUP=12s RAMP=50/s ;;
	latency)
		for min in on off; do
			for mw in 0 100 350; do
				run "latency-min$min-mw$mw" N="$N" PROTO=rtmp DURATION=15s WARMUP=5s SELF_PUBLISH=1 MIN_LATENCY=$min MW_LATENCY=$mw
			done
		done ;;
	*)
		echo "modes.sh: unknown mode $mode" >&2
		exit 2 ;;
	esac
done
echo "modes.sh: reports in $base"
