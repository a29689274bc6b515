#!/usr/bin/env python3
"""bench/storestats.py: reads parleyd's STATS over its console during a
benchmark run, for the persistence scenarios of bench/run.sh.

parleyd takes console commands on stdin and prints the STATS block on
stdout; run.sh starts it with stdin on a FIFO and stdout into a log file.

  storestats.py sample FIFO LOG OUT [INTERVAL]
      writes STATS into FIFO every INTERVAL seconds (default 1) until
      killed, appending one JSON object per block to OUT: the time this
      process saw the block (monotonic seconds), the store counters
      (appended, committed, pending, dropped, errors) and the loop figures
      (iterations, p50_us, p99_us, max_us).
  storestats.py once FIFO LOG OUT
      one sample, then exits.
  storestats.py merge RESULT_JSON SAMPLES
      adds a "store" object to one parley-bench --json result (stdin-free:
      RESULT_JSON is the text) and prints it: the last sample's counters
      and loop figures, and the sustained commit rate. The rate is taken
      between the first and the last sample that saw more lines appended
      than the one before (both taken during the flood): committed lines
      between them divided by the time between them; max_pending is the
      largest backlog seen in that span.
"""
import json
import os
import re
import sys
import time

DEADLINE_S = 10.0  # longest wait for a block to appear in the log
FOOTER_GRACE_S = 0.3  # wait for a store line after the footer
STORE = re.compile(r"store: appended=(\d+) committed=(\d+) pending=(\d+) dropped=(\d+) errors=(\d+)")
LOOP = re.compile(r"loop: +iterations=(\d+) p50_us=([\d.]+) p99_us=([\d.]+) max_us=([\d.]+)")
FOOTER = "========================"


def read_block(log, fifo_fd):
    """Writes STATS and returns the sample parsed from the new block."""
    os.write(fifo_fd, b"STATS\n")
    sample, footer_at = {}, None
    deadline = time.monotonic() + DEADLINE_S
    buf = ""
    while time.monotonic() < deadline:
        chunk = log.read()
        if not chunk:
            # the store line (only with --data-dir) is printed right after
            # the footer: stop once it is in, or shortly after the footer
            if footer_at is not None and ("committed" in sample or
                                          time.monotonic() - footer_at > FOOTER_GRACE_S):
                break
            time.sleep(0.01)
            continue
        buf += chunk
        *lines, buf = buf.split("\n")
        for line in lines:
            m = LOOP.match(line)
            if m:
                sample.update(iterations=int(m.group(1)), p50_us=float(m.group(2)),
                              p99_us=float(m.group(3)), max_us=float(m.group(4)))
            m = STORE.match(line)
            if m:
                keys = ("appended", "committed", "pending", "dropped", "errors")
                sample.update(zip(keys, map(int, m.groups())))
            if line == FOOTER and footer_at is None:
                footer_at = time.monotonic()
    sample["t"] = time.monotonic()
    return sample


def sample(fifo, log_path, out_path, interval, once):
    fifo_fd = os.open(fifo, os.O_WRONLY)
    with open(log_path, errors="replace") as log, open(out_path, "a") as out:
        log.seek(0, os.SEEK_END)
        while True:
            s = read_block(log, fifo_fd)
            out.write(json.dumps(s) + "\n")
            out.flush()
            if once:
                return 0
            time.sleep(interval)


def merge(result_text, samples_path):
    r = json.loads(result_text)
    samples = [json.loads(x) for x in open(samples_path) if x.strip()]
    samples = [s for s in samples if "committed" in s or "iterations" in s]
    if not samples:
        return r
    last = samples[-1]
    store = {k: last.get(k) for k in ("appended", "committed", "pending", "dropped",
                                      "errors", "iterations", "p50_us", "p99_us", "max_us")}
    # the flood: between the first and the last sample that saw appends grow
    # since the one before (both taken while it ran, so the span is all load)
    growing = [i for i in range(1, len(samples))
               if samples[i].get("appended", 0) > samples[i - 1].get("appended", 0)]
    if len(growing) >= 2:
        a, b = samples[growing[0]], samples[growing[-1]]
        span = b["t"] - a["t"]
        if span > 0:
            store["committed_per_s"] = (b["committed"] - a["committed"]) / span
            store["appended_per_s"] = (b["appended"] - a["appended"]) / span
            store["span_s"] = span
            store["max_pending"] = max(s.get("pending", 0)
                                       for s in samples[growing[0]:growing[-1] + 1])
    r["store"] = store
    return r


def main(argv):
    if len(argv) >= 4 and argv[1] in ("sample", "once"):
        interval = float(argv[5]) if len(argv) > 5 else 1.0
        return sample(argv[2], argv[3], argv[4], interval, argv[1] == "once")
    if len(argv) == 4 and argv[1] == "merge":
        print(json.dumps(merge(argv[2], argv[3])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
