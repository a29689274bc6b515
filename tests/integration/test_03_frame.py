"""03 frame: the length-prefixed frame listener (docs/PROTOCOL.md, "Frame").

A frame is a 4-byte big-endian length and that many payload bytes. Every
frame goes unchanged to every client of the listener, the sender included.
Partial and concatenated frames are reassembled; a zero-length frame is
forwarded; --max-frame is inclusive; a larger length closes the connection
and logs OVERSIZE while everyone else carries on.
"""

import struct

import pytest

from harness import FrameClient, Server

MAX_FRAME = 1024


@pytest.fixture
def server(backend):
    with Server(listen=["frame:127.0.0.1:0"], backend=backend,
                args=["--max-frame", str(MAX_FRAME)]) as srv:
        yield srv


def clients(server, n, listener=0, since=0):
    port = server.ports("frame")[listener]
    made = [FrameClient(port) for _ in range(n)]
    server.wait_log(r" ACCEPT .*listener=frame", count=n, since=since)
    return made


def test_frame_goes_to_everyone_including_sender(server):
    a, b, c = clients(server, 3)
    a.send_frame(b"hello")
    for client in (a, b, c):
        client.expect_frame(b"hello")


def test_frame_sent_one_byte_at_a_time(server):
    a, b = clients(server, 2)
    for byte in struct.pack(">I", 11) + b"hello world":
        a.send_raw(bytes([byte]))
    a.expect_frame(b"hello world")
    b.expect_frame(b"hello world")


def test_concatenated_frames_in_one_write(server):
    a, b = clients(server, 2)
    payloads = [b"one", b"", b"three" * 50, b"four"]
    a.send_raw(b"".join(struct.pack(">I", len(p)) + p for p in payloads))
    for client in (a, b):
        assert [client.recv_frame() for _ in payloads] == payloads


def test_frame_split_across_header_and_payload_writes(server):
    a, b = clients(server, 2)
    data = struct.pack(">I", 6) + b"abcdef" + struct.pack(">I", 3) + b"xyz"
    for cut in (2, 7, 11):
        a.send_raw(data[:cut])
        data = data[cut:]
    a.send_raw(data)
    b.expect_frame(b"abcdef")
    b.expect_frame(b"xyz")


def test_zero_length_frame_is_forwarded(server):
    a, b = clients(server, 2)
    a.send_frame(b"")
    a.expect_frame(b"")
    b.expect_frame(b"")


def test_binary_payload_unchanged(server):
    a, b = clients(server, 2)
    payload = bytes(range(256)) + b"\r\n\x00"
    a.send_frame(payload)
    b.expect_frame(payload)


def test_max_frame_is_inclusive(server):
    a, b = clients(server, 2)
    payload = bytes(i % 251 for i in range(MAX_FRAME))
    a.send_frame(payload)
    a.expect_frame(payload)
    b.expect_frame(payload)


def test_oversize_frame_closes_only_that_connection(server):
    a, b = clients(server, 2)
    mark = server.log_mark()
    a.send_frame(b"o" * (MAX_FRAME + 1))
    a.expect_closed()
    server.wait_log(rf" OVERSIZE .*listener=frame len={MAX_FRAME + 1} limit={MAX_FRAME}",
                    since=mark)
    server.wait_log(r" DISCONNECT .*reason=oversize", since=mark)
    b.send_frame(b"still here")
    b.expect_frame(b"still here")
    b.expect_silence(100)


def test_oversize_header_alone_closes_at_once(server):
    (a,) = clients(server, 1)
    a.send_raw(struct.pack(">I", 0x7FFFFFFF))
    a.expect_closed()
    server.wait_log(r" OVERSIZE .*len=2147483647")


def test_default_max_frame_is_one_mib(backend):
    mib = 1 << 20
    with Server(listen=["frame:127.0.0.1:0"], backend=backend) as srv:
        a, b = clients(srv, 2)
        payload = b"m" * mib
        a.send_frame(payload)
        a.expect_frame(payload)
        b.expect_frame(payload)
        a.send_raw(struct.pack(">I", mib + 1))
        a.expect_closed()
        srv.wait_log(rf" OVERSIZE .*len={mib + 1} limit={mib}")


def test_frames_from_several_senders_keep_per_sender_order(server):
    a, b = clients(server, 2)
    for i in range(20):
        a.send_frame(b"a%d" % i)
        b.send_frame(b"b%d" % i)
    for client in (a, b):
        got = [client.recv_frame() for _ in range(40)]
        assert [f for f in got if f.startswith(b"a")] == [b"a%d" % i for i in range(20)]
        assert [f for f in got if f.startswith(b"b")] == [b"b%d" % i for i in range(20)]


def test_unterminated_frame_at_eof_is_dropped(server):
    a, b = clients(server, 2)
    mark = server.log_mark()
    a.send_raw(struct.pack(">I", 10) + b"part")
    a.close()
    server.wait_log(r" DISCONNECT .*reason=eof", since=mark)
    b.send_frame(b"next")
    b.expect_frame(b"next")


def test_each_frame_listener_is_its_own_group(backend):
    with Server(listen=["frame:127.0.0.1:0", "frame:127.0.0.1:0"], backend=backend) as srv:
        (a,) = clients(srv, 1, listener=0)
        (b,) = clients(srv, 1, listener=1, since=srv.log_mark())
        a.send_frame(b"first group")
        a.expect_frame(b"first group")
        b.send_frame(b"second group")
        b.expect_frame(b"second group")
        a.send_frame(b"again")
        a.expect_frame(b"again")
