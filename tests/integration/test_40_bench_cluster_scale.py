"""40 bench, cluster scale-out: bench/cluster_scale.py's own logic, without
running a benchmark.

Its verdict must count a node that used its whole CPU quota even on a busy
machine, call a node below its quota on a busy machine disturbed, and name
Redis when Redis's own quota was the limit; its members-per-node count must
follow parley-bench's dealing; without a writable cgroup CPU controller it
must skip rather than fail; and groups left by a killed earlier run must be
removed while a live run's are kept.
"""

import os
import sys

import pytest

import harness

sys.path.insert(0, os.path.join(harness.REPO, "bench"))
import cluster_scale  # noqa: E402


def row(node_cpu, node_thr, other=0.0, redis=30.0, redis_thr=0.0, gen=5.0):
    return {"node_cpu_pct": node_cpu, "node_throttled_pct": node_thr,
            "other_cpu_pct": other, "redis_cpu_pct": redis,
            "redis_throttled_pct": redis_thr, "generator_cpu_pct": gen}


def test_node_at_quota_counts_on_a_busy_machine():
    assert cluster_scale.limit_of(row([10.0, 9.8], [99.0, 95.0], other=150.0), 10) == \
        "node quota"


def test_node_below_quota_on_a_busy_machine_is_disturbed():
    assert cluster_scale.limit_of(row([6.0, 5.0], [3.0, 0.0], other=150.0), 10) == \
        "disturbed"


def test_redis_quota_is_named():
    assert cluster_scale.limit_of(row([7.0, 8.0], [2.0, 6.0], redis_thr=99.0), 10) == \
        "redis quota"
    assert cluster_scale.limit_of(row([10.0, 10.0], [98.0, 92.0], redis_thr=96.0), 10) == \
        "node+redis quota"


def test_quiet_unsaturated_run_names_what_bound_it():
    assert cluster_scale.limit_of(row([4.0], [0.0], redis=95.0), 10) == "redis"
    assert cluster_scale.limit_of(row([4.0], [0.0], gen=97.0), 10) == "generator"
    assert cluster_scale.limit_of(row([4.0], [0.0]), 10) == "window"


def test_members_per_node_follows_parley_bench():
    # the same placements tests/unit/test_bench_options.c checks on the C side
    assert cluster_scale.members_per_node(3, "members") == [100, 100, 100]
    assert cluster_scale.members_per_node(2, "rooms") == [150, 150]
    assert cluster_scale.members_per_node(1, "members") == [300]


def test_samples_are_interpolated_at_the_window_edges():
    samples = [{"t": 0.0, "redis": 0, "nodes": [0], "thr": [(0, 0)]},
               {"t": 1.0, "redis": 100, "nodes": [10], "thr": [(50, 40)]}]
    assert cluster_scale.at(samples, 0.25, "redis") == pytest.approx(25)
    assert cluster_scale.at(samples, 0.5, "nodes", 0) == pytest.approx(5)
    assert cluster_scale.at(samples, 0.5, "thr", 0) == pytest.approx((25, 20))
    assert cluster_scale.at(samples, 3.0, "redis") == 100  # past the end: last


def test_without_a_cgroup_controller_it_skips(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster_scale, "CG_V1", str(tmp_path / "v1"))
    monkeypatch.setattr(cluster_scale, "CG_V2", str(tmp_path / "v2"))
    with pytest.raises(cluster_scale.Skip):
        cluster_scale.CpuGroups(10)


def test_stale_groups_of_a_dead_run_are_removed(tmp_path, monkeypatch):
    root = tmp_path / "cpu"
    root.mkdir()
    (root / "cpu.cfs_quota_us").write_text("-1\n")
    dead = root / "parley-bench-999999999-n1"
    dead_redis = root / "parley-bench-999999999-redis"
    live = root / f"parley-bench-{os.getpid()}-n1"
    other = root / "someone-else"
    for d in (dead, dead_redis, live, other):
        d.mkdir()
    monkeypatch.setattr(cluster_scale, "CG_V1", str(root))
    groups = cluster_scale.CpuGroups(10)
    assert groups.version == 1
    assert not dead.exists() and not dead_redis.exists()
    assert live.exists() and other.exists()
