"""Black-box harness for parleyd: run the real server, talk to it over real sockets.

Every wait has a deadline (DEADLINE seconds: $PARLEY_TEST_DEADLINE, default 5);
tests wait for conditions, never sleep and hope. $PARLEY_BUILD (default
build, relative to the repository or absolute) selects the parleyd binary.

Server
    Server(listen=["chat:127.0.0.1:0"], backend="epoll", args=[], stdin="pipe",
           wrapper=[], ready_timeout=DEADLINE, max_fds=None, expect_exit=0,
           limits=False)
        Context manager. Starts parleyd with one --listen per entry (none if
        `listen` is empty) and --backend (none if None), waits for the READY
        log line and parses every `LISTEN proto=X ... port=N` line. `stdin` is
        "pipe", "devnull" or "closed" (fd 0 closed); `wrapper` prefixes the
        command (valgrind); `max_fds` sets RLIMIT_NOFILE. On exit it sends
        SIGTERM if the server still runs and asserts it exited with
        `expect_exit` (None: any status, or death by SIGTERM/SIGINT) and logged
        no sanitizer report; the log is printed whenever the block fails.
        Unless `limits` is true, the abuse limits are lifted (LIMITS_OFF goes
        before `args`, so a test's own --rate-limit etc. still win): the
        suite talks from one loopback address, opening thousands of
        connections and sending hundreds of lines at once, which the
        defaults would slow or refuse by design. test_14_flood.py and
        test_15_moderation.py test the limits themselves, defaults included.
    .pid, .listeners [(proto, addr, port)], .port(proto), .ports(proto)
    .wait_log(regex, timeout, since=0, count=1) -> re.Match of log lines
    .count_log(regex, since=0), .log_mark(), .log_text()
        (a mark is the number of lines read so far; lines are read by a thread,
        so prefer waiting for a specific line over counting)
    .wait_accepted(*clients)   waits for each client's ACCEPT line, by peer port
    .console(line)             writes one line to the server's stdin
    .stats() -> Stats          writes STATS and parses the block printed on stdout
    .output_mark(), .console_output(since), .wait_output(check, timeout, since)
    .close_stdin(), .send_signal(sig), .wait_exit(timeout) -> code, .stop(sig) -> code
    .cpu_seconds()             utime + stime of the process, from /proc/PID/stat
Stats (also parse_stats(lines))
    .fields  {"uptime": 12, "total_accept": 3, ..., "backend": "epoll"}
    .conns   [{"conn": 0, "fd": 4, "state": "CONNECTED", "in": 60, ...}, ...]
    .lines   the raw block, header and footer included

Clients connect in their constructor: Client(port, host="127.0.0.1", rcvbuf=None).
They expose .local_port, and .sent / .received count the bytes that crossed the
socket. conftest.py closes every client after each test.
    LineClient  send(text, eol="\r\n"), send_raw(bytes), recv_line(timeout) -> str
                (asserts the server's "\r\n"), recv_lines(n), recv_raw_line() -> bytes,
                recv_exact(n), expect(*lines), expect_silence(ms), expect_closed(timeout),
                shutdown_write(), reset() (close with RST), close()
    ChatClient  LineClient plus ChatClient(port, name=None, room=None) registering
                and joining, register(name), join(room) -> members already there,
                expect_no_pending(): sends ROOMS and asserts its reply is the very
                next line, proving nothing else was queued for this client before
                the server processed it.
    FrameClient send_frame(payload), recv_frame(timeout) -> bytes, expect_frame(payload),
                plus the Client methods (send_raw, expect_silence, expect_closed, ...)

TLS (tlsutil.py makes the certificates)
    TLS.pki: None for plain runs; a tlsutil.Pki while conftest's `transport`
        fixture runs a test over TLS. Then Server turns every "PROTO:..."
        listener into "PROTO+tls:..." with --tls-cert/--tls-key, .port(proto)
        finds the +tls listener, and every Client wraps its socket in TLS
        (trusting the test CA, verifying "localhost") unless made with
        tls=False. Client(..., tls=True) asks for TLS explicitly.

Helpers
    run_parleyd(args, timeout) -> subprocess.CompletedProcess (for CLI tests)
    wait_until(predicate, timeout, what), frame(payload) -> bytes, free_port(),
    ipv6_loopback_works()
"""

import os
import re
import select
import ssl
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("PARLEY_BUILD", "build")
PARLEYD = os.path.join(REPO, BUILD, "parleyd")
DEADLINE = float(os.environ.get("PARLEY_TEST_DEADLINE", "5"))
# parleyd flags that lift the abuse limits (see Server).
LIMITS_OFF = ["--rate-limit", "off", "--byte-rate", "off", "--max-per-ip", "0",
              "--connect-rate", "off"]

LISTEN_RE = re.compile(r" LISTEN proto=(\S+) addr=(\S+) port=(\d+)")
READY_RE = re.compile(r" READY ")
SANITIZER_RE = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:")
STATS_HEADER = "=== SERVER STATS ==="
STATS_FOOTER = "========================"

OPEN_CLIENTS = []  # every client made; conftest closes them after each test


class _TlsSetting:
    pki = None  # a tlsutil.Pki while a test runs over TLS


TLS = _TlsSetting()


def _tls_listen(spec):
    """"chat:127.0.0.1:0" -> "chat+tls:127.0.0.1:0" (unchanged if already +tls)."""
    proto, rest = spec.split(":", 1)
    return spec if "+tls" in proto else f"{proto}+tls:{rest}"


# ---------------------------------------------------------------- helpers

def wait_until(predicate, timeout=DEADLINE, what="condition"):
    """Polls `predicate` until it returns a truthy value; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


def frame(payload):
    """Encodes one frame: 4-byte big-endian length, then the payload."""
    return struct.pack(">I", len(payload)) + payload


def free_port():
    """A TCP port that was free a moment ago (for flags that need a number)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ipv6_loopback_works():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def run_parleyd(args, timeout=DEADLINE):
    """Runs parleyd to completion (e.g. --help, bad flags) and returns the result."""
    return subprocess.run([PARLEYD, *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


def _convert(value):
    """STATS values: "12" -> 12, "12s" -> 12, anything else unchanged."""
    m = re.fullmatch(r"(\d+)s?", value)
    return int(m.group(1)) if m else value


# ---------------------------------------------------------------- output capture

class _LineCollector:
    """Reads a pipe on a thread and keeps its lines, so tests can wait for them."""

    def __init__(self, pipe):
        self.lines = []
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._run, args=(pipe,), daemon=True)
        self.thread.start()

    def _run(self, pipe):
        for raw in iter(pipe.readline, b""):
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def snapshot(self, since=0):
        with self.cond:
            return list(self.lines[since:])

    def wait_for(self, check, timeout):
        """Waits until check(lines) is truthy; returns its value or None."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = check(self.lines)
                if value or self.closed:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.cond.wait(remaining)


@dataclass
class Stats:
    fields: dict = field(default_factory=dict)
    conns: list = field(default_factory=list)
    lines: list = field(default_factory=list)


def parse_stats(lines):
    """Parses a STATS block (header to footer) into a Stats."""
    stats = Stats(lines=list(lines))
    in_conns = False
    for line in lines[1:-1]:
        if line == "--- active connections ---":
            in_conns = True
        elif in_conns:
            pairs = (word.split("=", 1) for word in line.split() if "=" in word)
            stats.conns.append({k: _convert(v) for k, v in pairs})
        else:
            key, _, value = line.partition(":")
            stats.fields[key.strip()] = _convert(value.strip())
    return stats


# ---------------------------------------------------------------- server

class Server:
    """One parleyd process; see the module docstring."""

    def __init__(self, listen=("chat:127.0.0.1:0",), backend="epoll", args=(),
                 stdin="pipe", wrapper=(), ready_timeout=None, max_fds=None, expect_exit=0,
                 limits=False):
        self.command = [*wrapper, PARLEYD]
        self.tls = TLS.pki
        for spec in listen:
            self.command += ["--listen", _tls_listen(spec) if self.tls else spec]
        if self.tls and listen:
            self.command += ["--tls-cert", self.tls.cert, "--tls-key", self.tls.key]
        if backend:
            self.command += ["--backend", backend]
        if not limits:
            self.command += LIMITS_OFF
        self.command += [str(a) for a in args]
        self.stdin_mode = stdin
        self.max_fds = max_fds
        self.expect_exit = expect_exit
        self.ready_timeout = ready_timeout or DEADLINE
        self.proc = None
        self.listeners = []
        self.exit_code = None

    # -- lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            code = self.stop() if self.exit_code is None else self.exit_code
            if exc_type is None:
                self.assert_clean_exit(code)
        except BaseException:
            self.dump_log()
            raise
        if exc_type is not None:
            self.dump_log()
        return False

    def start(self):
        if not os.access(PARLEYD, os.X_OK):
            raise AssertionError(f"{PARLEYD} not built (run make)")
        self.proc = subprocess.Popen(self._launch_command(), **self._stdio())
        self.log = _LineCollector(self.proc.stderr)
        self.out = _LineCollector(self.proc.stdout)
        if not self.log.wait_for(lambda ls: any(READY_RE.search(l) for l in ls),
                                 self.ready_timeout):
            self._kill()
            self.dump_log()
            raise AssertionError(f"parleyd did not log READY: {' '.join(self.command)}")
        self.listeners = [(m.group(1), m.group(2), int(m.group(3)))
                          for m in map(LISTEN_RE.search, self.log.snapshot()) if m]

    def _stdio(self):
        modes = {"pipe": subprocess.PIPE, "devnull": subprocess.DEVNULL,
                 "closed": subprocess.DEVNULL}
        return dict(stdin=modes[self.stdin_mode], stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE)

    def _launch_command(self):
        """The command, behind a tiny sh that sets the fd limit or closes
        stdin before exec'ing it (same pid; no preexec_fn with threads about)."""
        setup = f"ulimit -n {int(self.max_fds)}; " if self.max_fds else ""
        close_stdin = " <&-" if self.stdin_mode == "closed" else ""
        if not setup and not close_stdin:
            return self.command
        return ["/bin/sh", "-c", f'{setup}exec "$@"{close_stdin}', "parleyd", *self.command]

    @property
    def pid(self):
        return self.proc.pid

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=DEADLINE):
        """Waits for the process to end and returns its exit code."""
        try:
            self.exit_code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise AssertionError(f"parleyd still running {timeout}s later")
        self.log.thread.join(timeout)
        self.out.thread.join(timeout)
        if self.proc.stdin:
            self.proc.stdin.close()
        return self.exit_code

    def stop(self, sig=signal.SIGTERM, timeout=DEADLINE):
        """Sends `sig` (if still running) and returns the exit code."""
        if self.exit_code is not None:
            return self.exit_code
        if self.proc.poll() is None:
            self.send_signal(sig)
        return self.wait_exit(timeout)

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.exit_code = self.proc.wait()

    def assert_clean_exit(self, code):
        if self.expect_exit is None:
            assert code >= 0 or -code in (signal.SIGTERM, signal.SIGINT), \
                f"parleyd was killed by signal {-code}"
        else:
            assert code == self.expect_exit, f"parleyd exited with {code}"
        report = [l for l in self.log.snapshot() if SANITIZER_RE.search(l)]
        assert not report, f"sanitizer report: {report[:3]}"

    def dump_log(self):
        print(f"---- parleyd log ({' '.join(self.command)}) ----", file=sys.stderr)
        print(self.log_text(), file=sys.stderr)
        print("---- end of log ----", file=sys.stderr)

    # -- listeners and logs

    def ports(self, proto):
        if self.tls and "+" not in proto:
            proto += "+tls"
        return [port for p, _, port in self.listeners if p == proto]

    def port(self, proto="chat"):
        ports = self.ports(proto)
        assert ports, f"no {proto} listener in {self.listeners}"
        return ports[0]

    def log_mark(self):
        return len(self.log.snapshot())

    def log_text(self):
        return "\n".join(self.log.snapshot())

    def count_log(self, regex, since=0):
        pattern = re.compile(regex)
        return sum(1 for line in self.log.snapshot(since) if pattern.search(line))

    def wait_log(self, regex, timeout=DEADLINE, since=0, count=1):
        """Waits until `count` log lines (from index `since`) match `regex`;
        returns the match of the last one needed."""
        pattern = re.compile(regex)

        def found(lines):
            matches = [m for m in map(pattern.search, lines[since:]) if m]
            return matches[count - 1] if len(matches) >= count else None

        match = self.log.wait_for(found, timeout)
        assert match, f"no log line matching {regex!r} (x{count}) within {timeout}s"
        return match

    def wait_accepted(self, *clients):
        for c in clients:
            self.wait_log(rf" ACCEPT .*peer=\S*:{c.local_port} ")

    # -- console

    def console(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def close_stdin(self):
        self.proc.stdin.close()

    def output_mark(self):
        return len(self.out.snapshot())

    def console_output(self, since=0):
        return self.out.snapshot(since)

    def wait_output(self, check, timeout=DEADLINE, since=0):
        """Waits until check(lines printed since `since`) is truthy."""
        value = self.out.wait_for(lambda lines: check(lines[since:]), timeout)
        assert value, f"stdout never satisfied the check: {self.out.snapshot(since)}"
        return value

    def stats(self, timeout=DEADLINE):
        """Writes STATS to stdin and parses the block printed on stdout."""
        since = self.output_mark()
        self.console("STATS")
        block = self.wait_output(_find_stats_block, timeout, since)
        return parse_stats(block)

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")


def _find_stats_block(lines):
    """The first complete STATS block in `lines`, or None."""
    if STATS_HEADER not in lines:
        return None
    start = lines.index(STATS_HEADER)
    for end in range(start + 1, len(lines)):
        if lines[end] == STATS_FOOTER:
            return lines[start:end + 1]
    return None


# ---------------------------------------------------------------- clients

class Client:
    """A TCP connection with an input buffer and deadline-bounded reads."""

    def __init__(self, port, host="127.0.0.1", rcvbuf=None, tls=None, tls_context=None):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(DEADLINE)
        self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.tls = TLS.pki is not None if tls is None else tls
        if self.tls:
            import tlsutil
            ctx = tls_context or tlsutil.client_context(TLS.pki)
            self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.buf = bytearray()
        self.eof = False
        self.received = 0  # bytes read from the socket so far
        self.sent = 0      # bytes written to the socket so far
        OPEN_CLIENTS.append(self)

    @property
    def local_port(self):
        return self.sock.getsockname()[1]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def reset(self):
        """Closes with RST instead of FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)
        self.sent += len(data)

    def shutdown_write(self):
        self.sock.shutdown(socket.SHUT_WR)

    def _fill(self, deadline):
        """Reads once into the buffer. False on timeout; sets eof on EOF/reset."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if self.tls:
            data = self._tls_recv(remaining)
            if data is None:
                return False
        else:
            poller = select.poll()
            poller.register(self.sock, select.POLLIN)
            if not poller.poll(remaining * 1000):
                return False
            try:
                data = self.sock.recv(1 << 16)
            except ConnectionResetError:
                data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        self.received += len(data)
        return True

    def _tls_recv(self, remaining):
        """One TLS read waiting at most `remaining` s: bytes, b"" at the end,
        None on timeout. The session waits itself: a readable socket may
        carry only a handshake message (a session ticket), no data."""
        self.sock.settimeout(remaining)
        try:
            return self.sock.recv(1 << 16)
        except (socket.timeout, TimeoutError):
            return None
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return b""
        finally:
            self.sock.settimeout(DEADLINE)

    def _read_until(self, have, timeout, what):
        """Fills the buffer until have() returns a byte count n; pops and returns n bytes."""
        deadline = time.monotonic() + timeout
        while True:
            n = have()
            if n is not None:
                data = bytes(self.buf[:n])
                del self.buf[:n]
                return data
            if not self._fill(deadline):
                state = "connection closed" if self.eof else f"timeout ({timeout}s)"
                raise AssertionError(f"{state} waiting for {what}; buffered {bytes(self.buf)!r}")

    def recv_exact(self, n, timeout=DEADLINE):
        return self._read_until(lambda: n if len(self.buf) >= n else None, timeout, f"{n} bytes")

    def recv_raw_line(self, timeout=DEADLINE):
        """The next line as bytes, terminator ("\\n") included."""
        def have():
            i = self.buf.find(b"\n")
            return i + 1 if i >= 0 else None
        return self._read_until(have, timeout, "a line")

    def expect_silence(self, ms=200):
        """Asserts nothing arrives (and the connection stays open) for `ms` ms."""
        deadline = time.monotonic() + ms / 1000
        while self._fill(deadline):
            pass
        assert not self.buf, f"expected silence, got {bytes(self.buf)!r}"
        assert not self.eof, "expected silence, but the connection was closed"

    def expect_closed(self, timeout=DEADLINE):
        """Asserts the server closes the connection with no further data."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if not self._fill(deadline) and not self.eof:
                raise AssertionError(f"connection still open after {timeout}s")
        assert not self.buf, f"unexpected data before close: {bytes(self.buf)!r}"


class LineClient(Client):
    """A client of a line protocol (chat, relay)."""

    def send(self, text, eol="\r\n"):
        data = text if isinstance(text, bytes) else text.encode()
        self.send_raw(data + eol.encode())

    def recv_line(self, timeout=DEADLINE):
        """The next line without its terminator; the server must end it with \\r\\n."""
        raw = self.recv_raw_line(timeout)
        assert raw.endswith(b"\r\n"), f"line not terminated by CRLF: {raw!r}"
        return raw[:-2].decode("utf-8", "surrogateescape")

    def recv_lines(self, n, timeout=DEADLINE):
        return [self.recv_line(timeout) for _ in range(n)]

    def expect(self, *lines, timeout=DEADLINE):
        for want in lines:
            got = self.recv_line(timeout)
            assert got == want, f"expected {want!r}, got {got!r}"


class ChatClient(LineClient):
    """A chat protocol client with shortcuts for the common steps."""

    def __init__(self, port, name=None, room=None, **kw):
        super().__init__(port, **kw)
        self.name = name
        if name:
            self.register(name)
        if room:
            self.join(room)

    def register(self, name):
        self.send(f"USERNAME {name}")
        self.expect(f"OK Welcome, {name}!")
        self.name = name

    def join(self, room):
        """Joins `room`; returns the members already there (from the JOIN lines).
        History lines, if any, are left for the caller to read."""
        self.send(f"JOIN {room}")
        reply = self.recv_line()
        m = re.fullmatch(r"OK Joined (\S+) \((\d+) users\)", reply)
        assert m, f"unexpected JOIN reply {reply!r}"
        members = []
        for _ in range(int(m.group(2))):
            line = self.recv_line()
            assert line.startswith(f"JOIN {m.group(1)} "), f"expected a JOIN line, got {line!r}"
            members.append(line.split(" ", 2)[2])
        return members

    def expect_no_pending(self):
        """Asserts nothing is queued ahead of a fresh request's reply."""
        self.send("ROOMS")
        line = self.recv_line()
        assert line.startswith("ROOMLIST") or line == "ERROR Set a username first", \
            f"expected no pending lines, got {line!r}"


class FrameClient(Client):
    """A client of the frame protocol (4-byte big-endian length prefix)."""

    def send_frame(self, payload):
        self.send_raw(frame(payload))

    def recv_frame(self, timeout=DEADLINE):
        deadline = time.monotonic() + timeout
        (length,) = struct.unpack(">I", self.recv_exact(4, timeout))
        return self.recv_exact(length, max(0.0, deadline - time.monotonic()))

    def expect_frame(self, payload, timeout=DEADLINE):
        got = self.recv_frame(timeout)
        assert got == payload, f"expected frame {payload[:80]!r}, got {got[:80]!r}"
