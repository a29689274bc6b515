"""61 WebSocket conformance: our own suite, organised like Autobahn's
sections (1 framing, 2 pings/pongs, 3 reserved bits, 4 opcodes,
5 fragmentation, 6 UTF-8, 7 close handling, 9 limits), over raw sockets.

Each case runs first against a reference server built on Debian's node-ws
(tests/ws/reference_server.js; node-ws passes Autobahn), which proves the
suite's expectations, then against parleyd on every backend. The echo both
servers give is IRC's: a message "PING :token" is answered with a message
ending in ":token" (parleyd after registration over text.ircv3.net).
"""

import os
import re
import shutil
import subprocess
import time

import pytest

from harness import DEADLINE, Server
from wsclient import BINARY, CLOSE, CONT, PING, PONG, TEXT, WsClient

MAX_MESSAGE = 8191 + 510  # parleyd: IRC_TAGS_MAX + IRC_LINE_MAX
REFERENCE = os.path.join(os.path.dirname(__file__), "..", "ws", "reference_server.js")


def node_ws_available():
    if not shutil.which("node"):
        return False
    probe = ("try{require('ws')}catch(e){require('/usr/share/nodejs/ws')}")
    return subprocess.run(["node", "-e", probe], capture_output=True).returncode == 0


class Reference:
    def __init__(self):
        self.proc = subprocess.Popen(["node", REFERENCE, "0", str(MAX_MESSAGE)],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"LISTENING (\d+)", line)
        assert m, f"reference server did not start: {line!r}"
        self.port = int(m.group(1))

    def connect(self, **kw):
        return WsClient(self.port, **kw)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(DEADLINE)


class Parleyd:
    def __init__(self, backend):
        self.server = Server(listen=("http:127.0.0.1:0",), backend=backend)
        self.server.start()
        self.port = self.server.port("http")
        self.n = 0

    def connect(self, **kw):
        ws = WsClient(self.port, **kw)
        if ws.status == 101:
            self.n += 1
            ws.send(TEXT, f"NICK ws{self.n}")
            ws.send(TEXT, f"USER ws{self.n} 0 * :ws")
            ws.until_text(lambda l: " 422 " in l or " 376 " in l)
        return ws

    def stop(self):
        self.server.stop()


TARGETS = ["reference", "parleyd-epoll", "parleyd-poll", "parleyd-select"]


@pytest.fixture(params=TARGETS, scope="module")
def target(request):
    if request.param == "reference":
        if not node_ws_available():
            pytest.skip("node-ws not installed (apt install node-ws)")
        t = Reference()
    else:
        t = Parleyd(request.param.split("-")[1])
    yield t
    t.stop()


def echo(ws, token, opcode=TEXT):
    """Sends PING :token as one message and waits for its answer."""
    ws.send(opcode, f"PING :{token}")
    return ws.until_text(lambda l: "PONG" in l and l.endswith(":" + token))


# ---- 1 framing ----

# Sizes stay within an IRC line (510 bytes): longer lines are the IRC
# dialect's to refuse, which section 9 covers at the WebSocket level.
@pytest.mark.parametrize("size", [0, 10, 119, 120, 125, 126, 400, 490])
def test_1_text_sizes(target, size):
    ws = target.connect()
    token = "x" * size if size else "empty"
    echo(ws, token)
    ws.close()


def test_1_empty_messages_ignored(target):
    ws = target.connect()
    ws.send(TEXT, "")
    ws.send(TEXT, "", fin=False)
    ws.send(CONT, "")
    echo(ws, "after-empty")
    ws.close()


def test_1_header_split_across_writes(target):
    ws = target.connect()
    data = ws.frame(TEXT, "PING :split")
    for i in range(len(data)):
        ws.send_raw(data[i:i + 1])
    ws.until_text(lambda l: l.endswith(":split"))
    ws.close()


def test_1_unmasked_frame_fails(target):
    ws = target.connect()
    ws.send(TEXT, "PING :x", mask=False)
    assert ws.expect_close() == 1002


def test_1_binary_message(target):
    ws = target.connect()
    ws.send(BINARY, "PING :bin")
    opcode, data = ws.recv_message()
    while not data.endswith(b":bin"):
        opcode, data = ws.recv_message()
    ws.close()


# ---- 2 pings and pongs ----

@pytest.mark.parametrize("payload", [b"", b"hello", b"\xff\x00" * 62 + b"z"])
def test_2_ping_answered_with_same_payload(target, payload):
    ws = target.connect()
    ws.send(PING, payload)
    while True:
        fin, op, got = ws.recv_frame()
        if op == PONG:
            break
    assert got == payload
    echo(ws, "after-ping")
    ws.close()


def test_2_unsolicited_pong_ignored(target):
    ws = target.connect()
    ws.send(PONG, "nobody asked")
    echo(ws, "still-here")
    ws.close()


def test_2_ping_too_long_fails(target):
    ws = target.connect()
    ws.send(PING, b"p" * 126)
    assert ws.expect_close() == 1002


def test_2_fragmented_ping_fails(target):
    ws = target.connect()
    ws.send(PING, "a", fin=False)
    assert ws.expect_close() == 1002


# ---- 3 reserved bits ----

@pytest.mark.parametrize("rsv", [1, 2, 4, 7])
def test_3_reserved_bits_fail(target, rsv):
    ws = target.connect()
    ws.send(TEXT, "PING :rsv", rsv=rsv)
    assert ws.expect_close() == 1002


# ---- 4 opcodes ----

@pytest.mark.parametrize("opcode", [3, 7, 0xB, 0xF])
def test_4_reserved_opcodes_fail(target, opcode):
    ws = target.connect()
    ws.send(opcode, "x")
    assert ws.expect_close() == 1002


# ---- 5 fragmentation ----

def test_5_fragments_with_ping_between(target):
    ws = target.connect()
    ws.send(TEXT, "PING :fr", fin=False)
    ws.send(PING, "mid")
    ws.send(CONT, "ag", fin=False)
    ws.send(CONT, "ments")
    got = []
    while True:
        opcode, data = None, None
        fin, op, payload = ws.recv_frame()
        if op == PONG:
            got.append(payload)
            continue
        if op == TEXT and payload.endswith(b":fragments"):
            break
    assert got == [b"mid"]
    ws.close()


def test_5_continuation_without_start_fails(target):
    ws = target.connect()
    ws.send(CONT, "PING :x")
    assert ws.expect_close() == 1002


def test_5_new_message_inside_fragmented_fails(target):
    ws = target.connect()
    ws.send(TEXT, "PING :a", fin=False)
    ws.send(TEXT, "PING :b")
    assert ws.expect_close() == 1002


# ---- 6 UTF-8 ----

def test_6_multibyte_split_across_fragments(target):
    ws = target.connect()
    data = "PING :κόσμε".encode()
    ws.send(TEXT, data[:7], fin=False)  # splits the first two-byte character
    ws.send(CONT, data[7:])
    ws.until_text(lambda l: l.endswith(":κόσμε"))
    ws.close()


@pytest.mark.parametrize("bad", [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"])
def test_6_invalid_utf8_fails(target, bad):
    ws = target.connect()
    ws.send(TEXT, b"PING :" + bad)
    assert ws.expect_close() == 1007


# ---- 7 close handling ----

def test_7_close_echoed(target):
    ws = target.connect()
    ws.send(CLOSE, b"\x03\xe8bye")
    assert ws.expect_close() == 1000


def test_7_close_without_code(target):
    ws = target.connect()
    ws.send(CLOSE, b"")
    assert ws.expect_close() in (None, 1000, 1005)


@pytest.mark.parametrize("payload,code", [(b"\x03", 1002), (b"\x03\xe7", 1002),
                                          (b"\x03\xed", 1002), (b"\x03\xe8\xff", 1007)])
def test_7_bad_close_payload(target, payload, code):
    ws = target.connect()
    ws.send(CLOSE, payload)
    assert ws.expect_close() == code


def test_7_nothing_after_close(target):
    ws = target.connect()
    ws.send_raw(ws.frame(CLOSE, b"\x03\xe8") + ws.frame(TEXT, "PING :late"))
    while True:
        fin, op, payload = ws.recv_frame()
        assert op != TEXT or not payload.endswith(b":late")
        if op == CLOSE:
            break
    ws.close()


# ---- 9 limits ----

def test_9_message_at_limit_accepted(target):
    ws = target.connect()
    # A message of exactly the limit is not refused as too big (parleyd's
    # IRC dialect may still say the line is too long: that is IRC's answer).
    ws.send(TEXT, "PING :" + "y" * (MAX_MESSAGE - 6))
    echo(ws, "at-limit-ok")
    ws.close()


def test_9_message_over_limit_fails(target):
    ws = target.connect()
    ws.send(TEXT, "z" * (MAX_MESSAGE + 1))
    assert ws.expect_close() == 1009


def test_9_fragments_over_limit_fail(target):
    ws = target.connect()
    ws.send(TEXT, "z" * (MAX_MESSAGE - 10), fin=False)
    ws.send(CONT, "z" * 11)
    assert ws.expect_close() == 1009
