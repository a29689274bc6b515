"""08 cli: the parleyd command line.

--help goes to stdout and exits 0; an unknown flag or a missing value exits
2 with exactly one line naming it and a pointer to --help on stderr (not the
whole help), bad values fail with an explanation; --listen takes every
protocol of the table and refuses unknown ones and modifiers by name; a positional port or -p adds a chat listener beside any
--listen; --listen replaces the default; IPv6 listeners; several listeners
of mixed protocols in one server; every backend can be selected. Option
combinations are checked at startup: --sendq must hold the largest unit a
configured listener can send (exit 2, one line naming the options and the
smallest --sendq that would do); sizes of 0 are refused.
"""

import socket

import pytest

from harness import (ChatClient, FrameClient, LineClient, Server, free_port,
                     ipv6_loopback_works, run_parleyd)

FLAGS = ["--listen", "--backend", "--max-clients", "--max-line", "--max-frame", "--sendq",
         "--history", "--register-timeout", "--log-level", "--trace", "--help", "-p"]


def test_help_goes_to_stdout_and_exits_0():
    result = run_parleyd(["--help"])
    assert result.returncode == 0
    assert "usage" in result.stdout.lower()
    for flag in FLAGS:
        assert flag in result.stdout, f"--help does not document {flag}"
    assert result.stderr == ""


HINT = "Try 'parleyd --help' for more information."


@pytest.mark.parametrize("args,first", [
    (["--bogus"], "parleyd: unrecognized option '--bogus'"),
    (["--foo=1"], "parleyd: unrecognized option '--foo=1'"),
    (["-z"], "parleyd: unrecognized option '-z'"),
    (["-hz"], None),  # --help wins: exits 0, checked below
    (["-pz"], "parleyd: bad port in 'z' (expected 0-65535)"),
    (["--listen"], "parleyd: missing value for '--listen'"),
    (["--max-clients"], "parleyd: missing value for '--max-clients'"),
    (["-p"], "parleyd: missing value for '-p'"),
    (["7000", "--trace", "--bogus"], "parleyd: unrecognized option '--bogus'"),
])
def test_unknown_flag_or_missing_value_is_one_line_and_a_hint(args, first):
    result = run_parleyd(args)
    if first is None:
        assert result.returncode == 0 and "usage" in result.stdout.lower()
        return
    assert result.returncode == 2
    assert result.stderr.splitlines() == [first, HINT]
    assert result.stdout == ""


@pytest.mark.parametrize("spec,why", [
    ("gopher:127.0.0.1:0", "unknown protocol 'gopher' (choose from chat, irc, http, relay, frame)"),
    ("chat+gzip:127.0.0.1:0", "unsupported listener modifier '+gzip'"),
    ("relay", "expected PROTO:[ADDR:]PORT"),
])
def test_bad_listen_names_the_problem(spec, why):
    result = run_parleyd(["--listen", spec])
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[1] == HINT
    assert lines[0].startswith(f"parleyd: bad --listen '{spec}'") and why in lines[0]


def test_help_lists_every_protocol_and_backend():
    out = run_parleyd(["--help"]).stdout
    assert "chat, irc, http, relay, frame" in out
    assert "epoll, poll, select" in out


@pytest.mark.parametrize("args", [
    ["--backend", "kqueue"],
    ["--backend", ""],
    ["--max-clients", "lots"],
    ["--max-line", "-1"],
    ["--listen", "gopher:127.0.0.1:0"],
    ["--listen", "chat:127.0.0.1:99999"],
    ["--listen", "chat:[::1:0"],
    ["--log-level", "loud"],
    ["70000"],
])
def test_bad_values_are_rejected(args):
    result = run_parleyd(args)
    assert result.returncode > 0, f"{args}: exit {result.returncode}"
    assert result.stderr.strip(), "no explanation on stderr"
    assert result.stdout == ""


def test_port_in_use_fails_with_message():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_parleyd(["--listen", f"chat:127.0.0.1:{busy.getsockname()[1]}"])
        assert result.returncode != 0
        assert result.stderr.strip()


@pytest.mark.parametrize("backend", ["epoll", "poll", "select"])
def test_backend_is_selectable(backend):
    with Server(backend=backend) as srv:
        srv.wait_log(rf" READY backend={backend} ")
        ChatClient(srv.port("chat"), name="alice")


def test_default_backend_is_epoll():
    with Server(backend=None) as srv:
        srv.wait_log(r" READY backend=epoll ")


@pytest.mark.parametrize("flag", [[], ["-p"], ["--port"]])
def test_port_adds_chat_listener_beside_listen(flag):
    port = free_port()
    with Server(listen=["relay:127.0.0.1:0"], args=[*flag, port]) as srv:
        assert sorted(p for p, _, _ in srv.listeners) == ["chat", "relay"]
        assert srv.port("chat") == port
        ChatClient(port, name="alice")


def test_port_alone_serves_chat_on_every_address():
    port = free_port()
    with Server(listen=[], args=[port]) as srv:
        assert [p for p, _, _ in srv.listeners] == ["chat"]
        ChatClient(port, name="alice")
        if ipv6_loopback_works():
            ChatClient(port, host="::1", name="bob")


def test_positional_port_and_p_together_open_two_chat_listeners():
    first, second = free_port(), free_port()
    with Server(listen=[], args=[first, "-p", second]) as srv:
        assert sorted(srv.ports("chat")) == sorted([first, second])
        alice = ChatClient(first, name="alice", room="#g")
        ChatClient(second, name="bob", room="#g")
        alice.expect("JOIN #g bob")


@pytest.mark.skipif(not ipv6_loopback_works(), reason="no IPv6 loopback")
def test_listen_without_address_binds_ipv4_and_ipv6():
    with Server(listen=["relay:0"]) as srv:
        port = srv.port("relay")
        a, b = LineClient(port), LineClient(port, host="::1")
        srv.wait_accepted(a, b)
        a.send_raw(b"v4 to v6\n")
        assert b.recv_raw_line() == b"v4 to v6\n"


def test_no_arguments_serve_chat_on_7000():
    try:
        with socket.socket() as probe:
            probe.bind(("0.0.0.0", 7000))
    except OSError:
        pytest.skip("port 7000 is in use")
    with Server(listen=[], backend=None) as srv:
        assert srv.ports("chat") == [7000]


def test_listen_replaces_default():
    with Server(listen=["frame:127.0.0.1:0"]) as srv:
        assert [p for p, _, _ in srv.listeners] == ["frame"]


@pytest.mark.skipif(not ipv6_loopback_works(), reason="no IPv6 loopback")
def test_ipv6_listener(backend):
    with Server(listen=["chat:[::1]:0"], backend=backend) as srv:
        port = srv.port("chat")
        srv.wait_log(rf" LISTEN proto=chat addr=\[::1\]:{port} port={port} ")
        c = ChatClient(port, host="::1", name="alice")
        srv.wait_log(rf" ACCEPT conn=0 fd=\d+ peer=\[::1\]:{c.local_port} listener=chat")


def test_mixed_listeners_in_one_server(backend):
    listen = ["chat:127.0.0.1:0", "relay:127.0.0.1:0", "frame:127.0.0.1:0", "chat:127.0.0.1:0"]
    with Server(listen=listen, backend=backend) as srv:
        assert [p for p, _, _ in srv.listeners] == ["chat", "relay", "frame", "chat"]
        srv.wait_log(r" READY .*listeners=4 ")
        first, second = srv.ports("chat")
        alice = ChatClient(first, name="alice", room="#g")
        bob = ChatClient(second, name="bob", room="#g")
        alice.expect("JOIN #g bob")
        relay = [LineClient(srv.port("relay")) for _ in range(2)]
        frame = FrameClient(srv.port("frame"))
        srv.wait_log(r" ACCEPT ", count=5)
        relay[0].send_raw(b"relayed\n")
        assert relay[1].recv_raw_line() == b"relayed\n"
        frame.send_frame(b"framed")
        frame.expect_frame(b"framed")
        bob.send("MSG across listeners")
        alice.expect("ROOM #g bob across listeners")


# ------------------------------------------------ option combinations

CHAT_PREFIX = len("ROOM ") + 32 + 1 + 32 + 1  # longest room and name, spaces
LINE_END = 2


@pytest.mark.parametrize("args,message", [
    (["--listen", "frame:127.0.0.1:0", "--max-frame", "8388608"],
     "--max-frame 8388608 needs --sendq 8388612 or more"),
    (["--sendq", "1"],
     f"--max-line 4096 needs --sendq {4096 + CHAT_PREFIX + LINE_END} or more"),
    (["--listen", "chat:127.0.0.1:0", "--max-line", "100", "--sendq", "172"],
     "--max-line 100 needs --sendq 173 or more"),
    (["--listen", "relay:127.0.0.1:0", "--max-line", "100", "--sendq", "101"],
     "--max-line 100 needs --sendq 102 or more"),
    (["--listen", "frame:127.0.0.1:0", "--max-frame", "100", "--sendq", "103"],
     "--max-frame 100 needs --sendq 104 or more"),
])
def test_sendq_too_small_for_the_largest_unit_is_refused(args, message):
    result = run_parleyd(args)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert message in first, first
    assert f"--sendq is {args[args.index('--sendq') + 1] if '--sendq' in args else 4194304}" \
        in first
    assert result.stdout == ""
    assert " LISTEN " not in result.stderr


@pytest.mark.parametrize("args,flag", [
    (["--max-frame", "0"], "--max-frame"),
    (["--max-line", "0"], "--max-line"),
    (["--sendq", "0"], "--sendq"),
    (["--max-clients", "0"], "--max-clients"),
])
def test_useless_sizes_are_refused(args, flag):
    result = run_parleyd(args)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert f"bad {flag} '0'" in first, first
    assert result.stdout == ""


def test_sendq_is_checked_only_against_listeners_in_use():
    """A frame limit larger than --sendq does not matter without a frame
    listener; the smallest sendq that holds the longest chat line works."""
    args = ["--max-line", "100", "--sendq", str(100 + CHAT_PREFIX + LINE_END),
            "--max-frame", "1000000"]
    with Server(listen=["chat:127.0.0.1:0"], args=args) as srv:
        alice = ChatClient(srv.port("chat"), name="a" * 32, room="#" + "r" * 31)
        alice.send("x" * 100)
        alice.expect(f"ROOM #{'r' * 31} {'a' * 32} {'x' * 100}")
        assert srv.count_log(r" SLOW_CLIENT ") == 0


def test_largest_frame_at_the_smallest_sendq_reaches_everyone(backend):
    """--max-frame 8 MiB with the --sendq it needs: one maximum-size frame
    reaches every member, the sender included, and nobody is cut."""
    size = 8 << 20
    args = ["--max-frame", str(size), "--sendq", str(size + 4)]
    with Server(listen=["frame:127.0.0.1:0"], backend=backend, args=args) as srv:
        sender, reader = FrameClient(srv.port("frame")), FrameClient(srv.port("frame"))
        srv.wait_accepted(sender, reader)
        payload = bytes(range(256)) * (size // 256)
        sender.send_frame(payload)
        reader.expect_frame(payload)
        sender.expect_frame(payload)
        assert srv.count_log(r" SLOW_CLIENT ") == 0
