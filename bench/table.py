#!/usr/bin/env python3
"""bench/table.py: formats parley-bench --json results (one object per line,
labelled "<scenario> <target>") as the scenario table with parleyd/redis
ratios and the performance targets of docs/BENCHMARKS.md, then the IRC
scenarios ("irc-*") with parleyd-irc / InspIRCd / ngIRCd ratios and the IRC
targets, then the persistence scenarios (a1-data and c-data beside a1 and c
of the same run, and persist's committed lines per second) with the store
counters and loop iteration times bench/storestats.py merged in. `--one` prints a one-line summary of a single result read from
stdin (run.sh's progress output).

A target is judged only on undisturbed runs: when other processes took CPU
during a run (or during the Redis run it is compared with), or the run was
interrupted from outside, its verdict is `disturbed`, never met or MISSED.
Exit status: 1 if any run failed a correctness check (a message lost,
duplicated, out of order, from the wrong room, unacknowledged, an error
reply) or produced no result; 0 otherwise, whatever the targets say."""
import json
import sys

# scenario -> (figure key, comparison, bound) checked against redis
TARGETS = {
    "a1": [("us1k", "<=", 0.5), ("dps", ">=", 1.5)],
    "a4": [("us1k", "<=", 0.5), ("dps", ">=", 1.5)],
    "b": [("p99", "<=", 1.0)],
    "c": [("us1k", "<=", 0.7)],
    "a1-tls": [("us1k", "<=", 0.7)],
}
ABSOLUTE = {"b": ("p99", "<", 1000.0, "p99 < 1 ms"),
            "d": ("rss", "<=", 512.0, "RSS/conn <= 512 B"),
            "d-tls": ("rss", "<=", 8192.0, "RSS/conn <= 8 KiB")}
# Other processes above this share of a core disturb a run (parley-bench's
# own threshold, bench/report.c).
DISTURBED_PCT = 15.0


def disturbance(r):
    """Why a run's figures are not comparable, or None."""
    if "interrupted" in r.get("error", ""):
        return "interrupted"
    other = r.get("other_cpu_pct") or 0
    if r.get("limit") == "disturbed" or other >= DISTURBED_PCT:
        return f"other load {other:.0f}% of a core"
    return None


def correctness_failed(r):
    """A failed run that was not merely interrupted from outside."""
    return not r.get("pass") and disturbance(r) != "interrupted"


def figures(r):
    srv = r.get("server") or {}
    lat = r.get("latency_us") or {}
    return {
        "dps": r.get("deliveries_per_s"),
        "us1k": srv.get("us_per_1000_deliveries"),
        "p50": lat.get("p50"), "p99": lat.get("p99"), "p999": lat.get("p999"),
        "srv": srv.get("cpu_pct"), "gen": r.get("generator_cpu_pct"),
        "oth": r.get("other_cpu_pct"), "rss": srv.get("rss_per_conn_bytes"),
    }


def fmt(v, spec="{:.0f}"):
    return "-" if v is None else spec.format(v)


COLS = [("deliv/s", "dps", "{:.0f}"), ("us/1k", "us1k", "{:.1f}"),
        ("p50us", "p50", "{:.0f}"), ("p99us", "p99", "{:.0f}"),
        ("p99.9us", "p999", "{:.0f}"), ("srv%", "srv", "{:.0f}"),
        ("gen%", "gen", "{:.0f}"), ("oth%", "oth", "{:.0f}"),
        ("RSS/conn", "rss", "{:.0f}")]


def row(r):
    sc, _, target = r.get("label", "? ?").partition(" ")
    f = figures(r)
    cells = [fmt(f[k], spec) for _, k, spec in COLS]
    ok = "ok" if r.get("pass") else "FAIL " + r.get("error", "")
    why = disturbance(r)
    if why:
        ok += f" (disturbed: {why})"
    return [sc, target] + cells + [r.get("limit", "-"), ok]


def print_rows(rows, head):
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    for line in [head] + rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def ratios(results):
    """(ratio rows, verdict lines, verdict counts by outcome)."""
    by = {}
    for r in results:
        sc, _, target = r.get("label", "? ?").partition(" ")
        f = figures(r)
        if not r.get("pass"):  # a failed run has no comparable figures
            f = {k: None for k in f}
        by.setdefault(sc, {})[target] = (f, disturbance(r))
    rows, verdicts = [], []
    for sc, targets in by.items():
        base, base_why = targets.get("redis", (None, None))
        for target, (f, why) in targets.items():
            if target == "redis" or base is None:
                continue
            rs = {k: ratio(f[k], base[k]) for k in ("dps", "us1k", "p99", "rss")}
            rows.append([sc, target] + [fmt(rs[k], "{:.2f}x") for k in ("dps", "us1k", "p99", "rss")])
            pair_why = why or (base_why and "redis run: " + base_why)
            for key, op, bound in TARGETS.get(sc, []):
                verdicts.append(check(sc, target, key, rs[key], op, bound, "x redis",
                                      disturbed=pair_why))
            if sc in ABSOLUTE:
                key, op, bound, text = ABSOLUTE[sc]
                verdicts.append(check(sc, target, key, f[key], op, bound, "", text,
                                      disturbed=why))
    counts = {}
    for outcome, _ in verdicts:
        counts[outcome] = counts.get(outcome, 0) + 1
    return rows, [line for _, line in verdicts], counts


# IRC scenarios: figures against InspIRCd and ngIRCd; targets apply to
# parleyd's IRC listener only.
IRC_BASES = ("inspircd", "ngircd")
IRC_TARGETS = {"irc-a1": [("us1k", "<=", 0.5, "inspircd")]}
IRC_ABSOLUTE = {"irc-d": ("rss", "<=", 1024.0, "RSS/conn <= 1 KiB")}


def irc_ratios(results):
    """(ratio rows, (outcome, line) verdicts) for the irc-* scenarios."""
    by = {}
    for r in results:
        sc, _, target = r.get("label", "? ?").partition(" ")
        if sc.startswith("irc-"):
            f = figures(r)
            if not r.get("pass"):
                f = {k: None for k in f}
            by.setdefault(sc, {})[target] = (f, disturbance(r))
    rows, verdicts = [], []
    keys = ("dps", "us1k", "p99", "rss")
    for sc, targets in by.items():
        for target, (f, why) in targets.items():
            for base in IRC_BASES:
                # InspIRCd is the reference: no row of it against ngIRCd
                if target in (base, "inspircd") or base not in targets:
                    continue
                bf, base_why = targets[base]
                rs = {k: ratio(f[k], bf[k]) for k in keys}
                rows.append([sc, f"{target} / {base}"] + [fmt(rs[k], "{:.2f}x") for k in keys])
                pair_why = why or (base_why and base + " run: " + base_why)
                for key, op, bound, want in IRC_TARGETS.get(sc, []):
                    if target == "parleyd-irc" and base == want:
                        verdicts.append(check(sc, target, key, rs[key], op, bound,
                                              "x " + base, disturbed=pair_why))
            if target == "parleyd-irc" and sc in IRC_ABSOLUTE:
                key, op, bound, text = IRC_ABSOLUTE[sc]
                verdicts.append(check(sc, target, key, f[key], op, bound, "", text,
                                      disturbed=why))
        if "parleyd-irc" not in targets:
            verdicts.append(("no figure", f"  {sc} parleyd-irc: not measured"))
    return rows, verdicts


# Persistence: "<sc>-data" against "<sc>" on the same server (CPU per
# delivery), and persist's committed room lines per second.
DATA_TARGET = ("us1k", "<=", 1.10)
PERSIST_TARGET = ("committed_per_s", ">=", 50000.0, "committed lines/s >= 50,000")


def store_figures(r):
    st = r.get("store") or {}
    return {k: st.get(k) for k in ("committed_per_s", "appended_per_s", "max_pending",
                                   "committed", "pending", "dropped", "errors",
                                   "p50_us", "p99_us", "max_us", "iterations")}


def store_rows(results):
    """(rows, (outcome, line) verdicts) for the persistence scenarios."""
    by = {}
    for r in results:
        sc, _, target = r.get("label", "? ?").partition(" ")
        by.setdefault(sc, {})[target] = r
    rows, verdicts = [], []
    for sc, targets in by.items():
        if not (sc.endswith("-data") or sc == "persist"):
            continue
        for target, r in targets.items():
            f, st = figures(r), store_figures(r)
            base_r = by.get(sc[:-len("-data")], {}).get(target) if sc.endswith("-data") else None
            base = figures(base_r) if base_r and base_r.get("pass") else None
            rs = ratio(f["us1k"], base["us1k"]) if base and r.get("pass") else None
            rows.append([sc, target, fmt(base and base["us1k"], "{:.1f}"), fmt(f["us1k"], "{:.1f}"),
                         fmt(rs, "{:.2f}x"), fmt(st["committed_per_s"]), fmt(st["max_pending"]),
                         fmt(st["pending"]), fmt(st["dropped"]),
                         fmt(base_r and store_figures(base_r)["p99_us"], "{:.1f}"),
                         fmt(st["p99_us"], "{:.1f}"), fmt(st["max_us"], "{:.1f}")])
            why = disturbance(r) or (base_r and disturbance(base_r) and
                                     "memory-only run: " + disturbance(base_r))
            if sc.endswith("-data"):
                key, op, bound = DATA_TARGET
                verdicts.append(check(sc, target, key, rs, op, bound, "x memory-only",
                                      disturbed=why))
            else:
                key, op, bound, text = PERSIST_TARGET
                value = st[key] if r.get("pass") else None
                verdicts.append(check(sc, target, key, value, op, bound, "", text,
                                      disturbed=why))
    return rows, verdicts


def check(sc, target, key, value, op, bound, unit, text=None, disturbed=None):
    """(outcome, line): outcome is met, MISSED, disturbed or no figure."""
    what = text or f"{key} {op} {bound}{unit}"
    if value is None:
        return "no figure", f"  {sc} {target}: {what}: - no figure"
    if disturbed:
        return "disturbed", (f"  {sc} {target}: {what}: {value:.2f} disturbed "
                             f"({disturbed}; no verdict, rerun on a quiet machine)")
    met = value <= bound if op == "<=" else value >= bound if op == ">=" else value < bound
    outcome = "met" if met else "MISSED"
    return outcome, f"  {sc} {target}: {what}: {value:.2f} {outcome}"


def main():
    if sys.argv[1:] == ["--one"]:
        r = json.loads(sys.stdin.read())
        c = row(r)
        st = store_figures(r)
        extra = "".join(f"  {name}={fmt(st[k], spec)}" for name, k, spec in
                        (("commit/s", "committed_per_s", "{:.0f}"), ("pending", "pending", "{:.0f}"),
                         ("loop_p99us", "p99_us", "{:.1f}")) if st[k] is not None)
        print("   " + "  ".join(f"{h}={v}" for (h, _, _), v in zip(COLS, c[2:])) +
              f"  limit={c[-2]}  {c[-1]}{extra}")
        return 0
    if len(sys.argv) != 2:
        print("usage: table.py RESULTS.jsonl | table.py --one < RESULT.json", file=sys.stderr)
        return 2
    results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    head = ["scen", "server"] + [h for h, _, _ in COLS] + ["limit", "check"]
    print_rows([row(r) for r in results], head)
    rows, verdicts, counts = ratios(results)
    print("\nparleyd / redis (deliveries/s: higher is better; CPU, latency, RSS: lower)")
    print_rows(rows, ["scen", "server", "deliv/s", "us/1k", "p99", "RSS/conn"])
    print("\ntargets (see docs/BENCHMARKS.md)")
    print("\n".join(verdicts))
    irc_rows, irc_verdicts = irc_ratios(results)
    if irc_rows or irc_verdicts:
        print("\nIRC servers side by side (deliveries/s: higher is better; CPU, latency, RSS: lower)")
        print_rows(irc_rows, ["scen", "server / base", "deliv/s", "us/1k", "p99", "RSS/conn"])
        print("\nIRC targets (see docs/BENCHMARKS.md)")
        print("\n".join(line for _, line in irc_verdicts))
        for outcome, _ in irc_verdicts:
            counts[outcome] = counts.get(outcome, 0) + 1
    store_tab, store_verdicts = store_rows(results)
    if store_tab:
        print("\npersistence (us/1k: server CPU per 1000 deliveries, memory-only beside "
              "--data-dir; commit/s: lines committed per second during the flood; "
              "pending and dropped at the end; loop iteration times in us)")
        print_rows(store_tab, ["scen", "server", "us/1k mem", "us/1k data", "ratio",
                               "commit/s", "max pend", "pending", "dropped",
                               "loop p99 mem", "loop p99", "loop max"])
        print("\npersistence targets (see docs/BENCHMARKS.md)")
        print("\n".join(line for _, line in store_verdicts))
        for outcome, _ in store_verdicts:
            counts[outcome] = counts.get(outcome, 0) + 1
    print("  " + ", ".join(f"{counts.get(k, 0)} {k}"
                           for k in ("met", "MISSED", "disturbed", "no figure")))
    failed = [r.get("label", "?") for r in results if correctness_failed(r)]
    if failed:
        print(f"\ncorrectness: FAILED in {len(failed)} run(s): {', '.join(failed)}")
        return 1
    print(f"\ncorrectness: every run passed ({len(results)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
