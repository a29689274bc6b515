"""IRC side of the integration harness: a raw-socket IRC client and the servers
the IRC suite (test_4*.py) runs against.

The suite is written from RFC 1459, RFC 2812, the Modern IRC documentation and
the IRCv3 specifications. To check the tests themselves, the same tests run
against a real reference server when $IRC_REFERENCE is `inspircd` or `ngircd`
(Debian packages): the server is started on a loopback port from a config
written at test time. Otherwise they run against parleyd on every backend.

Fixtures (conftest.py makes them available to every test module)
    irc_kind     "epoll"/"poll"/"select" (parleyd) or the reference's name.
                 Skips parleyd while it has no IRC listener, and skips tests
                 marked `parley_only` against a reference server.
    irc_server   an IrcServer already running for irc_kind.
Marks
    parley_only         Parley-specific behaviour: skipped against a reference.
    diverges(kind, why) a reference server departs from the specs here: the
                        test is a strict xfail against that server only.
Helpers
    launch(kind, password=None, motd=None) -> context manager giving an IrcServer
    IrcServer   .port, .chat_port (None on a reference), .reference, .name,
                .connect() -> IrcClient (unregistered), .client(nick, caps=()) ->
                registered IrcClient, .chat(name, room=None) -> harness.ChatClient
    IrcClient   send(line), recv_msg(timeout) -> Message, wait_for(pred, timeout),
                expect(command, pred=None), expect_numeric(code, *leading_params), numeric(code, pred=None),
                register(nick, user, caps=[], password=None), join(chan) -> names,
                sync() -> messages received before a PING round trip,
                expect_none(pred): sync() and assert none of those matched.
    Message     .tags {key: value}, .prefix, .command, .params, .nick, .line
Every wait has a deadline (harness.DEADLINE); there are no fixed sleeps.
"""

import functools
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

import harness
from harness import DEADLINE

BACKENDS = ("epoll", "poll", "select")
REFERENCE = os.environ.get("IRC_REFERENCE", "")
SERVER_NAME = "irc.test"
NETWORK = "TestNet"
_tokens = itertools.count(1)


# ---------------------------------------------------------------- messages

_TAG_ESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}


def _unescape_tag(value):
    out, chars = [], iter(value)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append(_TAG_ESCAPES.get(nxt, nxt))
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class Message:
    tags: dict = field(default_factory=dict)
    prefix: str = ""
    command: str = ""
    params: list = field(default_factory=list)
    line: str = ""

    @property
    def nick(self):
        """The nick part of the prefix (or the whole prefix for a server)."""
        return self.prefix.split("!", 1)[0]

    def __str__(self):
        return self.line


def parse_message(line):
    """Splits one IRC line (no CRLF) into tags, prefix, command and params."""
    msg = Message(line=line)
    rest = line
    if rest.startswith("@"):
        raw, _, rest = rest[1:].partition(" ")
        for item in raw.split(";"):
            if item:
                key, eq, value = item.partition("=")
                msg.tags[key] = _unescape_tag(value) if eq else None
        rest = rest.lstrip(" ")
    if rest.startswith(":"):
        msg.prefix, _, rest = rest[1:].partition(" ")
        rest = rest.lstrip(" ")
    head, sep, trailing = rest.partition(" :")
    if rest.startswith(":"):
        head, sep, trailing = "", ":", rest[1:]
    words = head.split()
    msg.command = words[0].upper() if words else ""
    msg.params = words[1:] + ([trailing] if sep else [])
    return msg


# ---------------------------------------------------------------- client

class IrcClient(harness.LineClient):
    """An IRC connection; received messages not yet consumed wait in .pending."""

    def __init__(self, port, **kw):
        super().__init__(port, **kw)
        self.pending = []   # parsed messages read but not consumed by a wait
        self.nick = None
        self.isupport = {}
        self.server_name = None
        self.caps_available = {}
        self.caps_enabled = set()

    def recv_msg(self, timeout=DEADLINE):
        """The next message (pending ones first). Server PINGs are answered
        and still returned."""
        if self.pending:
            return self.pending.pop(0)
        msg = parse_message(self.recv_line(timeout))
        if msg.command == "PING" and msg.params:
            self.send(f"PONG :{msg.params[-1]}")
        return msg

    def wait_for(self, pred, timeout=DEADLINE, what="a message"):
        """Reads until pred(msg) holds and returns that message; messages read
        on the way stay pending for later waits, in order."""
        deadline = time.monotonic() + timeout
        for i, msg in enumerate(self.pending):
            if pred(msg):
                return self.pending.pop(i)
        skipped = []
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out waiting for {what}; got {[m.line for m in skipped]}")
                try:
                    msg = parse_message(self.recv_line(remaining))
                except AssertionError as e:
                    raise AssertionError(
                        f"{e} while waiting for {what}; got {[m.line for m in skipped]}")
                if msg.command == "PING" and msg.params:
                    self.send(f"PONG :{msg.params[-1]}")
                if pred(msg):
                    return msg
                skipped.append(msg)
        finally:
            self.pending.extend(skipped)

    def expect(self, command, pred=None, timeout=DEADLINE):
        """Waits for a message with this command whose params satisfy pred."""
        command = command.upper()
        return self.wait_for(
            lambda m: m.command == command and (pred is None or pred(m.params)),
            timeout, f"{command}{' matching' if pred else ''}")

    def expect_numeric(self, code, *params, timeout=DEADLINE):
        """Waits for numeric `code` whose leading params (the nick first) are
        `params`; the human-readable last param is not checked unless given.
        Numerics that differ stay pending and show in the timeout message."""
        want = list(params)
        return self.wait_for(lambda m: m.command == code and m.params[:len(want)] == want,
                             timeout, f"{code} {' '.join(want)}")

    def drain(self):
        """Forgets pending messages."""
        self.pending.clear()

    def sync(self, timeout=DEADLINE):
        """Round-trips a PING; returns every message that came before its PONG
        (pending ones included) and leaves nothing pending."""
        token = f"sync{next(_tokens)}"
        self.send(f"PING :{token}")
        pong = self.wait_for(lambda m: m.command == "PONG" and m.params[-1:] == [token],
                             timeout, f"PONG {token}")
        assert pong
        before, self.pending = self.pending, []
        return before

    def expect_none(self, pred, what="message"):
        """Asserts that no message matching pred arrived before a PING round trip."""
        bad = [m.line for m in self.sync() if pred(m)]
        assert not bad, f"unexpected {what}: {bad}"

    # -- registration

    def cap_ls(self):
        """Sends CAP LS 302 and reads the (maybe multi-line) reply into
        .caps_available {name: value or None}."""
        self.send("CAP LS 302")
        while True:
            msg = self.expect("CAP", lambda p: len(p) >= 3 and p[1] == "LS")
            for item in msg.params[-1].split():
                name, eq, value = item.partition("=")
                self.caps_available[name] = value if eq else None
            if not (len(msg.params) >= 4 and msg.params[2] == "*"):
                return self.caps_available

    def cap_req(self, caps):
        """Requests caps in one CAP REQ; returns ("ACK"|"NAK", [caps])."""
        self.send("CAP REQ :" + " ".join(caps))
        msg = self.expect("CAP", lambda p: len(p) >= 3 and p[1] in ("ACK", "NAK"))
        names = msg.params[-1].split()
        if msg.params[1] == "ACK":
            self.caps_enabled |= {c for c in names if not c.startswith("-")}
        return msg.params[1], names

    def register(self, nick, user=None, realname=None, caps=(), password=None):
        """CAP LS 302/REQ/END (when caps are given), PASS, NICK, USER; waits
        for 001 and the end of the MOTD (376 or 422). Returns every message
        from 001 on."""
        if caps:
            self.cap_ls()
            missing = [c for c in caps if c not in self.caps_available]
            if missing:
                require_caps(self, missing)
            verdict, _ = self.cap_req(list(caps))
            assert verdict == "ACK", f"CAP REQ {caps} was refused"
        if password is not None:
            self.send(f"PASS {password}")
        self.send(f"NICK {nick}")
        self.send(f"USER {user or nick} 0 * :{realname or nick + ' test'}")
        if caps:
            self.send("CAP END")
        welcome = self.expect("001")
        self.server_name = welcome.prefix
        self.nick = welcome.params[0]
        got = [welcome]
        while True:
            msg = self.recv_msg()
            got.append(msg)
            if msg.command == "005":
                for token in msg.params[1:-1]:
                    key, eq, value = token.partition("=")
                    self.isupport[key] = value if eq else None
            if msg.command in ("376", "422"):
                return got

    def join(self, chan, key=None):
        """JOINs and waits for our own JOIN and the 366; returns the names of
        the 353 replies (prefixes kept)."""
        self.send(f"JOIN {chan}" + (f" {key}" if key else ""))
        self.expect("JOIN", lambda p: p[0].lower() == chan.lower())
        names = []
        while True:
            msg = self.wait_for(lambda m: m.command in ("353", "366")
                                and chan.lower() in (p.lower() for p in m.params), what="353/366")
            if msg.command == "366":
                return names
            names += msg.params[-1].split()


def require_caps(client, caps):
    """Against a reference server, skips when it lacks a cap; against parleyd
    (which must advertise every cap the suite tests) fails."""
    missing = [c for c in caps if c not in client.caps_available]
    if not missing:
        return
    if REFERENCE:
        pytest.skip(f"{REFERENCE} does not advertise {missing}")
    raise AssertionError(f"caps {missing} not advertised: {client.caps_available}")


# ---------------------------------------------------------------- servers

class IrcServer:
    """A running IRC server under test: parleyd, or a reference server."""

    def __init__(self, name, port, chat_port=None, parleyd=None):
        self.name = name
        self.port = port
        self.chat_port = chat_port
        self.parleyd = parleyd          # the harness.Server, for parleyd
        self.reference = parleyd is None
        self._nicks = itertools.count(1)

    def connect(self):
        return IrcClient(self.port)

    def client(self, nick=None, caps=(), **kw):
        c = self.connect()
        c.register(nick or f"user{next(self._nicks)}", caps=caps, **kw)
        return c

    def chat(self, name, room=None):
        assert self.chat_port, "chat clients exist only on parleyd"
        return harness.ChatClient(self.chat_port, name=name, room=room)


@functools.lru_cache(maxsize=None)
def parleyd_irc_missing():
    """Why parleyd cannot serve IRC yet ("" once it can): it rejects the
    listener with an 'unknown protocol' error until the IRC dialect lands."""
    proc = subprocess.Popen([harness.PARLEYD, "--listen", "irc:127.0.0.1:0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    log = harness._LineCollector(proc.stderr)
    lines = log.wait_for(lambda ls: any(" READY " in l or "unknown protocol" in l for l in ls)
                         and ls, DEADLINE) or []
    if proc.poll() is None:
        proc.terminate()
    proc.wait(DEADLINE)
    bad = [l for l in lines if "unknown protocol" in l]
    return bad[0] if bad else ""


def _wait_port(port, proc, what):
    deadline = time.monotonic() + 3 * DEADLINE
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} never listened on {port}")
            time.sleep(0.02)  # polling a port that is not open yet


INSPIRCD_CONF = """\
<server name="{name}" description="reference" network="{network}">
<admin name="test" nick="test" email="test@example.invalid">
<bind address="127.0.0.1" port="{port}" type="clients">
<connect name="main" allow="*" {password} timeout="30" pingfreq="120"
  sendq="1048576" recvq="65536" softsendq="1048576" localmax="1000"
  globalmax="1000" maxchans="50" commandrate="1000000" fakelag="off"
  threshold="1000" resolvehostnames="no" useident="no" limit="5000">
<files motd="{motd}">
<pid file="{dir}/inspircd.pid">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="{dir}/ircd.log">
<options prefixquit="" suffixquit="" syntaxhints="no" announcets="yes" hostintopic="yes">
<security hidewhois="" userstats="Pu" customversion="" flatlinks="no" hideserver="">
<performance netbuffersize="10240" somaxconn="128" softlimit="5000" nouserdns="yes">
<limits maxnick="30" maxchan="50" maxmodes="20" maxident="10" maxquit="255"
  maxtopic="307" maxkick="255" maxreal="128" maxaway="200" maxkey="30">
<channels users="50" opers="60">
<dns timeout="1">
<whowas groupsize="10" maxgroups="100" maxkeep="3d">
<module name="cap"><module name="ircv3"><module name="ircv3_capnotify">
<module name="ircv3_ctctags"><module name="ircv3_servertime"><module name="ircv3_msgid">
<module name="ircv3_echomessage"><module name="ircv3_batch"><module name="ircv3_labeledresponse">
<module name="namesx"><module name="uhnames"><module name="ircv3_invitenotify">
<module name="setname">
"""

NGIRCD_CONF = """\
[Global]
    Name = {name}
    Info = reference
    Network = {network}
    Listen = 127.0.0.1
    Ports = {port}
    MotdFile = {motd}
    {password}
[Limits]
    MaxNickLength = 30
    PingTimeout = 120
    MaxConnectionsIP = 0
[Options]
    DNS = no
    Ident = no
    PAM = no
    PidFile = {dir}/ngircd.pid
    MorePrivacy = no
"""


@contextmanager
def _reference(kind, password, motd):
    directory = tempfile.mkdtemp(prefix=f"irc-{kind}-")
    port = harness.free_port()
    motd_path = os.path.join(directory, "motd")
    with open(motd_path, "w") as f:
        f.write(motd or "reference server for the Parley IRC suite\n")
    fields = dict(name=SERVER_NAME, network=NETWORK, port=port, dir=directory, motd=motd_path)
    conf = os.path.join(directory, "server.conf")
    if kind == "inspircd":
        fields["password"] = f'password="{password}" hash="plaintext"' if password else ""
        text = INSPIRCD_CONF.format(**fields)
        command = ["inspircd", "--nofork", "--runasroot", f"--config={conf}"]
    elif kind == "ngircd":
        fields["password"] = f"Password = {password}" if password else ""
        text = NGIRCD_CONF.format(**fields)
        command = ["ngircd", "--nodaemon", "--config", conf]
    else:
        raise AssertionError(f"unknown IRC_REFERENCE {kind!r} (inspircd or ngircd)")
    if not shutil.which(command[0]):
        pytest.skip(f"{command[0]} is not installed")
    with open(conf, "w") as f:
        f.write(text)
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=directory)
    try:
        _wait_port(port, proc, kind)
        yield IrcServer(kind, port)
    finally:
        proc.terminate()
        try:
            proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def launch(kind, password=None, motd=None, args=()):
    """Starts the server under test for `kind` (a backend or a reference)."""
    if kind not in BACKENDS:
        with _reference(kind, password, motd) as server:
            yield server
        return
    extra = ["--server-name", SERVER_NAME, "--network", NETWORK, *args]
    tmp = None
    if password is not None:
        extra += ["--irc-password", password]
    if motd is not None:
        tmp = tempfile.NamedTemporaryFile("w", suffix=".motd", delete=False)
        tmp.write(motd)
        tmp.close()
        extra += ["--motd", tmp.name]
    try:
        with harness.Server(listen=["irc:127.0.0.1:0", "chat:127.0.0.1:0"], backend=kind,
                            args=extra) as srv:
            yield IrcServer(f"parleyd-{kind}", srv.port("irc"), srv.port("chat"), srv)
    finally:
        if tmp:
            os.unlink(tmp.name)


@pytest.fixture(params=[REFERENCE] if REFERENCE else list(BACKENDS))
def irc_kind(request):
    kind = request.param
    if kind in BACKENDS:
        missing = parleyd_irc_missing()
        if missing:
            pytest.skip(f"parleyd has no IRC listener yet ({missing.strip()})")
    elif request.node.get_closest_marker("parley_only"):
        pytest.skip(f"checks Parley-specific behaviour; not run against {kind}")
    for mark in request.node.iter_markers("diverges"):
        if mark.args[0] == kind:
            request.node.add_marker(pytest.mark.xfail(reason=f"{kind}: {mark.args[1]}",
                                                      strict=True))
    return kind


@pytest.fixture
def irc_server(irc_kind):
    with launch(irc_kind) as server:
        yield server


parley_only = pytest.mark.parley_only


def diverges(kind, why):
    """Marks a test that a reference server fails because it departs from the
    specs (expected failure, strict, against that server only)."""
    return pytest.mark.diverges(kind, why)
