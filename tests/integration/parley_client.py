"""Drive the `parley` client from tests: as a filter (pipes), under a
pseudo-terminal (pty module), or inside tmux (to read the rendered screen).

Every wait has a deadline (harness.DEADLINE); nothing sleeps and hopes.

    run_parley(args, stdin=b"", timeout) -> CompletedProcess (bytes)
    Parley(args, stdin="pipe"|path|None)   a running filter-mode client:
        .send(text) .close_stdin() .wait_line(pred or str) .lines()
        .wait_exit(timeout) -> code, .stderr_text()
    PtyParley(args, cols, rows)            the client on a pty:
        .type(text) .wait_output(bytes_or_regex) .output .wait_exit() .termios()
    Tmux(command, cols, rows)              the client inside a private tmux server:
        .keys(*keys) .literal(text) .screen() -> [str] .wait_screen(pred)
        .exit_status() -> int (waits for the command to end) .close()
"""

import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import termios
import threading
import time

from harness import BUILD, DEADLINE, REPO

PARLEY = os.path.join(REPO, BUILD, "parley")


def run_parley(args, stdin=b"", timeout=DEADLINE):
    """Runs parley to completion with `stdin` bytes (or a file object)."""
    kw = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin}
    return subprocess.run([PARLEY, *map(str, args)], capture_output=True, timeout=timeout, **kw)


def _deadline_loop(check, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


class _Collector:
    """Reads a pipe on a thread, keeping raw bytes and complete lines."""

    def __init__(self, pipe):
        self.data = bytearray()
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._run, args=(pipe,), daemon=True)
        self.thread.start()

    def _run(self, pipe):
        for chunk in iter(lambda: pipe.read1(65536), b""):
            with self.cond:
                self.data += chunk
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def lines(self):
        with self.cond:
            text = bytes(self.data)
        return [l.decode("utf-8", "replace") for l in text.split(b"\n")[:-1]]

    def wait(self, check, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = check(self)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    raise AssertionError(
                        f"{'output closed' if self.closed else 'timeout'} waiting for {what}; "
                        f"got {bytes(self.data)[-500:]!r}")
                self.cond.wait(remaining)


class Parley:
    """A filter-mode client with its stdin as a pipe (or a file, or /dev/null)."""

    def __init__(self, args, stdin="pipe"):
        if stdin == "pipe":
            stdin_arg = subprocess.PIPE
        elif stdin is None:
            stdin_arg = subprocess.DEVNULL
        else:
            stdin_arg = open(stdin, "rb")
        self.proc = subprocess.Popen([PARLEY, *map(str, args)], stdin=stdin_arg,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if stdin not in ("pipe", None):
            stdin_arg.close()
        self.out = _Collector(self.proc.stdout)
        self.err = _Collector(self.proc.stderr)
        self.code = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def send(self, text):
        self.proc.stdin.write(text.encode() if isinstance(text, str) else text)
        self.proc.stdin.flush()

    def close_stdin(self):
        self.proc.stdin.close()

    def lines(self):
        return self.out.lines()

    def wait_line(self, want, timeout=DEADLINE):
        """Waits for a stdout line equal to `want` (or satisfying it, if callable)."""
        pred = want if callable(want) else (lambda line: line == want)
        return self.out.wait(lambda c: next((l for l in c.lines() if pred(l)), None),
                             timeout, f"line {want!r}")

    def wait_exit(self, timeout=DEADLINE):
        try:
            self.code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"parley still running after {timeout}s: {self.lines()}")
        self.out.thread.join(timeout)
        self.err.thread.join(timeout)
        return self.code

    def stderr_text(self):
        return bytes(self.err.data).decode("utf-8", "replace")


class PtyParley:
    """parley with a pseudo-terminal as its stdin, stdout and stderr."""

    def __init__(self, args, cols=80, rows=24, env=None):
        self.master, slave = pty.openpty()
        self._set_size(slave, cols, rows)
        self.initial_termios = termios.tcgetattr(slave)
        child_env = dict(os.environ, TERM="xterm", **(env or {}))
        # A session of its own, like a login; no preexec_fn (unsafe with the
        # reader threads) and no controlling terminal needed: parley reads
        # Ctrl-C and Ctrl-Z as keys.
        self.proc = subprocess.Popen([PARLEY, *map(str, args)], stdin=slave, stdout=slave,
                                     stderr=slave, env=child_env, start_new_session=True)
        self.slave = slave
        self.output = bytearray()

    @staticmethod
    def _set_size(fd, cols, rows):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)

    def _read(self, timeout):
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            return False
        self.output += chunk
        return bool(chunk)

    def wait_output(self, pattern, timeout=DEADLINE, since=0):
        """Waits until the output from offset `since` matches `pattern` (bytes regex);
        returns the match (offsets relative to the whole output)."""
        rx = re.compile(pattern if isinstance(pattern, bytes) else re.escape(pattern.encode()))
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(bytes(self.output), since)
            if m:
                return m
            if not self._read(deadline - time.monotonic()) and time.monotonic() >= deadline:
                raise AssertionError(f"no {pattern!r} in terminal output: "
                                     f"{bytes(self.output[since:])[-800:]!r}")

    def type(self, text):
        os.write(self.master, text.encode() if isinstance(text, str) else text)

    def wait_exit(self, timeout=DEADLINE):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            self._read(min(0.05, max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                self.proc.kill()
                raise AssertionError(f"parley still running: {bytes(self.output)[-500:]!r}")
        while self._read(0):
            pass
        return self.proc.returncode

    def termios(self):
        return termios.tcgetattr(self.slave)


def tmux_available():
    return shutil.which("tmux") is not None


class Tmux:
    """A private tmux server running one command in a fixed-size window."""

    def __init__(self, command, cols=80, rows=24):
        self.socket = f"parley-test-{os.getpid()}-{id(self)}"
        env = dict(os.environ, TERM="xterm")
        env.pop("TMUX", None)
        # The shell reports the exit status on screen and keeps the pane
        # open, so the final screen can be inspected.
        script = '"$@"; echo "[exit $?]"; exec sleep 3600'
        self._tmux("new-session", "-d", "-s", "t", "-x", str(cols), "-y", str(rows),
                   "env", "TERM=xterm", "sh", "-c", script, "sh", *command, env=env)

    def _tmux(self, *args, env=None):
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, check=True, env=env,
                              timeout=DEADLINE)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=DEADLINE)

    def keys(self, *keys):
        """Sends tmux key names (Enter, C-d, ...)."""
        self._tmux("send-keys", "-t", "t", *keys)

    def literal(self, text):
        self._tmux("send-keys", "-t", "t", "-l", text)

    def screen(self):
        """The visible screen, one string per row, trailing blanks removed."""
        out = self._tmux("capture-pane", "-p", "-t", "t").stdout
        return [line.rstrip() for line in out.split("\n")]

    def wait_screen(self, check, timeout=DEADLINE, what="screen"):
        """Waits until check(rows) is truthy; returns its value."""
        last = []

        def probe():
            last[:] = self.screen()
            return check(last)
        try:
            return _deadline_loop(probe, timeout, what)
        except AssertionError as e:
            raise AssertionError(f"{e}; screen:\n" + "\n".join(last)) from None

    def exit_status(self, timeout=DEADLINE):
        """Waits for the command to end; returns its exit status (the pane's
        shell prints it, so the screen also keeps what the command left)."""
        rx = re.compile(r"^\[exit (\d+)\]$")
        found = self.wait_screen(
            lambda rows: next((m for m in map(rx.match, rows) if m), None), timeout, "exit")
        return int(found.group(1))
