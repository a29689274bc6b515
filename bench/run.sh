#!/usr/bin/env bash
# bench/run.sh: the benchmark scenario set (`make bench`). Runs every
# scenario against parleyd on each backend and against a redis-server it
# starts itself, in the same run, then prints one table with parleyd/redis
# ratios. Loopback only, ~4-5 minutes, stops by itself.
#
# A fresh server is started for every scenario and target, so RSS figures
# and allocator state never carry over. With two or more CPUs the server is
# pinned to one CPU and the generator to another, so neither steals the
# other's core; both run at nice -10 where permitted. A run that another
# process disturbed (more than 15% of a core used by something else) is
# repeated once.
#
# Environment: PARLEY_BUILD (default build), BENCH_OUT (default
# $PARLEY_BUILD/bench), BENCH_BACKENDS (default "epoll poll select"),
# BENCH_DURATION (measured seconds, default 4), BENCH_SCENARIOS (default
# "a1 a4 b c d e a1-tls d-tls"), REDIS_SERVER (default redis-server), BENCH_QUIET_WAIT
# (seconds to wait for an idle machine first, default 120), BENCH_BUDGET.
#
# Abuse limits: every parleyd run lifts the per-address limits (the whole
# load comes from 127.0.0.1) and, unless the scenario says otherwise, the
# line rate limit, which a saturating publisher would hit by design. The
# -limit variants (a1-limit, a4-limit) keep rate limiting on with a rate no
# publisher reaches, to measure what the bookkeeping costs; `flood` puts one
# flooder among 100 members with the default limits, `flood-nolimit` the
# same with limiting off, and both report the other publishers' latency
# (BENCH_SCENARIOS="a1 a1-limit a4 a4-limit flood flood-nolimit").
#
# IRC (`make bench-irc`, BENCH_SCENARIOS="irc-a1 irc-a4 irc-c irc-d"): the
# same workloads over IRC against Debian's InspIRCd and ngIRCd, and against
# parleyd's IRC listener when the binary has one. Each IRC server runs from
# a config written into $BENCH_OUT with flood penalties, fake lag, queue
# limits and per-IP connection limits lifted. INSPIRCD, NGIRCD: binaries.
#
# Persistence (`make bench-store`, BENCH_SCENARIOS="a1 a1-data c c-data
# persist"): a1-data and c-data are a1 and c against parleyd with
# --data-dir (a fresh directory per run), to set beside the memory-only
# runs; persist floods a few rooms from many publishers with --data-dir and
# reports the rate at which lines were committed. parleyd's stdin is a FIFO
# here, so bench/storestats.py can ask for STATS (store counters, loop
# iteration times) during and after every parleyd run.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${PARLEY_BUILD:-build}
OUT=${BENCH_OUT:-$BUILD/bench}
BACKENDS=${BENCH_BACKENDS:-epoll poll select}
DURATION=${BENCH_DURATION:-4}
SCENARIOS=${BENCH_SCENARIOS:-a1 a4 b c d e a1-tls d-tls}
REDIS=${REDIS_SERVER:-redis-server}
INSPIRCD=${INSPIRCD:-inspircd}
NGIRCD=${NGIRCD:-ngircd}
QUIET_WAIT=${BENCH_QUIET_WAIT:-120}
BUDGET=${BENCH_BUDGET:-270} # seconds after which disturbed runs are not repeated
PARLEYD=$BUILD/parleyd
BENCH=$BUILD/parley-bench

for bin in "$PARLEYD" "$BENCH"; do
	[ -x "$bin" ] || { echo "run.sh: $bin missing; run make first" >&2; exit 2; }
done
need() { command -v "$1" >/dev/null || { echo "run.sh: $1 not found (apt-get install $2)" >&2; exit 2; }; }
case " $SCENARIOS " in *" "[a-e]*) need "$REDIS" redis-server ;; esac
case " $SCENARIOS " in *" irc-"*) need "$INSPIRCD" inspircd; need "$NGIRCD" ngircd ;; esac
command -v python3 >/dev/null || { echo "run.sh: python3 is needed for the table" >&2; exit 2; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd) # absolute: the ircd configs written there name files in it
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

SERVER_PIN=() BENCH_PIN=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	SERVER_PIN=(taskset -c 1)
	BENCH_PIN=(taskset -c 0)
fi
# Where allowed (root or CAP_SYS_NICE), run server and generator at a
# higher priority so background jobs on the machine disturb them less.
if nice -n -10 true 2>/dev/null; then
	SERVER_PIN=(nice -n -10 "${SERVER_PIN[@]}")
	BENCH_PIN=(nice -n -10 "${BENCH_PIN[@]}")
fi

# Scenario table: name, parley-bench arguments, what it models.
declare -A ARGS WHAT
ARGS[a1]="--clients 100 --rooms 1 --publishers 1 --size 64"
WHAT[a1]="fan-out saturation: 1 room x 100 members, 1 publisher, 64 B"
ARGS[a4]="--clients 100 --rooms 1 --publishers 4 --size 64"
WHAT[a4]="fan-out saturation: 1 room x 100 members, 4 publishers, 64 B"
ARGS[b]="--clients 100 --rooms 1 --publishers 4 --size 64 --rate 2000"
WHAT[b]="fixed rate: 100 members, 4 publishers, 2000 msg/s (200k deliveries/s)"
ARGS[c]="--clients 1000 --rooms 100 --publishers 100 --size 64 --rate 5000"
WHAT[c]="many rooms: 1000 clients in 100 rooms of 10, 1 publisher each, 5000 msg/s"
ARGS[d]="--clients 10000 --rooms 100 --publishers 0 --duration 4"
WHAT[d]="10,000 idle registered connections: RSS per connection, idle CPU"
ARGS[e]="--clients 1000 --rooms 1 --publishers 1 --size 1024"
WHAT[e]="big room: 1 room x 1000 members, 1 publisher, 1 KiB"
# Fan-out with rate limiting on but never binding, and the flood scenario:
# 1 flooder (as fast as acknowledged) and 9 members posting 5 lines a
# second each (under the default 10/s), 100 members in all.
ARGS[a1-limit]="${ARGS[a1]}"
WHAT[a1-limit]="${WHAT[a1]}, rate limiting on (1000000:1000000)"
ARGS[a4-limit]="${ARGS[a4]}"
WHAT[a4-limit]="${WHAT[a4]}, rate limiting on (1000000:1000000)"
ARGS[flood]="--clients 100 --rooms 1 --publishers 10 --flooders 1 --rate 45 --window 16 --size 64"
WHAT[flood]="1 flooder + 9 members at 5 lines/s among 100: the others' latency, default limits"
ARGS[flood-nolimit]="${ARGS[flood]}"
WHAT[flood-nolimit]="the same flood with --rate-limit off"
# IRC: as a1, a4, c and (smaller) d.
ARGS[irc-a1]="${ARGS[a1]}"
WHAT[irc-a1]="IRC fan-out saturation: 1 channel x 100 members, 1 publisher, 64 B"
ARGS[irc-a4]="${ARGS[a4]}"
WHAT[irc-a4]="IRC fan-out saturation: 1 channel x 100 members, 4 publishers, 64 B"
ARGS[irc-c]="${ARGS[c]}"
WHAT[irc-c]="IRC many channels: 1000 clients in 100 channels of 10, 5000 msg/s"
ARGS[irc-d]="--clients 2000 --rooms 20 --publishers 0 --duration 4"
WHAT[irc-d]="IRC: 2000 idle registered connections in 20 channels: RSS per connection"
# Persistence: the same as a1 and c with a data directory, and a flood of
# room lines into a few small rooms (40 publishers, each a member of one of
# 4 rooms of 10: every line is stored once and delivered 9 times).
ARGS[a1-data]="${ARGS[a1]}"
WHAT[a1-data]="${WHAT[a1]}, with --data-dir"
ARGS[c-data]="${ARGS[c]}"
WHAT[c-data]="${WHAT[c]}, with --data-dir"
ARGS[persist]="--clients 40 --rooms 4 --publishers 40 --size 64"
WHAT[persist]="persisted lines: 4 rooms x 10 members, all publishing, 64 B, with --data-dir"
# The -tls scenarios are the same over TLS: parleyd's chat+tls listener and
# redis-server's tls-port, both with a certificate made for the run.
ARGS[a1-tls]="${ARGS[a1]} --tls"
WHAT[a1-tls]="${WHAT[a1]}, over TLS"
ARGS[d-tls]="${ARGS[d]} --tls"
WHAT[d-tls]="10,000 idle registered TLS connections: RSS per connection, idle CPU"
# parleyd's limit flags per scenario (see the top of this file).
declare -A LIMITS
for sc in "${!ARGS[@]}"; do LIMITS[$sc]="--rate-limit off --byte-rate off"; done
LIMITS[a1-limit]="--rate-limit 1000000:1000000"
LIMITS[a4-limit]="--rate-limit 1000000:1000000"
LIMITS[flood]=""

# A private CA and a certificate for 127.0.0.1, made once per run.
TLS_DIR=$OUT/tls
make_certs() {
	mkdir -p "$TLS_DIR"
	(cd "$TLS_DIR" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout ca.key -out ca.pem -days 2 -subj /CN=bench-ca &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout server.key -out server.csr -subj /CN=localhost &&
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 2 -out server.pem -extfile server.ext) >"$TLS_DIR/openssl.log" 2>&1 ||
		{ echo "run.sh: cannot make test certificates (see $TLS_DIR/openssl.log)" >&2; exit 2; }
}
case " $SCENARIOS " in *-tls*) command -v openssl >/dev/null ||
	{ echo "run.sh: openssl is needed for the -tls scenarios" >&2; exit 2; }
	make_certs ;; esac

SERVER_PID= DATA_DIR= SAMPLER_PID=
CONSOLE=$OUT/console.fifo # parleyd's stdin, held open on fd 7
rm -f "$CONSOLE"
mkfifo "$CONSOLE"
exec 7<>"$CONSOLE"
stop_sampler() {
	if [ -n "$SAMPLER_PID" ]; then
		kill "$SAMPLER_PID" 2>/dev/null || true
		wait "$SAMPLER_PID" 2>/dev/null || true
		SAMPLER_PID=
	fi
}
# A clean stop commits every queued line first: with --data-dir after a
# flood that can take a while, so the wait is longer then.
stop_server() {
	stop_sampler
	if [ -n "$SERVER_PID" ]; then
		local tenths=50
		[ -n "$DATA_DIR" ] && tenths=300
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		for _ in $(seq "$tenths"); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
	fi
	if [ -n "$DATA_DIR" ]; then
		rm -rf "$DATA_DIR"
		DATA_DIR=
	fi
}
trap 'stop_server; rm -f "$CONSOLE"' EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# IRC servers' configs, written at run time: no flood penalties or fake
# lag, queues far larger than the bench's window, no per-IP limits, no DNS
# or ident lookups, no MOTD file.
write_inspircd_conf() {
	cat >"$OUT/inspircd.conf" <<-EOF
	<server name="inspircd.bench" description="parley bench" network="bench">
	<admin name="bench" nick="bench" email="bench@localhost">
	<bind address="127.0.0.1" port="$1" type="clients">
	<connect name="bench" allow="*" maxchans="0" timeout="60" pingfreq="600"
	         hardsendq="64M" softsendq="64M" recvq="64M" threshold="1000000"
	         commandrate="1000000000" fakelag="no" localmax="100000"
	         globalmax="100000" limit="100000" resolvehostnames="no" useident="no">
	<performance netbuffersize="65536" somaxconn="1024" softlimit="100000" clonesonconnect="no">
	<pid file="$OUT/inspircd.pid">
	<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="$OUT/inspircd-ircd.log">
	EOF
}

# ngIRCd has no fake-lag switch: MaxPenaltyTime = 0 turns its penalty
# times off, and user mode F ("relaxed flood protection", normally set by
# operators) lifts its per-pass command limit for every client.
write_ngircd_conf() {
	cat >"$OUT/ngircd.conf" <<-EOF
	[Global]
	Name = ngircd.bench
	Info = parley bench
	Listen = 127.0.0.1
	Ports = $1
	MotdPhrase = "bench"
	[Limits]
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxJoins = 0
	MaxPenaltyTime = 0
	PingTimeout = 600
	PongTimeout = 600
	[Options]
	DNS = no
	Ident = no
	PAM = no
	DefaultUserModes = F
	EOF
}

# start_server TARGET PORT [tls] [LIMITS]: parleyd-<backend>, parleyd-irc, redis,
# inspircd or ngircd, parleyd and redis plain or over TLS; sets SERVER_PID.
# parleyd-<backend> reads its console from the FIFO and, when DATA_DIR is
# set, keeps its store there.
start_server() {
	local target=$1 port=$2 tls=${3:-} log=$OUT/$1.log
	local limits=(--max-per-ip 0 --connect-rate off ${4-})
	local redis_port=(--port "$port") listen="chat:127.0.0.1:$port" tls_args=()
	if [ -n "$tls" ]; then
		redis_port=(--port 0 --tls-port "$port" --tls-cert-file "$TLS_DIR/server.pem"
			--tls-key-file "$TLS_DIR/server.key" --tls-ca-cert-file "$TLS_DIR/ca.pem"
			--tls-auth-clients no)
		listen="chat+tls:127.0.0.1:$port"
		tls_args=(--tls-cert "$TLS_DIR/server.pem" --tls-key "$TLS_DIR/server.key")
	fi
	if [ "$target" = inspircd ]; then
		write_inspircd_conf "$port"
		"${SERVER_PIN[@]}" "$INSPIRCD" --nofork --runasroot --config="$OUT/inspircd.conf" \
			</dev/null >"$log" 2>&1 &
	elif [ "$target" = ngircd ]; then
		write_ngircd_conf "$port"
		"${SERVER_PIN[@]}" "$NGIRCD" --nodaemon --config "$OUT/ngircd.conf" \
			</dev/null >"$log" 2>&1 &
	elif [ "$target" = parleyd-irc ]; then
		"${SERVER_PIN[@]}" "$PARLEYD" --listen "irc:127.0.0.1:$port" "${limits[@]}" \
			--max-clients 10100 --log-level warn </dev/null >"$log" 2>&1 &
	elif [ "$target" = redis ]; then
		"${SERVER_PIN[@]}" "$REDIS" "${redis_port[@]}" --bind 127.0.0.1 --save '' \
			--appendonly no --maxclients 10100 --daemonize no \
			--loglevel warning >"$log" 2>&1 &
	else
		local data_args=()
		[ -n "$DATA_DIR" ] && data_args=(--data-dir "$DATA_DIR")
		"${SERVER_PIN[@]}" "$PARLEYD" --listen "$listen" "${tls_args[@]}" "${limits[@]}" \
			--backend "${target#parleyd-}" --max-clients 10100 "${data_args[@]}" \
			--log-level warn <&7 7<&- >"$log" 2>&1 &
	fi
	SERVER_PID=$!
	wait_port "$port" || { echo "run.sh: $target did not start (see $log)" >&2; return 1; }
}

# run_one SCENARIO TARGET: one measured run appended to $RESULTS.
run_one() {
	local sc=$1 target=$2 proto=chat attempt line tls=
	[ "$target" = redis ] && proto=redis
	case $sc in irc-*) proto=irc ;; esac
	# Setup is not measured, but it must finish: ngIRCd accepts a few
	# connections per loop pass, so a burst of 256 overflows its listen
	# backlog and SYN retransmits stall setup; 8 at a time never does.
	# (InspIRCd completes registrations once a second: it needs the burst.)
	local setup=()
	[ "$target" = ngircd ] && setup=(--setup-window 8)
	case "$sc" in *-tls) tls=tls ;; esac
	local console=
	case $target in parleyd-irc) ;; parleyd-*) console=$OUT/$sc-$target.stats.jsonl ;; esac
	for attempt in 1 2; do
		local port
		port=$(free_port)
		case $sc in *-data|persist) DATA_DIR=$(mktemp -d "$OUT/data.XXXXXX") ;; esac
		start_server "$target" "$port" "$tls" "${LIMITS[$sc]-}" || return 1
		if [ -n "$console" ]; then
			: > "$console"
			# persist: STATS once a second during the flood (40
			# connections: a short block); otherwise once at the end
			if [ "$sc" = persist ]; then
				python3 bench/storestats.py sample "$CONSOLE" "$OUT/$target.log" \
					"$console" 1 & SAMPLER_PID=$!
			fi
		fi
		line=$("${BENCH_PIN[@]}" "$BENCH" --proto "$proto" --port "$port" \
			--server-pid "$SERVER_PID" --duration "$DURATION" ${ARGS[$sc]} "${setup[@]}" \
			--label "$sc $target" --json) || true
		if [ -n "$console" ]; then
			stop_sampler
			python3 bench/storestats.py once "$CONSOLE" "$OUT/$target.log" "$console" ||
				echo "  ($sc $target: no STATS from the console)" >&2
			[ -n "$line" ] && line=$(python3 bench/storestats.py merge "$line" "$console")
		fi
		stop_server
		if [ -z "$line" ]; then
			line="{\"label\":\"$sc $target\",\"pass\":false,\"error\":\"no result\"}"
		fi
		# Repeat a run that other processes disturbed or that was killed
		# from outside; a correctness failure is never retried away.
		local why
		why=$(echo "$line" | python3 -c 'import json,sys; r=json.load(sys.stdin)
if "interrupted" in r.get("error", ""): print("interrupted")
elif r.get("other_cpu_pct", 0) > 15: print("disturbed by other load")')
		# Retries stop once the suite is past its time budget.
		[ -n "$why" ] && [ "$attempt" -lt 2 ] && [ "$SECONDS" -lt "$BUDGET" ] || break
		echo "  ($sc $target $why, attempt $attempt: repeating)" >&2
	done
	echo "$line" >> "$RESULTS"
	echo "$line" | python3 bench/table.py --one >&2
}

targets_for() {
	local sc=$1 b
	case $sc in irc-*)
		echo inspircd ngircd parleyd-irc
		return ;;
	esac
	case $sc in flood*|*-limit|*-data|persist) ;; *) echo redis ;; esac
	for b in $BACKENDS; do
		# select cannot watch descriptors >= FD_SETSIZE (1024).
		if [ "$b" = select ] && [ "${sc%-tls}" = d ]; then continue; fi
		echo "parleyd-$b"
	done
}

# busy_pct SECONDS: share of one CPU the whole machine used meanwhile.
busy_pct() {
	local a b
	a=$(head -1 /proc/stat); sleep "$1"; b=$(head -1 /proc/stat)
	echo "$a $b" | awk -v s="$1" -v hz="$(getconf CLK_TCK)" \
		'{ u = ($13+$14+$15+$18+$19+$20) - ($2+$3+$4+$7+$8+$9); printf "%d", 100*u/(hz*s) }'
}

# Waits (up to BENCH_QUIET_WAIT seconds) for other jobs to go quiet: the
# figures are only comparable on an otherwise idle machine.
wait_quiet() {
	local waited=0 busy
	while busy=$(busy_pct 1); [ "$busy" -gt 15 ] && [ "$waited" -lt "$QUIET_WAIT" ]; do
		[ "$waited" -eq 0 ] && echo "waiting for the machine to go quiet (busy ${busy}% of a CPU)" >&2
		waited=$((waited + 1))
	done
	[ "$busy" -le 15 ] || echo "warning: machine still busy (${busy}% of a CPU); figures will be noisy" >&2
}

wait_quiet
echo "parley bench: $(nproc) CPUs, server pinned: ${SERVER_PIN[*]:-no}, duration ${DURATION}s" >&2
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for sc in $SCENARIOS; do
	echo "== $sc: ${WHAT[$sc]}" >&2
	for target in $(targets_for "$sc"); do
		run_one "$sc" "$target"
	done
done

# table.py's status is the suite's: non-zero only when a run failed its
# correctness checks (or gave no result), never for a missed or disturbed
# target (pipefail carries it through tee).
python3 bench/table.py "$RESULTS" | tee "$OUT/table.txt"
