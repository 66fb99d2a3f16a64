#!/usr/bin/env bash
# bench/hls-nginx.sh: HLS players served by cascade from memory against the
# same players served by nginx (Debian's nginx-light) from cascade's
# hls_path on disk, in the same run: cascade publishes and segments the
# reference stream (HLS on), then N HLS players (cascade-bench) follow
#   1. cascade's own http://…/live/livestream.m3u8 (its CPU sampled),
#   2. nginx's, one worker serving the files cascade writes (nginx's CPU).
# Both servers are pinned to core 0, the players and ffmpeg to core 1.
# cascade's CPU without players is measured first, so that its cost per
# player can be told from its ingest and segmenting.
#
#   N=1000 DURATION=40s bash bench/hls-nginx.sh
#
# nginx is not a test dependency: install it for this bench only
# (apt-get install nginx-light).
set -euo pipefail
N=${N:-1000}
DURATION=${DURATION:-40s}
WARMUP=${WARMUP:-15s}
RAMP=${RAMP:-50/s}
RTMP_PORT=${RTMP_PORT:-1935}
HTTP_PORT=${HTTP_PORT:-8080}
NGINX_PORT=${NGINX_PORT:-8081}
die() { echo "hls-nginx.sh: $*" >&2; exit 1; }
for tool in taskset ss ffmpeg go curl; do
	command -v "$tool" >/dev/null || die "$tool is required"
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx ]] || die "nginx is required (apt-get install nginx-light)"

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/.." && pwd)
media=${CASCADE_MEDIA:-$repo/../shared/media}
[[ -f $media/h264_aac_720p25.flv ]] || die "no h264_aac_720p25.flv in $media: set CASCADE_MEDIA"
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/cascade-hls-nginx.XXXXXX)}
mkdir -p "$OUT_DIR/hls" "$OUT_DIR/nginx"
echo "hls-nginx.sh: logs and reports in $OUT_DIR"
cd "$repo"
go build -o bin/cascade ./cmd/cascade
go build -o bin/cascade-bench ./cmd/cascade-bench
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cat >"$OUT_DIR/cascade.conf" <<CONF
listen              127.0.0.1:$RTMP_PORT;
max_connections     $((N + 1000));
daemon              off;
srs_log_tank        console;
http_api { enabled off; }
http_server { enabled on; listen 127.0.0.1:$HTTP_PORT; }
vhost __defaultVhost__ {
    hls { enabled on; hls_fragment 2; hls_window 10; hls_path $OUT_DIR/hls; }
}
CONF
cat >"$OUT_DIR/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
error_log $OUT_DIR/nginx/error.log;
pid $OUT_DIR/nginx/nginx.pid;
events { worker_connections $((N + 100)); }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
    client_body_temp_path $OUT_DIR/nginx;
    proxy_temp_path $OUT_DIR/nginx;
    fastcgi_temp_path $OUT_DIR/nginx;
    uwsgi_temp_path $OUT_DIR/nginx;
    scgi_temp_path $OUT_DIR/nginx;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $OUT_DIR/hls;
        location ~ \.m3u8\$ { add_header Cache-Control no-cache; }
    }
}
CONF

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
taskset -c 0 ${SERVER_ENV:+env $SERVER_ENV} bin/cascade -c "$OUT_DIR/cascade.conf" >"$OUT_DIR/cascade.log" 2>&1 &
pids+=($!)
cascade_pid=$!
taskset -c 0 "$nginx" -c "$OUT_DIR/nginx/nginx.conf" -p "$OUT_DIR/nginx" >"$OUT_DIR/nginx/stdout.log" 2>&1 &
pids+=($!)
nginx_pid=$!
for _ in $(seq 50); do
	[[ -n $(ss -ltnH "sport = :$RTMP_PORT") && -n $(ss -ltnH "sport = :$NGINX_PORT") ]] && break
	sleep 0.1
done
taskset -c 1 ffmpeg -hide_banner -nostdin -loglevel error -re -stream_loop -1 \
	-i "$media/h264_aac_720p25.flv" -c copy -f flv "rtmp://127.0.0.1:$RTMP_PORT/live/livestream" >"$OUT_DIR/ffmpeg.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/live/livestream.m3u8" && break
	sleep 0.2
done
curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/live/livestream.m3u8" || die "no playlist in $OUT_DIR/hls/live"
sleep 6 # a few segments

# cascade's CPU with no players: ingest and segmenting.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
t0=$(ticks "$cascade_pid")
sleep 10
t1=$(ticks "$cascade_pid")
idle=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", 100 * d / hz / 10 }')
echo "hls-nginx.sh: cascade without players: cpu $idle% of a core"

for name in cascade nginx; do
	port=$HTTP_PORT pid=$cascade_pid
	[[ $name == nginx ]] && port=$NGINX_PORT pid=$nginx_pid
	taskset -c 1 bin/cascade-bench -url "http://127.0.0.1:$port/live/livestream.m3u8" -n "$N" -ramp "$RAMP" \
		-duration "$DURATION" -warmup "$WARMUP" -pid "$pid" -expect-kbps 1130 -q \
		-json-file "$OUT_DIR/$name.json" >"$OUT_DIR/$name.txt" 2>&1 || true
	echo "== hls-nginx.sh: $N HLS players from $name"
	cat "$OUT_DIR/$name.txt"
	sleep 3
done
echo "hls-nginx.sh: cascade's CPU includes its ingest and segmenting ($idle% alone); nginx's is serving only"
