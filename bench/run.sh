#!/usr/bin/env bash
# bench/run.sh: the reproducible load scenario. It builds bin/cascade and
# bin/cascade-bench, starts the server pinned to core 0, publishes the
# reference stream (720p25, ~1.13 Mbit/s) with ffmpeg pinned to core 1,
# then plays it with N players from cascade-bench, also on core 1, over
# RTMP and then HTTP-FLV, and prints both reports. Everything it started
# is stopped on exit.
#
# Environment:
#   N=2000             players
#   DURATION=60s       length of each run (cascade-bench -duration)
#   WARMUP=10s         left out of the steady window (cascade-bench -warmup)
#   RAMP=200/s         connect rate (cascade-bench -ramp)
#   PROTO=both         rtmp, flv, both, or hls (HLS players; turns HLS on)
#   MW_LATENCY=350     the vhost's play.mw_latency in ms, and MIN_LATENCY=off its min_latency
#   TCP_NODELAY=off    the vhost's tcp_nodelay (SRS's low-latency setup turns it on with min_latency)
#   SELF_PUBLISH=0     1: the load tool publishes the stream itself instead of ffmpeg,
#                      stamping frames, and reports the server's delivery latency
#   TIMED_PLAYERS=50   with SELF_PUBLISH=1: players that read at once and time frames;
#                      the others read in bulk every 100 ms (0: every player times frames)
#   METRICS_PORT=19972 cascade's exporter (127.0.0.1): the bench reports the delivery
#                      delay the server measures itself (cascade only; 0: off)
#   BENCH_ARGS=        more cascade-bench flags (e.g. "-storm 2000", "-publishers 100")
#   OUTPUTS=0          1: HLS and DVR on for every stream (files under OUT_DIR)
#   MEDIA_FILE=h264_aac_720p25.flv   the stream published (from the media folder)
#   EXPECT_KBPS=1130   expected media bitrate per player
#   RTMP_PORT=1935     ports the server listens on (127.0.0.1); both must be free
#   HTTP_PORT=8080
#   PPROF=             an address (127.0.0.1:6060) where cascade serves Go's profiles
#                      (its -pprof flag): bench/profile.sh uses it
#   MEMPROFILERATE=    with PPROF: cascade's -memprofilerate (bytes per heap sample)
#   FLOOR=1            run the do-nothing fan-out server (bin/cascade-floor) instead:
#                      the floor that bench/floor.sh compares cascade with;
#                      FLOOR_BATCH= its batch period (350ms; 1ms: a write per frame,
#                      its delay histogram printed in server.log at the end)
#   SERVER_CMD=        run another server instead of bin/cascade (SRS, nginx-rtmp…),
#                      in the foreground, listening on RTMP_PORT and, for flv,
#                      serving http://127.0.0.1:HTTP_PORT/live/livestream.flv
#   CASCADE_MEDIA=     folder of h264_aac_720p25.flv (default: shared/media
#                      beside the repository)
#   OUT_DIR=           where logs and JSON reports go (default: a temp folder, kept)
set -euo pipefail

N=${N:-2000}
DURATION=${DURATION:-60s}
WARMUP=${WARMUP:-10s}
RAMP=${RAMP:-200/s}
PROTO=${PROTO:-both}
EXPECT_KBPS=${EXPECT_KBPS:-1130}
RTMP_PORT=${RTMP_PORT:-1935}
HTTP_PORT=${HTTP_PORT:-8080}
METRICS_PORT=${METRICS_PORT:-19972}
TIMED_PLAYERS=${TIMED_PLAYERS:-50}
SERVER_CMD=${SERVER_CMD:-}
export RTMP_PORT HTTP_PORT

die() { echo "run.sh: $*" >&2; exit 1; }

case $PROTO in
rtmp | flv | both | hls) ;;
*) die "PROTO=$PROTO: want rtmp, flv, both or hls" ;;
esac
MW_LATENCY=${MW_LATENCY:-350}
MIN_LATENCY=${MIN_LATENCY:-off}
TCP_NODELAY=${TCP_NODELAY:-off}
SELF_PUBLISH=${SELF_PUBLISH:-0}
BENCH_ARGS=${BENCH_ARGS:-}
hls_block=
if [[ $PROTO == hls || ${OUTPUTS:-0} == 1 ]]; then
	hls_block="hls { enabled on; hls_fragment 2; hls_window 10; hls_path @OUT_DIR@/hls; }"
fi
if [[ ${OUTPUTS:-0} == 1 ]]; then
	hls_block="$hls_block dvr { enabled on; dvr_plan session; dvr_path @OUT_DIR@/dvr/[app]/[stream].[timestamp].flv; }"
fi
for tool in taskset ss ffmpeg go; do
	command -v "$tool" >/dev/null || die "$tool is required"
done

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/.." && pwd)

# The reference stream: $CASCADE_MEDIA, or shared/media beside the repository
# (looking upwards from this script).
media_file=${MEDIA_FILE:-h264_aac_720p25.flv}
media=${CASCADE_MEDIA:-}
if [[ -z $media ]]; then
	dir=$script_dir
	while [[ $dir != / ]]; do
		if [[ -f $dir/../shared/media/$media_file ]]; then
			media=$(cd "$dir/../shared/media" && pwd)
			break
		fi
		dir=$(dirname "$dir")
	done
fi
[[ -n $media && -f $media/$media_file ]] || die "no $media_file: set CASCADE_MEDIA to its folder"

port_busy() { [[ -n $(ss -ltnH "sport = :$1") ]]; }
metrics_ports=()
if [[ -z $SERVER_CMD && ${FLOOR:-0} != 1 && $METRICS_PORT != 0 ]]; then
	metrics_ports=("$METRICS_PORT")
fi
for port in "$RTMP_PORT" "$HTTP_PORT" "${metrics_ports[@]}"; do
	port_busy "$port" && die "port $port is in use (ss -ltn): choose others with RTMP_PORT= and HTTP_PORT="
done

OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/cascade-bench.XXXXXX)}
mkdir -p "$OUT_DIR"
hls_block=${hls_block//@OUT_DIR@/$OUT_DIR}
echo "run.sh: logs and reports in $OUT_DIR"

cd "$repo"
echo "run.sh: building bin/cascade and bin/cascade-bench"
go build -o bin/cascade ./cmd/cascade
go build -o bin/cascade-bench ./cmd/cascade-bench
if [[ ${FLOOR:-0} == 1 ]]; then
	go build -o bin/cascade-floor ./cmd/cascade-floor
	SERVER_CMD="bin/cascade-floor -rtmp 127.0.0.1:$RTMP_PORT -http 127.0.0.1:$HTTP_PORT -flv $media/$media_file -batch ${FLOOR_BATCH:-350ms}"
fi

# A join storm's players come on top of the N.
storm_players=0
if [[ $BENCH_ARGS =~ -storm[[:space:]=]+([0-9]+) ]]; then
	storm_players=${BASH_REMATCH[1]}
fi
players=$((N + storm_players))

# Every player is a socket on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
if [[ $nofile != unlimited ]] && ((nofile <= players + 100)); then
	echo "run.sh: warning: open files limit $nofile is low for $players players" >&2
fi

server_pid='' publisher_pid=''
# stop_server stops the publisher and the server (run on exit too).
# shellcheck disable=SC2317 # called by the EXIT trap
stop_server() {
	local pid
	for pid in $publisher_pid $server_pid; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $publisher_pid $server_pid; do
		wait "$pid" 2>/dev/null || true
	done
	server_pid='' publisher_pid=''
}
trap stop_server EXIT
trap 'exit 130' INT TERM

extra=()
exporter_block=
if ((${#metrics_ports[@]})); then
	exporter_block="exporter { enabled on; listen 127.0.0.1:$METRICS_PORT; }"
	extra+=(-metrics "http://127.0.0.1:$METRICS_PORT/metrics")
fi
if [[ -z $SERVER_CMD ]]; then
	conf=$OUT_DIR/cascade.conf
	cat >"$conf" <<EOF
# Written by bench/run.sh: the built-in configuration on the bench ports,
# with room for the players.
listen              127.0.0.1:$RTMP_PORT;
max_connections     $((players + 1000));
chunk_size          60000;
daemon              off;
srs_log_tank        console;
http_api {
    enabled         off;
}
$exporter_block
http_server {
    enabled         on;
    listen          127.0.0.1:$HTTP_PORT;
}
vhost __defaultVhost__ {
    http_remux {
        enabled     on;
        mount       [vhost]/[app]/[stream].flv;
    }
    min_latency     $MIN_LATENCY;
    tcp_nodelay     $TCP_NODELAY;
    play {
        gop_cache   on;
        mw_latency  $MW_LATENCY;
    }
    $hls_block
}
EOF
	SERVER_CMD="bin/cascade -c $conf"
	if [[ -n ${PPROF:-} ]]; then
		SERVER_CMD="$SERVER_CMD -pprof $PPROF"
		if [[ -n ${MEMPROFILERATE:-} ]]; then
			SERVER_CMD="$SERVER_CMD -memprofilerate $MEMPROFILERATE"
		fi
	fi
fi
# start_server starts the server and the publisher (unless the load tool
# publishes) and waits until a player receives the stream, so the GOP cache
# is filled before the players' run samples the server's "before".
start_server() {
	echo "run.sh: server: taskset -c 0 $SERVER_CMD"
	# shellcheck disable=SC2086 # SERVER_CMD is a command line
	taskset -c 0 ${SERVER_ENV:+env $SERVER_ENV} $SERVER_CMD >>"$OUT_DIR/server.log" 2>&1 &
	server_pid=$!

	for _ in $(seq 100); do
		port_busy "$RTMP_PORT" && break
		kill -0 "$server_pid" 2>/dev/null || die "the server exited: see $OUT_DIR/server.log"
		sleep 0.1
	done
	port_busy "$RTMP_PORT" || die "the server does not listen on $RTMP_PORT: see $OUT_DIR/server.log"
	# Sample the process that listens (SERVER_CMD may be a wrapper).
	listener_pid=$(ss -ltnpH "sport = :$RTMP_PORT" | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true)
	pid=${listener_pid:-$server_pid}

	if [[ $SELF_PUBLISH != 1 ]]; then
		echo "run.sh: publishing $media/$media_file to $rtmp_url"
		taskset -c 1 ffmpeg -hide_banner -nostdin -loglevel error -re -stream_loop -1 \
			-i "$media/$media_file" -c copy -f flv "$rtmp_url" >>"$OUT_DIR/ffmpeg.log" 2>&1 &
		publisher_pid=$!

		# The stream is up when one player receives it.
		up=
		for _ in $(seq 30); do
			kill -0 "$publisher_pid" 2>/dev/null || die "ffmpeg exited: see $OUT_DIR/ffmpeg.log"
			if bin/cascade-bench -url "$rtmp_url" -n 1 -duration 1s -warmup 0 -q 2>/dev/null | grep -q 'receiving 1 '; then
				up=1
				break
			fi
			sleep 0.5
		done
		[[ -n $up ]] || die "the stream did not come up: see $OUT_DIR/server.log and $OUT_DIR/ffmpeg.log"
	fi
}

rtmp_url=rtmp://127.0.0.1:$RTMP_PORT/live/livestream
flv_url=http://127.0.0.1:$HTTP_PORT/live/livestream.flv
hls_url=http://127.0.0.1:$HTTP_PORT/live/livestream.m3u8
if [[ $SELF_PUBLISH == 1 ]]; then
	# The load tool publishes (frames stamped for the delivery latency).
	extra+=(-publish "$media/$media_file" -publish-url "$rtmp_url" -timed-players "$TIMED_PLAYERS")
fi
# shellcheck disable=SC2206 # BENCH_ARGS is a list of flags
extra+=($BENCH_ARGS)

bench() {
	local name=$1 url=$2
	echo "run.sh: $N $name players for $DURATION (server pid $pid)"
	if ! taskset -c 1 bin/cascade-bench -url "$url" -n "$N" -ramp "$RAMP" -duration "$DURATION" -warmup "$WARMUP" \
		-pid "$pid" -expect-kbps "$EXPECT_KBPS" -json-file "$OUT_DIR/$name.json" -svg "$OUT_DIR/$name.svg" "${extra[@]}" \
		>"$OUT_DIR/$name.txt" 2>"$OUT_DIR/$name.progress"; then
		echo "run.sh: cascade-bench failed: $(tail -n1 "$OUT_DIR/$name.progress")" | tee -a "$OUT_DIR/$name.txt" >&2
		status=1
	fi
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "run.sh: the server exited during the $name run: see $OUT_DIR/server.log" | tee -a "$OUT_DIR/$name.txt" >&2
		status=1
	fi
	if [[ -n $publisher_pid ]] && ! kill -0 "$publisher_pid" 2>/dev/null; then
		echo "run.sh: ffmpeg exited during the $name run: see $OUT_DIR/ffmpeg.log" | tee -a "$OUT_DIR/$name.txt" >&2
		status=1
	fi
}
status=0
ran=()
# Each protocol gets a server of its own: one that served the other
# protocol's players first would reuse their freed memory, and its RSS
# growth would not be this run's players' cost.
for name in rtmp flv hls; do
	[[ $PROTO == "$name" || ($PROTO == both && $name != hls) ]] || continue
	url_var=${name}_url
	start_server
	bench "$name" "${!url_var}"
	stop_server
	ran+=("$name")
done
echo
for name in "${ran[@]}"; do
	cat "$OUT_DIR/$name.txt"
	echo
done
echo "run.sh: logs, JSON reports and SVG charts ($(IFS=,; echo "${ran[*]}") .json .svg) in $OUT_DIR"
exit "$status"
