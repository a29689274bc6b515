"""30 client: the `parley` terminal client against the real parleyd.

Filter mode (stdin not a terminal) for each protocol: a chat conversation
between two clients, relay, frame echo; input from pipes, regular files and
/dev/null; the linger rule and exit statuses. Error paths: connection
refused, a server that shuts down or disappears mid-session, a full server,
an oversized incoming frame, a frame cut short, an over-long incoming line.
Interactive mode on a pseudo-terminal: an incoming message does not destroy
a half-typed line (checked on a real screen through tmux, and on the raw
terminal stream through the pty module), Ctrl-D and /quit leave cleanly and
the terminal modes are restored.
"""

import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from harness import DEADLINE, ChatClient, FrameClient, LineClient, Server, frame, free_port
from parley_client import PARLEY, Parley, PtyParley, Tmux, run_parley, tmux_available

HOST = "127.0.0.1"


@pytest.fixture
def server():
    with Server(listen=["chat:127.0.0.1:0", "relay:127.0.0.1:0", "frame:127.0.0.1:0"]) as srv:
        yield srv


def lines(result):
    return result.stdout.decode().splitlines()


def one_line_error(result):
    text = result.stderr.decode()
    assert text.count("\n") == 1 and text.startswith("parley: "), f"stderr: {text!r}"
    return text


# ---------------------------------------------------------------- chat


def test_chat_conversation_between_two_clients(server):
    port = server.port("chat")
    with Parley(["-u", "bob", "-j", "#tea", HOST, port]) as bob:
        bob.wait_line("OK Joined #tea (0 users)")
        with Parley(["-u", "alice", "-j", "tea", HOST, port]) as alice:
            alice.wait_line("JOIN #tea bob")
            alice.send("hello bob\n")
            bob.wait_line("ROOM #tea alice hello bob")
            bob.send("PRIVMSG alice psst\n")
            alice.wait_line("PRIVMSG bob psst")
            alice.send("/quit\n")
            alice.close_stdin()
            assert alice.wait_exit() == 0, alice.stderr_text()
            assert alice.lines() == ["OK Welcome, alice!", "OK Joined #tea (1 users)",
                                     "JOIN #tea bob", "ROOM #tea alice hello bob",
                                     "PRIVMSG bob psst", "OK Goodbye!"]
        bob.wait_line("LEAVE #tea alice")
        bob.close_stdin()
        assert bob.wait_exit() == 0, bob.stderr_text()
        assert bob.lines() == ["OK Welcome, bob!", "OK Joined #tea (0 users)",
                               "JOIN #tea alice", "ROOM #tea alice hello bob", "OK Sent",
                               "LEAVE #tea alice"]
        assert bob.stderr_text() == ""


def test_chat_lines_are_stripped_of_crlf_and_sent_with_it(server):
    watcher = ChatClient(server.port("chat"), name="watcher", room="#crlf")
    result = run_parley(["-u", "carol", "-j", "#crlf", HOST, server.port("chat")],
                        stdin=b"dos line\r\nunix line\nQUIT\n")
    assert result.returncode == 0
    assert b"\r" not in result.stdout
    assert "ROOM #crlf carol dos line" in lines(result)
    watcher.expect("JOIN #crlf carol", "ROOM #crlf carol dos line",
                   "ROOM #crlf carol unix line", "LEAVE #crlf carol")


def test_slash_commands_go_to_the_server_as_typed(server):
    result = run_parley([HOST, server.port("chat")],
                        stdin=b"/nick kai\n/join #slash\n/rooms\n/bogus\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert lines(result) == ["OK Welcome, kai!", "OK Joined #slash (0 users)",
                             "ROOMLIST #slash", "ERROR Unknown command", "OK Goodbye!"]


def test_server_closing_after_an_error_line_is_an_error():
    with Server(args=["--register-timeout", "1"]) as srv:
        with Parley([HOST, srv.port("chat")]) as p:  # never registers
            assert p.wait_exit() == 1
            assert p.lines() == ["ERROR Registration timeout"]
            assert p.stderr_text() == \
                "parley: server closed the connection: Registration timeout\n"


def test_filter_exits_after_linger_when_server_stays_open(server):
    start = time.monotonic()
    result = run_parley(["--linger", "200", HOST, server.port("chat")],
                        stdin=b"USERNAME dana\nROOMS\n")
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    assert lines(result) == ["OK Welcome, dana!", "ROOMLIST"]
    assert 0.2 <= elapsed < DEADLINE


def test_linger_restarts_while_messages_keep_arriving(server):
    port = server.port("chat")
    talker = ChatClient(port, name="talker", room="#busy")
    with Parley(["-u", "eve", "-j", "#busy", "--linger", "400", HOST, port]) as eve:
        eve.wait_line("JOIN #busy talker")
        eve.close_stdin()
        for i in range(5):  # 5 x 200 ms of chatter: longer than one linger period
            talker.send(f"tick {i}")
            eve.wait_line(f"ROOM #busy talker tick {i}")
            time.sleep(0.2)  # pacing the talker, not waiting for a result
        assert eve.wait_exit() == 0
        assert eve.lines()[-1] == "ROOM #busy talker tick 4"


def test_stdin_from_a_regular_file_and_dev_null(server, tmp_path):
    script = tmp_path / "script.txt"
    script.write_bytes(b"USERNAME fay\nJOIN #file\nQUIT")  # no final newline
    with Parley([HOST, server.port("chat")], stdin=str(script)) as fay:
        assert fay.wait_exit() == 0, fay.stderr_text()
        assert fay.lines() == ["OK Welcome, fay!", "OK Joined #file (0 users)", "OK Goodbye!"]
    result = run_parley(["--linger", "0", HOST, server.port("chat")], stdin=open(os.devnull, "rb"))
    assert result.returncode == 0 and result.stdout == b"" and result.stderr == b""


def test_host_port_in_one_argument(server):
    result = run_parley([f"{HOST}:{server.port('chat')}"], stdin=b"QUIT\n")
    assert result.returncode == 0 and lines(result) == ["OK Goodbye!"]


# ---------------------------------------------------------------- relay and frame


def test_relay_lines_go_to_the_other_client_only(server):
    port = server.port("relay")
    with Parley(["--proto", "relay", HOST, port]) as listener:
        server.wait_log(r" ACCEPT .*listener=relay")
        mark = server.log_mark()
        result = run_parley(["--proto", "relay", "--linger", "100", HOST, port],
                            stdin=b"one\ntwo \\ \xc3\xa9\nlast")
        assert result.returncode == 0 and result.stdout == b""
        listener.wait_line("last")
        listener.close_stdin()
        assert listener.wait_exit() == 0
        assert listener.lines() == ["one", "two \\ \u00e9", "last"]
        assert server.count_log(r" DISCONNECT ", since=mark) >= 1


def test_frame_echo(server):
    result = run_parley(["--proto", "frame", "localhost", server.port("frame")], stdin=b"hello\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"hello\n"


def test_frame_mode_one_frame_per_line_and_escaped_output(server):
    port = server.port("frame")
    peer = FrameClient(port)
    with Parley(["--proto", "frame", HOST, port]) as p:
        server.wait_log(r" ACCEPT .*listener=frame", count=2)
        p.send("a\n\nb c\n")
        for payload in (b"a", b"", b"b c"):
            peer.expect_frame(payload)
        peer.send_frame(b"x\x00y\nz\\ \xff \xe2\x82\xac\t")
        p.wait_line("x\\x00y\\nz\\\\ \\xff \u20ac\\t")
        big = b"B" * 300000  # reassembled from many reads
        peer.send_frame(big)
        p.wait_line(big.decode(), timeout=DEADLINE)
        p.close_stdin()
        assert p.wait_exit() == 0, p.stderr_text()
        assert p.lines()[:3] == ["a", "", "b c"]


# ---------------------------------------------------------------- errors


def test_connection_refused_is_one_line_and_status_1():
    with socket.socket() as s:  # a port that surely has no listener
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    result = run_parley([HOST, port], stdin=b"hi\n")
    assert result.returncode == 1
    assert "Connection refused" in one_line_error(result)
    assert time.monotonic() - start < DEADLINE


def test_connect_timeout_when_the_server_never_answers():
    # A loopback listener whose accept queue is full drops further SYNs, so
    # a connect to it hangs: exactly what --connect-timeout is for.
    with socket.socket() as full:
        full.bind((HOST, 0))
        full.listen(0)
        port = full.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):  # enough to overflow the queue (not accepted)
                c = socket.socket()
                c.setblocking(False)
                c.connect_ex((HOST, port))
                fillers.append(c)
            start = time.monotonic()
            result = run_parley(["--connect-timeout", "300", HOST, port], stdin=b"")
            elapsed = time.monotonic() - start
        finally:
            for c in fillers:
                c.close()
    assert result.returncode == 1
    assert "timed out" in one_line_error(result)
    assert 0.3 <= elapsed < DEADLINE


def test_unknown_host_and_bad_command_line():
    result = run_parley(["no-such-host.invalid", "7000"])
    assert result.returncode == 1 and "cannot resolve" in one_line_error(result)
    for args in (["--bogus", HOST, "1"], [HOST], [HOST, "0"], ["--proto", "irc", HOST, "1"],
                 ["--proto", "relay", "-u", "x", HOST, "1"], ["-u", "a b", HOST, "1"]):
        result = run_parley(args)
        assert result.returncode == 2, args
        assert b"usage" in result.stderr, args


def test_help_documents_every_option():
    result = run_parley(["--help"])
    assert result.returncode == 0 and result.stderr == b""
    text = result.stdout.decode()
    for flag in ("--proto", "--user", "--join", "--raw", "--no-color", "--linger",
                 "--max-line", "--max-frame", "--connect-timeout", "--help", "NO_COLOR"):
        assert flag in text, flag


def test_server_shutdown_mid_session_is_an_error():
    with Server(listen=["chat:127.0.0.1:0", "relay:127.0.0.1:0"]) as srv:
        chat = Parley(["-u", "gil", HOST, srv.port("chat")])
        relay = Parley(["--proto", "relay", HOST, srv.port("relay")])
        with chat, relay:
            chat.wait_line("OK Welcome, gil!")
            srv.wait_log(r" ACCEPT .*listener=relay")
            srv.stop(signal.SIGTERM)
            assert chat.wait_exit() == 1
            assert chat.stderr_text() == \
                "parley: server closed the connection: Server shutting down\n"
            assert relay.wait_exit() == 1
            assert relay.stderr_text() == "parley: server closed the connection\n"


def test_server_killed_mid_session_is_an_error():
    srv = Server(listen=["frame:127.0.0.1:0"])
    srv.start()  # not as a context manager: this server dies by SIGKILL on purpose
    try:
        with Parley(["--proto", "frame", HOST, srv.port("frame")]) as p:
            srv.wait_log(r" ACCEPT ")
            srv.proc.kill()
            srv.proc.wait(DEADLINE)
            assert p.wait_exit() == 1
            assert p.stderr_text() == "parley: server closed the connection\n"
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()
        srv.proc.wait(DEADLINE)


def test_server_full_is_an_error():
    with Server(args=["--max-clients", "1"]) as srv:
        holder = ChatClient(srv.port("chat"), name="holder")
        result = run_parley(["-u", "late", HOST, srv.port("chat")], stdin=b"")
        assert result.returncode == 1
        assert one_line_error(result) == "parley: server closed the connection: Server full\n"
        assert lines(result) == ["ERROR Server full"]
        holder.close()


def test_oversized_incoming_frame_ends_the_session(server):
    port = server.port("frame")
    peer = FrameClient(port)
    with Parley(["--proto", "frame", "--max-frame", "100", HOST, port]) as p:
        server.wait_log(r" ACCEPT .*listener=frame", count=2)
        peer.send_frame(b"small")
        p.wait_line("small")
        peer.send_frame(b"L" * 101)
        assert p.wait_exit() == 1
        assert p.stderr_text() == \
            "parley: server sent a 101-byte frame, over --max-frame 100\n"


class FakeServer:
    """A one-shot TCP server that sends `payload` and closes (for malformed
    streams parleyd would never produce)."""

    def __init__(self, payload):
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, args=(payload,), daemon=True)
        self.thread.start()

    def _serve(self, payload):
        self.sock.settimeout(DEADLINE)
        conn, _ = self.sock.accept()
        with conn:
            conn.sendall(payload)
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(DEADLINE)
            try:
                while conn.recv(4096):
                    pass
            except OSError:
                pass
        self.sock.close()


def test_frame_cut_short_by_the_server_is_an_error():
    fake = FakeServer(frame(b"whole") + struct.pack(">I", 10) + b"part")
    result = run_parley(["--proto", "frame", HOST, fake.port], stdin=b"")
    assert lines(result) == ["whole"]
    assert result.returncode == 1
    assert "middle of a frame" in one_line_error(result)


def test_over_long_incoming_line_is_skipped_with_a_warning():
    fake = FakeServer(b"short\r\n" + b"x" * 5000 + b"\r\n" + b"after\r\n")
    result = run_parley(["--max-line", "100", HOST, fake.port], stdin=b"")
    assert result.returncode == 0
    assert lines(result) == ["short", "after"]
    assert "longer than 100 bytes" in one_line_error(result)


def test_closed_stdout_reader_ends_the_client(server):
    port = server.port("frame")
    peer = FrameClient(port)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone (like `| head -1` after its line)
    proc = subprocess.Popen([PARLEY, "--proto", "frame", HOST, str(port)],
                            stdin=subprocess.PIPE, stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    try:
        server.wait_log(r" ACCEPT .*listener=frame", count=2)
        peer.send_frame(b"nobody reads this")
        assert proc.wait(DEADLINE) == 128 + signal.SIGPIPE
        assert proc.stderr.read() == b""  # quiet, like a tool killed by SIGPIPE
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdin.close()
        proc.stderr.close()


# ---------------------------------------------------------------- interactive

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|[\x07\x0f]")


@pytest.mark.skipif(not tmux_available(), reason="tmux is not installed")
def test_incoming_message_keeps_the_half_typed_line_on_screen(server):
    port = server.port("chat")
    friend = ChatClient(port, name="friend", room="#den")
    cmd = [PARLEY, "--no-timestamps", "-u", "hana", "-j", "#den",
           HOST, str(port)]
    with Tmux(cmd, cols=60, rows=12) as tmux:
        friend.expect("JOIN #den hana")
        tmux.wait_screen(lambda rows: "#den>" in rows, what="the prompt")
        tmux.literal("half typed")
        tmux.wait_screen(lambda rows: "#den> half typed" in rows, what="the typed text")
        friend.send("a message from afar")
        friend.expect("ROOM #den friend a message from afar")
        rows = tmux.wait_screen(lambda rows: "[#den] friend: a message from afar" in rows
                                and rows, what="the incoming message")
        text = [r for r in rows if r]
        assert text[-2:] == ["[#den] friend: a message from afar", "#den> half typed"], rows
        tmux.literal(" and finished")
        tmux.keys("Enter")
        friend.expect("ROOM #den hana half typed and finished")
        rows = tmux.wait_screen(lambda rows: "[#den] hana: half typed and finished" in rows
                                and rows, what="our own message")
        text = [r for r in rows if r]
        assert text[-1] == "#den>"  # the erased input line is not left behind
        assert "#den> half typed and finished" not in text
        tmux.keys("C-d")
        assert tmux.exit_status() == 0
        text = [r for r in tmux.screen() if r]
        assert text[-3:] == ["[#den] hana: half typed and finished", "* Goodbye!",
                             "[exit 0]"], text
        friend.expect("LEAVE #den hana")


def test_pty_half_typed_line_is_redrawn_and_survives(server):
    port = server.port("chat")
    friend = ChatClient(port, name="pal", room="#pty")
    with PtyParley(["-u", "ivan", "-j", "#pty", HOST, port], cols=80, rows=24) as t:
        friend.expect("JOIN #pty ivan")
        t.wait_output(rb"#pty> ")
        t.type("half wa")
        t.wait_output(b"half wa")
        mark = len(t.output)
        friend.send("interruption")
        friend.expect("ROOM #pty pal interruption")
        m = t.wait_output(rb"\[#pty\].*pal.*: interruption", since=mark)
        # After the message the prompt and the half-typed text are drawn again.
        redrawn = t.wait_output(rb"#pty> half wa", since=m.end())
        assert redrawn.start() > m.end()
        t.type("y\r")
        friend.expect("ROOM #pty ivan half way")
        t.type("\x04")  # Ctrl-D: leave
        assert t.wait_exit() == 0
        friend.expect("LEAVE #pty ivan")
        assert server.wait_log(r" DISCONNECT .*reason=quit")


def test_pty_quit_sends_quit_and_restores_the_terminal(server):
    port = server.port("chat")
    with PtyParley(["-u", "jo", HOST, port]) as t:
        t.wait_output(b"Welcome, jo!")
        t.wait_output(b"> ")
        assert t.termios() != t.initial_termios  # readline switched modes
        t.type("not for sending")
        t.wait_output(b"not for sending")
        t.type("\x03")  # Ctrl-C on a non-empty line discards it
        t.type("ROOMS\r")
        t.wait_output("Rooms: (none)")
        t.type("/QUIT\r")
        assert t.wait_exit() == 0
        assert t.termios() == t.initial_termios
        assert b"Goodbye" in bytes(t.output)
        assert b"Not in a room" not in bytes(t.output)  # the discarded line never went out
        server.wait_log(r" DISCONNECT .*reason=quit")


def test_pty_colours_follow_no_color_and_control_bytes_are_escaped(server):
    port = server.port("relay")
    peer = LineClient(port)
    with PtyParley(["--proto", "relay", HOST, port]) as t:
        t.wait_output(b"> ")
        server.wait_log(r" ACCEPT .*listener=relay", count=2)
        peer.send(b"evil \x1b]0;title\x07 text", eol="\n")
        t.wait_output(rb"evil \\x1b\]0;title\\x07 text")
        t.type("/quit\r")
        assert t.wait_exit() == 0
    chat = server.port("chat")
    with PtyParley(["-u", "kim", HOST, chat], env={"NO_COLOR": "1"}) as t:
        t.wait_output(b"Welcome, kim!")
        t.type("/quit\r")
        assert t.wait_exit() == 0
        assert b"\x1b[1;" not in bytes(t.output) and b"\x1b[3" not in bytes(t.output)
    with PtyParley(["-u", "lee", HOST, chat]) as t:
        t.wait_output(b"Welcome, lee!")
        t.type("/quit\r")
        assert t.wait_exit() == 0
        assert b"\x1b[32m" in bytes(t.output)  # coloured by default on a terminal


def test_pty_server_closing_is_shown_and_quit_while_reconnecting_restores(server):
    with Server(listen=["chat:127.0.0.1:0"]) as srv:
        with PtyParley(["-u", "max", HOST, srv.port("chat")]) as t:
            t.wait_output(b"Welcome, max!")
            t.type("half")
            t.wait_output(b"half")
            srv.stop(signal.SIGTERM)
            t.wait_output(b"! Server shutting down")
            t.wait_output(b"connection lost: server closed the connection: Server shutting down;"
                          b" reconnecting in 1s")
            t.type("\x15\x04")  # Ctrl-U empties the line, Ctrl-D leaves for good
            assert t.wait_exit() == 0
            assert t.termios() == t.initial_termios


# ------------------------------------------- interactive: rendering and rooms

STAMP = r"\[\d\d:\d\d\] "


def rows_matching(rows, pattern):
    rx = re.compile(pattern)
    return [r for r in rows if rx.search(r)]


@pytest.mark.skipif(not tmux_available(), reason="tmux is not installed")
def test_join_accepts_a_room_without_hash(server):
    port = server.port("chat")
    friend = ChatClient(port, name="pia", room="#general")
    with Tmux([PARLEY, "--no-timestamps", "-u", "ola", HOST, str(port)], cols=70) as tmux:
        tmux.wait_screen(lambda rows: "* Welcome, ola!" in rows, what="the welcome")
        tmux.literal("/join general")
        tmux.keys("Enter")
        friend.expect("JOIN #general ola")
        rows = tmux.wait_screen(lambda rows: "#general>" in rows and rows, what="the prompt")
        assert "* Joined #general (1 users)" in rows
        assert not rows_matching(rows, "Invalid room name"), rows
        tmux.keys("C-d")
        assert tmux.exit_status() == 0


@pytest.mark.skipif(not tmux_available(), reason="tmux is not installed")
def test_frame_mode_shows_an_own_line_once(server):
    port = server.port("frame")
    cmd = [PARLEY, "--no-timestamps", "--proto", "frame", HOST, str(port)]
    with Tmux(cmd, cols=60, rows=10) as tmux:
        tmux.wait_screen(lambda rows: ">" in rows, what="the prompt")
        server.wait_log(r" ACCEPT .*listener=frame")
        tmux.literal("only once please")
        tmux.keys("Enter")
        rows = tmux.wait_screen(lambda rows: "only once please" in rows and rows,
                                what="the echoed frame")
        text = [r for r in rows if r]
        assert rows_matching(text, "only once please") == ["only once please"], text
        assert text[-1] == ">", text
        tmux.keys("C-d")
        assert tmux.exit_status() == 0


@pytest.mark.skipif(not tmux_available(), reason="tmux is not installed")
def test_lines_carry_the_local_time(server):
    port = server.port("chat")
    friend = ChatClient(port, name="tim", room="#clock")
    with Tmux([PARLEY, "-u", "uma", "-j", "clock", HOST, str(port)], cols=100) as tmux:
        friend.expect("JOIN #clock uma")
        tmux.wait_screen(lambda rows: "#clock>" in rows, what="the prompt")
        before = time.localtime()
        friend.send("tick")
        rows = tmux.wait_screen(lambda rows: rows_matching(rows, "tim: tick$"), what="tick")
        after = time.localtime()
        assert re.fullmatch(STAMP + r"\[#clock\] tim: tick", rows[0]), rows
        shown = rows[0][1:6]
        assert shown in {time.strftime("%H:%M", before), time.strftime("%H:%M", after)}
        screen = [r for r in tmux.screen() if r and r != "#clock>"]
        # Every shown line starts with its time: notices, replies, messages.
        assert all(re.match(STAMP, r) for r in screen), screen
        tmux.keys("C-d")
        assert tmux.exit_status() == 0


@pytest.mark.skipif(not tmux_available(), reason="tmux is not installed")
def test_join_shows_members_as_one_line_and_history_apart(server):
    port = server.port("chat")
    ann = ChatClient(port, name="ann", room="#news")
    bea = ChatClient(port, name="bea", room="#news")
    ann.expect("JOIN #news bea")
    ann.send("old news")
    bea.expect("ROOM #news ann old news")
    with Tmux([PARLEY, "-u", "cy", "-j", "news", HOST, str(port)], cols=70) as tmux:
        bea.expect("JOIN #news cy")
        tmux.wait_screen(lambda rows: "#news>" in rows, what="the prompt")
        bea.send("fresh news")
        rows = tmux.wait_screen(lambda rows: rows_matching(rows, "bea: fresh news") and rows,
                                what="the live message")
        text = [r for r in rows if r]
        assert rows_matching(text, "^" + STAMP + r"\* Users in #news: ann, bea$"), text
        assert rows_matching(text, r"^\[history\] \[#news\] ann: old news$"), text
        assert rows_matching(text, "^" + STAMP + r"\[#news\] bea: fresh news$"), text
        assert not rows_matching(text, "joined #news"), text
        assert not rows_matching(text, "Unknown command"), text  # the marker's answer
        tmux.keys("C-d")
        assert tmux.exit_status() == 0


@pytest.mark.skipif(not tmux_available(), reason="tmux is not installed")
def test_unknown_slash_command_is_named_and_not_sent(server):
    port = server.port("chat")
    with Tmux([PARLEY, "--no-timestamps", "-u", "dee", HOST, str(port)], cols=70) as tmux:
        tmux.wait_screen(lambda rows: "* Welcome, dee!" in rows, what="the welcome")
        mark = server.log_mark()
        tmux.literal("/frobnicate now")
        tmux.keys("Enter")
        rows = tmux.wait_screen(lambda rows: rows_matching(rows, "Unknown command") and rows,
                                what="the error")
        assert rows_matching(rows, r"^! Unknown command /frobnicate \(/help lists them\)$"), rows
        tmux.literal("/rooms")
        tmux.keys("Enter")
        tmux.wait_screen(lambda rows: "* Rooms: (none)" in rows, what="the next reply")
        tmux.keys("C-d")
        assert tmux.exit_status() == 0
        # Only "USERNAME dee", "/rooms" and "QUIT" (with CRLF) reached the server.
        assert server.wait_log(r" DISCONNECT .*reason=quit in=28 ", since=mark)


# ------------------------------------------------ interactive: reconnecting


@pytest.mark.skipif(not tmux_available(), reason="tmux is not installed")
@pytest.mark.parametrize("backend", ["epoll", "poll", "select"])
def test_reconnect_keeps_the_line_and_rejoins(backend):
    port = free_port()
    listen = [f"chat:127.0.0.1:{port}"]
    first = Server(listen=listen, backend=backend)
    first.start()
    friend = ChatClient(port, name="friend", room="#den")
    cmd = [PARLEY, "--no-timestamps", "-u", "hana", "-j", "den", HOST, str(port)]
    with Tmux(cmd, cols=120, rows=16) as tmux:
        try:
            friend.expect("JOIN #den hana")
            tmux.wait_screen(lambda rows: "#den>" in rows, what="the prompt")
            tmux.literal("half typed")
            tmux.wait_screen(lambda rows: "#den> half typed" in rows, what="the typed text")
            first.stop(signal.SIGTERM)
        finally:
            if first.proc.poll() is None:
                first.proc.kill()
        rows = tmux.wait_screen(lambda rows: rows_matching(rows, "reconnecting in 2s") and rows,
                                timeout=3 * DEADLINE, what="the second retry")
        text = [r for r in rows if r]
        assert rows_matching(text, "^\\* connection lost: server closed the connection: "
                             "Server shutting down; reconnecting in 1s$"), text
        assert rows_matching(text, "^\\* reconnect failed: cannot connect to 127.0.0.1 port "
                             f"{port}: Connection refused; reconnecting in 2s$"), text
        assert text[-1] == "#den> half typed", text
        with Server(listen=listen, backend=backend) as second:
            rows = tmux.wait_screen(lambda rows: "* Joined #den (0 users)" in rows and rows,
                                    timeout=3 * DEADLINE, what="the room joined again")
            assert f"* reconnected to 127.0.0.1 port {port}" in rows
            assert [r for r in rows if r][-1] == "#den> half typed", rows
            other = ChatClient(port, name="other", room="#den")
            other.send("welcome back")
            other.expect("ROOM #den other welcome back")
            tmux.wait_screen(lambda rows: "[#den] other: welcome back" in rows, what="message")
            tmux.literal(" and finished")
            tmux.keys("Enter")
            other.expect("ROOM #den hana half typed and finished")
            tmux.keys("C-d")
            assert tmux.exit_status() == 0
            other.expect("LEAVE #den hana")
            second.wait_log(r" DISCONNECT .*reason=quit")
