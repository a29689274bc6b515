#!/usr/bin/env python3
"""bench/cluster_scale.py: does the cluster's capacity grow with nodes?
(`make bench-cluster-scale`, docs/BENCHMARKS.md "Capacity per node").

On a small shared machine, three parleyd nodes, Redis and the load generator
compete for the same cores, so adding nodes adds nothing. To model "one node
per machine", every parleyd node here gets the same fixed CPU budget with a
cgroup CPU quota (cgroup v1 cpu.cfs_quota_us, or v2 cpu.max); Redis and the
generator stay unrestricted. The many-small-rooms workload (30 rooms of 10,
a publisher in every room sending as fast as acknowledged) then saturates
the quota'd nodes, and deliveries/s with 1, 2 and 3 nodes is the capacity
at that budget. Two placements of users on nodes:

  members  each room's members dealt over every node (every node hears every
           room's lines from Redis; a plain round-robin balancer)
  rooms    each room wholly on one node (a balancer with room affinity)

plus one parleyd without Redis at the same quota for reference. CPU is read
from /proc for every node and for Redis over the measured window (sampled
every 50 ms, interpolated at the window's edges); the cgroup's cpu.stat
says whether a node's quota was the binding limit (throttled periods).

Everything is bounded: fixed runs, parley-bench's own watchdog, a timeout on
top, loopback ports only. Cgroups are removed on exit, Ctrl-C or failure
(and stale ones from a killed earlier run are removed first). Without a
writable cgroup CPU controller the scenario says so and exits 0 (skipped).

Environment: PARLEY_BUILD (build), BENCH_OUT ($PARLEY_BUILD/bench-cluster),
BENCH_DURATION (measured seconds, 4), BENCH_REPEAT (rounds, 3),
BENCH_NODE_QUOTA (per-node CPU budget in % of one core, 5 to 100; 10),
BENCH_REDIS_QUOTA (0: Redis unrestricted; else its budget in %, to show
where Redis becomes the limit), BENCH_SPREADS ("members rooms"), BENCH_NODES (cluster sizes, "1 2 3"; 1 is
always run, as the base), REDIS_SERVER (redis-server).
Exit status: 1 if a run failed parley-bench's correctness checks or gave no
result, 2 on a setup error, else 0."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

CG_V1 = "/sys/fs/cgroup/cpu"
CG_V2 = "/sys/fs/cgroup"
CG_PREFIX = "parley-bench-"
# A short period keeps a throttled node's pauses short (a 100 ms period
# would stall it for up to 90 ms at a time); the kernel's least quota is
# 1 ms, so budgets go down to 5% of a core.
PERIOD_US = 20000
HZ = os.sysconf("SC_CLK_TCK")
CLIENTS, ROOMS = 300, 30
SETTLE_S, WARMUP_S = 0.2, 1.0


class Skip(Exception):
    """No cgroup CPU controller we may write: the scenario cannot run."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- cgroups ----

class CpuGroups:
    """One CPU-quota cgroup per node, under v1's cpu hierarchy or v2's root."""

    def __init__(self, quota_pct):
        self.quota_us = int(PERIOD_US * quota_pct / 100)
        self.paths = []
        if os.access(os.path.join(CG_V1, "cpu.cfs_quota_us"), os.W_OK):
            self.version, self.root = 1, CG_V1
        elif self._v2_cpu_available():
            self.version, self.root = 2, CG_V2
        else:
            raise Skip("no writable cgroup CPU controller (need root and "
                       f"{CG_V1}/cpu.cfs_quota_us or cpu in {CG_V2}/cgroup.controllers)")
        self._remove_stale()

    @staticmethod
    def _v2_cpu_available():
        try:
            with open(os.path.join(CG_V2, "cgroup.controllers")) as f:
                if "cpu" not in f.read().split():
                    return False
            ctl = os.path.join(CG_V2, "cgroup.subtree_control")
            with open(ctl) as f:
                if "cpu" not in f.read().split():
                    with open(ctl, "w") as w:
                        w.write("+cpu")
            return os.access(CG_V2, os.W_OK)
        except OSError:
            return False

    def _remove_stale(self):
        """Groups left by an earlier run that was killed outright."""
        for name in os.listdir(self.root):
            m = re.fullmatch(CG_PREFIX + r"(\d+)-(n\d+|redis)", name)
            if m and not os.path.exists(f"/proc/{m.group(1)}"):
                try:
                    os.rmdir(os.path.join(self.root, name))
                except OSError as e:
                    log(f"cluster_scale: cannot remove stale cgroup {name}: {e}")

    def create(self, who, quota_pct=None):
        """A group for `who` (a node number, or "redis") at the node quota
        or at quota_pct."""
        quota_us = self.quota_us if quota_pct is None else int(PERIOD_US * quota_pct / 100)
        name = f"n{who}" if isinstance(who, int) else who
        path = os.path.join(self.root, f"{CG_PREFIX}{os.getpid()}-{name}")
        os.mkdir(path)
        self.paths.append(path)
        if self.version == 1:
            self._write(path, "cpu.cfs_period_us", PERIOD_US)
            self._write(path, "cpu.cfs_quota_us", quota_us)
        else:
            self._write(path, "cpu.max", f"{quota_us} {PERIOD_US}")
        return path

    @staticmethod
    def _write(path, name, value):
        with open(os.path.join(path, name), "w") as f:
            f.write(f"{value}\n")

    def adopt(self, path, pid):
        self._write(path, "cgroup.procs", pid)

    @staticmethod
    def throttle(path):
        """(periods, throttled periods) so far."""
        stat = {}
        with open(os.path.join(path, "cpu.stat")) as f:
            for line in f:
                k, v = line.split()
                stat[k] = int(v)
        return stat.get("nr_periods", 0), stat.get("nr_throttled", 0)

    def remove_all(self):
        """Removes every group; their processes must have exited."""
        for path in self.paths:
            for _ in range(100):
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)  # the killed node is still leaving
            else:
                log(f"cluster_scale: could not remove {path}")
        self.paths = []


# ---- processes ----

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_for(cond, what, proc, timeout=5.0):
    """Waits for cond() while `proc` lives."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with status {proc.returncode}")
        time.sleep(0.02)
    raise RuntimeError(f"timed out waiting for {what}")


def log_has(path, word):
    try:
        with open(path) as f:
            return word in f.read()
    except OSError:
        return False


def redis_up(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Target:
    """Redis (unless nodes == 0) and parleyd nodes, each node in its group."""

    def __init__(self, env, groups, name, nodes):
        self.env, self.groups, self.name = env, groups, name
        self.procs, self.node_pids, self.ports, self.cgroups = [], [], [], []
        self.redis_pid = self.redis_cgroup = None
        self.nodes = nodes

    def spawn(self, argv, logname):
        with open(os.path.join(self.env["out"], logname), "w") as logf:
            p = subprocess.Popen(self.env["nice"] + argv, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=logf)
        self.procs.append(p)
        return p

    def start(self):
        rport = None
        if self.nodes > 0:
            rport = free_port()
            p = self.spawn([self.env["redis"], "--port", str(rport), "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no"], f"{self.name}-redis.log")
            self.redis_pid = p.pid
            if self.env["redis_quota"]:
                self.redis_cgroup = self.groups.create("redis", self.env["redis_quota"])
                self.groups.adopt(self.redis_cgroup, p.pid)
            wait_for(lambda: redis_up(rport), "redis-server", p)
        for i in range(1, max(self.nodes, 1) + 1):
            port = free_port()
            argv = [self.env["parleyd"], "--listen", f"chat:127.0.0.1:{port}",
                    "--max-clients", "20000", "--log-level", "warn",
                    # all the load comes from one address and saturates on
                    # purpose: lift the per-address and rate limits
                    "--rate-limit", "off", "--byte-rate", "off", "--max-per-ip", "0",
                    "--connect-rate", "off"]
            if self.nodes > 0:
                argv += ["--redis", f"127.0.0.1:{rport}", "--node-name", f"n{i}",
                         "--log-level", "info"]
            logname = f"{self.name}-n{i}.log"
            p = self.spawn(argv, logname)
            path = self.groups.create(i)
            self.groups.adopt(path, p.pid)
            self.cgroups.append(path)
            self.node_pids.append(p.pid)
            self.ports.append(port)
            logpath = os.path.join(self.env["out"], logname)
            if self.nodes > 0:
                wait_for(lambda: log_has(logpath, "CLUSTER_ONLINE"), f"node n{i} online", p)
            else:
                wait_for(lambda: self._listening(port), "parleyd listening", p)

    @staticmethod
    def _listening(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def sample(self):
        """One timestamped reading of every node's and Redis's CPU ticks and
        every node's throttling counters."""
        return {"t": time.monotonic(),
                "nodes": [cpu_ticks(p) for p in self.node_pids],
                "redis": cpu_ticks(self.redis_pid) if self.redis_pid else 0,
                "thr": [CpuGroups.throttle(g) for g in self.cgroups],
                "rthr": CpuGroups.throttle(self.redis_cgroup) if self.redis_cgroup else (0, 0)}

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []
        self.groups.remove_all()


# ---- one run ----

def members_per_node(nodes, spread):
    """How many of the 300 members each node holds (parley-bench's dealing)."""
    counts = [0] * nodes
    for cid in range(CLIENTS):
        room = cid % ROOMS
        counts[room % nodes if spread == "rooms" else (room + cid // ROOMS) % nodes] += 1
    return counts


def at(samples, t, key, idx=None):
    """`key` (index `idx`) linearly interpolated at time t."""
    def val(s):
        v = s[key]
        return v[idx] if idx is not None else v
    for a, b in zip(samples, samples[1:]):
        if a["t"] <= t <= b["t"]:
            f = (t - a["t"]) / (b["t"] - a["t"]) if b["t"] > a["t"] else 0.0
            if isinstance(val(a), tuple):
                return tuple(x + f * (y - x) for x, y in zip(val(a), val(b)))
            return val(a) + f * (val(b) - val(a))
    return val(samples[0] if t < samples[0]["t"] else samples[-1])


def run(env, groups, nodes, spread, rnd):
    """One target under load: its figures, or an error row (a server that
    would not start or died, a generator that gave no result)."""
    name = f"r{rnd}-{'single' if nodes == 0 else f'c{nodes}'}-{spread}"
    try:
        return measure(env, groups, nodes, spread, rnd, name)
    except (OSError, RuntimeError, ValueError) as e:
        return {"name": name, "nodes": nodes, "spread": spread, "round": rnd,
                "error": f"{type(e).__name__}: {e}"}


def measure(env, groups, nodes, spread, rnd, name):
    target = Target(env, groups, name, nodes)
    try:
        target.start()
        argv = env["nice"] + [env["bench"], "--proto", "chat", "--port",
                              ",".join(map(str, target.ports)), "--clients", str(CLIENTS),
                              "--rooms", str(ROOMS), "--publishers", str(ROOMS),
                              "--spread", spread, "--duration", str(env["duration"]),
                              "--warmup", str(WARMUP_S), "--settle", str(SETTLE_S),
                              "--json", "--label", name]
        t0 = time.monotonic()
        bench = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        samples = []
        try:
            deadline = t0 + env["duration"] + 90
            while bench.poll() is None and time.monotonic() < deadline:
                samples.append(target.sample())
                time.sleep(0.05)
        finally:
            if bench.poll() is None:
                bench.kill()
        out, err = bench.communicate()
        if not out.strip() or len(samples) < 2:
            return {"name": name, "nodes": nodes, "spread": spread, "round": rnd,
                    "error": err.decode(errors="replace").strip()[-300:] or "no result"}
        r = json.loads(out)
        # The measured window: after setup, settle and warmup; its edges are
        # trimmed by a quarter second to stay clear of the sampling step.
        w0 = t0 + r["setup_s"] + SETTLE_S + WARMUP_S + 0.25
        w1 = w0 + r["duration_s"] - 0.5
        return figures(r, samples, w0, w1, nodes, spread, rnd, name)
    finally:
        target.stop()


def figures(r, samples, w0, w1, nodes, spread, rnd, name):
    secs = w1 - w0
    n = max(nodes, 1)
    node_pct = [100 * (at(samples, w1, "nodes", i) - at(samples, w0, "nodes", i)) / HZ / secs
                for i in range(n)]
    redis_pct = 100 * (at(samples, w1, "redis") - at(samples, w0, "redis")) / HZ / secs
    thr = []
    for i in range(n):
        p0, t0 = at(samples, w0, "thr", i)
        p1, t1 = at(samples, w1, "thr", i)
        thr.append(100 * (t1 - t0) / (p1 - p0) if p1 > p0 else 0.0)
    rp0, rt0 = at(samples, w0, "rthr")
    rp1, rt1 = at(samples, w1, "rthr")
    redis_thr = 100 * (rt1 - rt0) / (rp1 - rp0) if rp1 > rp0 else 0.0
    dps = r["deliveries_per_s"]
    share = members_per_node(n, spread)
    per_node_us = [1e6 * pct / 100 / (dps * share[i] / CLIENTS) * 1000 if dps else 0
                   for i, pct in enumerate(node_pct)]
    checks_ok = r.get("pass", False) and all(
        v == 0 for v in r.get("checks", {}).values() if isinstance(v, int))
    return {"name": name, "nodes": nodes, "spread": spread, "round": rnd,
            "deliveries_per_s": dps, "published_per_s": r["published_per_s"],
            "p50_us": r["latency_us"]["p50"], "p99_us": r["latency_us"]["p99"],
            "node_cpu_pct": node_pct, "node_throttled_pct": thr,
            "node_us_per_1000": per_node_us,
            "nodes_us_per_1000": 1e6 * sum(node_pct) / 100 / dps * 1000 if dps else 0,
            "redis_cpu_pct": redis_pct, "redis_throttled_pct": redis_thr,
            "redis_us_per_1000": 1e6 * redis_pct / 100 / dps * 1000 if dps else 0,
            "generator_cpu_pct": r["generator_cpu_pct"],
            # parley-bench counts the nodes and Redis as "other" (it was given
            # no server pid); what is left is the rest of the machine
            "other_cpu_pct": max(0.0, r["other_cpu_pct"] - sum(node_pct) - redis_pct),
            "checks_ok": checks_ok, "bench_error": r.get("error", "")}


# ---- report ----

def limit_of(row, quota):
    """What bounded the run. A node that used its whole quota in most
    periods had its full budget whatever else the machine ran, so "node
    quota" stands even on a busy machine; anything else on a busy machine
    may be starvation, hence "disturbed"."""
    at_quota = min(row["node_cpu_pct"]) >= 0.9 * quota
    nodes_bound = at_quota and min(row["node_throttled_pct"]) >= 50
    if row["redis_throttled_pct"] >= 50:
        return "node+redis quota" if nodes_bound else "redis quota"
    if nodes_bound:
        return "node quota"
    if row["other_cpu_pct"] >= 15:
        return "disturbed"
    if row["redis_cpu_pct"] >= 90:
        return "redis"
    if row["generator_cpu_pct"] >= 90:
        return "generator"
    if max(row["node_cpu_pct"]) >= 0.9 * quota:
        return "one node's quota"
    return "window"


def table(rows, quota):
    lines = [f"{'run':22} {'deliv/s':>9} {'x1node':>6} {'p99 us':>8} {'node cpu% (thr%)':28} "
             f"{'node us/1k':>18} {'redis%(thr)':>11} {'redis us/1k':>11} {'gen%':>5} {'oth%':>5} "
             f"{'limit':17} ok"]
    base = {}
    for row in rows:
        if row["nodes"] == 1 and "error" not in row:
            base[row["round"]] = row["deliveries_per_s"]
    for row in rows:
        if "error" in row:
            lines.append(f"{row['name']:22} ERROR {row['error']}")
            continue
        b = base.get(row["round"])
        ratio = f"{row['deliveries_per_s'] / b:.2f}" if b else "-"
        cpu = " ".join(f"{c:.0f}({t:.0f})" for c, t in
                       zip(row["node_cpu_pct"], row["node_throttled_pct"]))
        us = "/".join(f"{u:.0f}" for u in row["node_us_per_1000"])
        redis = f"{row['redis_cpu_pct']:.0f}({row['redis_throttled_pct']:.0f})"
        if not row["checks_ok"]:
            lines.append(f"{row['name']:22} FAIL {row['bench_error']}")
        lines.append(f"{row['name']:22} {row['deliveries_per_s']:9.0f} {ratio:>6} "
                     f"{row['p99_us']:8.0f} {cpu:28} {us:>18} {redis:>11} "
                     f"{row['redis_us_per_1000']:11.1f} {row['generator_cpu_pct']:5.0f} "
                     f"{row['other_cpu_pct']:5.0f} {limit_of(row, quota):17} "
                     f"{'yes' if row['checks_ok'] else 'NO'}")
    return "\n".join(lines)


def main():
    build = os.environ.get("PARLEY_BUILD", "build")
    env = {"parleyd": os.path.join(build, "parleyd"),
           "bench": os.path.join(build, "parley-bench"),
           "redis": os.environ.get("REDIS_SERVER", "redis-server"),
           "out": os.environ.get("BENCH_OUT", os.path.join(build, "bench-cluster")),
           "duration": float(os.environ.get("BENCH_DURATION", "4"))}
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    quota = float(os.environ.get("BENCH_NODE_QUOTA", "10"))
    env["redis_quota"] = float(os.environ.get("BENCH_REDIS_QUOTA", "0"))
    spreads = os.environ.get("BENCH_SPREADS", "members rooms").split()
    try:
        sizes = sorted({int(n) for n in os.environ.get("BENCH_NODES", "1 2 3").split()} - {1})
    except ValueError:
        sizes = [0]
    for key in ("parleyd", "bench"):
        if not os.access(env[key], os.X_OK):
            log(f"cluster_scale: {env[key]} missing; run make first")
            return 2
    if not shutil.which(env["redis"]):
        log(f"cluster_scale: {env['redis']} not found")
        return 2
    if (not (5 <= quota <= 100) or not (env["redis_quota"] == 0 or 5 <= env["redis_quota"] <= 100) or not set(spreads) <= {"members", "rooms"}
            or not all(2 <= n <= 16 for n in sizes)):
        log("cluster_scale: BENCH_NODE_QUOTA (and BENCH_REDIS_QUOTA, if set) must be "
            "5 to 100 (%), BENCH_SPREADS "
            "words 'members' or 'rooms', BENCH_NODES numbers 1 to 16")
        return 2
    os.makedirs(env["out"], exist_ok=True)
    env["nice"] = ["nice", "-n", "-10"] if os.geteuid() == 0 else []
    # SIGTERM (make killed, a CI timeout) unwinds like Ctrl-C, through the
    # finally clauses that stop the processes and remove the groups.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # and Ctrl-C raises KeyboardInterrupt even when started from a script
    # that runs it in the background (which would inherit SIGINT ignored)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        groups = CpuGroups(quota)
    except Skip as e:
        print(f"cluster-scale: skipped: {e}")
        return 0
    plan = [(0, "members"), (1, "members")] + [(n, s) for n in sizes for s in spreads]
    rows = []
    results = os.path.join(env["out"], "scale.jsonl")
    try:
        with open(results, "w") as jf:
            for rnd in range(1, repeat + 1):
                for nodes, spread in plan:
                    row = run(env, groups, nodes, spread, rnd)
                    rows.append(row)
                    jf.write(json.dumps(row) + "\n")
                    jf.flush()
                    log(f"cluster_scale: {row['name']}: "
                        f"{row.get('deliveries_per_s', 0):.0f} deliveries/s")
    except KeyboardInterrupt:
        log("cluster_scale: interrupted; stopped every process and removed the cgroups")
        return 130
    finally:
        groups.remove_all()
    print(f"capacity per node: 30 rooms x 10, 30 publishers as fast as acknowledged; "
          f"every parleyd node limited to {quota:g}% of a core (cgroup v{groups.version}); "
          + (f"Redis to {env['redis_quota']:g}%; " if env["redis_quota"] else "Redis unlimited; ") +
          f"{env['duration']:g} s measured per run")
    print(table(rows, quota))
    print("x1node: deliveries/s over the 1-node cluster of the same round; node cpu%: each "
          "node's CPU (% of its quota periods throttled; likewise Redis); node us/1k: each node's CPU per "
          "1000 of its own members' deliveries (members' share, equal room rates assumed)")
    bad = [r for r in rows if "error" in r or not r["checks_ok"]]
    if bad:
        print(f"correctness: {len(bad)} run(s) failed: {', '.join(r['name'] for r in bad)}")
        return 1
    print(f"correctness: every run passed ({len(rows)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
