#!/usr/bin/env bash
# bench/profile.sh: bench/run.sh with the server's Go profiles taken while
# the players play. It starts run.sh (same environment) with cascade's
# -pprof on, waits AT (from the start of the players' run), then saves
#   heap.pb.gz   the in-use heap (what the players' bytes are)
#   memstats.txt runtime.MemStats after that GC (heap, stacks, runtime)
#   cpu.pb.gz    a CPU profile over the next CPU_SECONDS
# in OUT_DIR and prints the top of each (go tool pprof -top).
#
#   AT=25s CPU_SECONDS=5 N=4000 PROTO=rtmp bash bench/profile.sh
#   N=2000 PROTO=rtmp BENCH_ARGS="-storm 4000 -storm-at 10s" AT=9.8s CPU_SECONDS=3 bash bench/profile.sh
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AT=${AT:-25s}
CPU_SECONDS=${CPU_SECONDS:-5}
PPROF=${PPROF:-127.0.0.1:6061}
# One heap sample per 4 KiB allocated instead of Go's 512 KiB, so that each
# player's small structures show (joins allocate; the steady state does not).
MEMPROFILERATE=${MEMPROFILERATE:-4096}
export PPROF MEMPROFILERATE
OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/cascade-profile.XXXXXX)}
export OUT_DIR
mkdir -p "$OUT_DIR"
command -v curl >/dev/null || { echo "profile.sh: curl is required" >&2; exit 1; }

bash "$script_dir/run.sh" >"$OUT_DIR/run.out" 2>&1 &
run_pid=$!
trap 'kill $run_pid 2>/dev/null || true; wait $run_pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do
	grep -q ' players for ' "$OUT_DIR/run.out" 2>/dev/null && break
	kill -0 "$run_pid" 2>/dev/null || { cat "$OUT_DIR/run.out" >&2; exit 1; }
	sleep 0.1
done
sleep "${AT%s}"
base=http://$PPROF/debug/pprof
curl -sf -o "$OUT_DIR/heap.pb.gz" "$base/heap?gc=1"
curl -sf -o "$OUT_DIR/goroutines.txt" "$base/goroutine?debug=1"
# runtime.MemStats after that GC: what the RSS is made of (heap in use
# against live objects, stacks, the runtime's own).
curl -sf "$base/heap?debug=1" | sed -n '/^# runtime.MemStats/,$p' >"$OUT_DIR/memstats.txt"
if ((CPU_SECONDS > 0)); then
	curl -sf -o "$OUT_DIR/cpu.pb.gz" "$base/profile?seconds=$CPU_SECONDS"
fi
wait "$run_pid" || true
trap - EXIT
cat "$OUT_DIR/run.out"
echo "== profile.sh: heap in use (go tool pprof -sample_index=inuse_space -top)"
go tool pprof -sample_index=inuse_space -top -nodecount=25 "$OUT_DIR/heap.pb.gz" 2>/dev/null | sed -n '1,32p'
echo "== profile.sh: goroutines: $(head -n1 "$OUT_DIR/goroutines.txt")"
echo "== profile.sh: runtime.MemStats after a GC: $(grep -E '^# (HeapAlloc|HeapInuse|HeapIdle|HeapReleased|StackInuse|Sys) ' "$OUT_DIR/memstats.txt" | tr -d '#' | tr '\n' ' ')"
if [[ -f $OUT_DIR/cpu.pb.gz ]]; then
	echo "== profile.sh: CPU (go tool pprof -top)"
	go tool pprof -top -nodecount=30 "$OUT_DIR/cpu.pb.gz" 2>/dev/null | sed -n '1,38p'
fi
echo "profile.sh: profiles in $OUT_DIR"
