"""14 flood: per-connection token buckets (fake lag), the flood disconnect and
the per-address limits, over real sockets on every backend.

Rates are scaled up (or down) from the defaults so each test takes a couple
of seconds; the mechanism is the same. Timing assertions are one-sided where
the machine's load could only make things slower (a slowed flooder), and
generous where it could make things late (the other member's latency).
"""

import threading
import time

import pytest

from harness import DEADLINE, ChatClient, LineClient, Server, wait_until
from irc_harness import IrcClient


def stats_field(srv, name):
    return srv.stats().fields[name]


# ---------------------------------------------------------------- fake lag


def test_flooder_is_slowed_but_every_line_arrives_in_order(backend):
    """60 lines at once against 20/s with a burst of 10: the first 10 pass at
    once, the rest at the rate (~2.5 s), all of them, in order; meanwhile a
    quiet member's line reaches the room at once."""
    with Server(backend=backend, args=["--rate-limit", "20:10", "--flood-after", "0"]) as srv:
        port = srv.port("chat")
        watcher = ChatClient(port, name="watcher", room="#r")
        flooder = ChatClient(port, name="flooder", room="#r")
        talker = ChatClient(port, name="talker", room="#r")
        watcher.expect("JOIN #r flooder", "JOIN #r talker")
        start = time.monotonic()
        flooder.send_raw(b"".join(f"MSG f{i}\r\n".encode() for i in range(60)))
        seen, talker_at = [], None
        talker_sent = None
        while len(seen) < 60 or talker_at is None:
            if talker_sent is None and len(seen) >= 15:
                talker_sent = time.monotonic()  # the flooder is being held back now
                talker.send("MSG quiet")
            line = watcher.recv_line(timeout=10)
            if line == "ROOM #r talker quiet":
                talker_at = time.monotonic()
            else:
                assert line.startswith("ROOM #r flooder f"), line
                seen.append(int(line.rsplit("f", 1)[1]))
        elapsed = time.monotonic() - start
        assert seen == list(range(60)), "lines lost or reordered"
        assert elapsed >= 2.0, f"60 lines at 20/s (burst 10) took only {elapsed:.2f}s"
        assert talker_at - talker_sent < 1.0, \
            f"a quiet member waited {talker_at - talker_sent:.2f}s behind the flooder"
        stats = srv.stats().fields
        assert stats["throttled"] >= 1
        assert stats["flood_closed"] == 0
        assert srv.count_log(r"reason=flood") == 0


def test_expensive_commands_cost_more(backend):
    """ROOMS costs 10 tokens where a line costs 1: with a burst of 20 at
    10/s (USERNAME took one), four ROOMS in a row need a second or more of
    refill, while forty plain lines would have passed at once."""
    with Server(backend=backend, args=["--rate-limit", "10:20"]) as srv:
        c = ChatClient(srv.port("chat"), name="lister")
        start = time.monotonic()
        c.send_raw(b"ROOMS\r\n" * 4)
        times = []
        for _ in range(4):
            assert c.recv_line(timeout=10) == "ROOMLIST"
            times.append(time.monotonic() - start)
        assert times[0] < 0.5, f"the first ROOMS waited {times[0]:.2f}s"
        assert times[3] >= 0.9, f"four ROOMS took {times[3]:.2f}s: not held back"


def test_one_off_burst_is_slowed_never_disconnected(backend):
    """200 lines in one write against 100/s, burst 50, --flood-after 3: about
    1.5 s of fake lag, under the flood threshold; nothing is lost."""
    with Server(backend=backend, args=["--rate-limit", "100:50", "--flood-after", "3"]) as srv:
        port = srv.port("chat")
        burst = ChatClient(port, name="burst", room="#b")
        burst.send_raw(b"".join(f"MSG b{i}\r\n".encode() for i in range(200)))
        got = [burst.recv_line(timeout=10) for _ in range(200)]
        assert got == [f"ROOM #b burst b{i}" for i in range(200)]
        burst.send("MSG still here")
        burst.expect("ROOM #b burst still here")
        assert srv.count_log(r"reason=flood") == 0


# ---------------------------------------------------------------- sustained flood


def flood_forever(client, stop):
    """Sends empty lines (no reply, one token each) until told or refused."""
    chunk = b"\r\n" * 8192
    try:
        while not stop.is_set():
            client.send_raw(chunk)
    except OSError:
        pass


def test_sustained_flood_is_disconnected_and_told(backend):
    with Server(backend=backend, args=["--rate-limit", "50:50", "--flood-after", "2"]) as srv:
        port = srv.port("chat")
        other = ChatClient(port, name="other", room="#f")
        flooder = ChatClient(port, name="flooder", room="#f")
        other.expect("JOIN #f flooder")
        stop = threading.Event()
        sender = threading.Thread(target=flood_forever, args=(flooder, stop), daemon=True)
        start = time.monotonic()
        sender.start()
        try:
            line = flooder.recv_line(timeout=15)
            assert line.startswith("ERROR Flooding: disconnected"), line
            flooder.expect_closed(timeout=10)
        finally:
            stop.set()
            sender.join(timeout=DEADLINE)
        elapsed = time.monotonic() - start
        assert elapsed >= 1.5, f"disconnected after {elapsed:.2f}s, before --flood-after"
        other.expect("LEAVE #f flooder")
        srv.wait_log(r"FLOOD conn=\d+ .*rate=50/s burst=50")
        srv.wait_log(r"DISCONNECT .*reason=flood")
        assert stats_field(srv, "flood_closed") == 1
        other.send("MSG fine")
        other.expect("ROOM #f other fine")


def test_irc_flood_is_disconnected_with_excess_flood(backend):
    with Server(listen=["irc:127.0.0.1:0"], backend=backend,
                args=["--rate-limit", "50:50", "--flood-after", "2"]) as srv:
        c = IrcClient(srv.port("irc"))
        c.register("flooder")
        stop = threading.Event()
        sender = threading.Thread(target=flood_forever, args=(c, stop), daemon=True)
        sender.start()
        try:
            msg = c.wait_for(lambda m: m.command == "ERROR", timeout=15, what="ERROR")
            assert "Excess Flood" in msg.params[-1]
        finally:
            stop.set()
            sender.join(timeout=DEADLINE)
        srv.wait_log(r"DISCONNECT .*reason=flood")


def test_relay_byte_rate_slows_without_loss(backend):
    """--byte-rate 20000:10000: 40000 bytes take about 1.5 s to pass."""
    with Server(listen=["relay:127.0.0.1:0"], backend=backend,
                args=["--byte-rate", "20000:10000"]) as srv:
        port = srv.port("relay")
        sender, receiver = LineClient(port), LineClient(port)
        srv.wait_accepted(sender, receiver)
        lines = [f"{i:05d} " + "x" * 93 for i in range(400)]  # 100 bytes each with CRLF
        start = time.monotonic()
        sender.send_raw("".join(line + "\r\n" for line in lines).encode())
        got = [receiver.recv_line(timeout=10) for _ in range(400)]
        elapsed = time.monotonic() - start
        assert got == lines
        assert elapsed >= 1.0, f"40000 bytes at 20000/s (burst 10000) took {elapsed:.2f}s"


# ---------------------------------------------------------------- per address


def test_max_per_ip_refuses_with_a_reason(backend):
    with Server(listen=["chat:127.0.0.1:0", "irc:127.0.0.1:0"], backend=backend,
                args=["--max-per-ip", "3", "--connect-rate", "off"]) as srv:
        port, irc_port = srv.port("chat"), srv.port("irc")
        first = [ChatClient(port, name=f"u{i}") for i in range(3)]
        extra = LineClient(port)
        extra.expect("ERROR Too many connections from your address; close one and try again")
        extra.expect_closed()
        irc = LineClient(irc_port)
        line = irc.recv_line()
        assert line.startswith("ERROR :Closing Link:") and \
            "Too many connections from your address" in line, line
        irc.expect_closed()
        srv.wait_log(r"REJECT .*listener=chat reason=per-ip")
        srv.wait_log(r"REJECT .*listener=irc reason=per-ip")
        first[0].close()
        wait_until(lambda: srv.stats().fields["active"] == 2, what="a slot freed")
        ChatClient(port, name="again")
        stats = srv.stats().fields
        assert stats["rejected_ip"] == 2 and stats["rejected"] == 2


def test_exempt_loopback_lifts_per_address_limits(backend):
    with Server(backend=backend, args=["--max-per-ip", "2", "--exempt-loopback"]) as srv:
        port = srv.port("chat")
        clients = [ChatClient(port, name=f"l{i}") for i in range(5)]
        assert srv.stats().fields["active"] == len(clients)
        assert srv.count_log(r"REJECT") == 0


def test_connect_rate_throttles_then_recovers(backend):
    with Server(backend=backend, args=["--connect-rate", "2:3", "--max-per-ip", "0"]) as srv:
        port = srv.port("chat")
        ok = [ChatClient(port, name=f"c{i}") for i in range(3)]
        refused = LineClient(port)
        refused.expect("ERROR Too many new connections from your address; "
                       "try again in a few seconds")
        refused.expect_closed()
        srv.wait_log(r"REJECT .*reason=connect-rate")
        assert stats_field(srv, "rejected_rate") == 1
        # Two tokens a second: within a second or so a new one is let in.
        def admitted():
            c = LineClient(port)
            c.send("USERNAME later")
            line = c.recv_line()
            if line == "OK Welcome, later!":
                return c
            c.expect_closed()
            return None
        wait_until(admitted, timeout=5, what="a connection admitted after the throttle")
        assert len(ok) == 3


# ---------------------------------------------------------------- the defaults


def test_defaults_admit_a_classroom_and_a_paste(backend):
    """With the default limits: 50 people behind one address connect at once
    (the connect burst) and a 90-line paste (within the line burst) arrives at
    once; nothing is refused or held back."""
    with Server(backend=backend, limits=True) as srv:
        port = srv.port("chat")
        class_ = [ChatClient(port, name=f"pupil{i}") for i in range(49)]
        teacher = ChatClient(port, name="teacher", room="#class")
        start = time.monotonic()
        teacher.send_raw(b"".join(f"MSG line {i}\r\n".encode() for i in range(90)))
        got = [teacher.recv_line(timeout=10) for _ in range(90)]
        assert got == [f"ROOM #class teacher line {i}" for i in range(90)]
        assert time.monotonic() - start < 2.0, "a paste within the burst was held back"
        stats = srv.stats().fields
        assert stats["rejected"] == 0 and stats["throttled"] == 0
        assert stats["active"] == len(class_) + 1


def test_websocket_messages_are_rate_limited_like_lines(backend):
    """A WebSocket client (IRC over the text.ircv3.net subprotocol) sending
    40 PRIVMSGs in one write against 20/s with a burst of 10: held back like
    a TCP client, every message arrives, in order, to an IRC member."""
    from wsclient import TEXT, WsClient
    from test_39_irc_smoke import IrcClient
    with Server(backend=backend, listen=("http:127.0.0.1:0", "irc:127.0.0.1:0"),
                args=["--rate-limit", "20:10", "--flood-after", "0",
                      "--server-name", "irc.test"]) as srv:
        watcher = IrcClient(srv.port("irc"), "watcher")
        watcher.send("JOIN #w")
        watcher.until(lambda l: " 366 " in l)
        ws = WsClient(srv.port("http"))
        assert ws.status == 101
        ws.send(TEXT, "NICK wsflood")
        ws.send(TEXT, "USER w 0 * :w")
        ws.until_text(lambda l: " 422 " in l or " 376 " in l)
        ws.send(TEXT, "JOIN #w")
        watcher.until(lambda l: "JOIN" in l and "wsflood" in l)
        start = time.monotonic()
        ws.send_raw(b"".join(ws.frame(TEXT, f"PRIVMSG #w :m{i}".encode())
                             for i in range(40)))
        seen = []
        while len(seen) < 40:
            line = watcher.until(lambda l: "PRIVMSG #w :m" in l)
            seen.append(int(line.rsplit(":m", 1)[1]))
        elapsed = time.monotonic() - start
        assert seen == list(range(40)), "messages lost or reordered"
        assert elapsed >= 1.0, f"40 messages at 20/s (burst 10) took only {elapsed:.2f}s"
        assert srv.stats().fields["throttled"] >= 1
