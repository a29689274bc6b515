"""A WebSocket client on a raw socket, for tests that must send what a
well-behaved library never would: unmasked frames, reserved bits, bad
opcodes, broken UTF-8, oversized messages, interleaved control frames;
and WebUser, the web page's user (IRC over WebSocket) on top of it."""

import base64
import hashlib
import os
import re
import socket
import struct

from harness import DEADLINE, OPEN_CLIENTS
from test_39_irc_smoke import IrcClient

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG, CONT = 1, 2, 8, 9, 10, 0


def accept_for(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def handshake_request(port, path="/ws", protocols=("text.ircv3.net",), origin=None,
                      host=None, key=None, extra=""):
    key = key or base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}",
             "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if protocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    if origin:
        lines.append(f"Origin: {origin}")
    return key, ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


class WsClient:
    def __init__(self, port, timeout=DEADLINE, **kw):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        key, req = handshake_request(port, **kw)
        self.sock.sendall(req)
        head = self._read_head()
        self.status = int(head.split(b" ", 2)[1])
        self.head = head.decode("latin-1")
        if self.status == 101:
            assert f"Sec-WebSocket-Accept: {accept_for(key)}" in self.head, self.head

    def _read_head(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"closed during handshake: {self.buf!r}")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head

    # ---- sending ----

    def frame(self, opcode, payload=b"", fin=True, rsv=0, mask=True, length=None):
        if isinstance(payload, str):
            payload = payload.encode()
        n = len(payload) if length is None else length
        first = (0x80 if fin else 0) | (rsv << 4) | opcode
        mbit = 0x80 if mask else 0
        if n < 126:
            head = struct.pack("!BB", first, mbit | n)
        elif n < 65536:
            head = struct.pack("!BBH", first, mbit | 126, n)
        else:
            head = struct.pack("!BBQ", first, mbit | 127, n)
        if not mask:
            return head + payload
        key = os.urandom(4)
        return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))

    def send(self, opcode, payload=b"", **kw):
        self.sock.sendall(self.frame(opcode, payload, **kw))

    def send_raw(self, data):
        self.sock.sendall(data)

    # ---- receiving ----

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk

    def recv_frame(self):
        """(fin, opcode, payload) of the next server frame; server frames
        must be unmasked and use no reserved bits."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        assert b0 & 0x70 == 0 and not b1 & 0x80, "server frame masked or with RSV bits"
        n, at = b1 & 0x7F, 2
        if n == 126:
            self._need(4)
            n, at = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, at = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._need(at + n)
        payload, self.buf = self.buf[at:at + n], self.buf[at + n:]
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def recv_message(self):
        """The next data message (fragments joined); answers pings."""
        parts, opcode = [], None
        while True:
            fin, op, payload = self.recv_frame()
            if op == PING:
                self.send(PONG, payload)
                continue
            if op == PONG:
                continue
            if op == CLOSE:
                raise AssertionError(f"closed: {payload!r}")
            opcode = op if op != CONT else opcode
            parts.append(payload)
            if fin:
                return opcode, b"".join(parts)

    def recv_text(self):
        opcode, data = self.recv_message()
        assert opcode == TEXT, f"opcode {opcode}"
        return data.decode()

    def until_text(self, pred):
        while True:
            line = self.recv_text()
            if pred(line):
                return line

    def expect_close(self):
        """Reads to the server's close frame; answers it; returns its code
        (None for an empty payload) after the server closed the socket."""
        while True:
            fin, op, payload = self.recv_frame()
            if op == CLOSE:
                break
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        try:
            self.send(CLOSE, payload[:2])
        except OSError:
            pass
        try:
            while self.sock.recv(65536):
                pass
        except ConnectionResetError:
            pass
        return code

    def close(self):
        self.sock.close()


def page_caps():
    """The IRCv3 capabilities the web page (web/app.js) asks for."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "web", "app.js")
    with open(path, encoding="utf-8") as f:
        m = re.search(r"WANTED_CAPS = \[([^\]]*)\]", f.read())
    return tuple(re.findall(r"'([^']+)'", m.group(1)))


class WebUser(IrcClient):
    """A user of the web page: IRC over WebSocket (text.ircv3.net), one line
    per message, registering with the capabilities the page negotiates.
    It has IrcClient's helpers (until, numeric, sync) over a WsClient."""

    def __init__(self, port, nick=None, caps=None):
        self.ws = WsClient(port, protocols=("text.ircv3.net",))
        assert self.ws.status == 101, self.ws.head
        self.nick = nick
        self.syncs = 0
        OPEN_CLIENTS.append(self)
        if nick:
            self.register(nick, page_caps() if caps is None else caps)

    def send(self, text):
        self.ws.send(TEXT, text)

    def recv_line(self, timeout=DEADLINE):
        self.ws.sock.settimeout(timeout)
        try:
            return self.ws.recv_text()
        except socket.timeout:
            raise AssertionError(f"timeout ({timeout}s) waiting for a WebSocket message")
        finally:
            self.ws.sock.settimeout(DEADLINE)

    def close(self):
        self.ws.close()
