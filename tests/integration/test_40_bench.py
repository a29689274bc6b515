"""40 bench: the benchmark's verdicts and its --server-pid check, without
running a benchmark.

bench/table.py reads synthetic parley-bench --json results: a target is
judged met or MISSED only on undisturbed runs; a run that other load
disturbed (or whose Redis baseline was disturbed) is printed `disturbed`;
the exit status is non-zero only for correctness failures. parley-bench
must refuse a --server-pid that is a list (what `pidof` prints when several
servers run), empty, or not a running process, with a message saying which.
"""

import json
import os
import subprocess
import sys

import harness

TABLE = os.path.join(harness.REPO, "bench", "table.py")
BENCH = os.path.join(harness.REPO, harness.BUILD, "parley-bench")


def result(label, dps, us1k, other=2.0, passed=True, limit="server", error=""):
    return {"label": label, "deliveries_per_s": dps,
            "server": {"cpu_pct": 99.0, "us_per_1000_deliveries": us1k,
                       "rss_per_conn_bytes": 400.0},
            "latency_us": {"p50": 50.0, "p99": 500.0, "p999": 900.0},
            "generator_cpu_pct": 80.0, "other_cpu_pct": other, "limit": limit,
            "pass": passed, "error": error,
            "checks": {"lost": 0 if passed else 3, "duplicated": 0}}


def table(tmp_path, results):
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in results))
    proc = subprocess.run([sys.executable, TABLE, str(path)], capture_output=True,
                          text=True, timeout=30)
    return proc.returncode, proc.stdout


def verdicts(out, prefix):
    return [line.strip() for line in out.splitlines() if line.strip().startswith(prefix)]


def test_quiet_runs_get_met_and_missed(tmp_path):
    rc, out = table(tmp_path, [result("a1 redis", 4e6, 200.0),
                               result("a1 parleyd-epoll", 9e6, 90.0),
                               result("a4 redis", 6e6, 150.0),
                               result("a4 parleyd-epoll", 7e6, 120.0)])
    assert rc == 0, out
    assert verdicts(out, "a1 parleyd-epoll: us1k") == ["a1 parleyd-epoll: us1k <= 0.5x redis: 0.45 met"]
    assert verdicts(out, "a4 parleyd-epoll: us1k") == ["a4 parleyd-epoll: us1k <= 0.5x redis: 0.80 MISSED"]
    assert "2 met, 2 MISSED, 0 disturbed" in out
    assert "issue" not in out


def test_disturbed_runs_are_not_judged(tmp_path):
    rc, out = table(tmp_path, [result("a1 redis", 4e6, 200.0),
                               result("a1 parleyd-epoll", 3e6, 150.0, other=40.0,
                                      limit="disturbed"),
                               result("a4 redis", 6e6, 150.0, other=22.0),
                               result("a4 parleyd-poll", 3e6, 140.0)])
    assert rc == 0, out  # missed or disturbed targets never fail the suite
    lines = verdicts(out, "a1 parleyd-epoll") + verdicts(out, "a4 parleyd-poll")
    assert len(lines) == 4, out
    for line in lines:
        assert "disturbed" in line and "met" not in line and "MISSED" not in line, line
    assert "other load 40% of a core" in lines[0]
    assert "redis run: other load 22% of a core" in lines[2]
    assert "0 met, 0 MISSED, 4 disturbed" in out
    assert "(disturbed: other load 40% of a core)" in out  # the run table marks it too


def test_interrupted_run_is_disturbed_not_failed(tmp_path):
    rc, out = table(tmp_path, [result("a1 redis", 4e6, 200.0),
                               result("a1 parleyd-epoll", 0, 0, passed=False,
                                      error="interrupted by SIGTERM")])
    assert rc == 0, out
    assert "disturbed: interrupted" in out


def test_correctness_failure_fails_the_suite(tmp_path):
    rc, out = table(tmp_path, [result("a1 redis", 4e6, 200.0),
                               result("a1 parleyd-epoll", 9e6, 90.0, passed=False,
                                      error="lost message")])
    assert rc == 1, out
    assert "correctness: FAILED in 1 run(s): a1 parleyd-epoll" in out


def bench_pid(value):
    proc = subprocess.run([BENCH, "--server-pid", value, "--duration", "0.1"],
                          capture_output=True, text=True, timeout=30)
    first = proc.stderr.splitlines()[0] if proc.stderr else ""
    return proc.returncode, first


def test_bench_refuses_several_pids():
    rc, err = bench_pid("4242 977")
    assert rc == 2
    assert "takes one process id, got '4242 977'" in err and "several servers" in err


def test_bench_refuses_empty_pid():
    rc, err = bench_pid("")
    assert rc == 2
    assert "no server process was found" in err


def test_bench_refuses_a_pid_that_is_not_running():
    # The highest pid the kernel can hand out is never a process right now
    # unless pid_max was lowered under us; read it rather than guess.
    with open("/proc/sys/kernel/pid_max") as f:
        pid = int(f.read()) - 1
    while os.path.exists(f"/proc/{pid}"):
        pid -= 1
    rc, err = bench_pid(str(pid))
    assert rc == 2
    assert f"--server-pid {pid}: no such process" in err
