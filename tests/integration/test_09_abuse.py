"""09 abuse: hostile and careless clients over real sockets, every backend.

Each test is bounded (deadlines, fixed amounts) and checks that the server
survives, that other clients are unaffected, and that what the abuse cost is
given back: descriptors (/proc/PID/fd) and resident memory (/proc/PID/status)
return to their baseline once the abusers are gone.

RSS tolerance: glibc's malloc keeps freed memory in its arenas and trims the
heap top only past a threshold (M_TRIM_THRESHOLD, 128 KiB by default), and
the loop's descriptor table and the fired-event array keep their high-water
size on purpose; so "back to baseline" means within RSS_SLACK_KB of the
figure taken after a warm-up that already grew those tables. Under
AddressSanitizer (make san-test) freed memory sits in ASan's quarantine, so
RSS is not checked there; descriptors still are.
"""

import os
import random
import socket
import struct
import threading
import time

import pytest

import harness
from harness import (DEADLINE, ChatClient, FrameClient, LineClient, Server, frame,
                     wait_until)

RSS_SLACK_KB = 1024
SANITIZED = os.path.exists(harness.PARLEYD) and b"__asan_init" in open(harness.PARLEYD, "rb").read()


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def settle(srv, active, timeout=DEADLINE):
    """Waits until STATS shows `active` connections; returns the Stats."""
    return wait_until(lambda: (lambda s: s if s.fields["active"] == active else None)(srv.stats()),
                      timeout, f"active == {active}")


def back_to_baseline(srv, fds, rss, timeout=DEADLINE):
    """Waits until the descriptor count is `fds` again and RSS within slack."""
    wait_until(lambda: fd_count(srv.pid) == fds, timeout,
               f"descriptor count back to {fds} (now {fd_count(srv.pid)})")
    if SANITIZED:
        return
    wait_until(lambda: rss_kb(srv.pid) <= rss + RSS_SLACK_KB, timeout,
               f"RSS back within {RSS_SLACK_KB} KiB of {rss} KiB (now {rss_kb(srv.pid)})")


def raw_socket(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    return s


# ---------------------------------------------------------------- connect/disconnect storm

CYCLES = 10000
WAVE = 200


def one_wave(port, first):
    """WAVE connections opened, then closed: plain FIN, reset, half a line,
    or a registration cut short, in turn."""
    socks = [raw_socket(port) for _ in range(WAVE)]
    for i, s in enumerate(socks):
        kind = (first + i) % 4
        if kind == 1:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif kind == 2:
            s.sendall(b"USERNA")
        elif kind == 3:
            s.sendall(f"USERNAME u{first + i}\r\nJOIN #storm\r\nMSG hi\r\n".encode())
        s.close()


def test_connect_disconnect_storm_returns_fds_and_memory(backend):
    with Server(backend=backend) as srv:
        port = srv.port("chat")
        watcher = ChatClient(port, name="watcher", room="#other")
        one_wave(port, 0)  # warm-up: tables grow to their working size
        settle(srv, 1)
        fds, rss = fd_count(srv.pid), rss_kb(srv.pid)
        start = time.monotonic()
        for first in range(WAVE, CYCLES + WAVE, WAVE):
            one_wave(port, first)
        stats = settle(srv, 1, timeout=60)
        elapsed = time.monotonic() - start
        assert stats.fields["total_accept"] == CYCLES + WAVE + 1
        assert stats.fields["users"] == 1 and stats.fields["rooms"] == 1
        back_to_baseline(srv, fds, rss)
        print(f"\n[abuse] {backend}: {CYCLES} connect/disconnect cycles in {elapsed:.1f}s; "
              f"fds {fds} -> {fd_count(srv.pid)}; RSS {rss} -> {rss_kb(srv.pid)} KiB")
        watcher.send("MSG still here")
        watcher.expect("ROOM #other watcher still here")


# ---------------------------------------------------------------- silent clients

SILENT = 1000


def test_silent_clients_time_out_while_a_registered_one_works(backend):
    with Server(backend=backend, args=["--register-timeout", "2"]) as srv:
        port = srv.port("chat")
        alice = ChatClient(port, name="alice", room="#busy")
        fds = fd_count(srv.pid)
        start = time.monotonic()
        silent = [LineClient(port) for _ in range(SILENT)]
        settle(srv, SILENT + 1)
        n = 0
        while time.monotonic() - start < 1.5:  # before any timeout fires
            sent = time.monotonic()
            alice.send(f"MSG tick {n}")
            alice.expect(f"ROOM #busy alice tick {n}")
            assert time.monotonic() - sent < 0.5, "the registered client was held up"
            n += 1
        for c in silent:
            c.expect("ERROR Registration timeout", timeout=10)
            c.expect_closed()
        elapsed = time.monotonic() - start
        assert 2.0 <= elapsed < 10, f"{SILENT} timeouts took {elapsed:.1f}s"
        settle(srv, 1)
        assert srv.count_log(r"reason=register-timeout") == SILENT
        wait_until(lambda: fd_count(srv.pid) == fds, what="descriptors back to baseline")
        alice.send("MSG after")
        alice.expect("ROOM #busy alice after")


# ---------------------------------------------------------------- endless line

ENDLESS = 32 << 20


def endless_line(srv, client, chunk=b"x" * 65536):
    """Streams ENDLESS bytes without a newline; returns the peak RSS seen."""
    peak = 0
    for i in range(ENDLESS // len(chunk)):
        client.send_raw(chunk)
        if i % 32 == 0:
            peak = max(peak, rss_kb(srv.pid))
    return peak


def test_endless_chat_line_memory_stays_bounded(backend):
    with Server(backend=backend) as srv:
        c = ChatClient(srv.port("chat"), name="talker", room="#r")
        rss = rss_kb(srv.pid)
        c.send_raw(b"MSG ")
        peak = endless_line(srv, c)
        assert SANITIZED or peak <= rss + 2048, f"RSS grew from {rss} to {peak} KiB on a {ENDLESS}-byte line"
        c.expect("ERROR Line too long")
        c.send_raw(b"tail of the endless line\r\n")
        c.send("MSG afterwards")
        c.expect("ROOM #r talker afterwards")
        assert srv.stats().fields["active"] == 1


def test_endless_relay_line_is_dropped_others_keep_going(backend):
    with Server(listen=["relay:127.0.0.1:0"], backend=backend) as srv:
        a, b = LineClient(srv.port("relay")), LineClient(srv.port("relay"))
        srv.wait_accepted(a, b)
        rss = rss_kb(srv.pid)
        peak = endless_line(srv, a)
        assert SANITIZED or peak <= rss + 2048, f"RSS grew from {rss} to {peak} KiB"
        srv.wait_log(r" OVERSIZE .*listener=relay")
        a.send_raw(b"end\nnext line\n")
        assert b.recv_raw_line() == b"next line\n"
        b.expect_silence(100)


def test_relay_forwards_no_bytes_of_a_discarded_line(backend):
    """Regression (found by fuzz_conn): when the end of an over-long line
    arrived in the same read as the next line, the relay forwarded the
    discarded tail glued to that line."""
    with Server(listen=["relay:127.0.0.1:0"], backend=backend, args=["--max-line", "40"]) as srv:
        a, b = LineClient(srv.port("relay")), LineClient(srv.port("relay"))
        srv.wait_accepted(a, b)
        a.send_raw(b"L" * 100)
        srv.wait_log(r" OVERSIZE .*listener=relay")
        a.send_raw(b"still the long line\nshort\n")
        assert b.recv_raw_line() == b"short\n"
        b.expect_silence(100)


# ---------------------------------------------------------------- frame flood

FLOOD_MAX = 256 * 1024
FLOOD_FRAMES = 48


class Reader(threading.Thread):
    """Reads `count` frames from a FrameClient on a thread of its own."""

    def __init__(self, client, count):
        super().__init__(daemon=True)
        self.client, self.count, self.frames, self.error = client, count, [], None
        self.start()

    def run(self):
        try:
            for _ in range(self.count):
                self.frames.append(self.client.recv_frame(timeout=30))
        except BaseException as e:  # reported by the test thread
            self.error = e


def test_flood_of_maximum_size_frames(backend):
    args = ["--max-frame", str(FLOOD_MAX), "--sendq", str(64 << 20)]  # readers lag: no cut
    with Server(listen=["frame:127.0.0.1:0"], backend=backend, args=args) as srv:
        sender, other = FrameClient(srv.port("frame")), FrameClient(srv.port("frame"))
        srv.wait_accepted(sender, other)
        rss = rss_kb(srv.pid)
        payloads = [bytes([i]) * FLOOD_MAX for i in range(FLOOD_FRAMES)]
        readers = [Reader(c, FLOOD_FRAMES) for c in (sender, other)]
        for p in payloads:
            sender.send_frame(p)
        for r in readers:
            r.join(60)
            assert r.error is None and not r.is_alive(), r.error
            assert r.frames == payloads
        sender.send_raw(struct.pack(">I", FLOOD_MAX + 1))
        sender.expect_closed()
        other.send_frame(b"after the flood")
        other.expect_frame(b"after the flood")
        assert srv.count_log(r" SLOW_CLIENT ") == 0
        settle(srv, 1)
        wait_until(lambda: SANITIZED or rss_kb(srv.pid) <= rss + RSS_SLACK_KB + FLOOD_MAX // 1024,
                   what=f"RSS back near {rss} KiB (now {rss_kb(srv.pid)})")


# ---------------------------------------------------------------- garbage

GARBAGE_CLIENTS = 12
GARBAGE_BYTES = 64 * 1024


def spray(port, seed):
    """Sends random bytes, then closes (every third one with a reset)."""
    rng = random.Random(seed)
    s = raw_socket(port)
    s.setblocking(False)
    sent = 0
    deadline = time.monotonic() + DEADLINE
    while sent < GARBAGE_BYTES and time.monotonic() < deadline:
        try:
            sent += s.send(rng.randbytes(min(4096, GARBAGE_BYTES - sent)))
        except (BlockingIOError, ConnectionError):
            break  # the server stopped reading us (slow consumer, oversize): fine
    if seed % 3 == 0:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def relay_skip_to(client, marker):
    """Reads relayed lines until `marker`; every line must be a whole line."""
    while True:
        line = client.recv_raw_line(timeout=10)
        assert line.endswith(b"\n") and len(line) <= 4097
        if line == marker:
            return


def frame_skip_to(client, marker):
    while client.recv_frame(timeout=10) != marker:
        pass


def test_random_garbage_on_every_listener(backend):
    listen = ["chat:127.0.0.1:0", "relay:127.0.0.1:0", "frame:127.0.0.1:0"]
    # The default --sendq (4 MiB) holds all the garbage relayed to r1 and r2,
    # which read only afterwards.
    with Server(listen=listen, backend=backend) as srv:
        alice = ChatClient(srv.port("chat"), name="alice", room="#g")
        bob = ChatClient(srv.port("chat"), name="bob", room="#g")
        alice.expect("JOIN #g bob")
        r1, r2 = LineClient(srv.port("relay")), LineClient(srv.port("relay"))
        f1, f2 = FrameClient(srv.port("frame")), FrameClient(srv.port("frame"))
        srv.wait_accepted(r1, r2, f1, f2)
        fds = fd_count(srv.pid)
        for i in range(GARBAGE_CLIENTS):
            for proto in ("chat", "relay", "frame"):
                spray(srv.port(proto), seed=i * 3 + ("chat", "relay", "frame").index(proto))
        settle(srv, 6, timeout=20)
        wait_until(lambda: fd_count(srv.pid) == fds, what="garbage connections all closed")
        alice.send("MSG survived")
        for c in (alice, bob):
            c.expect("ROOM #g alice survived")
        r1.send_raw(b"relay marker\n")
        relay_skip_to(r2, b"relay marker\n")
        f1.send_frame(b"frame marker")
        for c in (f1, f2):
            frame_skip_to(c, b"frame marker")
        bob.expect_no_pending()


# ---------------------------------------------------------------- half-close

def test_half_closed_client_gets_a_large_backlog_of_replies(backend):
    """More output than the socket buffers hold is queued before the client
    half-closes; it still reads every reply, then the server closes."""
    with Server(backend=backend) as srv:
        port = srv.port("chat")
        c = LineClient(port)
        text = "h" * 1000
        lines = [f"USERNAME half", "JOIN #h"] + [f"MSG {i} {text}" for i in range(2000)]
        c.send_raw("".join(l + "\r\n" for l in lines).encode())
        c.shutdown_write()
        c.expect("OK Welcome, half!", "OK Joined #h (0 users)")
        for i in range(2000):
            c.expect(f"ROOM #h half {i} {text}", timeout=10)
        c.expect_closed()
        srv.wait_log(r" DISCONNECT .*reason=eof")


def test_half_closed_relay_and_frame_senders_are_delivered(backend):
    listen = ["relay:127.0.0.1:0", "frame:127.0.0.1:0"]
    with Server(listen=listen, backend=backend) as srv:
        r1, r2 = LineClient(srv.port("relay")), LineClient(srv.port("relay"))
        f1, f2 = FrameClient(srv.port("frame")), FrameClient(srv.port("frame"))
        srv.wait_accepted(r1, r2, f1, f2)
        r1.send_raw(b"one\ntwo\n")
        r1.shutdown_write()
        assert [r2.recv_raw_line(), r2.recv_raw_line()] == [b"one\n", b"two\n"]
        r1.expect_closed()
        f1.send_frame(b"last words")
        f1.shutdown_write()
        f1.expect_frame(b"last words")
        f2.expect_frame(b"last words")
        f1.expect_closed()


def test_quit_split_across_reads(backend):
    """Regression (found by fuzz_conn): a QUIT completing a line that was
    buffered from an earlier read freed the input buffer while it was being
    parsed, and parleyd aborted."""
    with Server(backend=backend) as srv:
        c = LineClient(srv.port("chat"))
        c.send_raw(b"USERNAME quitter\r\nQU")
        c.expect("OK Welcome, quitter!")  # the server has read the partial "QU"
        c.send_raw(b"IT\r\n")
        c.expect("OK Goodbye!")
        c.expect_closed()
        ChatClient(srv.port("chat"), name="still-up")


# ---------------------------------------------------------------- reset mid-write

def test_reset_while_the_server_is_writing(backend):
    """The victim stops reading while far more is queued for it than the
    kernel buffers hold, then resets: the server, mid-write, drops it."""
    with Server(backend=backend, args=["--sendq", str(64 << 20)]) as srv:
        port = srv.port("chat")
        victim = ChatClient(port, name="victim", room="#w", rcvbuf=4096)
        talker = ChatClient(port, name="talker", room="#w")
        victim.expect("JOIN #w talker")
        fds = fd_count(srv.pid)
        text = "w" * 1000
        lines = [f"ROOM #w talker {i} {text}" for i in range(RESET_MESSAGES)]
        for i in range(RESET_MESSAGES):
            talker.send(f"MSG {i} {text}")
        talker.expect(*lines)
        greeting = ["OK Welcome, victim!", "OK Joined #w (0 users)", "JOIN #w talker"]
        produced = sum(len(l) + 2 for l in greeting + lines)
        conn = [c for c in srv.stats().conns if c.get("user") == "victim"][0]
        assert conn["out"] < produced, "nothing left queued: the victim was not mid-write"
        victim_port = victim.local_port
        victim.reset()
        srv.wait_log(rf" DISCONNECT .*peer=127\.0\.0\.1:{victim_port} reason=reset")
        talker.expect("LEAVE #w victim")
        talker.send("MSG alone")
        talker.expect("ROOM #w talker alone")
        settle(srv, 1)
        wait_until(lambda: fd_count(srv.pid) == fds - 1, what="the victim's descriptor closed")


RESET_MESSAGES = 5000


# ---------------------------------------------------------------- exactly max-clients

MAX_CLIENTS = 50


def test_exactly_max_clients_all_served_one_more_refused(backend):
    with Server(backend=backend, args=["--max-clients", str(MAX_CLIENTS)]) as srv:
        port = srv.port("chat")
        members = [ChatClient(port, name=f"m{i:02d}") for i in range(MAX_CLIENTS)]
        for i, m in enumerate(members):  # one at a time: the counts are exact
            m.send("JOIN #full")
            m.expect(f"OK Joined #full ({i} users)")
        extra = LineClient(port)
        extra.expect("ERROR Server full")
        extra.expect_closed()
        members[0].send("MSG everyone?")
        for m in members:
            line = m.recv_line()
            while line.startswith("JOIN "):
                line = m.recv_line()
            assert line == "ROOM #full m00 everyone?"
        stats = srv.stats()
        assert (stats.fields["active"], stats.fields["rejected"]) == (MAX_CLIENTS, 1)
        members.pop().close()
        settle(srv, MAX_CLIENTS - 1)
        ChatClient(port, name="newcomer", room="#full")
        again = LineClient(port)
        again.expect("ERROR Server full")
        again.expect_closed()


# ---------------------------------------------------------------- out of descriptors

FD_LIMIT = 64


def test_out_of_descriptors_no_spin_and_service_resumes(backend):
    with Server(backend=backend, max_fds=FD_LIMIT, args=["--max-clients", "1000"]) as srv:
        port = srv.port("chat")
        held = []
        while not srv.count_log(r" FD_EXHAUSTED "):
            assert len(held) < 2 * FD_LIMIT, "the descriptor limit was never reached"
            held.append(ChatClient(port))
            if len(held) % 8 == 0:
                settle_accepts(srv, held)
        waiting = [LineClient(port) for _ in range(20)]  # beyond the limit
        ticks = cpu_ticks(srv.pid)
        time.sleep(1.5)  # the measurement window: nothing may happen in it
        spent = cpu_ticks(srv.pid) - ticks
        assert spent <= 3, f"{spent} CPU ticks in 1.5 s while out of descriptors"
        print(f"\n[abuse] {backend}: out of descriptors at {len(held)} clients; "
              f"{srv.count_log('reason=fd-exhausted')} shed; {spent} CPU ticks in 1.5 s")
        for c in held[: len(held) // 2]:
            c.close()
        wait_until(lambda: fd_count(srv.pid) < FD_LIMIT - 8, what="descriptors freed")
        resumed = ChatClient(port, name="resumed", room="#back")
        resumed.send("MSG served again")
        resumed.expect("ROOM #back resumed served again")
        for c in waiting:
            c.close()


def settle_accepts(srv, clients):
    wait_until(lambda: srv.count_log(r" ACCEPT ") + srv.count_log(r" REJECT ") >= len(clients),
               what="the server took every connection")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
