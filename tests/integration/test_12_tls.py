"""TLS listeners: interoperability, versions, certificate reload and bad input.

The chat, relay and frame suites already run over TLS (their `transport`
fixture); this file covers what only TLS has. Certificates come from the
session's test CA (conftest `pki`, made with the openssl tool).
"""

import os
import shutil
import signal
import socket
import ssl
import subprocess

import pytest

import harness
import tlsutil
from harness import ChatClient, Client, FrameClient, LineClient, Server, wait_until


def tls_server(pki, backend, listen=("chat+tls:127.0.0.1:0",), cert=None, key=None, args=()):
    return Server(listen=listen, backend=backend,
                  args=["--tls-cert", cert or pki.cert, "--tls-key", key or pki.key,
                        "--log-level", "debug", *args])


def der_of(pem_path):
    with open(pem_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def client_hello():
    """The first flight of a real TLS client, as bytes."""
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return outgoing.read()


def test_openssl_s_client_chats(pki, backend):
    with tls_server(pki, backend) as srv:
        proc = subprocess.Popen(
            ["openssl", "s_client", "-quiet", "-connect", f"127.0.0.1:{srv.port('chat+tls')}",
             "-CAfile", pki.ca, "-verify_hostname", "localhost", "-verify_return_error", "-no_ign_eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            proc.stdin.write(b"USERNAME sam\r\nJOIN #tls\r\n")
            proc.stdin.flush()
            assert proc.stdout.readline() == b"OK Welcome, sam!\r\n"
            assert proc.stdout.readline() == b"OK Joined #tls (0 users)\r\n"
            with ChatClient(srv.port("chat+tls"), "py", "#tls", tls=True, tls_context=
                            tlsutil.client_context(pki)) as py:
                assert proc.stdout.readline() == b"JOIN #tls py\r\n"
                proc.stdin.write(b"MSG hello from openssl\r\n")
                proc.stdin.flush()
                py.expect("ROOM #tls sam hello from openssl")
        finally:
            proc.stdin.close()
            proc.wait(timeout=harness.DEADLINE)
        srv.wait_log(r" TLS_ESTABLISHED .*version=TLSv1\.3 cipher=\S+")


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_python_clients_on_every_protocol(pki, backend, version):
    listen = ("chat+tls:127.0.0.1:0", "relay+tls:127.0.0.1:0", "frame+tls:127.0.0.1:0")
    ctx = tlsutil.client_context(pki)
    ctx.maximum_version = ctx.minimum_version = getattr(ssl.TLSVersion, version)
    with tls_server(pki, backend, listen=listen) as srv:
        kw = dict(tls=True, tls_context=ctx)
        a, b = ChatClient(srv.port("chat+tls"), "a", "#r", **kw), \
            ChatClient(srv.port("chat+tls"), "b", **kw)
        b.join("#r")
        a.expect("JOIN #r b")
        b.send("MSG over tls")
        a.expect("ROOM #r b over tls")
        r1, r2 = LineClient(srv.port("relay+tls"), **kw), LineClient(srv.port("relay+tls"), **kw)
        srv.wait_accepted(r1, r2)
        r1.send("relayed")
        r2.expect("relayed")
        f1, f2 = FrameClient(srv.port("frame+tls"), **kw), FrameClient(srv.port("frame+tls"), **kw)
        srv.wait_accepted(f1, f2)
        big = os.urandom(200_000)  # many records, both directions
        f1.send_frame(big)
        f2.expect_frame(big)
        want = version.replace("_", ".")
        stats = srv.stats()
        assert stats.conns and all(c.get("tls") == want for c in stats.conns), stats.lines
        srv.wait_log(r" ACCEPT .*listener=frame\+tls$")


@pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
def test_old_versions_are_refused(pki, backend, version):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.set_ciphers("ALL:@SECLEVEL=0")
        ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, version)
    except (ssl.SSLError, ValueError):
        pytest.skip(f"this Python's OpenSSL cannot even offer {version}")
    with tls_server(pki, backend) as srv:
        mark = srv.log_mark()
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            Client(srv.port("chat+tls"), tls=True, tls_context=ctx)
        srv.wait_log(r" TLS_ERROR .*stage=handshake", since=mark)
        srv.wait_log(r" DISCONNECT .*reason=tls-error", since=mark)
        ChatClient(srv.port("chat+tls"), "ok", tls=True, tls_context=tlsutil.client_context(pki))


def test_reload_on_sighup_keeps_clients_and_serves_the_new_pair(pki, backend, tmp_path):
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    shutil.copy(pki.cert, cert)
    shutil.copy(pki.key, key)
    ctx = tlsutil.client_context(pki)
    with tls_server(pki, backend, cert=cert, key=key) as srv:
        port = srv.port("chat+tls")
        old = ChatClient(port, "old", "#r", tls=True, tls_context=ctx)
        assert old.sock.getpeercert(binary_form=True) == der_of(pki.cert)
        shutil.copy(pki.cert2, cert)
        shutil.copy(pki.key2, key)
        mark = srv.log_mark()
        srv.send_signal(signal.SIGHUP)
        srv.wait_log(r" TLS_RELOADED ", since=mark)
        new = ChatClient(port, "new", tls=True, tls_context=ctx)
        assert new.sock.getpeercert(binary_form=True) == der_of(pki.cert2)
        new.join("#r")
        old.expect("JOIN #r new")
        old.send("MSG still here")
        for c in (old, new):
            c.expect("ROOM #r old still here")
        new.send("MSG welcome")
        for c in (old, new):
            c.expect("ROOM #r new welcome")

        # A broken file: logged, and the pair in service stays.
        with open(cert, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot a certificate\n")
        mark = srv.log_mark()
        srv.send_signal(signal.SIGHUP)
        srv.wait_log(r" RELOAD_FAILED .*keeping=previous", since=mark)
        third = ChatClient(port, "third", "#r", tls=True, tls_context=ctx)
        assert third.sock.getpeercert(binary_form=True) == der_of(pki.cert2)
        for c in (old, new):
            c.expect("JOIN #r third")
        old.send("MSG after the failed reload")
        new.expect("ROOM #r old after the failed reload")


def test_startup_without_a_usable_certificate_exits_2(pki, tmp_path):
    missing = str(tmp_path / "missing.pem")
    cases = [
        (["--listen", "chat+tls:127.0.0.1:0"], "needs --tls-cert FILE and --tls-key FILE"),
        (["--listen", "chat+tls:127.0.0.1:0", "--tls-cert", missing, "--tls-key", pki.key],
         "cannot read TLS certificate"),
        (["--listen", "relay+tls:127.0.0.1:0", "--tls-cert", pki.cert, "--tls-key",
          pki.wrong_key], "mismatch"),
        (["--listen", "chat:127.0.0.1:0", "--tls-cert", pki.cert, "--tls-key", pki.key],
         "no listener uses TLS"),
        (["--listen", "chat+tls+tls:127.0.0.1:0"], "given twice"),
        (["--listen", "chat+zip:127.0.0.1:0"], "unsupported listener modifier '+zip'"),
    ]
    for args, why in cases:
        r = harness.run_parleyd(args)
        assert r.returncode == 2, (args, r.stderr)
        first = r.stderr.splitlines()[0]
        assert first.startswith("parleyd: ") and why in first, (args, r.stderr)
        assert "READY" not in r.stderr


def test_plain_text_on_a_tls_port_is_refused_once(pki, backend):
    ctx = tlsutil.client_context(pki)
    with tls_server(pki, backend, listen=("chat+tls:127.0.0.1:0", "relay+tls:127.0.0.1:0")) as srv:
        bystander = ChatClient(srv.port("chat+tls"), "by", "#r", tls=True, tls_context=ctx)
        for proto in ("chat+tls", "relay+tls"):
            mark = srv.log_mark()
            plain = LineClient(srv.port(proto), tls=False)
            plain.send("USERNAME mallory")
            plain.expect_closed()
            srv.wait_log(r" DISCONNECT .*reason=tls-error", since=mark)
            assert srv.count_log(r" TLS_ERROR .*stage=handshake", since=mark) == 1
        bystander.expect_no_pending()


def test_client_hello_on_a_plain_port_is_refused_once(backend):
    with Server(listen=("chat:127.0.0.1:0", "relay:127.0.0.1:0", "frame:127.0.0.1:0"),
                backend=backend) as srv:
        bystander = ChatClient(srv.port("chat"), "by", "#r", tls=False)
        for proto in ("chat", "relay", "frame"):
            mark = srv.log_mark()
            c = Client(srv.port(proto), tls=False)
            c.send_raw(client_hello())
            c.expect_closed()
            srv.wait_log(r" TLS_ON_PLAIN ", since=mark)
            srv.wait_log(r" DISCONNECT .*reason=tls-error", since=mark)
            assert srv.count_log(r" TLS_ON_PLAIN ", since=mark) == 1
        bystander.expect_no_pending()


@pytest.mark.parametrize("proto", ["chat+tls", "relay+tls"])
def test_handshake_stalled_after_one_byte_times_out(pki, backend, proto):
    with tls_server(pki, backend, listen=(f"{proto}:127.0.0.1:0",),
                    args=["--register-timeout", "1"]) as srv:
        cpu_before = srv.cpu_seconds()
        c = Client(srv.port(proto), tls=False)
        c.send_raw(client_hello()[:1])
        srv.wait_log(r" HANDSHAKE_TIMEOUT ")
        c.expect_closed()
        srv.wait_log(r" DISCONNECT .*reason=handshake-timeout")
        assert srv.cpu_seconds() - cpu_before < 0.5, "the loop spun while waiting"


def test_vanishing_and_truncating_clients_are_closed_once(pki, backend):
    ctx = tlsutil.client_context(pki)
    with tls_server(pki, backend) as srv:
        port = srv.port("chat+tls")
        bystander = ChatClient(port, "by", "#r", tls=True, tls_context=ctx)
        cpu_before = srv.cpu_seconds()

        # Half a ClientHello, then gone.
        mark = srv.log_mark()
        c = Client(port, tls=False)
        c.send_raw(client_hello()[:40])
        srv.wait_accepted(c)
        c.close()
        srv.wait_log(r" DISCONNECT .*reason=tls-error", since=mark)
        assert srv.count_log(r" TLS_ERROR ", since=mark) == 1

        # Reset mid-handshake.
        mark = srv.log_mark()
        c = Client(port, tls=False)
        c.send_raw(client_hello())
        srv.wait_accepted(c)
        c.reset()
        srv.wait_log(r" DISCONNECT ", since=mark)
        assert srv.count_log(r" DISCONNECT ", since=mark) == 1

        # A session whose last record is cut short, then the socket closes.
        mark = srv.log_mark()
        t = ChatClient(port, "trunc", tls=True, tls_context=ctx)
        fd = socket.socket(fileno=os.dup(t.sock.fileno()))
        fd.sendall(b"\x17\x03\x03\x01\x00" + b"\x00" * 20)  # a record header promising 256 bytes
        fd.close()
        t.close()
        srv.wait_log(r" DISCONNECT .*conn=\d+ .*", since=mark)
        # A record of garbage after the handshake: a bad record MAC.
        mark = srv.log_mark()
        g = ChatClient(port, "garbage", tls=True, tls_context=ctx)
        fd = socket.socket(fileno=os.dup(g.sock.fileno()))
        fd.sendall(b"\x17\x03\x03\x00\x20" + b"\x55" * 32)
        srv.wait_log(r" TLS_ERROR .*stage=session", since=mark)
        srv.wait_log(r" DISCONNECT .*reason=tls-error", since=mark)
        fd.close()
        assert srv.count_log(r" TLS_ERROR ", since=mark) == 1

        bystander.expect_no_pending()
        assert srv.cpu_seconds() - cpu_before < 1.0, "the loop spun"
        wait_until(lambda: srv.stats().fields.get("active") == 1, what="only the bystander left")


PARLEY = os.path.join(harness.REPO, harness.BUILD, "parley")


def run_parley(args, text=""):
    return subprocess.run([PARLEY, *args], input=text, capture_output=True, text=True,
                          timeout=harness.DEADLINE * 2)


def test_parley_verifies_the_server(pki, backend):
    with tls_server(pki, backend) as srv:
        port = str(srv.port("chat+tls"))
        ok = run_parley(["--tls", "--ca", pki.ca, "-u", "ann", "-j", "#t", "localhost", port],
                        "MSG over tls\n")
        assert ok.returncode == 0, ok.stderr
        assert "ROOM #t ann over tls" in ok.stdout
        # 127.0.0.1 is in the certificate's addresses too.
        assert run_parley(["--tls", "--ca", pki.ca, "127.0.0.1", port]).returncode == 0
        # Not signed by a CA the system trusts.
        untrusted = run_parley(["--tls", "localhost", port])
        assert untrusted.returncode == 1
        assert "certificate verify failed" in untrusted.stderr
        plain = run_parley(["-u", "p", "localhost", port], "MSG x\n")
        assert plain.returncode == 1
    with tls_server(pki, backend, cert=pki.wrong_cert, key=pki.wrong_key) as srv:
        port = str(srv.port("chat+tls"))
        wrong = run_parley(["--tls", "--ca", pki.ca, "-u", "w", "localhost", port], "MSG x\n")
        assert wrong.returncode == 1
        assert "hostname mismatch" in wrong.stderr, wrong.stderr
        assert srv.count_log(r" INFO ACCEPT ") == 1
        insecure = run_parley(["--tls", "--insecure", "-u", "w", "-j", "#i", "localhost", port],
                              "MSG anyway\n")
        assert insecure.returncode == 0, insecure.stderr
        assert "ROOM #i w anyway" in insecure.stdout


def test_parley_tls_usage_errors(pki, tmp_path):
    r = run_parley(["--tls", "--ca", str(tmp_path / "none.pem"), "localhost", "1"])
    assert r.returncode == 2 and "cannot read TLS CA file" in r.stderr, r.stderr
    r = run_parley(["--insecure", "localhost", "1"])
    assert r.returncode == 2 and "--insecure only applies with --tls" in r.stderr, r.stderr


def test_capacity_on_a_tls_listener_closes_without_text(pki, backend):
    ctx = tlsutil.client_context(pki)
    with tls_server(pki, backend, args=["--max-clients", "1"]) as srv:
        first = ChatClient(srv.port("chat+tls"), "first", tls=True, tls_context=ctx)
        extra = Client(srv.port("chat+tls"), tls=False)
        srv.wait_log(r" REJECT .*listener=chat\+tls reason=max-clients")
        extra.expect_closed()  # no "ERROR Server full" in plain text on a TLS port
        first.expect_no_pending()


def test_blocked_tls_writes_resume_with_the_same_bytes(pki, backend):
    """A reader that stops reading makes the server's TLS writes block part
    way (the retry must continue the same bytes, from wherever the queue's
    batch now lives); once it reads again, every frame arrives intact."""
    ctx = tlsutil.client_context(pki)
    with tls_server(pki, backend, listen=("frame+tls:127.0.0.1:0",),
                    args=["--sendq", str(64 << 20)]) as srv:
        port = srv.port("frame+tls")
        reader = FrameClient(port, rcvbuf=8192, tls=True, tls_context=ctx)
        writer = FrameClient(port, tls=True, tls_context=ctx)
        srv.wait_accepted(reader, writer)
        frames = [bytes([i]) * 1000 + os.urandom(60_000) for i in range(100)]
        for f in frames:
            writer.send_frame(f)
        for f in frames:  # the writer's own echoes keep its side flowing
            writer.expect_frame(f)
        stats = srv.stats()
        blocked = [c for c in stats.conns if c.get("out", 0) < 6_000_000]
        assert blocked, f"the reader's writes never blocked: {stats.lines}"
        for f in frames:
            reader.expect_frame(f)
        assert srv.count_log(r" TLS_ERROR ") == 0
        assert srv.count_log(r" DISCONNECT ") == 0
