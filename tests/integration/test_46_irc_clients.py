"""Real IRC clients from Debian packages (sic, ii, weechat-headless, irssi in
tmux) hold a conversation in one room with a raw-socket chat user: joins, a
message each way, a private message each way, a nick change and a quit.

Against a reference IRC server ($IRC_REFERENCE) there is no chat listener, so
the other party is a raw-socket IRC user instead: that validates the part
that drives each client. A client that is not installed is skipped.
"""

import functools
import os
import re
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager

import pytest

import harness
from harness import DEADLINE
from irc_harness import REFERENCE, SERVER_NAME, IrcServer

ROOM = "#room"
SLOW = 3 * DEADLINE   # real clients start slower than a socket


# ---------------------------------------------------------------- the other party

class ChatPeer:
    """A chat-protocol user in ROOM (parleyd)."""

    def __init__(self, server):
        self.conn = server.chat("carol", ROOM)
        self.watch = server.chat("watcher")
        self.nick = "carol"

    def _line(self, want):
        deadline = time.monotonic() + SLOW
        while True:
            line = self.conn.recv_line(max(0.01, deadline - time.monotonic()))
            if line == want:
                return
            assert time.monotonic() < deadline, f"no {want!r}"

    def wait_online(self, nick):
        def online():
            self.watch.send("USERS")
            return nick in self.watch.recv_line().split()[1:]
        harness.wait_until(online, SLOW, f"{nick} online")

    def expect_join(self, nick):
        self._line(f"JOIN {ROOM} {nick}")

    def expect_said(self, nick, text):
        self._line(f"ROOM {ROOM} {nick} {text}")

    def say(self, text):
        self.conn.send(text)

    def expect_pm(self, nick, text):
        self._line(f"PRIVMSG {nick} {text}")

    def pm(self, nick, text):
        self.conn.send(f"PRIVMSG {nick} {text}")

    def expect_nick(self, old, new):
        self._line(f"NICK {old} {new}")

    def expect_quit(self, nick):
        self._line(f"LEAVE {ROOM} {nick}")


class IrcPeer:
    """A raw-socket IRC user in ROOM (any server)."""

    def __init__(self, server):
        self.conn = server.client("carol")
        self.conn.join(ROOM)
        self.nick = "carol"

    def wait_online(self, nick):
        def online():
            self.conn.send(f"ISON {nick}")
            return nick in self.conn.expect("303").params[-1].split()
        harness.wait_until(online, SLOW, f"{nick} online")

    def _expect(self, command, nick, params):
        msg = self.conn.wait_for(lambda m: m.command == command and m.nick == nick
                                 and m.params == params, SLOW, f"{command} from {nick}")
        return msg

    def expect_join(self, nick):
        self.conn.wait_for(lambda m: m.command == "JOIN" and m.nick == nick, SLOW, "JOIN")

    def expect_said(self, nick, text):
        self._expect("PRIVMSG", nick, [ROOM, text])

    def say(self, text):
        self.conn.send(f"PRIVMSG {ROOM} :{text}")

    def expect_pm(self, nick, text):
        self._expect("PRIVMSG", nick, [self.nick, text])

    def pm(self, nick, text):
        self.conn.send(f"PRIVMSG {nick} :{text}")

    def expect_nick(self, old, new):
        self._expect("NICK", old, [new])

    def expect_quit(self, nick):
        self.conn.wait_for(lambda m: m.command == "QUIT" and m.nick == nick, SLOW, "QUIT")


# ---------------------------------------------------------------- the clients

def _wait_text(read, pattern, what):
    regex = re.compile(pattern)
    return harness.wait_until(lambda: regex.search(read()), SLOW, what)


class Sic:
    """sic: commands on stdin (`:j`, `:m`, raw lines after `:`), text on stdout."""
    binary = "sic"

    def __init__(self, port, nick, workdir):
        self.proc = subprocess.Popen(["sic", "-h", "127.0.0.1", "-p", str(port), "-n", nick],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.out = harness._LineCollector(self.proc.stdout)

    def cmd(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def read(self):
        return "\n".join(self.out.snapshot())

    def in_room(self):
        return True

    def join(self):
        self.cmd(f":j {ROOM}")

    def say(self, text):
        self.cmd(f":m {ROOM} {text}")

    def pm(self, nick, text):
        self.cmd(f":m {nick} {text}")

    def nick(self, new):
        self.cmd(f":NICK {new}")

    def quit(self):
        self.cmd(":QUIT :bye")

    def close(self):
        _end(self.proc)


class Ii:
    """ii: a FIFO per server/channel/query (`in`) and a text file (`out`)."""
    binary = "ii"

    def __init__(self, port, nick, workdir):
        self.base = os.path.join(workdir, "127.0.0.1")
        self.proc = subprocess.Popen(["ii", "-s", "127.0.0.1", "-p", str(port), "-n", nick,
                                      "-i", workdir], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _write(self, where, line):
        path = os.path.join(self.base, where, "in")
        harness.wait_until(lambda: os.path.exists(path), SLOW, f"ii FIFO {path}")
        with open(path, "w") as fifo:
            fifo.write(line + "\n")

    def read(self):
        text = []
        for root, _, files in os.walk(self.base):
            if "out" in files:
                with open(os.path.join(root, "out"), errors="replace") as f:
                    text.append(f.read())
        return "\n".join(text)

    def in_room(self):
        return os.path.exists(os.path.join(self.base, ROOM, "in"))

    def join(self):
        self._write("", f"/j {ROOM}")

    def say(self, text):
        self._write(ROOM, text)

    def pm(self, nick, text):
        self._write("", f"/j {nick} {text}")

    def nick(self, new):
        self._write("", f"/n {new}")

    def quit(self):
        self._write("", "/q bye")

    def close(self):
        _end(self.proc)


@functools.lru_cache(maxsize=None)
def _weechat_tls_word():
    """The server option's name: `ssl` before WeeChat 4.0 (Debian 12 has
    3.8), `tls` from then on; an unknown option would be ignored."""
    out = subprocess.run(["weechat-headless", "--version"], capture_output=True, text=True,
                         timeout=DEADLINE).stdout
    major = re.match(r"\s*(\d+)", out)
    return "tls" if major and int(major.group(1)) >= 4 else "ssl"


class Weechat:
    """weechat-headless: set up with -r, driven through its FIFO, read from
    its logger files (flushed at once)."""
    binary = "weechat-headless"

    def __init__(self, port, nick, workdir, ca=None):
        """With `ca` (a PEM file), connects over TLS verifying the server
        against it; otherwise in plain text."""
        self.dir = workdir
        tls_word = _weechat_tls_word()
        tls = [f"/set weechat.network.gnutls_ca_user {ca}"] if ca else []
        setup = ";".join([
            "/set logger.file.flush_delay 0",
            "/set fifo.file.enabled on",
            f"/set fifo.file.path {workdir}/weechat_fifo",
            f"/set logger.file.path {workdir}/logs",
            f"/set irc.server_default.nicks {nick}",
            *tls,
            f"/server add t 127.0.0.1/{port} " + (f"-{tls_word} -{tls_word}_verify=on"
                                                   if ca else f"-no{tls_word}"),
            "/connect t",
        ])
        self.proc = subprocess.Popen(["weechat-headless", "--dir", workdir, "-r", setup],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def cmd(self, buffer, line):
        path = os.path.join(self.dir, "weechat_fifo")
        harness.wait_until(lambda: os.path.exists(path), SLOW, "weechat FIFO")
        with open(path, "w") as fifo:
            fifo.write(f"{buffer} *{line}\n")

    def read(self):
        logs = os.path.join(self.dir, "logs")
        text = []
        for root, _, files in os.walk(logs):
            for name in files:
                with open(os.path.join(root, name), errors="replace") as f:
                    text.append(f.read())
        return "\n".join(text)

    def in_room(self):
        """The channel buffer exists (its log is opened with the buffer's
        first line); FIFO text for a buffer not yet open would be dropped."""
        return os.path.exists(os.path.join(self.dir, "logs", f"irc.t.{ROOM}.weechatlog"))

    def join(self):
        self.cmd("irc.server.t", f"/join {ROOM}")

    def say(self, text):
        self.cmd(f"irc.t.{ROOM}", text)

    def pm(self, nick, text):
        self.cmd("irc.server.t", f"/msg {nick} {text}")

    def nick(self, new):
        self.cmd("irc.server.t", f"/nick {new}")

    def quit(self):
        self.cmd("irc.server.t", "/quit bye")

    def close(self):
        _end(self.proc)


class Irssi:
    """irssi in a detached tmux session; keys sent with send-keys, what it
    receives read from its channel and query logs."""
    binary = "irssi"

    def __init__(self, port, nick, workdir, ca=None):
        """With `ca`, the server is a TLS one in the config, verified against
        `ca` and connected to at start (the command line has no TLS flag).
        It is named "localhost": irssi matches DNS names, not IP addresses,
        against the certificate."""
        self.dir = workdir
        self.session = f"irctest{os.getpid()}x{port}"
        with open(os.path.join(workdir, "config"), "w") as f:
            f.write('settings = {\n  core = { real_name = "%s"; user_name = "%s"; nick = "%s"; };\n'
                    '  "fe-common/core" = { autolog = "yes"; autolog_path = "%s/logs/$0.log";'
                    ' autolog_level = "all"; };\n};\n' % (nick, nick, nick, workdir))
            if ca:
                f.write('chatnets = { t = { type = "IRC"; }; };\n'
                        'servers = ( { address = "localhost"; chatnet = "t"; port = "%d";'
                        ' use_tls = "yes"; tls_verify = "yes"; tls_cafile = "%s";'
                        ' autoconnect = "yes"; } );\n' % (port, ca))
        start = f"irssi --home={workdir}" + \
            ("" if ca else f" --connect=127.0.0.1 --port={port} --nick={nick}")
        subprocess.run(["tmux", "new-session", "-d", "-s", self.session, "-x", "200", "-y", "50",
                        start], check=True, timeout=DEADLINE)
        self.proc = None

    def keys(self, line):
        subprocess.run(["tmux", "send-keys", "-t", self.session, "-l", line], check=True,
                       timeout=DEADLINE)
        subprocess.run(["tmux", "send-keys", "-t", self.session, "Enter"], check=True,
                       timeout=DEADLINE)

    def read(self):
        logs = os.path.join(self.dir, "logs")
        text = []
        if os.path.isdir(logs):
            for name in os.listdir(logs):
                with open(os.path.join(logs, name), errors="replace") as f:
                    text.append(f.read())
        return "\n".join(text)

    def in_room(self):
        return True   # /msg #room works whichever window is active

    def join(self):
        self.keys(f"/join {ROOM}")

    def say(self, text):
        self.keys(f"/msg {ROOM} {text}")

    def pm(self, nick, text):
        self.keys(f"/msg {nick} {text}")

    def nick(self, new):
        self.keys(f"/nick {new}")

    def quit(self):
        self.keys("/quit bye")

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True,
                       timeout=DEADLINE)


def _end(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- the conversation

@pytest.mark.parametrize("client_class", [Sic, Ii, Weechat, Irssi],
                         ids=lambda c: c.binary)
def test_conversation_with_a_real_client(irc_server, client_class):
    if not shutil.which(client_class.binary):
        pytest.skip(f"{client_class.binary} is not installed (tools/install-deps.sh)")
    peer = IrcPeer(irc_server) if irc_server.reference else ChatPeer(irc_server)
    workdir = tempfile.mkdtemp(prefix=f"irc-{client_class.binary}-")
    client = client_class(irc_server.port, "dave", workdir)
    try:
        _converse(peer, client)
    finally:
        client.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _converse(peer, client):
    """Joins, a message and a private message each way, a nick change, a quit."""
    peer.wait_online("dave")
    client.join()
    peer.expect_join("dave")
    harness.wait_until(client.in_room, SLOW, "the client to see its own JOIN")

    client.say("hello from a real client")
    peer.expect_said("dave", "hello from a real client")
    peer.say("hi dave, carol here")
    _wait_text(client.read, r"hi dave, carol here", "the room message in the client")

    client.pm("carol", "a private word")
    peer.expect_pm("dave", "a private word")
    peer.pm("dave", "private answer")
    _wait_text(client.read, r"private answer", "the private message in the client")

    client.nick("davey")
    peer.expect_nick("dave", "davey")
    client.say("new name, same me")
    peer.expect_said("davey", "new name, same me")

    client.quit()
    peer.expect_quit("davey")


# ---------------------------------------------------------------- over TLS

@contextmanager
def _tls_irc_server(pki, backend):
    """parleyd with a plain and a TLS IRC listener and a chat one; the
    IrcServer's .port is the TLS one."""
    with harness.Server(listen=["irc:127.0.0.1:0", "irc+tls:127.0.0.1:0", "chat:127.0.0.1:0"],
                        backend=backend, args=["--tls-cert", pki.cert, "--tls-key", pki.key,
                                               "--server-name", SERVER_NAME]) as srv:
        yield srv, IrcServer(f"parleyd-{backend}-tls", srv.port("irc+tls"), srv.port("chat"),
                             srv)


@pytest.mark.parametrize("backend", ["epoll", "select"])
@pytest.mark.parametrize("client_class", [Weechat, Irssi], ids=lambda c: c.binary)
def test_conversation_over_tls(pki, backend, client_class):
    """A real client verifying parleyd's certificate against the test CA."""
    if REFERENCE:
        pytest.skip("runs against parleyd's irc+tls listener")
    if not shutil.which(client_class.binary):
        pytest.skip(f"{client_class.binary} is not installed (tools/install-deps.sh)")
    with _tls_irc_server(pki, backend) as (srv, server):
        peer = ChatPeer(server)
        workdir = tempfile.mkdtemp(prefix=f"irc-tls-{client_class.binary}-")
        client = client_class(server.port, "dave", workdir, ca=pki.ca)
        try:
            _converse(peer, client)
        finally:
            client.close()
            shutil.rmtree(workdir, ignore_errors=True)
        srv.wait_log(r" ACCEPT .*listener=irc\+tls$")
