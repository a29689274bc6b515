"""05 stats: the stdin console, the STATS block, the log format, idling.

STATS prints the block the frame server was first specified with (docs/PROTOCOL.md adds summary lines and connection
fields); its counters are checked against the exact bytes the test's sockets
sent and received. HELP lists commands, unknown input gets a one-line hint.
When stdin ends or is absent the server keeps serving, and an idle server
uses no CPU. Log lines have a UTC ISO-8601 timestamp, a level and an event
word, and never contain message text.
"""

import re
import time
from datetime import datetime, timezone

import pytest

from harness import ChatClient, FrameClient, LineClient, Server, STATS_FOOTER, STATS_HEADER

SEED_SUMMARY = [r"uptime:        \d+s", r"total_accept:  \d+", r"active:        \d+",
                r"bytes_in:      \d+", r"bytes_out:     \d+"]
CONN_LINE = re.compile(r"  conn=\d+  fd=\d+  state=(CONNECTED|CLOSING)  in=\d+  out=\d+  age=\d+s"
                       r"(  [a-z_]+=\S*)*")
LOG_LINE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z (DEBUG|INFO|WARN|ERROR) [A-Z_]+( \S.*)?")
IDLE_CPU_LIMIT = 0.03  # seconds of CPU allowed in the 1 s window (a few clock ticks)


def chat_pair(srv):
    alice = ChatClient(srv.port("chat"), name="alice", room="#g")
    bob = ChatClient(srv.port("chat"), name="bob", room="#g")
    alice.expect("JOIN #g bob")
    return alice, bob


def assert_counters_match(stats, clients):
    assert stats.fields["bytes_in"] == sum(c.sent for c in clients)
    assert stats.fields["bytes_out"] == sum(c.received for c in clients)


# ---------------------------------------------------------------- STATS layout

def test_stats_block_has_seed_layout(backend):
    with Server(backend=backend) as srv:
        clients = [LineClient(srv.port("chat")) for _ in range(3)]
        srv.wait_log(r" ACCEPT ", count=3)
        lines = srv.stats().lines
        assert lines[0] == STATS_HEADER
        for pattern, line in zip(SEED_SUMMARY, lines[1:6]):
            assert re.fullmatch(pattern, line), f"{line!r} !~ {pattern!r}"
        divider = lines.index("--- active connections ---")
        for extra in lines[6:divider]:
            assert re.fullmatch(r"[a-z_]+: +\S.*", extra) and extra[15] != " " \
                and extra[14] == " ", f"summary line not aligned like the first six: {extra!r}"
        conn_lines = lines[divider + 1:-1]
        assert len(conn_lines) == len(clients)
        for line in conn_lines:
            assert CONN_LINE.fullmatch(line), f"bad connection line {line!r}"
        assert lines[-1] == STATS_FOOTER


def test_stats_connections_match_accept_log(backend):
    with Server(backend=backend) as srv:
        for _ in range(3):
            LineClient(srv.port("chat"))
        accepted = [srv.wait_log(r" ACCEPT conn=(\d+) fd=(\d+) ", count=i + 1) for i in range(3)]
        stats = srv.stats()
        assert [(c["conn"], c["fd"]) for c in stats.conns] == \
            [(int(m.group(1)), int(m.group(2))) for m in accepted]
        assert [c["conn"] for c in stats.conns] == [0, 1, 2]
        assert all(c["state"] == "CONNECTED" for c in stats.conns)
        assert stats.fields["total_accept"] == 3
        assert stats.fields["active"] == 3


def test_stats_decisions_summary_and_connection_fields(backend):
    with Server(backend=backend) as srv:
        chat_pair(srv)
        ChatClient(srv.port("chat"), name="carol")
        stats = srv.stats()
        assert stats.fields["rejected"] == 0
        assert stats.fields["users"] == 3
        assert stats.fields["rooms"] == 1
        assert stats.fields["backend"] == backend
        assert [(c.get("proto"), c.get("user"), c.get("room")) for c in stats.conns] == \
            [("chat", "alice", "#g"), ("chat", "bob", "#g"), ("chat", "carol", None)]


def test_fresh_server_stats_are_zero(backend):
    with Server(backend=backend) as srv:
        stats = srv.stats()
        for key in ("total_accept", "active", "bytes_in", "bytes_out"):
            assert stats.fields[key] == 0
        assert stats.conns == []
        assert stats.fields["uptime"] <= 2


LOOP_LINE = re.compile(r"iterations=(\d+) p50_us=(\d+\.\d) p99_us=(\d+\.\d) max_us=(\d+\.\d)")


def loop_figures(stats):
    m = LOOP_LINE.fullmatch(stats.fields["loop"])
    assert m, f"bad loop line {stats.fields['loop']!r}"
    iterations, p50, p99, top = int(m.group(1)), *map(float, m.group(2, 3, 4))
    assert p50 <= p99 <= top
    return iterations, top


def test_stats_loop_line_counts_iterations(backend):
    with Server(backend=backend) as srv:
        before, _ = loop_figures(srv.stats())
        alice, bob = chat_pair(srv)
        for i in range(20):
            alice.send(f"MSG hello {i}")
            bob.expect(f"ROOM #g alice hello {i}")
        after, top = loop_figures(srv.stats())
        # every line read is at least one wake-up; each was timed
        assert after >= before + 20
        assert top > 0


# ---------------------------------------------------------------- STATS counters

def test_chat_byte_counters_are_exact(backend):
    with Server(backend=backend) as srv:
        alice, bob = chat_pair(srv)
        alice.send("MSG hello")
        alice.expect("ROOM #g alice hello")
        bob.expect("ROOM #g alice hello")
        stats = srv.stats()
        assert_counters_match(stats, [alice, bob])
        assert [(c["in"], c["out"]) for c in stats.conns] == \
            [(alice.sent, alice.received), (bob.sent, bob.received)]


def test_frame_byte_counters_are_exact(backend):
    with Server(listen=["frame:127.0.0.1:0"], backend=backend) as srv:
        a, b = FrameClient(srv.port("frame")), FrameClient(srv.port("frame"))
        srv.wait_log(r" ACCEPT ", count=2)
        a.send_frame(b"x" * 100)
        for c in (a, b):
            c.expect_frame(b"x" * 100)
        stats = srv.stats()
        assert (stats.fields["bytes_in"], stats.fields["bytes_out"]) == (104, 208)
        assert [(c["in"], c["out"]) for c in stats.conns] == [(104, 104), (0, 104)]


def test_counters_after_disconnect(backend):
    with Server(backend=backend) as srv:
        alice, bob = chat_pair(srv)
        mark = srv.log_mark()
        bob.send("QUIT")
        bob.expect("OK Goodbye!")
        bob.expect_closed()
        alice.expect("LEAVE #g bob")
        m = srv.wait_log(r" DISCONNECT conn=1 .*reason=quit in=(\d+) out=(\d+)", since=mark)
        assert (int(m.group(1)), int(m.group(2))) == (bob.sent, bob.received)
        stats = srv.stats()
        assert stats.fields["total_accept"] == 2
        assert stats.fields["active"] == 1
        assert [c["conn"] for c in stats.conns] == [0]
        assert_counters_match(stats, [alice, bob])


def test_stats_shows_closing_while_flushing(backend):
    """A client that quits with unread output queued is CLOSING while the
    server flushes to it. 6.4 MB is more than the kernel buffers can hold
    (tcp_wmem max 4 MB), so some of it must sit in the server's queue."""
    with Server(backend=backend, args=["--sendq", str(32 << 20)]) as srv:
        stuck = ChatClient(srv.port("chat"), name="stuck", room="#g", rcvbuf=4096)
        talker = ChatClient(srv.port("chat"), name="talker", room="#g")
        text = "x" * 4000
        for _ in range(32):
            for _ in range(50):
                talker.send(f"MSG {text}")
            talker.expect(*[f"ROOM #g talker {text}"] * 50)
        stuck.send("QUIT")
        talker.expect("LEAVE #g stuck")
        stats = srv.stats()
        assert [(c["conn"], c["state"]) for c in stats.conns] == [(0, "CLOSING"), (1, "CONNECTED")]
        stuck.reset()


# ---------------------------------------------------------------- console

def lines_before_stats(srv, command):
    since = srv.output_mark()
    srv.console(command)
    srv.stats()
    printed = srv.console_output(since)
    return printed[:printed.index(STATS_HEADER)]


def test_help_lists_commands(backend):
    with Server(backend=backend) as srv:
        text = "\n".join(lines_before_stats(srv, "HELP"))
        assert "STATS" in text and "HELP" in text


def test_unknown_console_input_gets_one_line_hint(backend):
    with Server(backend=backend) as srv:
        hint = lines_before_stats(srv, "FROBNICATE")
        assert len(hint) == 1 and hint[0].strip(), f"expected a one-line hint, got {hint}"


def test_console_commands_in_one_write(backend):
    with Server(backend=backend) as srv:
        since = srv.output_mark()
        srv.proc.stdin.write(b"STATS\nSTATS\n")
        srv.proc.stdin.flush()
        srv.wait_output(lambda lines: lines.count(STATS_FOOTER) >= 2, since=since)


def test_blank_console_line_prints_nothing(backend):
    with Server(backend=backend) as srv:
        assert lines_before_stats(srv, "") == []


# ---------------------------------------------------------------- stdin gone, idle CPU

def assert_idle(srv):
    before = srv.cpu_seconds()
    time.sleep(1.0)  # the measurement window
    spent = srv.cpu_seconds() - before
    assert spent <= IDLE_CPU_LIMIT, f"idle server used {spent:.3f}s CPU in 1s"


def test_keeps_serving_after_stdin_eof_and_idles(backend):
    with Server(backend=backend) as srv:
        alice = ChatClient(srv.port("chat"), name="alice", room="#g")
        srv.close_stdin()
        alice.expect_no_pending()  # a loop turn after the EOF was readable
        assert_idle(srv)
        bob = ChatClient(srv.port("chat"), name="bob", room="#g")
        alice.expect("JOIN #g bob")


@pytest.mark.parametrize("stdin", ["devnull", "closed"])
def test_serves_without_stdin(backend, stdin):
    with Server(backend=backend, stdin=stdin) as srv:
        alice = ChatClient(srv.port("chat"), name="alice", room="#g")
        alice.expect_no_pending()
        assert_idle(srv)
        alice.send("MSG still here")
        alice.expect("ROOM #g alice still here")


def test_idle_with_open_pipe_and_connections(backend):
    listen = ["chat:127.0.0.1:0", "relay:127.0.0.1:0", "frame:127.0.0.1:0"]
    with Server(listen=listen, backend=backend) as srv:
        ChatClient(srv.port("chat"), name="alice", room="#g").expect_no_pending()
        LineClient(srv.port("chat"))  # unregistered: its registration timer is armed
        LineClient(srv.port("relay"))
        FrameClient(srv.port("frame"))
        srv.wait_log(r" ACCEPT ", count=4)
        assert_idle(srv)


# ---------------------------------------------------------------- log format

def test_log_lines_are_structured_utc(backend):
    with Server(backend=backend) as srv:
        alice, bob = chat_pair(srv)
        bob.close()
        alice.expect("LEAVE #g bob")
        srv.wait_log(r" DISCONNECT ")
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for line in srv.log_text().splitlines():
            m = LOG_LINE.fullmatch(line)
            assert m, f"unstructured log line {line!r}"
            stamp = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
            assert abs((now - stamp).total_seconds()) < 60, f"timestamp not UTC now: {line!r}"


def test_listen_ready_and_accept_lines(backend):
    with Server(backend=backend) as srv:
        port = srv.port("chat")
        srv.wait_log(rf" INFO LISTEN proto=chat addr=127\.0\.0\.1:{port} port={port} fd=\d+$")
        srv.wait_log(rf" INFO READY backend={backend} listeners=1 pid={srv.pid}$")
        c = LineClient(port)
        srv.wait_log(rf" INFO ACCEPT conn=0 fd=\d+ peer=127\.0\.0\.1:{c.local_port} listener=chat$")


@pytest.mark.parametrize("how,reason", [("close", "eof"), ("reset", "reset"), ("quit", "quit")])
def test_disconnect_reasons_and_byte_counts(backend, how, reason):
    with Server(backend=backend) as srv:
        c = ChatClient(srv.port("chat"), name="alice")
        peer = c.local_port
        if how == "quit":
            c.send("QUIT")
            c.expect("OK Goodbye!")
            c.expect_closed()
        else:
            getattr(c, how)()
        m = srv.wait_log(rf" INFO DISCONNECT conn=0 fd=\d+ peer=127\.0\.0\.1:{peer} "
                         rf"reason={reason} in=(\d+) out=(\d+)$")
        assert int(m.group(1)) == c.sent
        assert int(m.group(2)) == c.received


def test_message_text_is_never_logged(backend):
    listen = ["chat:127.0.0.1:0", "relay:127.0.0.1:0", "frame:127.0.0.1:0"]
    with Server(listen=listen, backend=backend) as srv:
        alice, bob = chat_pair(srv)
        alice.send("MSG secret-room-words")
        bob.expect("ROOM #g alice secret-room-words")
        alice.send("PRIVMSG bob secret-private-words")
        bob.expect("PRIVMSG alice secret-private-words")
        relay = [LineClient(srv.port("relay")) for _ in range(2)]
        frame = FrameClient(srv.port("frame"))
        srv.wait_log(r" ACCEPT ", count=5)
        relay[0].send_raw(b"secret-relay-words\n")
        assert relay[1].recv_raw_line() == b"secret-relay-words\n"
        frame.send_frame(b"secret-frame-words")
        frame.expect_frame(b"secret-frame-words")
        assert "secret" not in srv.log_text()
