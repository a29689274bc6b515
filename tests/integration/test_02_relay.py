"""02 relay: the line relay listener (first specified as a select()-based relay).

Every complete line goes, byte for byte and terminator included, to every
other client of the same relay listener and never back to the sender.
Over-long lines are discarded and logged (the connection stays); an
unterminated last line at EOF is dropped. That a client received nothing is
proven by ordering: a later line from someone else must be the next thing it
reads.
"""

import pytest

from harness import ChatClient, LineClient, Server

# Everything here runs in plain text and again over TLS (conftest `transport`).
pytestmark = pytest.mark.usefixtures("transport")

MAX_LINE = 32


@pytest.fixture
def server(backend):
    with Server(listen=["relay:127.0.0.1:0"], backend=backend,
                args=["--max-line", str(MAX_LINE)]) as srv:
        yield srv


def clients(server, n, listener=0):
    port = server.ports("relay")[listener]
    made = [LineClient(port) for _ in range(n)]
    server.wait_log(r" ACCEPT .*listener=relay", count=n)
    return made


def assert_received_nothing(receiver, witness):
    """`witness` sends a marker line; it must be the next thing `receiver` reads."""
    witness.send_raw(b"marker\n")
    assert receiver.recv_raw_line() == b"marker\n"


def test_line_goes_to_every_other_client_not_sender(server):
    a, b, c = clients(server, 3)
    a.send_raw(b"hello\n")
    assert b.recv_raw_line() == b"hello\n"
    assert c.recv_raw_line() == b"hello\n"
    assert_received_nothing(a, b)


@pytest.mark.parametrize("line", [
    b"crlf kept\r\n",
    b"\r\n",
    b"\n",
    b"mid\rdle\n",
    b"\x00\x01\x7f binary \xff\xfe\xc0\xaf\n",
    b"tab\tand  spaces  \n",
    "utf-8 \u00e9\U0001F600\n".encode(),
])
def test_bytes_forwarded_unchanged(server, line):
    a, b = clients(server, 2)
    a.send_raw(line)
    assert b.recv_raw_line() == line


def test_several_lines_in_one_write_arrive_in_order(server):
    a, b = clients(server, 2)
    a.send_raw(b"one\ntwo\r\nthree\n")
    assert [b.recv_raw_line() for _ in range(3)] == [b"one\n", b"two\r\n", b"three\n"]


def test_line_sent_one_byte_at_a_time(server):
    a, b = clients(server, 2)
    for byte in b"slowly\r\n":
        a.send_raw(bytes([byte]))
    assert b.recv_raw_line() == b"slowly\r\n"


def test_max_line_is_inclusive(server):
    a, b = clients(server, 2)
    longest = b"x" * MAX_LINE + b"\n"
    a.send_raw(longest)
    assert b.recv_raw_line() == longest


def test_over_long_line_is_discarded_and_logged(server):
    a, b = clients(server, 2)
    mark = server.log_mark()
    a.send_raw(b"y" * (MAX_LINE + 1) + b"\n")
    server.wait_log(rf" OVERSIZE .*listener=relay .*limit={MAX_LINE}", since=mark)
    a.send_raw(b"after\n")
    assert b.recv_raw_line() == b"after\n"


def test_over_long_line_between_good_lines_in_one_write(server):
    a, b = clients(server, 2)
    a.send_raw(b"before\n" + b"x" * 100 + b"\nafter\n")
    assert b.recv_raw_line() == b"before\n"
    assert b.recv_raw_line() == b"after\n"


def test_rest_of_over_long_line_is_discarded(server):
    """The tail of an over-long line is dropped even when it arrives in the
    same read as the next line (the server is discarding by then)."""
    a, b = clients(server, 2)
    a.send_raw(b"z" * 100)
    server.wait_log(r" OVERSIZE ")
    a.send_raw(b"z" * 5000)
    a.send_raw(b" still the long line\nnext\n")
    assert b.recv_raw_line() == b"next\n"
    a.send_raw(b"more\n")
    assert b.recv_raw_line() == b"more\n"


@pytest.mark.plain_only  # half-closes, or uses a plain tool
def test_unterminated_last_line_is_dropped(server):
    a, b = clients(server, 2)
    mark = server.log_mark()
    a.send_raw(b"complete\nincomplete")
    assert b.recv_raw_line() == b"complete\n"
    a.close()
    server.wait_log(r" DISCONNECT .*reason=eof", since=mark)
    c = LineClient(server.port("relay"))
    server.wait_log(r" ACCEPT .*listener=relay", since=mark)
    assert_received_nothing(b, c)


def test_half_closed_sender_lines_are_still_relayed(server):
    a, b = clients(server, 2)
    a.send_raw(b"last words\n")
    a.shutdown_write()
    assert b.recv_raw_line() == b"last words\n"


def test_line_then_immediate_close_is_relayed(server):
    a, b = clients(server, 2)
    a.send_raw(b"parting words\n")
    a.close()
    assert b.recv_raw_line() == b"parting words\n"


def test_each_relay_listener_is_its_own_group(backend):
    with Server(listen=["relay:127.0.0.1:0", "relay:127.0.0.1:0"], backend=backend) as srv:
        a, b = clients(srv, 2, listener=0)
        c = LineClient(srv.ports("relay")[1])
        d = LineClient(srv.ports("relay")[1])
        srv.wait_log(r" ACCEPT .*listener=relay", count=4)
        a.send_raw(b"group one\n")
        assert b.recv_raw_line() == b"group one\n"
        c.send_raw(b"group two\n")
        assert d.recv_raw_line() == b"group two\n"
        assert_received_nothing(c, d)
        assert_received_nothing(a, b)


def test_relay_and_chat_do_not_mix(backend):
    with Server(listen=["relay:127.0.0.1:0", "chat:127.0.0.1:0"], backend=backend) as srv:
        a, b = clients(srv, 2)
        chat = ChatClient(srv.port("chat"), name="alice", room="#g")
        a.send_raw(b"MSG relay only\n")
        assert b.recv_raw_line() == b"MSG relay only\n"
        chat.expect_no_pending()
