#!/usr/bin/env bash
# bench/run-cluster.sh: cluster mode under load (`make bench-cluster`,
# docs/CLUSTER.md). Starts its own redis-server and parleyd nodes on
# loopback ports, runs each scenario with parley-bench dealing every room's
# members over the nodes, and prints one table:
#
#   one-room   1 room of 300 members, 1 publisher
#   rooms      30 rooms of 10 members, 30 publishers
#   paced      one-room at 500 lines/s: latency without queueing, so the
#              added p99 is the Redis hop itself
#
# each against one parleyd without Redis (the baseline) and clusters of 1
# and 3 nodes. Deliveries/s and latency come from parley-bench; CPU is read
# from /proc for every node and for Redis, summed, and given per 1000
# deliveries. With ~2 shared cores the figures are indicative only.
#
# Environment: PARLEY_BUILD (default build), BENCH_OUT (default
# $PARLEY_BUILD/bench-cluster), BENCH_DURATION (measured seconds, default 4),
# REDIS_SERVER (default redis-server).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${PARLEY_BUILD:-build}
OUT=${BENCH_OUT:-$BUILD/bench-cluster}
DURATION=${BENCH_DURATION:-4}
REDIS=${REDIS_SERVER:-redis-server}
PARLEYD=$BUILD/parleyd
BENCH=$BUILD/parley-bench
for bin in "$PARLEYD" "$BENCH"; do
	[ -x "$bin" ] || { echo "run-cluster.sh: $bin missing; run make first" >&2; exit 2; }
done
command -v "$REDIS" >/dev/null || { echo "run-cluster.sh: $REDIS not found" >&2; exit 2; }
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	PIDS=()
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { # utime+stime of each pid, summed
	local sum=0 pid
	for pid in "$@"; do
		read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat")
		sum=$((sum + f[11] + f[12]))
	done
	echo "$sum"
}
wait_log() { # file regex
	for _ in $(seq 100); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "run-cluster.sh: no '$2' in $1" >&2; return 1
}

# start_target NAME NODES: NODES=0 is one parleyd without Redis.
start_target() {
	local name=$1 nodes=$2 i port
	PORTS=() SERVER_PIDS=() REDIS_PID=
	if [ "$nodes" -gt 0 ]; then
		local rport; rport=$(free_port)
		"$REDIS" --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
			>"$OUT/$name-redis.log" 2>&1 &
		REDIS_PID=$!
		PIDS+=("$REDIS_PID")
		for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done
	fi
	for i in $(seq "$(( nodes > 0 ? nodes : 1 ))"); do
		port=$(free_port)
		# all the load comes from one address and saturates on purpose:
		# lift the per-address and rate limits, as bench/run.sh does
		local args=(--listen "chat:127.0.0.1:$port" --max-clients 20000 --log-level warn
			--rate-limit off --byte-rate off --max-per-ip 0 --connect-rate off)
		[ "$nodes" -gt 0 ] && args+=(--redis "127.0.0.1:$rport" --node-name "n$i" --log-level info)
		"$PARLEYD" "${args[@]}" </dev/null >/dev/null 2>"$OUT/$name-n$i.log" &
		PIDS+=("$!")
		SERVER_PIDS+=("$!")
		PORTS+=("$port")
		if [ "$nodes" -gt 0 ]; then wait_log "$OUT/$name-n$i.log" CLUSTER_ONLINE; else sleep 0.2; fi
	done
}

# run SCENARIO TARGET NODES bench-args...
run() {
	local scen=$1 target=$2 nodes=$3; shift 3
	start_target "$scen-$target" "$nodes"
	local ports; ports=$(IFS=,; echo "${PORTS[*]}")
	local all=("${SERVER_PIDS[@]}"); [ -n "$REDIS_PID" ] && all+=("$REDIS_PID")
	local c0 r0 c1 r1 t0 t1
	c0=$(cpu_ticks "${all[@]}"); r0=$( [ -n "$REDIS_PID" ] && cpu_ticks "$REDIS_PID" || echo 0)
	t0=$(date +%s.%N)
	"$BENCH" --proto chat --port "$ports" --duration "$DURATION" --json \
		--label "$scen $target" "$@" >"$OUT/$scen-$target.json"
	t1=$(date +%s.%N)
	c1=$(cpu_ticks "${all[@]}"); r1=$( [ -n "$REDIS_PID" ] && cpu_ticks "$REDIS_PID" || echo 0)
	python3 - "$OUT/$scen-$target.json" "$scen" "$target" "$nodes" "$((c1 - c0))" \
		"$((r1 - r0))" "$t0" "$t1" "$(getconf CLK_TCK)" >>"$RESULTS" <<'PY'
import json, sys
path, scen, target, nodes, ticks, rticks, t0, t1, hz = sys.argv[1:]
r = json.load(open(path))
secs = float(t1) - float(t0)
deliveries = r["deliveries_per_s"] * secs
cpu = int(ticks) / int(hz)
print(json.dumps({
    "scenario": scen, "target": target, "nodes": int(nodes),
    "deliveries_per_s": r["deliveries_per_s"], "p50_us": r["latency_us"]["p50"],
    "p99_us": r["latency_us"]["p99"],
    "cpu_ms_per_1000": 1e3 * cpu / deliveries * 1000 if deliveries else 0,
    "redis_cpu_pct": 100 * int(rticks) / int(hz) / secs,
    "checks_ok": all(v == 0 for v in r.get("checks", {}).values() if isinstance(v, int))}))
PY
	cleanup
}

ONE_ROOM=(--clients 300 --rooms 1 --publishers 1)
ROOMS=(--clients 300 --rooms 30 --publishers 30)
PACED=(--clients 300 --rooms 1 --publishers 1 --rate 500)
for t in "single 0" "cluster1 1" "cluster3 3"; do
	set -- $t
	run one-room "$1" "$2" "${ONE_ROOM[@]}"
	run rooms "$1" "$2" "${ROOMS[@]}"
	run paced "$1" "$2" "${PACED[@]}"
done

python3 - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
base = {r["scenario"]: r for r in rows if r["target"] == "single"}
print(f"{'scenario':10} {'target':9} {'deliv/s':>10} {'p50 us':>8} {'p99 us':>8} "
      f"{'+p99 us':>8} {'cpu ms/1k':>9} {'redis cpu%':>10} ok")
for r in rows:
    extra = r["p99_us"] - base[r["scenario"]]["p99_us"]
    print(f"{r['scenario']:10} {r['target']:9} {r['deliveries_per_s']:10.0f} {r['p50_us']:8.0f} "
          f"{r['p99_us']:8.0f} {extra:8.0f} {r['cpu_ms_per_1000']:9.2f} "
          f"{r['redis_cpu_pct']:10.1f} {'yes' if r['checks_ok'] else 'NO'}")
PY
