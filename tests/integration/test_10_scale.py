"""10 scale: 10,000 concurrent registered chat clients spread over 100 rooms.

The clients live in this test process, apart from the server (each process
may hold 20,000 descriptors at most): RLIMIT_NOFILE is raised to its hard
limit and one epoll selector drives every socket. Clients connect in waves
(so the listen backlog never overflows), register and join room i % 100.
Every member must then hold exactly the JOIN notices of every other member
of its room; after 10 members of each room have spoken, every member must
have received exactly the 10 lines said in its own room (100,000
deliveries). The server's RSS per connection is printed (and bounded, except
under AddressSanitizer, which pads and quarantines every allocation).

The select backend is skipped: it cannot watch descriptors at or above
FD_SETSIZE (the documented difference between backends).
"""

import os
import re
import resource
import selectors
import socket
import time

import pytest

import harness
from harness import Server

CLIENTS = 10000
ROOMS = 100
PUBLISHERS = 10
WAVE = 500
MAX_RSS_PER_CONN = 16 * 1024  # bytes; what the server pays per idle registered user
BUDGET_S = 60
SANITIZED = os.path.exists(harness.PARLEYD) and b"__asan_init" in open(harness.PARLEYD, "rb").read()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(l for l in f if l.startswith("VmRSS:")).split()[1])


@pytest.fixture
def many_fds():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < CLIENTS + 200:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {CLIENTS + 200}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class Crowd:
    """CLIENTS non-blocking sockets on one selector; bytes kept per client."""

    def __init__(self, port):
        self.port = port
        self.sel = selectors.EpollSelector()
        self.socks, self.bufs, self.nlines = [], [], []

    def close(self):
        for s in self.socks:
            s.close()
        self.sel.close()

    def connect(self, n):
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, len(self.socks))
            self.socks.append(s)
            self.bufs.append(bytearray())
            self.nlines.append(0)

    def send(self, i, text):
        data = text.encode()
        assert self.socks[i].send(data) == len(data)  # small: the socket takes it all

    def pump(self, done, timeout, what):
        """Reads whatever arrives until done() holds; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            for key, _ in self.sel.select(0.2):
                i = key.data
                data = self.socks[i].recv(1 << 16)
                assert data, f"client {i} was disconnected"
                self.bufs[i] += data
                self.nlines[i] += data.count(b"\n")

    def lines(self, i):
        text = self.bufs[i].decode()
        assert text.endswith("\r\n"), f"client {i}: unterminated output {text[-80:]!r}"
        return text[:-2].split("\r\n")

    def reset_output(self):
        for i in range(len(self.bufs)):
            self.bufs[i] = bytearray()
            self.nlines[i] = 0


def name(i):
    return f"u{i:05d}"


def room(i):
    return f"#room{i % ROOMS:03d}"


def register_everyone(crowd):
    for first in range(0, CLIENTS, WAVE):
        crowd.connect(WAVE)
        for i in range(first, first + WAVE):
            crowd.send(i, f"USERNAME {name(i)}\r\nJOIN {room(i)}\r\n")
        wave = range(first, first + WAVE)
        crowd.pump(lambda: all(crowd.nlines[i] >= 2 for i in wave), 30, f"wave at {first}")
    per_client = 2 + CLIENTS // ROOMS - 1  # welcome, joined, a JOIN per other member
    crowd.pump(lambda: min(crowd.nlines) >= per_client, 30, "every JOIN notice")


def check_joins(crowd):
    members, counts = {}, {}
    for i in range(CLIENTS):
        members.setdefault(room(i), set()).add(name(i))
    for i in range(CLIENTS):
        lines = crowd.lines(i)
        assert lines[0] == f"OK Welcome, {name(i)}!"
        m = re.fullmatch(rf"OK Joined {room(i)} \((\d+) users\)", lines[1])
        assert m, lines[1]
        counts.setdefault(room(i), []).append(int(m.group(1)))
        prefix = f"JOIN {room(i)} "
        assert all(l.startswith(prefix) for l in lines[2:]), f"client {i}: {lines[2:5]}"
        seen = [l[len(prefix):] for l in lines[2:]]
        assert len(seen) == len(set(seen)) and set(seen) == members[room(i)] - {name(i)}
    for r, seen_counts in counts.items():  # the k-th joiner found k members there
        assert sorted(seen_counts) == list(range(CLIENTS // ROOMS)), r


def publish_and_check(crowd):
    crowd.reset_output()
    said = {}
    for i in range(PUBLISHERS * ROOMS):  # the first PUBLISHERS members of every room
        crowd.send(i, f"MSG hello from {name(i)}\r\n")
        said.setdefault(room(i), set()).add(f"ROOM {room(i)} {name(i)} hello from {name(i)}")
    crowd.pump(lambda: min(crowd.nlines) >= PUBLISHERS, 30, "every message")
    for i in range(CLIENTS):
        lines = crowd.lines(i)
        assert len(lines) == PUBLISHERS and set(lines) == said[room(i)], f"client {i}: {lines}"


@pytest.mark.parametrize("backend", ["epoll", "poll"])
def test_ten_thousand_clients_in_a_hundred_rooms(backend, many_fds):
    start = time.monotonic()
    args = ["--max-clients", str(CLIENTS)]
    with Server(backend=backend, args=args, ready_timeout=10) as srv:
        crowd = Crowd(srv.port("chat"))
        try:
            rss_before = rss_kb(srv.pid)
            register_everyone(crowd)
            joined = time.monotonic()
            rss_after = rss_kb(srv.pid)
            check_joins(crowd)
            stats = srv.stats(timeout=10)
            assert (stats.fields["active"], stats.fields["users"], stats.fields["rooms"]) == \
                (CLIENTS, CLIENTS, ROOMS)
            publish_and_check(crowd)
            published = time.monotonic()
        finally:
            crowd.close()
        per_conn = (rss_after - rss_before) * 1024 / CLIENTS
        print(f"\n[scale] {backend}: {CLIENTS} clients registered and joined in "
              f"{joined - start:.1f}s; {PUBLISHERS * CLIENTS} deliveries checked in "
              f"{published - joined:.1f}s; RSS {rss_before} -> {rss_after} KiB = "
              f"{per_conn:.0f} bytes per connection")
        assert SANITIZED or per_conn <= MAX_RSS_PER_CONN  # ASan pads every allocation
    assert time.monotonic() - start < BUDGET_S
