"""06 shutdown: SIGTERM and SIGINT.

The server stops accepting, tells chat clients "ERROR Server shutting down",
flushes within a short grace period, closes everything, logs a SHUTDOWN
summary and exits 0. A second signal exits at once, even while a client that
never reads keeps the first shutdown waiting.
"""

import signal
import socket
import time

import pytest

from harness import ChatClient, FrameClient, LineClient, Server

SIGNALS = [signal.SIGTERM, signal.SIGINT]
MIXED = ["chat:127.0.0.1:0", "relay:127.0.0.1:0", "frame:127.0.0.1:0"]


def assert_refused(port):
    with socket.socket() as s:
        s.settimeout(2)
        with pytest.raises(ConnectionRefusedError):
            s.connect(("127.0.0.1", port))


@pytest.mark.parametrize("sig", SIGNALS, ids=["SIGTERM", "SIGINT"])
def test_signal_shuts_down_cleanly(backend, sig):
    with Server(listen=MIXED, backend=backend) as srv:
        alice = ChatClient(srv.port("chat"), name="alice", room="#g")
        unregistered = LineClient(srv.port("chat"))
        relay = LineClient(srv.port("relay"))
        frame = FrameClient(srv.port("frame"))
        srv.wait_log(r" ACCEPT ", count=4)
        assert srv.stop(sig) == 0
        for chat in (alice, unregistered):
            chat.expect("ERROR Server shutting down")
            chat.expect_closed()
        relay.expect_closed()
        frame.expect_closed()
        srv.wait_log(r" DISCONNECT .*reason=shutdown ", count=4)
        for port in (srv.port("chat"), srv.port("relay"), srv.port("frame")):
            assert_refused(port)


def test_shutdown_summary_line(backend):
    with Server(backend=backend) as srv:
        alice = ChatClient(srv.port("chat"), name="alice")
        ChatClient(srv.port("chat")).close()
        srv.wait_log(r" DISCONNECT ")
        assert srv.stop() == 0
        m = srv.wait_log(r" INFO SHUTDOWN uptime=\d+s total_accept=(\d+) rejected=(\d+) "
                         r"bytes_in=(\d+) bytes_out=(\d+)")
        alice.expect("ERROR Server shutting down")
        alice.expect_closed()
        assert [int(g) for g in m.groups()] == [2, 0, alice.sent, alice.received]
        assert srv.log_text().splitlines()[-1] == m.string


def test_idle_server_stops_promptly(backend):
    with Server(backend=backend) as srv:
        start = time.monotonic()
        assert srv.stop(signal.SIGTERM) == 0
        assert time.monotonic() - start < 2


def test_no_accept_after_signal(backend):
    """A connection attempted during the grace period is never accepted."""
    with Server(listen=["frame:127.0.0.1:0", "chat:127.0.0.1:0"], backend=backend,
                args=["--sendq", str(64 << 20)]) as srv:
        make_stuck_client(srv)
        watcher = ChatClient(srv.port("chat"), name="watcher")
        srv.wait_log(r" ACCEPT ", count=3)
        srv.send_signal(signal.SIGTERM)
        watcher.expect("ERROR Server shutting down")
        try:
            late = LineClient(srv.port("chat"))
        except ConnectionRefusedError:
            late = None
        assert srv.wait_exit() == 0
        if late:
            late.expect_closed()
        assert srv.count_log(r" ACCEPT ") == 3


def make_stuck_client(srv, megabytes=4):
    """A frame client that never reads, with megabytes of output queued for it."""
    stuck = FrameClient(srv.port("frame"), rcvbuf=4096)
    pusher = FrameClient(srv.port("frame"))
    srv.wait_log(r" ACCEPT .*listener=frame", count=2)
    chunk = b"s" * 65536
    for _ in range(megabytes * 16):
        pusher.send_frame(chunk)
        pusher.expect_frame(chunk)
    return stuck, pusher


@pytest.mark.parametrize("sig", SIGNALS, ids=["SIGTERM", "SIGINT"])
def test_grace_period_is_short_with_a_stuck_client(backend, sig):
    with Server(listen=["frame:127.0.0.1:0", "chat:127.0.0.1:0"], backend=backend,
                args=["--sendq", str(64 << 20)]) as srv:
        make_stuck_client(srv)
        start = time.monotonic()
        assert srv.stop(sig, timeout=10) == 0
        assert time.monotonic() - start < 10


def test_second_signal_exits_at_once(backend):
    with Server(listen=["frame:127.0.0.1:0", "chat:127.0.0.1:0"], backend=backend,
                args=["--sendq", str(64 << 20)], expect_exit=None) as srv:
        make_stuck_client(srv)
        watcher = ChatClient(srv.port("chat"), name="watcher")
        srv.send_signal(signal.SIGTERM)
        watcher.expect("ERROR Server shutting down")
        srv.send_signal(signal.SIGTERM)
        start = time.monotonic()
        srv.wait_exit(timeout=5)
        assert time.monotonic() - start < 1, "second signal did not exit at once"


# SIGHUP (reload) and SIGUSR1/SIGUSR2 do not end the server: each is logged,
# a connected chat client keeps talking, and SIGTERM afterwards still shuts
# down with the usual notice and summary.
RELOAD_SIGNALS = [
    (signal.SIGHUP, r" INFO RELOAD signal=SIGHUP$"),
    (signal.SIGUSR1, r" INFO SIGNAL_IGNORED signal=SIGUSR1$"),
    (signal.SIGUSR2, r" INFO SIGNAL_IGNORED signal=SIGUSR2$"),
]


@pytest.mark.parametrize("sig,logged", RELOAD_SIGNALS, ids=["SIGHUP", "SIGUSR1", "SIGUSR2"])
def test_signal_is_logged_and_server_keeps_serving(backend, sig, logged):
    with Server(backend=backend, args=["--history", "0"]) as srv:
        alice = ChatClient(srv.port("chat"), name="alice", room="#g")
        bob = ChatClient(srv.port("chat"), name="bob", room="#g")
        alice.expect("JOIN #g bob")
        for round_ in range(2):  # twice: handling one must not disarm the next
            mark = srv.log_mark()
            srv.send_signal(sig)
            srv.wait_log(logged, since=mark)
            bob.send(f"still here {round_}")
            for c in (alice, bob):
                c.expect(f"ROOM #g bob still here {round_}")
        late = ChatClient(srv.port("chat"), name="carol", room="#g")
        for c in (alice, bob):
            c.expect("JOIN #g carol")
        late.send("hello")
        for c in (alice, bob, late):
            c.expect("ROOM #g carol hello")
        assert srv.proc.poll() is None
        assert srv.count_log(r" SHUTDOWN_BEGIN ") == 0
        assert srv.stop(signal.SIGTERM) == 0
        for chat in (alice, bob, late):
            chat.expect("ERROR Server shutting down")
            chat.expect_closed()
        srv.wait_log(r" INFO SHUTDOWN uptime=")


def test_sighup_during_shutdown_does_not_force_exit(backend):
    """Only a second stop signal cuts the grace period short."""
    with Server(backend=backend) as srv:
        alice = ChatClient(srv.port("chat"), name="alice")
        srv.send_signal(signal.SIGTERM)
        srv.wait_log(r" SHUTDOWN_BEGIN signal=SIGTERM ")
        srv.send_signal(signal.SIGHUP)
        alice.expect("ERROR Server shutting down")
        alice.expect_closed()
        assert srv.wait_exit() == 0
        srv.wait_log(r" INFO SHUTDOWN .*forced=no$")
