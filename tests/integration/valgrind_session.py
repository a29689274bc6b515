"""Scripted parleyd session for tests/valgrind.sh.

Runs parleyd under the valgrind command given on the command line and drives
every path that allocates: chat (register, join, messages, private messages,
room moves, errors, history, quit, abrupt disconnects), relay and frame
traffic (incl. oversize), a slow-consumer disconnect, a capacity reject, the
inputs tests/fuzz found bugs with, a registration timeout, the console
(STATS, HELP, unknown input), TLS sessions (chat and frame over TLS, a
certificate reload, plain text on a TLS port, a handshake abandoned half
way), IRC (CAP negotiation with sts, JOIN/PRIVMSG/NICK/PART/QUIT between
IRC and chat users, private messages both ways, a labeled response, an
over-long line, malformed and unknown lines, IRC over TLS, account
registration, NickServ and SASL PLAIN against the data directory), then
SIGTERM with clients still connected, over TLS and over IRC too. Exits 0
only if every step behaved and parleyd exited 0.

Usage: valgrind_session.py [--backend NAME] -- valgrind [options...]
"""

import argparse
import base64
import os
import signal
import sys
import tempfile

import tlsutil
from harness import ChatClient, Client, FrameClient, LineClient, Server, wait_until
from irc_harness import IrcClient

LISTEN = ["chat:127.0.0.1:0", "relay:127.0.0.1:0", "frame:127.0.0.1:0",
          "chat+tls:127.0.0.1:0", "frame+tls:127.0.0.1:0", "irc:127.0.0.1:0",
          "irc+tls:127.0.0.1:0"]
MAX_CLIENTS = 16
ARGS = ["--sendq", "65536", "--history", "5", "--max-line", "256", "--max-frame", "4096",
        "--max-clients", str(MAX_CLIENTS), "--register-timeout", "2",
        "--server-name", "irc.test", "--min-password", "8"]
IRC_CAPS = ("server-time", "echo-message", "labeled-response", "batch", "message-tags")
PASSWORD = "correct-horse"


def step(name):
    print(f"[valgrind] {name}", flush=True)


def chat_session(srv):
    """Leaves two registered users connected for the shutdown path."""
    port = srv.port("chat")
    alice = ChatClient(port, name="alice", room="#a")
    bob = ChatClient(port, name="bob", room="#a")
    alice.expect("JOIN #a bob")
    alice.send("MSG hello from alice")
    alice.expect("ROOM #a alice hello from alice")
    bob.expect("ROOM #a alice hello from alice")
    bob.send("plain line from bob")
    for c in (alice, bob):
        c.expect("ROOM #a bob plain line from bob")
    alice.send("PRIVMSG bob psst")
    alice.expect("OK Sent")
    bob.expect("PRIVMSG alice psst")
    bob.send("JOIN #b")
    bob.expect("OK Joined #b (0 users)")
    alice.expect("LEAVE #a bob")
    for line, reply in [("USERS", "USERLIST alice"), ("ROOMS", "ROOMLIST #a #b"),
                        ("USERS #b", "USERLIST bob"), ("/bogus", "ERROR Unknown command"),
                        ("MSG " + "x" * 300, "ERROR Line too long"),
                        (b"MSG \xc0\xaf", "ERROR Invalid UTF-8"),
                        (b"MSG \x01", "ERROR Invalid characters")]:
        alice.send(line)
        alice.expect(reply)
    return alice, bob


def chat_departures(srv):
    """Users leaving by QUIT, EOF, reset, and an unregistered disconnect."""
    port = srv.port("chat")
    watcher = ChatClient(port, name="watcher", room="#c")
    history = []
    for name, how in [("carol", "quit"), ("dave", "close"), ("erin", "reset")]:
        c = ChatClient(port, name=name)
        c.join("#c")
        c.expect(*history)
        c.send("MSG history line")
        history.append(f"ROOM #c {name} history line")
        c.expect(history[-1])
        watcher.expect(f"JOIN #c {name}", history[-1])
        if how == "quit":
            c.send("QUIT")
            c.expect("OK Goodbye!")
            c.expect_closed()
        else:
            getattr(c, how)()
        watcher.expect(f"LEAVE #c {name}")
    late = ChatClient(port, name="frank")
    late.join("#c")
    late.expect(*history)
    LineClient(port).close()
    late.send_raw(b"MSG unterminated")
    late.close()
    watcher.expect("JOIN #c frank", "LEAVE #c frank")
    watcher.send("LEAVE")
    watcher.expect("OK Left #c")
    watcher.close()


def relay_session(srv):
    a, b = LineClient(srv.port("relay")), LineClient(srv.port("relay"))
    srv.wait_log(r" ACCEPT .*listener=relay", count=2)
    a.send_raw(b"relayed line\r\n")
    assert b.recv_raw_line() == b"relayed line\r\n"
    a.send_raw(b"y" * 300 + b"\nafter\n")
    assert b.recv_raw_line() == b"after\n"
    a.send_raw(b"unterminated")
    a.close()
    return b


def frame_session(srv):
    a, b = FrameClient(srv.port("frame")), FrameClient(srv.port("frame"))
    srv.wait_log(r" ACCEPT .*listener=frame", count=2)
    a.send_raw(b"\x00\x00\x00\x05he")
    a.send_raw(b"llo\x00\x00\x00\x00")
    for c in (a, b):
        c.expect_frame(b"hello")
        c.expect_frame(b"")
    bad = FrameClient(srv.port("frame"))
    bad.send_raw((1 << 20).to_bytes(4, "big"))
    bad.expect_closed()
    srv.wait_log(r" OVERSIZE ")
    return a, b


def slow_consumer(srv, frame_clients):
    slow = FrameClient(srv.port("frame"), rcvbuf=4096)
    fast = frame_clients[0]
    srv.wait_log(rf" ACCEPT .*peer=127\.0\.0\.1:{slow.local_port} ")
    payload, n = b"z" * 4000, 0
    while not srv.count_log(r" SLOW_CLIENT "):
        assert n < 5000, "no SLOW_CLIENT"
        fast.send_frame(payload)
        for c in frame_clients:
            c.expect_frame(payload)
        n += 1
    srv.wait_log(r" DISCONNECT .*reason=slow-consumer")


def capacity_reject(srv):
    active = srv.stats().fields["active"]
    holders = [LineClient(srv.port("relay")) for _ in range(MAX_CLIENTS - active)]
    srv.wait_accepted(*holders)
    extra = LineClient(srv.port("chat"))
    extra.expect("ERROR Server full")
    extra.expect_closed()
    for h in holders:
        h.close()
    # The next steps need the slots back: wait until the server saw the closes.
    wait_until(lambda: srv.stats().fields["active"] == active, what="holders gone")


def regressions(srv):
    """Inputs that once made parleyd misbehave (found by tests/fuzz/fuzz_conn):
    a QUIT completing a line buffered from an earlier read (the input buffer
    was freed while being parsed), and the end of an over-long relay line
    arriving in one read with the next line (its tail was relayed)."""
    c = LineClient(srv.port("chat"))
    c.send_raw(b"USERNAME quitter\r\nQU")
    c.expect("OK Welcome, quitter!")
    c.send_raw(b"IT\r\n")
    c.expect("OK Goodbye!")
    c.expect_closed()
    a, b = LineClient(srv.port("relay")), LineClient(srv.port("relay"))
    srv.wait_accepted(a, b)
    mark = srv.log_mark()
    a.send_raw(b"L" * 300)
    srv.wait_log(r" OVERSIZE .*listener=relay", since=mark)
    a.send_raw(b"tail\nshort\n")
    assert b.recv_raw_line() == b"short\n"
    a.close()
    b.close()


def register_timeout(srv):
    idle = LineClient(srv.port("chat"))
    idle.expect("ERROR Registration timeout")
    idle.expect_closed()


def console(srv):
    srv.console("HELP")
    srv.console("NONSENSE")
    stats = srv.stats()
    assert stats.fields["total_accept"] > 10, stats.lines


def tls_session(srv, pki):
    """Returns a TLS chat client left connected for the shutdown path."""
    ctx = tlsutil.client_context(pki)
    port = srv.port("chat+tls")
    carol = ChatClient(port, name="carol", room="#t", tls=True, tls_context=ctx)
    dave = ChatClient(port, name="dave", room="#t", tls=True, tls_context=ctx)
    carol.expect("JOIN #t dave")
    dave.send("MSG over tls")
    for c in (carol, dave):
        c.expect("ROOM #t dave over tls")
    dave.send("QUIT")
    a = FrameClient(srv.port("frame+tls"), tls=True, tls_context=ctx)
    b = FrameClient(srv.port("frame+tls"), tls=True, tls_context=ctx)
    srv.wait_accepted(a, b)
    payload = os.urandom(3000)
    a.send_frame(payload)
    b.expect_frame(payload)
    a.close()
    b.reset()
    mark = srv.log_mark()
    srv.send_signal(signal.SIGHUP)
    srv.wait_log(r" TLS_RELOADED ", since=mark)
    plain = LineClient(port, tls=False)
    plain.send("USERNAME mallory")
    plain.expect_closed()
    half = Client(port, tls=False)
    half.send_raw(bytes([0x16, 0x03, 0x01, 0x00, 0x80]) + b"\x01" * 20)
    srv.wait_accepted(half)
    half.close()
    srv.wait_log(r" TLS_ERROR ", since=mark, count=2)
    return carol


def irc_session(srv, pki):
    """IRC users with a chat user in one room, over plain and TLS; returns
    an IRC client on each transport, left connected for the shutdown path."""
    tls_port = srv.port("irc+tls")
    alice = IrcClient(srv.port("irc"))
    assert alice.cap_ls()["sts"] == f"port={tls_port}"
    assert alice.cap_req(["sts"])[0] == "NAK"
    alice.register("ircalice", caps=IRC_CAPS)
    chat = ChatClient(srv.port("chat"), name="chatbob", room="#irc")
    alice.join("#irc")
    chat.expect("JOIN #irc ircalice")
    alice.send("PRIVMSG #irc :hello from irc")
    chat.expect("ROOM #irc ircalice hello from irc")
    alice.expect("PRIVMSG", lambda p: p == ["#irc", "hello from irc"])  # echo-message
    chat.send("MSG hello from chat")
    chat.expect("ROOM #irc chatbob hello from chat")
    alice.expect("PRIVMSG", lambda p: p == ["#irc", "hello from chat"])
    chat.send("PRIVMSG ircalice psst")
    chat.expect("OK Sent")
    alice.expect("PRIVMSG", lambda p: p == ["ircalice", "psst"])
    alice.send("PRIVMSG chatbob :psst back")
    chat.expect("PRIVMSG ircalice psst back")
    alice.send("@label=v1 NAMES #irc")
    alice.wait_for(lambda m: m.tags.get("label") == "v1", what="the labeled reply")
    alice.send("PRIVMSG #irc :" + "x" * 600)
    alice.expect_numeric("417")
    for line in ("", ":onlyprefix", "@a=b", "NOSUCHCOMMAND x", "JOIN"):
        alice.send(line)
    alice.expect_numeric("421")
    alice.expect_numeric("461")
    alice.send("NICK ircalice2")
    chat.expect("NICK ircalice ircalice2")
    alice.send("PART #irc :later")
    chat.expect("LEAVE #irc ircalice2")

    secure = IrcClient(tls_port, tls=True, tls_context=tlsutil.client_context(pki))
    assert secure.cap_ls()["sts"] == "duration=2592000"
    secure.register("irctls", caps=IRC_CAPS)
    secure.join("#irc")
    chat.expect("JOIN #irc irctls")
    secure.send("PRIVMSG #irc :over tls")
    chat.expect("ROOM #irc irctls over tls")
    quitter = IrcClient(srv.port("irc"))
    quitter.register("ircquit")
    quitter.join("#irc")
    chat.expect("JOIN #irc ircquit")
    quitter.send("QUIT :bye")
    quitter.expect("ERROR")
    quitter.expect_closed()
    chat.expect("LEAVE #irc ircquit")
    chat.close()
    return alice, secure


def irc_accounts(srv):
    """Account registration, NickServ and SASL PLAIN (the data directory)."""
    port = srv.port("irc")
    owner = IrcClient(port)
    owner.register("acct")
    owner.send(f"REGISTER * acct@example.org {PASSWORD}")
    owner.expect("REGISTER", lambda p: p[0] == "SUCCESS")
    owner.send("QUIT")
    owner.expect("ERROR")
    owner.expect_closed()
    ns = IrcClient(port)
    ns.register("nsuser")
    ns.send(f"PRIVMSG NickServ :REGISTER {PASSWORD} ns@example.org")
    ns.wait_for(lambda m: m.command == "NOTICE" and m.nick == "NickServ", what="NickServ")
    ns.send(f"PRIVMSG NickServ :IDENTIFY nsuser wrong-password")
    ns.wait_for(lambda m: m.command == "NOTICE" and m.nick == "NickServ", what="NickServ")
    ns.close()
    for password, numeric in ((PASSWORD, "903"), ("not-the-password", "904")):
        c = IrcClient(port)
        c.cap_ls()
        assert c.cap_req(["sasl"])[0] == "ACK"
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE", lambda p: p == ["+"])
        payload = base64.b64encode(f"\0acct\0{password}".encode()).decode()
        c.send("AUTHENTICATE " + payload)
        c.expect_numeric(numeric)
        c.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="epoll")
    parser.add_argument("wrapper", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    wrapper = [w for w in args.wrapper if w != "--"]
    pki_dir = tempfile.TemporaryDirectory()
    pki = tlsutil.make_pki(pki_dir.name)
    tls_args = ["--tls-cert", pki.cert, "--tls-key", pki.key]
    data_dir = tempfile.TemporaryDirectory()
    tls_args += ["--data-dir", data_dir.name]
    with pki_dir, data_dir, Server(listen=LISTEN, backend=args.backend, args=ARGS + tls_args,
                         wrapper=wrapper, ready_timeout=60) as srv:
        step("chat")
        chat_users = chat_session(srv)  # kept connected until SIGTERM
        step("chat departures")
        chat_departures(srv)
        step("relay")
        relay_client = relay_session(srv)
        step("frame")
        frame_clients = frame_session(srv)
        step("slow consumer")
        slow_consumer(srv, frame_clients)
        step("capacity reject")
        capacity_reject(srv)
        step("regressions")
        regressions(srv)
        step("register timeout")
        register_timeout(srv)
        step("console")
        console(srv)
        step("tls")
        tls_client = tls_session(srv, pki)
        step("irc")
        irc_clients = irc_session(srv, pki)
        step("irc accounts")
        irc_accounts(srv)
        step("SIGTERM")
        code = srv.stop(signal.SIGTERM, timeout=60)
        print(f"[valgrind] parleyd exit status {code}", flush=True)
        for c in (*chat_users, relay_client, *frame_clients, tls_client, *irc_clients):
            c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
