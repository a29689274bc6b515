"""Socket side of tests/regression.sh: the six checks the frame protocol was
first specified with ("seed 000": echo, broadcast, slow client, partial
frames, oversized frame, STATS), against one running parleyd frame listener.

Usage: seed000.py TEST --port N --log FILE --stdout FILE --console FIFO
Exit status 0 means PASS; the reason for a failure goes to stderr.
The server's log and stdout are files written by the server; waits poll
them with a deadline.
"""

import argparse
import re
import sys
import time

from harness import DEADLINE, FrameClient, frame, parse_stats, wait_until, STATS_FOOTER, STATS_HEADER


class Files:
    """The running server as regression.sh started it."""

    def __init__(self, args):
        self.port, self.log, self.stdout, self.console = args.port, args.log, args.stdout, args.console

    def log_lines(self):
        with open(self.log, errors="replace") as f:
            return f.read().splitlines()

    def wait_log(self, regex, count=1):
        pattern = re.compile(regex)
        return wait_until(lambda: sum(1 for l in self.log_lines() if pattern.search(l)) >= count,
                          what=f"log line {regex!r}")

    def stats_blocks(self):
        with open(self.stdout, errors="replace") as f:
            lines = f.read().splitlines()
        blocks, start = [], None
        for i, line in enumerate(lines):
            if line == STATS_HEADER:
                start = i
            elif line == STATS_FOOTER and start is not None:
                blocks.append(lines[start:i + 1])
                start = None
        return blocks

    def stats(self):
        """Writes STATS to the server's stdin and returns the new block, parsed."""
        seen = len(self.stats_blocks())
        with open(self.console, "w") as console:
            console.write("STATS\n")
        wait_until(lambda: len(self.stats_blocks()) > seen, what="a STATS block")
        return parse_stats(self.stats_blocks()[seen])

    def client(self, **kw):
        """A frame client, returned once the server has logged its ACCEPT."""
        c = FrameClient(self.port, **kw)
        self.wait_log(rf" ACCEPT .*peer=127\.0\.0\.1:{c.local_port} ")
        return c


# ---------------------------------------------------------------- the six checks

def basic_echo(srv):
    with srv.client() as c:
        c.send_frame(b"hello")
        c.expect_frame(b"hello")


def broadcast_two_clients(srv):
    with srv.client() as a, srv.client() as b:
        a.send_frame(b"from a")
        for c in (a, b):
            c.expect_frame(b"from a")
        b.send_frame(b"from b")
        for c in (a, b):
            c.expect_frame(b"from b")


def slow_client_disconnect(srv):
    with srv.client(rcvbuf=4096) as slow, srv.client() as fast:
        pattern = rf" SLOW_CLIENT .*peer=127\.0\.0\.1:{slow.local_port} "
        payload, sent = b"x" * 1000, 0
        while not any(re.search(pattern, l) for l in srv.log_lines()):
            assert sent < 20000, "no SLOW_CLIENT line"
            for i in range(sent, sent + 20):
                fast.send_frame(b"%08d" % i + payload)
            for i in range(sent, sent + 20):
                fast.expect_frame(b"%08d" % i + payload)
            sent += 20
        srv.wait_log(rf" DISCONNECT .*peer=127\.0\.0\.1:{slow.local_port} reason=slow-consumer")
        fast.send_frame(b"still served")
        fast.expect_frame(b"still served")


def partial_frame_reassembly(srv):
    with srv.client() as c:
        data = frame(b"reassembled payload") + frame(b"second")
        for byte in data:
            c.send_raw(bytes([byte]))
        c.expect_frame(b"reassembled payload")
        c.expect_frame(b"second")


def oversized_frame_rejected(srv):
    with srv.client() as bad, srv.client() as good:
        bad.send_raw((1 << 30).to_bytes(4, "big"))
        bad.expect_closed()
        srv.wait_log(rf" OVERSIZE .*peer=127\.0\.0\.1:{bad.local_port} ")
        good.send_frame(b"unaffected")
        good.expect_frame(b"unaffected")


def stats_command(srv):
    clients = [srv.client() for _ in range(3)]
    try:
        for i, c in enumerate(clients):
            c.send_frame(b"stats %d" % i)
            for receiver in clients:
                receiver.expect_frame(b"stats %d" % i)
        deadline = time.monotonic() + DEADLINE
        stats = srv.stats()
        while stats.fields["active"] != 3 and time.monotonic() < deadline:
            stats = srv.stats()  # earlier checks' clients may still be closing
        check_stats(stats, clients)
    finally:
        for c in clients:
            c.close()


def check_stats(stats, clients):
    assert stats.fields["active"] == 3, stats.lines
    assert stats.fields["total_accept"] >= 3
    assert len(stats.conns) == 3, stats.lines
    assert [(c["in"], c["out"]) for c in stats.conns] == \
        [(c.sent, c.received) for c in clients], stats.lines
    assert stats.fields["bytes_in"] >= sum(c.sent for c in clients)
    assert stats.fields["bytes_out"] >= sum(c.received for c in clients)


TESTS = [basic_echo, broadcast_two_clients, slow_client_disconnect,
         partial_frame_reassembly, oversized_frame_rejected, stats_command]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("test", choices=[t.__name__ for t in TESTS])
    for flag in ("--log", "--stdout", "--console"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    test = next(t for t in TESTS if t.__name__ == args.test)
    try:
        test(Files(args))
    except (AssertionError, OSError) as e:
        print(f"{args.test}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
