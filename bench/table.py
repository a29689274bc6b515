#!/usr/bin/env python3
"""bench/table.py: formats parley-bench --json results (one object per line,
labelled "<scenario> <target>") as the scenario table with parleyd/redis
ratios and the issue #4 targets, then the IRC scenarios ("irc-*") with
parleyd-irc / InspIRCd / ngIRCd ratios and the IRC targets. `--one` prints a one-line summary of a
single result read from stdin (run.sh's progress output)."""
import json
import sys

# scenario -> (figure key, comparison, bound) checked against redis
TARGETS = {
    "a1": [("us1k", "<=", 0.5), ("dps", ">=", 1.5)],
    "a4": [("us1k", "<=", 0.5), ("dps", ">=", 1.5)],
    "b": [("p99", "<=", 1.0)],
    "c": [("us1k", "<=", 0.7)],
}
ABSOLUTE = {"b": ("p99", "<", 1000.0, "p99 < 1 ms"),
            "d": ("rss", "<=", 512.0, "RSS/conn <= 512 B")}


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
    return [sc, target] + cells + [r.get("limit", "-"), ok]


def print_rows(rows, head):
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    for line in [head] + rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def ratios(results):
    by = {}
    for r in results:
        sc, _, target = r.get("label", "? ?").partition(" ")
        f = figures(r)
        if not r.get("pass"):  # a failed run has no comparable figures
            f = {k: None for k in f}
        by.setdefault(sc, {})[target] = f
    rows, verdicts = [], []
    for sc, targets in by.items():
        base = targets.get("redis")
        for target, f in targets.items():
            if target == "redis" or base is None:
                continue
            rs = {k: ratio(f[k], base[k]) for k in ("dps", "us1k", "p99", "rss")}
            rows.append([sc, target] + [fmt(rs[k], "{:.2f}x") for k in ("dps", "us1k", "p99", "rss")])
            for key, op, bound in TARGETS.get(sc, []):
                verdicts.append(check(sc, target, key, rs[key], op, bound, "x redis"))
            if sc in ABSOLUTE:
                key, op, bound, text = ABSOLUTE[sc]
                verdicts.append(check(sc, target, key, f[key], op, bound, "", text))
    return rows, verdicts


# IRC scenarios: figures against InspIRCd and ngIRCd; targets apply to
# parleyd's IRC listener only.
IRC_BASES = ("inspircd", "ngircd")
IRC_TARGETS = {"irc-a1": [("us1k", "<=", 0.5, "inspircd")]}
IRC_ABSOLUTE = {"irc-d": ("rss", "<=", 1024.0, "RSS/conn <= 1 KiB")}


def irc_ratios(results):
    by = {}
    for r in results:
        sc, _, target = r.get("label", "? ?").partition(" ")
        if sc.startswith("irc-"):
            f = figures(r)
            by.setdefault(sc, {})[target] = f if r.get("pass") else {k: None for k in f}
    rows, verdicts = [], []
    keys = ("dps", "us1k", "p99", "rss")
    for sc, targets in by.items():
        for target, f in targets.items():
            for base in IRC_BASES:
                # InspIRCd is the reference: no row of it against ngIRCd
                if target in (base, "inspircd") or base not in targets:
                    continue
                rs = {k: ratio(f[k], targets[base][k]) for k in keys}
                rows.append([sc, f"{target} / {base}"] + [fmt(rs[k], "{:.2f}x") for k in keys])
                for key, op, bound, want in IRC_TARGETS.get(sc, []):
                    if target == "parleyd-irc" and base == want:
                        verdicts.append(check(sc, target, key, rs[key], op, bound, "x " + base))
            if target == "parleyd-irc" and sc in IRC_ABSOLUTE:
                key, op, bound, text = IRC_ABSOLUTE[sc]
                verdicts.append(check(sc, target, key, f[key], op, bound, "", text))
        if "parleyd-irc" not in targets:
            verdicts.append(f"  {sc} parleyd-irc: not measured (no irc listener in this parleyd)")
    return rows, verdicts


def check(sc, target, key, value, op, bound, unit, text=None):
    if value is None:
        return f"  {sc} {target}: {text or key} - no figure"
    met = value <= bound if op == "<=" else value >= bound if op == ">=" else value < bound
    what = text or f"{key} {op} {bound}{unit}"
    return f"  {sc} {target}: {what}: {value:.2f} {'met' if met else 'MISSED'}"


def main():
    if sys.argv[1:] == ["--one"]:
        r = json.loads(sys.stdin.read())
        c = row(r)
        print("   " + "  ".join(f"{h}={v}" for (h, _, _), v in zip(COLS, c[2:])) +
              f"  limit={c[-2]}  {c[-1]}")
        return
    results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    head = ["scen", "server"] + [h for h, _, _ in COLS] + ["limit", "check"]
    print_rows([row(r) for r in results], head)
    rows, verdicts = ratios(results)
    print("\nparleyd / redis (deliveries/s: higher is better; CPU, latency, RSS: lower)")
    print_rows(rows, ["scen", "server", "deliv/s", "us/1k", "p99", "RSS/conn"])
    print("\ntargets (issue #4)")
    print("\n".join(verdicts))
    irc_rows, irc_verdicts = irc_ratios(results)
    if irc_rows:
        print("\nIRC servers side by side (deliveries/s: higher is better; CPU, latency, RSS: lower)")
        print_rows(irc_rows, ["scen", "server / base", "deliv/s", "us/1k", "p99", "RSS/conn"])
        print("\nIRC targets (issue #9)")
        print("\n".join(irc_verdicts))


if __name__ == "__main__":
    main()
