"""04 limits: capacity, registration timeout, slow consumers, fd exhaustion.

--max-clients is one limit over all listeners that counts unregistered
connections; a connection over it is accepted and closed at once (chat first
sends "ERROR Server full") and is not counted in total_accept.
--register-timeout closes idle unregistered chat connections. A client whose
queued output passes --sendq while its socket is full is logged SLOW_CLIENT
and disconnected while everyone else keeps receiving every message in order;
a burst fanned out in one loop pass past --sendq does not cut members that
read promptly. Running out of file
descriptors never makes the loop spin.
"""

import random
import threading
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


def test_connect_and_reset_storm(backend):
    """Connections reset at once (some before the server accepts them) leave
    nothing behind and the server keeps serving."""
    listen = ["chat:127.0.0.1:0", "relay:127.0.0.1:0", "frame:127.0.0.1:0"]
    with Server(listen=listen, backend=backend) as srv:
        for i in range(150):
            LineClient(srv.port(("chat", "relay", "frame")[i % 3])).reset()
        wait_until(lambda: srv.stats().fields["active"] == 0, what="every reset connection gone")
        ChatClient(srv.port("chat"), name="survivor")


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


class ChatPublisher:
    """The fast chat client: publishes numbered messages and reads every line."""

    def __init__(self, client, room):
        self.client, self.room = client, room
        self.sent, self.echoed, self.notices = 0, [], []

    def batch(self, n=20):
        for i in range(self.sent, self.sent + n):
            self.client.send(f"MSG {i} {TEXT}")
        self.sent += n
        while len(self.echoed) < self.sent:
            line = self.client.recv_line()
            if line.startswith(f"ROOM {self.room} {self.client.name} "):
                self.echoed.append(int(line.split()[3]))
            else:
                self.notices.append(line)


def until_slow_client(srv, publish, limit=2000):
    """Calls publish() until the server logs SLOW_CLIENT, then once more."""
    for _ in range(limit):
        publish()
        if srv.count_log(r" SLOW_CLIENT "):
            publish()
            return
    raise AssertionError("no SLOW_CLIENT logged")


def assert_slow_consumer_logged(srv, slow):
    m = srv.wait_log(rf" WARN SLOW_CLIENT conn=\d+ fd=\d+ peer=127\.0\.0\.1:{slow.local_port} "
                     rf"queued=(\d+) limit={SENDQ}$")
    assert int(m.group(1)) > SENDQ
    srv.wait_log(rf" DISCONNECT .*peer=127\.0\.0\.1:{slow.local_port} reason=slow-consumer")


def test_slow_chat_client_is_disconnected_fast_one_unaffected(backend):
    with Server(backend=backend, args=["--sendq", str(SENDQ)]) as srv:
        slow = ChatClient(srv.port("chat"), name="slow", room="#r", rcvbuf=4096)
        fast = ChatPublisher(ChatClient(srv.port("chat"), name="fast", room="#r"), "#r")
        until_slow_client(srv, fast.batch)
        assert fast.echoed == list(range(fast.sent))
        assert_slow_consumer_logged(srv, slow)
        fast.client.send("USERS")
        fast.client.expect("USERLIST fast")
        assert fast.notices == ["LEAVE #r slow"]


def test_slow_frame_client_is_disconnected_fast_one_unaffected(backend):
    args = ["--sendq", str(SENDQ), "--max-frame", str(SENDQ // 2)]
    with Server(listen=["frame:127.0.0.1:0"], backend=backend, args=args) as srv:
        slow = FrameClient(srv.port("frame"), rcvbuf=4096)
        fast = FrameClient(srv.port("frame"))
        srv.wait_accepted(slow, fast)
        sent = []

        def publish():
            batch = [b"%08d" % (len(sent) + i) + b"f" * 1000 for i in range(20)]
            for payload in batch:
                fast.send_frame(payload)
            for payload in batch:
                fast.expect_frame(payload)
            sent.extend(batch)

        until_slow_client(srv, publish)
        assert_slow_consumer_logged(srv, slow)
        fast.send_frame(b"after")
        fast.expect_frame(b"after")
        assert srv.stats().fields["active"] == 1


def test_slow_relay_client_is_disconnected_others_unaffected(backend):
    with Server(listen=["relay:127.0.0.1:0"], backend=backend, args=["--sendq", str(SENDQ)]) as srv:
        slow = LineClient(srv.port("relay"), rcvbuf=4096)
        sender, reader = LineClient(srv.port("relay")), LineClient(srv.port("relay"))
        srv.wait_accepted(slow, sender, reader)
        count = [0]

        def publish():
            lines = [b"%08d %s\n" % (count[0] + i, TEXT.encode()) for i in range(20)]
            sender.send_raw(b"".join(lines))
            for line in lines:
                assert reader.recv_raw_line() == line
            count[0] += 20

        until_slow_client(srv, publish)
        assert_slow_consumer_logged(srv, slow)
        reader.send_raw(b"reader still here\n")
        assert sender.recv_raw_line() == b"reader still here\n"


# ---------------------------------------------------------------- bursts to prompt readers

def _count_room_lines(client, want, counts, slot):
    """Reads `client` until `want` lines ending " x\\r\\n" arrived or the
    connection ends; stores the count in counts[slot]."""
    data, tail, seen = bytes(client.buf), b"", 0
    client.buf.clear()
    client.sock.settimeout(30)
    while True:
        chunk = tail + data
        seen += chunk.count(b" x\r\n")
        tail = chunk[-3:]
        if seen >= want:
            break
        try:
            data = client.sock.recv(1 << 20)
        except OSError:
            data = b""
        if not data:
            break
    counts[slot] = seen


def test_burst_fanout_does_not_cut_prompt_readers(backend):
    """Two publishers each pipeline 1 MiB of one-character messages in one
    send(), 32-byte names, default flags: one loop pass fans out more than
    --sendq to every member, but every member reads promptly, so nobody is a
    slow consumer and every line arrives."""
    lines_each = 512 * 1024
    room = "#" + "r" * 31
    with Server(backend=backend) as srv:
        port = srv.port("chat")
        members = [ChatClient(port, name=f"member{i:02d}" + "m" * 24, room=room)
                   for i in range(3)]
        publishers = [ChatClient(port, name=f"publisher{i}" + "p" * 22, room=room)
                      for i in range(2)]
        everyone = members + publishers
        want = 2 * lines_each
        counts = [None] * len(everyone)
        readers = [threading.Thread(target=_count_room_lines, args=(c, want, counts, i))
                   for i, c in enumerate(everyone)]
        for t in readers:
            t.start()
        burst = b"x\n" * lines_each
        senders = [threading.Thread(target=p.sock.sendall, args=(burst,)) for p in publishers]
        for t in senders:
            t.start()
        for t in senders + readers:
            t.join(40)
        assert srv.count_log(r" SLOW_CLIENT ") == 0, srv.log_text()[-2000:]
        assert counts == [want] * len(everyone)
        assert srv.stats().fields["active"] == len(everyone)


# ---------------------------------------------------------------- queued output

def test_backlog_to_a_slow_reader_arrives_intact_and_in_order(backend):
    """Output a reader cannot take at once is queued (well under --sendq) and
    delivered later byte for byte: partial writes resume at the right offset."""
    rng = random.Random(7)
    with Server(backend=backend) as srv:
        reader = ChatClient(srv.port("chat"), name="reader", room="#q", rcvbuf=4096)
        talker = ChatPublisher(ChatClient(srv.port("chat"), name="talker", room="#q"), "#q")
        texts = [f"{i} " + "t" * rng.randrange(0, 3000) for i in range(600)]
        for start in range(0, len(texts), 50):
            for text in texts[start:start + 50]:
                talker.client.send(f"MSG {text}")
            talker.client.expect(*[f"ROOM #q talker {t}" for t in texts[start:start + 50]])
        reader.expect("JOIN #q talker")
        reader.expect(*[f"ROOM #q talker {t}" for t in texts])


def test_frame_backlog_to_a_slow_reader_arrives_intact(backend):
    rng = random.Random(11)
    with Server(listen=["frame:127.0.0.1:0"], backend=backend) as srv:
        reader = FrameClient(srv.port("frame"), rcvbuf=4096)
        sender = FrameClient(srv.port("frame"))
        srv.wait_accepted(reader, sender)
        payloads = [bytes([i % 256]) * rng.randrange(0, 5000) for i in range(400)]
        for payload in payloads:
            sender.send_frame(payload)
            sender.expect_frame(payload)
        for payload in payloads:
            reader.expect_frame(payload)


def test_writes_to_a_reset_peer_do_not_hurt_the_server(backend):
    """A member resets while messages are being sent to it (EPIPE/ECONNRESET
    on write, never a fatal SIGPIPE)."""
    with Server(backend=backend) as srv:
        talker = ChatClient(srv.port("chat"), name="talker", room="#r")
        for i in range(20):
            victim = ChatClient(srv.port("chat"), name=f"victim{i}", room="#r")
            talker.expect(f"JOIN #r victim{i}")
            talker.send(f"MSG {'m' * 2000}")
            victim.reset()
            talker.send(f"MSG {'n' * 2000}")
            lines = talker.recv_lines(3)
            assert f"LEAVE #r victim{i}" in lines, lines
        talker.expect_no_pending()


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
