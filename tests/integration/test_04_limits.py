"""04 limits: capacity, registration timeout, slow consumers, fd exhaustion.

--max-clients is one limit over all listeners that counts unregistered
connections; a connection over it is accepted and closed at once (chat first
sends "ERROR Server full") and is not counted in total_accept.
--register-timeout closes idle unregistered chat connections. A client whose
queued output passes --sendq is logged SLOW_CLIENT and disconnected while
everyone else keeps receiving every message in order. Running out of file
descriptors never makes the loop spin.
"""

import time

from harness import ChatClient, FrameClient, LineClient, Server, wait_until

SERVER_FULL = "ERROR Server full\r\n"


def hold(server, listener_kind, n, since=0):
    """Opens n silent connections and waits until the server accepted them."""
    cls = FrameClient if listener_kind == "frame" else LineClient
    made = [cls(server.port(listener_kind)) for _ in range(n)]
    server.wait_log(r" ACCEPT ", count=n, since=since)
    return made


# ---------------------------------------------------------------- max clients

def test_chat_over_capacity_gets_server_full(backend):
    with Server(backend=backend, args=["--max-clients", "2"]) as srv:
        hold(srv, "chat", 2)
        extra = LineClient(srv.port("chat"))
        extra.expect("ERROR Server full")
        extra.expect_closed()
        srv.wait_log(r" WARN REJECT .*listener=chat reason=max-clients")


def test_frame_over_capacity_is_just_closed(backend):
    with Server(listen=["frame:127.0.0.1:0"], backend=backend, args=["--max-clients", "2"]) as srv:
        hold(srv, "frame", 2)
        extra = FrameClient(srv.port("frame"))
        extra.expect_closed()
        srv.wait_log(r" REJECT .*listener=frame reason=max-clients")


def test_relay_over_capacity_is_just_closed(backend):
    with Server(listen=["relay:127.0.0.1:0"], backend=backend, args=["--max-clients", "1"]) as srv:
        hold(srv, "relay", 1)
        extra = LineClient(srv.port("relay"))
        extra.expect_closed()
        srv.wait_log(r" REJECT .*listener=relay reason=max-clients")


def test_rejected_connections_are_not_accepted_in_stats(backend):
    with Server(backend=backend, args=["--max-clients", "2"]) as srv:
        hold(srv, "chat", 2)
        extra = LineClient(srv.port("chat"))
        extra.expect("ERROR Server full")
        extra.expect_closed()
        stats = srv.stats()
        assert stats.fields["total_accept"] == 2
        assert stats.fields["active"] == 2
        assert stats.fields["rejected"] == 1
        assert stats.fields["bytes_out"] == len(SERVER_FULL)
        assert len(stats.conns) == 2


def test_max_clients_is_one_limit_over_all_listeners(backend):
    listen = ["chat:127.0.0.1:0", "frame:127.0.0.1:0", "relay:127.0.0.1:0"]
    with Server(listen=listen, backend=backend, args=["--max-clients", "2"]) as srv:
        hold(srv, "frame", 1)
        hold(srv, "relay", 1, since=srv.log_mark())
        extra = LineClient(srv.port("chat"))
        extra.expect("ERROR Server full")
        extra.expect_closed()


def test_registered_users_count_too_and_a_freed_slot_is_reused(backend):
    with Server(backend=backend, args=["--max-clients", "2"]) as srv:
        alice = ChatClient(srv.port("chat"), name="alice", room="#g")
        bob = ChatClient(srv.port("chat"), name="bob", room="#g")
        extra = LineClient(srv.port("chat"))
        extra.expect("ERROR Server full")
        extra.expect_closed()
        mark = srv.log_mark()
        bob.send("QUIT")
        bob.expect("OK Goodbye!")
        bob.expect_closed()
        srv.wait_log(r" DISCONNECT .*reason=quit", since=mark)
        ChatClient(srv.port("chat"), name="carol")
        alice.expect("JOIN #g bob", "LEAVE #g bob")


# ---------------------------------------------------------------- registration timeout

def test_unregistered_client_times_out_registered_one_stays(backend):
    with Server(backend=backend, args=["--register-timeout", "1"]) as srv:
        busy = ChatClient(srv.port("chat"))  # connected first: its timer would fire first
        start = time.monotonic()
        idle = LineClient(srv.port("chat"))
        busy.register("alice")
        idle.expect("ERROR Registration timeout", timeout=5)
        elapsed = time.monotonic() - start
        idle.expect_closed()
        assert 0.9 <= elapsed <= 4, f"timed out after {elapsed:.2f}s, wanted about 1s"
        srv.wait_log(r" DISCONNECT .*reason=register-timeout")
        busy.expect_no_pending()
        assert srv.count_log(r"reason=register-timeout") == 1


def test_register_timeout_does_not_apply_to_relay_or_frame(backend):
    listen = ["chat:127.0.0.1:0", "relay:127.0.0.1:0", "frame:127.0.0.1:0"]
    with Server(listen=listen, backend=backend, args=["--register-timeout", "1"]) as srv:
        relay = [LineClient(srv.port("relay")) for _ in range(2)]
        frame = FrameClient(srv.port("frame"))
        srv.wait_log(r" ACCEPT ", count=3)
        idle = LineClient(srv.port("chat"))
        idle.expect("ERROR Registration timeout")
        idle.expect_closed()
        frame.send_frame(b"alive")
        frame.expect_frame(b"alive")
        relay[0].send_raw(b"alive\n")
        assert relay[1].recv_raw_line() == b"alive\n"
        assert srv.count_log(r"reason=register-timeout") == 1


# ---------------------------------------------------------------- slow consumers

SENDQ = 32 * 1024
TEXT = "p" * 900


def publish_batch(fast, room, first, batch):
    """Sends `batch` numbered messages and returns the numbers echoed back."""
    for n in range(first, first + batch):
        fast.send(f"MSG {n} {TEXT}")
    echoed = []
    while len(echoed) < batch:
        line = fast.recv_line()
        if line.startswith(f"ROOM {room} fast "):
            echoed.append(int(line.split()[3]))
    return echoed


def publish_until_slow(srv, fast, room, batch=20, limit=10000):
    """The fast client publishes batches (reading its own echoes) until the
    server logs SLOW_CLIENT, then one batch more. Returns (received, sent)."""
    received, sent, slow_at = [], 0, None
    while slow_at is None or sent < slow_at + batch:
        assert sent < limit, f"no SLOW_CLIENT after {sent} messages"
        received += publish_batch(fast, room, sent, batch)
        sent += batch
        if slow_at is None and srv.count_log(r" SLOW_CLIENT "):
            slow_at = sent
    return received, sent


def test_slow_chat_client_is_disconnected_fast_one_unaffected(backend):
    with Server(backend=backend, args=["--sendq", str(SENDQ)]) as srv:
        slow = ChatClient(srv.port("chat"), name="slow", room="#r", rcvbuf=4096)
        fast = ChatClient(srv.port("chat"), name="fast", room="#r")
        slow_port = slow.local_port
        received, sent = publish_until_slow(srv, fast, "#r")
        assert received == list(range(sent))
        match = srv.wait_log(rf" WARN SLOW_CLIENT conn=\d+ fd=\d+ peer=127\.0\.0\.1:{slow_port} "
                             rf"queued=(\d+) limit={SENDQ}")
        assert int(match.group(1)) > SENDQ
        srv.wait_log(rf" DISCONNECT .*peer=127\.0\.0\.1:{slow_port} reason=slow-consumer")
        fast.send("USERS")
        line = fast.recv_line()
        while line.startswith("ROOM ") or line == "LEAVE #r slow":
            line = fast.recv_line()
        assert line == "USERLIST fast"


def test_slow_frame_client_is_disconnected_fast_one_unaffected(backend):
    with Server(listen=["frame:127.0.0.1:0"], backend=backend, args=["--sendq", str(SENDQ)]) as srv:
        slow = FrameClient(srv.port("frame"), rcvbuf=4096)
        fast = FrameClient(srv.port("frame"))
        srv.wait_log(r" ACCEPT ", count=2)
        payload = b"f" * 1000
        n = 0
        while not srv.count_log(r" SLOW_CLIENT "):
            assert n < 20000, "no SLOW_CLIENT"
            for _ in range(20):
                fast.send_frame(b"%08d" % n + payload)
                n += 1
            for i in range(n - 20, n):
                fast.expect_frame(b"%08d" % i + payload)
        srv.wait_log(rf" DISCONNECT .*peer=127\.0\.0\.1:{slow.local_port} reason=slow-consumer")
        fast.send_frame(b"after")
        fast.expect_frame(b"after")
        assert srv.stats().fields["active"] == 1


# ---------------------------------------------------------------- fd exhaustion

def test_fd_exhaustion_does_not_spin(backend):
    with Server(backend=backend, args=["--max-clients", "1000"], max_fds=24) as srv:
        crowd = [LineClient(srv.port("chat")) for _ in range(40)]
        srv.wait_log(r" ACCEPT ", count=10)
        cpu_before = srv.cpu_seconds()
        time.sleep(1.0)  # the measurement window
        spent = srv.cpu_seconds() - cpu_before
        assert spent <= 0.05, f"server used {spent:.2f}s CPU in 1s while out of descriptors"
        accepted = srv.count_log(r" ACCEPT ")
        assert accepted < len(crowd), "the descriptor limit was never reached"
        for c in crowd:
            c.close()
        srv.wait_log(r" DISCONNECT ", count=accepted)
        ChatClient(srv.port("chat"), name="afterwards")


# ---------------------------------------------------------------- FD_SETSIZE

FD_SETSIZE = 1024


def test_clients_beyond_fd_setsize(backend):
    """epoll and poll serve descriptors past FD_SETSIZE; select (the one
    documented difference) closes those connections and keeps serving."""
    with Server(backend=backend, args=["--max-clients", "5000"]) as srv:
        first = ChatClient(srv.port("chat"), name="first", room="#g")
        crowd = [LineClient(srv.port("chat")) for _ in range(FD_SETSIZE + 50)]

        def settled():
            stats = srv.stats()
            return stats if stats.fields["active"] + stats.fields["rejected"] == len(crowd) + 1 \
                else None

        stats = wait_until(settled, timeout=20, what="every connection accepted or refused")
        if backend == "select":
            assert stats.fields["active"] < FD_SETSIZE
            assert max(c["fd"] for c in stats.conns) < FD_SETSIZE
        else:
            assert stats.fields["active"] == len(crowd) + 1
        first.send("MSG still serving")
        first.expect("ROOM #g first still serving")
