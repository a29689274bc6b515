"""03 frame: the length-prefixed frame listener (docs/PROTOCOL.md, "Frame").

A frame is a 4-byte big-endian length and that many payload bytes. Every
frame goes unchanged to every client of the listener, the sender included.
Partial and concatenated frames are reassembled; a zero-length frame is
forwarded; --max-frame is inclusive; a larger length closes the connection
and logs OVERSIZE while everyone else carries on.

A person typing into the listener (nc) is recognised by its first bytes and
read as lines: each line goes to everyone as the frame carrying it, and the
person receives frames like everyone else. A framing client is never taken
for one. The seed's own nc verification steps 1-3 run as written.
"""

import os
import shutil
import struct
import subprocess

import pytest

from harness import DEADLINE, FrameClient, Server, free_port, frame, wait_until

# Everything here runs in plain text and again over TLS (conftest `transport`).
pytestmark = pytest.mark.usefixtures("transport")

MAX_FRAME = 1024


@pytest.fixture
def server(backend):
    with Server(listen=["frame:127.0.0.1:0"], backend=backend,
                args=["--max-frame", str(MAX_FRAME)]) as srv:
        yield srv


def clients(server, n, listener=0, since=0):
    port = server.ports("frame")[listener]
    made = [FrameClient(port) for _ in range(n)]
    server.wait_log(r" ACCEPT .*listener=frame", count=n, since=since)
    return made


def test_frame_goes_to_everyone_including_sender(server):
    a, b, c = clients(server, 3)
    a.send_frame(b"hello")
    for client in (a, b, c):
        client.expect_frame(b"hello")


def test_frame_sent_one_byte_at_a_time(server):
    a, b = clients(server, 2)
    for byte in struct.pack(">I", 11) + b"hello world":
        a.send_raw(bytes([byte]))
    a.expect_frame(b"hello world")
    b.expect_frame(b"hello world")


def test_concatenated_frames_in_one_write(server):
    a, b = clients(server, 2)
    payloads = [b"one", b"", b"three" * 50, b"four"]
    a.send_raw(b"".join(struct.pack(">I", len(p)) + p for p in payloads))
    for client in (a, b):
        assert [client.recv_frame() for _ in payloads] == payloads


def test_frame_split_across_header_and_payload_writes(server):
    a, b = clients(server, 2)
    data = struct.pack(">I", 6) + b"abcdef" + struct.pack(">I", 3) + b"xyz"
    for cut in (2, 7, 11):
        a.send_raw(data[:cut])
        data = data[cut:]
    a.send_raw(data)
    b.expect_frame(b"abcdef")
    b.expect_frame(b"xyz")


def test_zero_length_frame_is_forwarded(server):
    a, b = clients(server, 2)
    a.send_frame(b"")
    a.expect_frame(b"")
    b.expect_frame(b"")


def test_binary_payload_unchanged(server):
    a, b = clients(server, 2)
    payload = bytes(range(256)) + b"\r\n\x00"
    a.send_frame(payload)
    b.expect_frame(payload)


def test_max_frame_is_inclusive(server):
    a, b = clients(server, 2)
    payload = bytes(i % 251 for i in range(MAX_FRAME))
    a.send_frame(payload)
    a.expect_frame(payload)
    b.expect_frame(payload)


def test_oversize_frame_closes_only_that_connection(server):
    a, b = clients(server, 2)
    mark = server.log_mark()
    a.send_frame(b"o" * (MAX_FRAME + 1))
    a.expect_closed()
    server.wait_log(rf" OVERSIZE .*listener=frame len={MAX_FRAME + 1} limit={MAX_FRAME}",
                    since=mark)
    server.wait_log(r" DISCONNECT .*reason=oversize", since=mark)
    b.send_frame(b"still here")
    b.expect_frame(b"still here")
    b.expect_silence(100)


def test_oversize_header_alone_closes_at_once(server):
    (a,) = clients(server, 1)
    a.send_raw(struct.pack(">I", 0x7FFFFFFF))
    a.expect_closed()
    server.wait_log(r" OVERSIZE .*len=2147483647")


def test_default_max_frame_is_one_mib(backend):
    mib = 1 << 20
    with Server(listen=["frame:127.0.0.1:0"], backend=backend) as srv:
        a, b = clients(srv, 2)
        payload = b"m" * mib
        a.send_frame(payload)
        a.expect_frame(payload)
        b.expect_frame(payload)
        a.send_raw(struct.pack(">I", mib + 1))
        a.expect_closed()
        srv.wait_log(rf" OVERSIZE .*len={mib + 1} limit={mib}")


def test_frames_from_several_senders_keep_per_sender_order(server):
    a, b = clients(server, 2)
    for i in range(20):
        a.send_frame(b"a%d" % i)
        b.send_frame(b"b%d" % i)
    for client in (a, b):
        got = [client.recv_frame() for _ in range(40)]
        assert [f for f in got if f.startswith(b"a")] == [b"a%d" % i for i in range(20)]
        assert [f for f in got if f.startswith(b"b")] == [b"b%d" % i for i in range(20)]


@pytest.mark.plain_only  # half-closes, or uses a plain tool
def test_unterminated_frame_at_eof_is_dropped(server):
    a, b = clients(server, 2)
    mark = server.log_mark()
    a.send_raw(struct.pack(">I", 10) + b"part")
    a.close()
    server.wait_log(r" DISCONNECT .*reason=eof", since=mark)
    b.send_frame(b"next")
    b.expect_frame(b"next")


def test_each_frame_listener_is_its_own_group(backend):
    with Server(listen=["frame:127.0.0.1:0", "frame:127.0.0.1:0"], backend=backend) as srv:
        (a,) = clients(srv, 1, listener=0)
        (b,) = clients(srv, 1, listener=1, since=srv.log_mark())
        a.send_frame(b"first group")
        a.expect_frame(b"first group")
        b.send_frame(b"second group")
        b.expect_frame(b"second group")
        a.send_frame(b"again")
        a.expect_frame(b"again")


# ---------------------------------------------------------------- typed text

def text_client_pattern(client):
    return rf" TEXT_CLIENT conn=\d+ fd=\d+ peer=127\.0\.0\.1:{client.local_port} listener=frame$"


def log_barrier(server):
    """Returns once every line the server logged so far has been read: the
    log is read by a thread, so a later line (a new client's ACCEPT) is
    waited for before lines are counted."""
    clients(server, 1, since=server.log_mark())  # left open: no DISCONNECT line


def test_typed_line_goes_out_as_a_frame_to_everyone(server):
    typist, framer = clients(server, 2)
    typist.send_raw(b"hello\n")
    assert typist.recv_exact(9) == b"\x00\x00\x00\x05hello"
    assert framer.recv_exact(9) == b"\x00\x00\x00\x05hello"
    server.wait_log(text_client_pattern(typist))


def test_typed_lines_crlf_empty_and_several_in_one_write(server):
    typist, framer = clients(server, 2)
    typist.send_raw(b"hi\r\nsecond line\n\nlast\r\n")
    for client in (typist, framer):
        assert [client.recv_frame() for _ in range(4)] == [b"hi", b"second line", b"", b"last"]


def test_short_lines_decide_at_the_newline(server):
    for line in (b"\n", b"a\n", b"hi\n", b"abc\n", b"\r\n"):
        typist, framer = clients(server, 2, since=server.log_mark())
        typist.send_raw(line)
        payload = line.rstrip(b"\r\n")
        typist.expect_frame(payload)
        framer.expect_frame(payload)
        typist.close()
        framer.close()


def test_framers_frames_reach_the_typist_as_frames(server):
    typist, framer = clients(server, 2)
    framer.send_frame(b"before typing")   # the typist has sent nothing yet
    for client in (typist, framer):
        client.expect_frame(b"before typing")
    typist.send_raw(b"typed\n")
    for client in (typist, framer):
        client.expect_frame(b"typed")
    framer.send_frame(b"binary \x00\xff\n")
    for client in (typist, framer):
        client.expect_frame(b"binary \x00\xff\n")


def test_typing_one_byte_at_a_time(server):
    typist, framer = clients(server, 2)
    mark = server.log_mark()
    for i, byte in enumerate(b"hi\n"):
        typist.send_raw(bytes([byte]))
        # A probe frame through the server: the byte above was read by the
        # time the probe reaches the typist. Nothing was decided before '\n'.
        framer.send_frame(b"probe %d" % i)
        want = [b"probe %d" % i]
        if byte == ord("\n"):
            want.insert(0, b"hi")
        for client in (typist, framer):
            assert [client.recv_frame() for _ in want] == want
        if byte == ord("\n"):
            server.wait_log(text_client_pattern(typist), since=mark)
        log_barrier(server)
        decided = server.count_log(r" TEXT_CLIENT ", since=mark)
        assert decided == (1 if byte == ord("\n") else 0), server.log_text()
    for byte in b"hello world\n":
        typist.send_raw(bytes([byte]))
    typist.expect_frame(b"hello world")
    framer.expect_frame(b"hello world")


def test_text_client_is_logged_exactly_once(server):
    typist, framer = clients(server, 2)
    mark = server.log_mark()
    for i in range(5):
        typist.send_raw(b"line %d\n" % i)
        for client in (typist, framer):
            client.expect_frame(b"line %d" % i)
    framer.send_frame(b"ping")
    typist.expect_frame(b"ping")
    log_barrier(server)
    assert server.count_log(text_client_pattern(typist), since=mark) == 1
    assert server.count_log(r" TEXT_CLIENT ") == 1  # the framer is not one


def test_typed_line_over_max_frame_is_dropped_and_typing_goes_on(server):
    typist, framer = clients(server, 2)
    mark = server.log_mark()
    typist.send_raw(b"L" * (MAX_FRAME + 1) + b"\n" + b"M" * MAX_FRAME + b"\nafter\n")
    server.wait_log(rf" OVERSIZE .*listener=frame input=text limit={MAX_FRAME}", since=mark)
    for client in (typist, framer):
        assert client.recv_frame() == b"M" * MAX_FRAME  # inclusive, as for frames
        client.expect_frame(b"after")
    log_barrier(server)
    assert server.count_log(r" DISCONNECT ", since=mark) == 0


@pytest.mark.plain_only  # half-closes, or uses a plain tool
def test_typist_eof_flushes_its_echo(server):
    typist, framer = clients(server, 2)
    mark = server.log_mark()
    typist.send_raw(b"bye\n")
    typist.shutdown_write()
    typist.expect_frame(b"bye")
    typist.expect_closed()
    framer.expect_frame(b"bye")
    server.wait_log(r" DISCONNECT .*reason=eof", since=mark)


def test_framing_clients_with_legal_headers_are_unaffected(server):
    a, b = clients(server, 2)
    # A payload full of text and newlines, right after a legal header.
    a.send_frame(b"hello\nworld\n")
    for client in (a, b):
        client.expect_frame(b"hello\nworld\n")
    log_barrier(server)
    assert server.count_log(r" TEXT_CLIENT ") == 0


def test_legal_header_made_of_text_bytes_stays_a_frame(backend):
    """With the largest --max-frame (256 MiB), 4 text bytes such as
    "\t\t\t\t" (151 MB) or "\n\n\r\n" are legal headers: still frames."""
    limit = 256 << 20
    with Server(listen=["frame:127.0.0.1:0"], backend=backend,
                args=["--max-frame", limit, "--sendq", 2 * limit]) as srv:
        framer, other = clients(srv, 2)
        framer.send_raw(b"\t\t\t\t" + b"partial payload\n")
        lf_framer, typist = clients(srv, 2, since=srv.log_mark())
        lf_framer.send_raw(b"\n\n\r\n" + b"x" * 100)
        typist.send_raw(b"hello\n")     # "hell" is above 256 MiB: typed
        for client in (framer, other, lf_framer, typist):
            client.expect_frame(b"hello")
        srv.wait_log(text_client_pattern(typist))
        log_barrier(srv)
        assert srv.count_log(r" TEXT_CLIENT ") == 1
        assert srv.count_log(r" (OVERSIZE|DISCONNECT) ") == 0


# ---------------------------------------------------------------- seed steps 1-3, with nc
# The seed's commands as written, with only the binary name and flags
# changed: `./server 7000` is parleyd with a frame listener on a free port,
# and nc gets -N in step 1 (this nc otherwise waits forever after its input
# ends). Each script also waits for READY before its first nc, as the seed
# (which starts the server in the background and connects at once) leaves
# to chance, and step 2 waits for the 10 ACCEPT lines its `sleep 1` hopes
# for.

def run_seed_script(script, backend, tmp_path):
    assert shutil.which("nc"), "nc (netcat-openbsd) is needed; see tools/install-deps.sh"
    from harness import PARLEYD
    log = tmp_path / "server.log"
    env = dict(os.environ, PARLEYD=PARLEYD, PORT=str(free_port()), BACKEND=backend,
               LOG=str(log), DEADLINE=str(DEADLINE))
    prelude = """
server() { exec "$PARLEYD" --listen "frame:127.0.0.1:$PORT" --backend "$BACKEND" 2>>"$LOG"; }
wait_log() {  # wait_log REGEX COUNT: bounded wait for COUNT matching log lines
    local end=$((SECONDS + ${DEADLINE%.*} + 1))
    until [ "$(grep -cE "$1" "$LOG")" -ge "$2" ]; do
        [ "$SECONDS" -lt "$end" ] || { echo "no $2 x $1 in log" >&2; exit 1; }
        sleep 0.02
    done
}
"""
    done = subprocess.run(["bash", "-c", prelude + script], env=env, capture_output=True,
                          timeout=4 * DEADLINE, stdin=subprocess.DEVNULL)
    return done, log.read_text(errors="replace")


def test_seed_step1_nc_gets_a_framed_echo(backend, tmp_path):
    done, log = run_seed_script("""
server &
SERVER_PID=$!
wait_log ' READY ' 1
nc -N localhost $PORT <<< "hello"
kill $SERVER_PID
wait $SERVER_PID
""", backend, tmp_path)
    assert done.returncode == 0, done.stderr.decode() + log
    assert done.stdout == b"\x00\x00\x00\x05hello", done.stdout
    assert " ACCEPT " in log and " DISCONNECT " in log and " TEXT_CLIENT " in log, log


def test_seed_step2_ten_idle_nc_clients(backend, tmp_path):
    done, log = run_seed_script("""
server &
SERVER_PID=$!
wait_log ' READY ' 1
for i in $(seq 1 10); do
  nc localhost $PORT &
done
wait_log ' ACCEPT ' 10
jobs -l
kill $SERVER_PID
wait
""", backend, tmp_path)
    assert done.returncode == 0, done.stderr.decode() + log
    jobs = [l for l in done.stdout.decode().splitlines() if "nc localhost" in l]
    assert len(jobs) == 10 and all("Running" in l for l in jobs), done.stdout
    assert log.count(" ACCEPT ") == 10, log


@pytest.mark.plain_only  # half-closes, or uses a plain tool
def test_seed_step3_typed_lines_appear_in_the_other_terminal(backend):
    assert shutil.which("nc"), "nc (netcat-openbsd) is needed; see tools/install-deps.sh"
    with Server(listen=["frame:127.0.0.1:0"], backend=backend) as srv:
        port = str(srv.port("frame"))
        terminals = []
        try:
            for _ in range(2):  # terminal 2 types, terminal 3 observes
                terminals.append(subprocess.Popen(["nc", "localhost", port],
                                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE))
            srv.wait_log(r" ACCEPT .*listener=frame", count=2)
            typing, watching = terminals
            for line in (b"hello from terminal 2", b"and another line"):
                typing.stdin.write(line + b"\n")
                typing.stdin.flush()
                want = frame(line)
                assert read_exact(watching.stdout, len(want)) == want
                assert read_exact(typing.stdout, len(want)) == want
            srv.wait_log(r" TEXT_CLIENT ")
        finally:
            for t in terminals:
                t.kill()
                t.wait()


def read_exact(pipe, n):
    """Reads n bytes from a subprocess pipe, failing after DEADLINE."""
    got = bytearray()
    fd = pipe.fileno()
    import select
    def more():
        if select.select([fd], [], [], 0.05)[0]:
            chunk = os.read(fd, n - len(got))
            assert chunk, f"pipe closed after {bytes(got)!r}"
            got.extend(chunk)
        return len(got) >= n
    wait_until(more, what=f"{n} bytes from nc")
    return bytes(got)
