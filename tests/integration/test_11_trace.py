"""11 trace: parleyd --trace prints the event loop's steps on stdout in the
wording of the classic select() chat-server exercise the relay listener
implements:

    Waiting on select()...          before every wait (the call is named:
    MaxFd N                         epoll_wait() and poll() on those backends;
                                    N is the highest descriptor waited on)
    New incoming connection on sd N after an accept
    Descriptor N is readable        before a read
    N bytes received from sd N      after a read that returned data
    Connection closed for sd N      after a read that found the peer gone
    removing connection with sd N   when the server drops a connection, for any
                                    reason (with the exercise's trailing space)

The exercise's scenario is replayed as written on every backend: clients
connect, send lines that reach the others, close; the server closes one
itself. Lines must appear in the exercise's order; the loop may wake more
often than the scenario needs (a wake-up to write, say), so extra
Waiting/MaxFd pairs between steps are allowed, but each pair must be whole.
Without --trace nothing is printed.
"""

import re

import pytest

from harness import ChatClient, FrameClient, LineClient, Server

WAIT_CALL = {"epoll": "epoll_wait()", "poll": "poll()", "select": "select()"}
ACCEPT_FD_RE = r" ACCEPT conn=\d+ fd=(\d+) peer=\S*:{port} "


def trace_server(backend, listen=("relay:127.0.0.1:0",), args=()):
    return Server(listen=list(listen), backend=backend, args=["--trace", *args])


def accepted_fd(srv, client):
    return int(srv.wait_log(ACCEPT_FD_RE.format(port=client.local_port)).group(1))


def events(lines, backend):
    """The lines other than the wait pairs, after checking every pair is
    whole; returns (events, max_fds) with the MaxFd values in order."""
    out, max_fds = [], []
    i = 0
    while i < len(lines):
        if lines[i] == f"Waiting on {WAIT_CALL[backend]}...":
            assert i + 1 < len(lines), "Waiting line without its MaxFd line"
            m = re.fullmatch(r"MaxFd (\d+)", lines[i + 1])
            assert m, f"expected 'MaxFd N' after {lines[i]!r}, got {lines[i + 1]!r}"
            max_fds.append(int(m.group(1)))
            i += 2
            continue
        out.append(lines[i])
        i += 1
    return out, max_fds


def wait_events(srv, backend, since, want):
    """Waits until the trace since `since` holds exactly the event lines
    `want` (and nothing else between them but wait pairs) and ends in a
    wait; returns the MaxFd values seen."""
    def done(lines):
        got, _ = events(lines, backend) if lines and lines[-1].startswith("MaxFd") else ([], [])
        return got == want
    srv.wait_output(done, since=since)
    got, max_fds = events(srv.console_output(since), backend)
    assert got == want
    return max_fds


def test_seed_scenario_lines_in_order(backend):
    with trace_server(backend) as srv:
        listen_fd = int(srv.wait_log(r" LISTEN proto=relay .* fd=(\d+)").group(1))
        first = srv.wait_output(lambda ls: ls[:2] if len(ls) >= 2 else None)
        assert first == [f"Waiting on {WAIT_CALL[backend]}...", f"MaxFd {listen_fd}"]

        mark = srv.output_mark()
        a = LineClient(srv.port("relay"))
        a_fd = accepted_fd(srv, a)
        max_fds = wait_events(srv, backend, mark, [f"New incoming connection on sd {a_fd}"])
        assert max_fds[-1] == a_fd  # the new connection is now the highest

        mark = srv.output_mark()
        b = LineClient(srv.port("relay"))
        b_fd = accepted_fd(srv, b)
        wait_events(srv, backend, mark, [f"New incoming connection on sd {b_fd}"])

        # A message from A is read once and forwarded to B, not back to A.
        mark = srv.output_mark()
        a.send_raw(b"hello world\r\n")
        assert b.recv_raw_line() == b"hello world\r\n"
        wait_events(srv, backend, mark, [f"Descriptor {a_fd} is readable",
                                         f"13 bytes received from sd {a_fd}"])

        # The client closes: read finds EOF, then the connection is removed.
        mark = srv.output_mark()
        a.close()
        max_fds = wait_events(srv, backend, mark, [f"Descriptor {a_fd} is readable",
                                                   f"Connection closed for sd {a_fd}",
                                                   f"removing connection with sd {a_fd} "])
        assert max_fds[-1] == b_fd

        mark = srv.output_mark()
        b.close()
        max_fds = wait_events(srv, backend, mark, [f"Descriptor {b_fd} is readable",
                                                   f"Connection closed for sd {b_fd}",
                                                   f"removing connection with sd {b_fd} "])
        assert max_fds[-1] == listen_fd


def test_server_side_close_is_removing_without_closed(backend):
    """QUIT on a chat listener: the server closes, the peer did not."""
    with trace_server(backend, listen=["chat:127.0.0.1:0"]) as srv:
        mark = srv.output_mark()
        c = ChatClient(srv.port("chat"), name="alice")
        fd = accepted_fd(srv, c)
        c.send("QUIT")
        c.expect("OK Goodbye!")
        c.expect_closed()
        wait_events(srv, backend, mark, [
            f"New incoming connection on sd {fd}",
            f"Descriptor {fd} is readable", f"16 bytes received from sd {fd}",
            f"Descriptor {fd} is readable", f"6 bytes received from sd {fd}",
            f"removing connection with sd {fd} "])


def test_rejected_connection_is_accepted_then_removed(backend):
    with trace_server(backend, args=["--max-clients", "1"]) as srv:
        mark = srv.output_mark()
        first = LineClient(srv.port("relay"))
        first_fd = accepted_fd(srv, first)
        wait_events(srv, backend, mark, [f"New incoming connection on sd {first_fd}"])
        mark = srv.output_mark()
        LineClient(srv.port("relay"))
        fd = int(srv.wait_log(r" REJECT fd=(\d+) ").group(1))
        wait_events(srv, backend, mark, [f"New incoming connection on sd {fd}",
                                         f"removing connection with sd {fd} "])


def test_frame_listener_is_traced_too(backend):
    with trace_server(backend, listen=["frame:127.0.0.1:0"]) as srv:
        mark = srv.output_mark()
        f = FrameClient(srv.port("frame"))
        fd = accepted_fd(srv, f)
        f.send_frame(b"abc")
        f.expect_frame(b"abc")
        f.close()
        wait_events(srv, backend, mark, [
            f"New incoming connection on sd {fd}",
            f"Descriptor {fd} is readable", f"7 bytes received from sd {fd}",
            f"Descriptor {fd} is readable", f"Connection closed for sd {fd}",
            f"removing connection with sd {fd} "])


def test_no_trace_by_default(backend):
    with Server(listen=["relay:127.0.0.1:0"], backend=backend) as srv:
        a = LineClient(srv.port("relay"))
        accepted_fd(srv, a)
        a.send_raw(b"x\n")
        a.close()
        srv.wait_log(r" DISCONNECT ")
        srv.console("HELP")  # stdout works, and holds only the console's reply
        srv.wait_output(lambda ls: any(l.startswith("  HELP") for l in ls))
        assert srv.console_output()[0] == "Commands:"
