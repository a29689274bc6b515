#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (small files).

Each seed is a readable starting point the fuzzer mutates: the common
protocol exchanges, the error paths and every limit. Run from anywhere:
    python3 tests/fuzz/make_corpus.py
The files are committed; rerun only when the input formats change.
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- line, frame

def line_seeds():
    # byte 0: limit-1 in bits 0-5, KEEP mode in bit 6; byte 1: chunking seed
    strip, keep = 0, 64
    write("line", "strip-crlf", bytes([15 | strip, 1]) + b"hello\r\nworld\nlast")
    write("line", "keep-crlf", bytes([15 | keep, 2]) + b"hello\r\nworld\n\n")
    write("line", "too-long-then-ok", bytes([7, 3]) + b"0123456789abc\nok\n")
    write("line", "cr-at-limit", bytes([3, 4]) + b"abcd\r\nabcd\rx\n\r\r\n")
    write("line", "keep-too-long-tail", bytes([4 | keep, 5]) + b"ab\nabcdefghij")
    write("line", "empty-lines", bytes([0, 6]) + b"\n\r\n\n")


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def frame_seeds():
    write("frame", "two-frames", bytes([32, 1]) + frame(b"hello") + frame(b""))
    write("frame", "partial", bytes([32, 2]) + frame(b"abcdef")[:7])
    write("frame", "oversize", bytes([4, 3]) + frame(b"ok") + frame(b"too long") + frame(b"x"))
    write("frame", "at-limit", bytes([5, 4]) + frame(b"12345") + frame(b"123456"))
    write("frame", "huge-length", bytes([255, 5]) + b"\xff\xff\xff\xff")
    # frame_input_kind: typed text ("hell" is 0x68656c6c; byte 0 is also the
    # top byte of the middle limit checked)
    write("frame", "typed-hello", bytes([32, 6]) + b"hello\r\nworld\n")
    write("frame", "typed-newline-first", bytes([9, 7]) + b"\n\n\r\n")
    write("frame", "typed-near-limit", bytes([0x68, 0x65]) + b"hell" + b"hi\n")


# ---------------------------------------------------------------- chat_parse, validators

CHAT_LINES = {
    "username": b"USERNAME alice",
    "join": b"JOIN #general",
    "leave-room": b"LEAVE #general",
    "msg": b"MSG hello there",
    "privmsg": b"PRIVMSG bob psst hi",
    "privmsg-no-text": b"PRIVMSG bob",
    "rooms": b"ROOMS",
    "users-room": b"USERS #general",
    "quit": b"QUIT",
    "slash-join": b"/JoIn #r",
    "slash-msg": b"/msg bob hi",
    "slash-alone": b"/",
    "slash-unknown": b"/dance now",
    "lowercase": b"join #x",
    "plain": b"just talking",
    "utf8": "héllo wörld ✓ 😀".encode(),
    "overlong": b"MSG \xc0\xaf",
    "surrogate": b"MSG \xed\xa0\x80",
    "control": b"MSG a\x01b",
    "tab": b"MSG\ta\tb",
    "blank": b" \t ",
}


def chat_seeds():
    for name, line in CHAT_LINES.items():
        write("chat_parse", name, line)
        write("validators", name, line)
    write("validators", "name-32", b"a" * 32)
    write("validators", "room-32", b"#" + b"r" * 31)
    write("validators", "max-code-point", "\U0010ffff".encode() + b"\xf4\x90\x80\x80")
    write("validators", "ascii-run", b"abcdefghijklmnop\xe2\x82\xac")


# ---------------------------------------------------------------- conn

SEND, TOGGLE, SHUT, CLOSE, STEPS, RECONNECT = 0, 24, 26, 28, 30, 31


class Script:
    """Builds a fuzz_conn input: byte 0 then records (see fuzz_conn.c)."""

    def __init__(self, backend=0, history=False):
        self.data = bytearray([backend + (3 if history else 0)])

    def send(self, slot, data):
        for i in range(0, len(data), 255):
            chunk = data[i:i + 255]
            self.data += bytes([SEND << 3 | slot, len(chunk)]) + chunk
        return self

    def line(self, slot, text):
        return self.send(slot, text.encode() + b"\r\n")

    def act(self, slot, action):
        self.data.append(action << 3 | slot)
        return self

    def bytes(self):
        return bytes(self.data)


def chat_pair(s):
    s.line(0, "USERNAME alice").line(1, "USERNAME bob")
    s.line(0, "JOIN #r").line(1, "JOIN #r")
    return s


def conn_seeds():
    for backend in range(3):
        s = chat_pair(Script(backend))
        s.line(0, "MSG hi all").line(1, "plain words").line(0, "PRIVMSG bob psst")
        s.line(1, "USERS").line(0, "ROOMS").line(1, "LEAVE").line(0, "QUIT")
        write("conn", f"chat-basic-{backend}", s.bytes())
    s = Script(1)
    for line in ["MSG early", "JOIN #x", "USERNAME bad name", "USERNAME ok", "USERNAME again",
                 "LEAVE", "MSG nowhere", "USERS #nope", "USERS bad", "/dance", "/nick x",
                 "PRIVMSG ghost hi", "PRIVMSG ok", "MSG    "]:
        s.line(2, line)
    s.send(2, b"MSG \xc0\xaf\n").send(2, b"MSG \x01\n").send(2, b"X" * 60 + b"\nUSERS\n")
    write("conn", "chat-errors", s.bytes())
    s = chat_pair(Script(0, history=True))
    s.line(0, "MSG one").line(0, "MSG two").line(0, "MSG three").line(0, "MSG four")
    s.line(2, "USERNAME carol").line(2, "/join #R").line(2, "/msg alice hey").line(2, "/quit")
    write("conn", "chat-history-slash", s.bytes())
    s = chat_pair(Script(2))
    s.act(1, TOGGLE)
    for i in range(40):
        s.line(0, f"MSG flood {i:02d} " + "z" * 20)
    s.act(1, TOGGLE).act(0, STEPS)
    write("conn", "chat-slow-consumer", s.bytes())
    s = chat_pair(Script(0))
    s.line(1, "MSG bye").act(1, SHUT).act(0, STEPS).act(1, RECONNECT).line(1, "USERNAME bob")
    s.act(0, CLOSE).act(0, RECONNECT).line(0, "USERNAME alice").send(0, b"MSG unterminated")
    write("conn", "chat-half-close-reconnect", s.bytes())
    s = Script(0)
    s.send(0, b"USERNAME quitter\r\nQU").send(0, b"IT\r\n")
    write("conn", "regress-quit-split-across-reads", s.bytes())
    s = Script(0)
    s.send(4, b"relay one\n").send(5, b"relay two\r\n").send(4, b"par").send(4, b"tial\n")
    s.send(5, b"L" * 50 + b"\nafter long\n").send(4, b"dropped at eof").act(4, CLOSE)
    s.act(4, RECONNECT).send(5, b"again\n")
    write("conn", "relay", s.bytes())
    s = Script(1)
    s.send(6, frame(b"hello") + frame(b"")).send(7, frame(b"x" * 48)[:20])
    s.send(7, frame(b"x" * 48)[20:]).send(6, frame(b"y" * 49)).act(6, RECONNECT)
    s.send(6, frame(b"back"))
    write("conn", "frame", s.bytes())
    s = Script(2)
    s.send(6, b"hello\r\n").send(7, frame(b"to the typist")).send(6, b"h").send(6, b"i")
    s.send(6, b"\n" + b"T" * 60 + b"\nafter long\n\n").act(6, RECONNECT).send(6, b"\n")
    s.send(7, b"sec").send(7, b"ret\n").act(7, SHUT).act(6, STEPS)
    write("conn", "frame-typed", s.bytes())
    s = Script(1)
    s.line(2, "NICK w").line(2, "USER w 0 * :W").line(2, "MONITOR + b,c,,d!x@y,e")
    s.line(3, "NICK b").line(3, "USER b 0 * :B").line(0, "USERNAME e").line(3, "NICK c")
    s.line(2, "MONITOR S").line(2, "MONITOR L").line(2, "MONITOR - c").line(2, "MONITOR Q")
    s.line(3, "QUIT :gone").line(0, "QUIT").line(2, "WHOWAS c 1").line(2, "WHOWAS :e x")
    s.line(2, "WHOWAS").line(2, "TIME").line(2, "INFO x").line(2, "MODE w +w-i")
    s.line(2, "WALLOPS :hi").act(2, CLOSE).act(3, RECONNECT).line(3, "NICK b")
    s.line(3, "USER b 0 * :B").line(3, "MONITOR C")
    write("conn", "irc-presence", s.bytes())


def bench_irc_seeds():
    # byte 0 seeds the chunking; the rest is what an IRC server sends
    payload = b"abcdefgh" * 4
    write("bench_irc", "session", b"\x00" + b":s 001 b1 :hi\r\n:s 422 b1 :no motd\r\n"
          b":b1!u@h JOIN :#r0\r\n:s 366 b1 #r0 :End\r\n"
          b":b2!u@h PRIVMSG #r0 :" + payload + b"\r\nPING :tok\r\n:s PONG s :a\r\n")
    write("bench_irc", "odd", b"\x07@time=x;y :n!u@h PRIVMSG #r0 :short\nERROR :Closing link\r\n"
          b":s 433 * b1 :in use\r\nPING\r\n:prefix\r\n@tags\r\n\r\n")
    write("bench_irc", "long-ping", b"\x03PING :" + b"0" * 600 + b"\r\n")


def framed_seeds():
    # byte 0: limit-1 in bits 0-5, codec in bits 6-7 (0 lines stripped,
    # 1 lines kept, 2 frames); byte 1: chunking and pause seed
    strip, keep, frames = 0, 64, 128
    write("framed", "lines-strip", bytes([7 | strip, 3]) +
          b"one\r\ntwo\n\nthis is too long\r\nok\ntail")
    write("framed", "lines-keep", bytes([4 | keep, 7]) + b"a\r\nbb\nlong line here\nc\n")
    write("framed", "discard-across", bytes([1 | strip, 200]) + b"abcdefghijklmnop\nok\n")
    write("framed", "frames", bytes([15 | frames, 1]) + frame(b"abc") + frame(b"") + frame(b"hi")[:5])
    write("framed", "frame-oversize", bytes([3 | frames, 9]) + frame(b"hi") +
          b"\0\0\1\0rest" + frame(b"z"))


def main():
    line_seeds()
    frame_seeds()
    framed_seeds()
    chat_seeds()
    conn_seeds()
    bench_irc_seeds()


if __name__ == "__main__":
    main()
