"""Shared helpers for the IRC history and account tests (47, 48): servers
with a data directory, registration with SASL PLAIN, and reading a
CHATHISTORY reply (batched or not) into (msgid, time, source, target, text)
rows."""

import base64
import re

from harness import Server
from test_39_irc_smoke import SERVER, IrcClient

HISTORY_CAPS = ("batch", "server-time", "message-tags", "draft/chathistory")


def data_server(tmp_path, backend, args=()):
    return Server(listen=("irc:127.0.0.1:0", "chat:127.0.0.1:0"), backend=backend,
                  args=("--server-name", SERVER, "--ping-interval", "60",
                        "--data-dir", str(tmp_path), "--min-password", "8", *args))


def tags_of(line):
    if not line.startswith("@"):
        return {}
    out = {}
    for item in line[1:].split(" ", 1)[0].split(";"):
        k, _, v = item.partition("=")
        out[k] = v
    return out


def body(line):
    return line.split(" ", 1)[1] if line.startswith("@") else line


def sasl_payload(name, password):
    return base64.b64encode(f"\0{name}\0{password}".encode()).decode()


def authenticate(c, payload):
    """Sends AUTHENTICATE PLAIN and `payload` in 400-byte chunks; returns
    the final numeric line (903, 904 or 905)."""
    c.send("AUTHENTICATE PLAIN")
    c.until(lambda l: l == "AUTHENTICATE +")
    chunks = [payload[i:i + 400] for i in range(0, len(payload), 400)] or ["+"]
    if len(chunks[-1]) == 400:
        chunks.append("+")
    for ch in chunks:
        c.send("AUTHENTICATE " + ch)
    return c.until(lambda l: re.match(rf"^:{SERVER} 90[345] ", l))


def sasl_client(port, nick, password, caps=(), account=None):
    """Registers `nick` after SASL PLAIN as `account` (default: nick)."""
    c = IrcClient(port)
    c.send("CAP LS 302")
    c.until(lambda l: " CAP * LS " in l)
    c.send("CAP REQ :" + " ".join(("sasl", *caps)))
    c.until(lambda l: " CAP * ACK " in l)
    c.send(f"NICK {nick}")
    c.send(f"USER {nick} 0 * :Real {nick}")
    done = authenticate(c, sasl_payload(account or nick, password))
    assert " 903 " in done, done
    c.send("CAP END")
    c.numeric("001")
    c.numeric("422")
    c.nick = nick
    return c


def chathistory(c, request):
    """Sends a CHATHISTORY request; returns (rows, batch type+params). With
    `batch` negotiated, asserts the framing: one BATCH + / - pair and every
    line inside tagged with its reference."""
    c.send("CHATHISTORY " + request)
    first = c.until(lambda l: " BATCH +" in body(l) or " FAIL " in body(l) or
                    " PRIVMSG " in body(l))
    assert " FAIL " not in first, first
    m = re.match(rf"^:{SERVER} BATCH \+(\S+) (.*)$", body(first))
    assert m, f"no batch opened: {first!r}"
    ref, header = m.group(1), m.group(2)
    rows = []
    while True:
        line = c.recv_line()
        if body(line) == f":{SERVER} BATCH -{ref}":
            return rows, header
        tags = tags_of(line)
        assert tags.get("batch") == ref, line
        pm = re.match(r"^:(\S+?)!\S+ PRIVMSG (\S+) :(.*)$", body(line))
        if pm:
            rows.append((tags.get("msgid"), tags.get("time"), pm.group(1), pm.group(2),
                         pm.group(3)))
        else:
            rows.append(("", "", "", "", body(line)))


def fail_line(c, request):
    c.send("CHATHISTORY " + request)
    return c.until(lambda l: " FAIL " in l or " BATCH " in l)
