"""51 cluster over TLS: nodes reach a redis-server that only listens on its
TLS port (docs/CLUSTER.md, "TLS to Redis").

Each test makes a throwaway CA and certificates with the openssl tool
(tlsutil), starts redis-server with --port 0 and --tls-port, and nodes with
--redis-tls --redis-tls-ca. Users on two nodes share a room over it (chat
and IRC, lines both ways, history from the stream, one namespace, accounts
made on one node used on the other); AUTH and TLS work together; a wrong
CA or name is refused with the certificate check's reason while the node
keeps serving its own users; Redis requiring client certificates accepts
a node that has one and refuses one that has not.
"""

import re
import subprocess

import pytest

from harness import DEADLINE, PARLEYD, ChatClient, Server, run_parleyd, wait_until
from test_39_irc_smoke import IrcClient
from cluster_harness import (LEASE_S, Redis, chat_until, cluster_stats, users, wait_users)
from test_50_cluster import PW, chat_login
from tlsutil import _issue, make_pki


class TlsRedis(Redis):
    """A redis-server reachable only over TLS."""

    def __init__(self, pki, auth_clients="no", password=None):
        super().__init__()
        self.pki = pki
        self.auth_clients = auth_clients
        self.password = password
        self.client_cert, self.client_key = _issue(pki.dir, "client", "/CN=parley-node",
                                                   "DNS:parley-node")

    def start(self):
        args = ["redis-server", "--port", "0", "--tls-port", str(self.port),
                "--bind", "127.0.0.1", "--tls-cert-file", self.pki.cert,
                "--tls-key-file", self.pki.key, "--tls-ca-cert-file", self.pki.ca,
                "--tls-auth-clients", self.auth_clients, "--save", "", "--appendonly", "no"]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.cli("PING") == "PONG", what="redis-server (TLS) up")

    def cli(self, *args):
        cmd = ["redis-cli", "--tls", "--cacert", self.pki.ca, "--cert", self.client_cert,
               "--key", self.client_key, "-p", str(self.port)]
        if self.password:
            cmd += ["--no-auth-warning", "-a", self.password]
        r = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=DEADLINE)
        return r.stdout.strip()


@pytest.fixture
def pki(tmp_path):
    return make_pki(str(tmp_path))


def tls_redis_fixture(pki, **kw):
    r = TlsRedis(pki, **kw)
    r.start()
    return r


@pytest.fixture
def tls_redis(pki):
    r = tls_redis_fixture(pki)
    yield r
    r.stop()


def tls_args(redis, ca, extra=()):
    args = ["--redis", f"127.0.0.1:{redis.port}", "--redis-tls", "--redis-tls-ca", ca, *extra]
    if redis.password:
        args += ["--redis-password", redis.password]
    return args


def tls_node(redis, name, backend="epoll", ca=None, extra=()):
    return Server(listen=("chat:127.0.0.1:0", "irc:127.0.0.1:0"), backend=backend,
                  args=[*tls_args(redis, ca or redis.pki.ca, extra), "--node-name", name,
                        "--node-lease", LEASE_S, "--server-name", "irc.test"])


def redis_account(redis, *args, password=None, extra=()):
    return subprocess.run([PARLEYD, *tls_args(redis, redis.pki.ca, extra), "account", *args],
                          input=password, capture_output=True, text=True, timeout=DEADLINE)


def test_chat_and_irc_users_share_a_room_over_tls(tls_redis, backend):
    with tls_node(tls_redis, "t1", backend) as a, tls_node(tls_redis, "t2", backend) as b:
        for n in (a, b):
            n.wait_log(r"CLUSTER_ONLINE")
        alice = ChatClient(a.port("chat"), "alice", "#tls")
        bob = IrcClient(b.port("irc"), "bob")
        bob.send("JOIN #tls")
        bob.until(lambda l: " 366 " in l)
        chat_until(alice, lambda l: l == "JOIN #tls bob")
        wait_users(alice, "#tls", ["alice", "bob"])
        # Lines both ways.
        alice.send("MSG hello over tls")
        bob.until(lambda l: l.startswith(":alice!") and "PRIVMSG #tls :hello over tls" in l)
        bob.send("PRIVMSG #tls :and back")
        chat_until(alice, lambda l: l == "ROOM #tls bob and back")
        # Both lines are in the room's stream; a first joiner on the other
        # node reads them back from it.
        assert tls_redis.cli("XLEN", "parley:hist:#tls") == "2"
        carol = ChatClient(b.port("chat"), "carol")
        carol.send("JOIN #tls")
        replayed = [chat_until(carol, lambda l: l.startswith("ROOM #tls")) for _ in range(2)]
        assert replayed == ["ROOM #tls alice hello over tls", "ROOM #tls bob and back"]
        # One namespace: a name held on one node is taken on the other.
        dup = ChatClient(b.port("chat"))
        dup.send("USERNAME alice")
        dup.expect("ERROR Username taken")
        # An account made on one node logs in on the other.
        dave = ChatClient(a.port("chat"), "dave")
        dave.send(f"REGISTER {PW}")
        dave.expect("OK Registered dave")
        dave.close()
        wait_until(lambda: "dave" not in users(carol), what="dave gone")
        c, reply = chat_login(b.port("chat"), "dave", PW)
        assert reply == "OK Welcome, dave!"
        c.close()
        assert cluster_stats(a)["online"] and cluster_stats(b)["online"]


def test_password_and_tls_together(pki):
    redis = tls_redis_fixture(pki, password="s3cret-redis")
    try:
        with tls_node(redis, "p1") as a:
            a.wait_log(r"CLUSTER_ONLINE")
            ChatClient(a.port("chat"), "erin")
            wait_until(lambda: redis.cli("GET", "parley:name:erin") == "p1", what="erin claimed")
        # The account command speaks TLS and AUTH too.
        r = redis_account(redis, "add", "fay", password=PW + "\n")
        assert r.returncode == 0 and r.stdout == "Added fay\n", r
        assert redis.cli("HEXISTS", "parley:accounts", "fay") == "1"
        r = redis_account(redis, "list")
        assert r.returncode == 0 and r.stdout.split()[0] == "fay"
        # A wrong password is Redis's refusal, logged.
        redis.password, right = "wrong", redis.password
        with tls_node(redis, "p2") as b:
            redis.password = right
            b.wait_log(r"CLUSTER_REDIS_REFUSED")
            assert not cluster_stats(b)["online"]
    finally:
        redis.stop()


def test_a_wrong_ca_or_name_is_refused_and_local_users_are_served(tls_redis, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    wrong_ca = make_pki(str(other)).ca
    with tls_node(tls_redis, "w1", ca=wrong_ca, extra=("--log-level", "debug")) as a:
        a.wait_log(r"CLUSTER_CONNECT_FAILED .*certificate verify failed")
        alice = ChatClient(a.port("chat"), "alice", "#local")
        amy = ChatClient(a.port("chat"), "amy", "#local")
        chat_until(alice, lambda l: l == "JOIN #local amy")
        alice.send("MSG still served")
        chat_until(amy, lambda l: l == "ROOM #local alice still served")
        assert not cluster_stats(a)["online"]
        # It keeps retrying (retries are logged at debug level).
        a.wait_log(r"CLUSTER_CONNECT_FAILED .*certificate verify failed", count=3)
    # The right CA but a name the certificate does not carry.
    with tls_node(tls_redis, "w2", extra=("--redis-tls-name", "redis.example")) as b:
        b.wait_log(r"CLUSTER_CONNECT_FAILED .*(hostname mismatch|certificate verify failed)")
        assert not cluster_stats(b)["online"]
    # Nothing reached Redis from either.
    assert tls_redis.cli("SMEMBERS", "parley:nodes") == ""


def test_redis_requiring_client_certificates(pki):
    redis = tls_redis_fixture(pki, auth_clients="yes")
    try:
        cert = ("--redis-tls-cert", redis.client_cert, "--redis-tls-key", redis.client_key)
        with tls_node(redis, "m1", extra=cert) as a, tls_node(redis, "m2") as b:
            a.wait_log(r"CLUSTER_ONLINE")
            # Depending on timing the server's alert arrives, or just the
            # end of the connection: either way the reason says so.
            b.wait_log(r"CLUSTER_CONNECT_FAILED .*reason=\"TLS: .*(certificate required|"
                       r"client certificate)")
            ChatClient(a.port("chat"), "gus")
            wait_until(lambda: redis.cli("GET", "parley:name:gus") == "m1", what="gus claimed")
            assert not cluster_stats(b)["online"]
        r = redis_account(redis, "list", extra=cert)
        assert r.returncode == 0, r
        r = redis_account(redis, "list")
        assert r.returncode == 1 and "cannot use Redis" in r.stderr
        assert re.search(r"certificate required|client certificate", r.stderr), r.stderr
    finally:
        redis.stop()


@pytest.mark.parametrize("args, message", [
    (["--redis-tls"], "--redis-tls needs --redis HOST:PORT"),
    (["--redis", "127.0.0.1:6379", "--redis-tls-ca", "ca.pem"],
     "--redis-tls-ca only applies with --redis-tls"),
    (["--redis", "127.0.0.1:6379", "--redis-tls", "--redis-tls-cert", "c.pem"],
     "--redis-tls-cert needs --redis-tls-key FILE too"),
    (["--redis", "127.0.0.1:6379", "--redis-tls", "--redis-tls-name", ""],
     "bad --redis-tls-name (empty)"),
    (["--redis", "127.0.0.1:6379", "--redis-tls", "--redis-tls-ca", "/nonexistent/ca.pem"],
     "--redis-tls: cannot read TLS CA file '/nonexistent/ca.pem'"),
    (["--redis", "127.0.0.1:6379", "--redis-tls", "--redis-tls-cert", "/nonexistent/c.pem",
      "--redis-tls-key", "/nonexistent/c.key"],
     "--redis-tls: cannot read TLS certificate '/nonexistent/c.pem'"),
])
def test_redis_tls_option_errors_are_one_line(args, message):
    r = run_parleyd([*args, "--listen", "chat:127.0.0.1:0"])
    assert r.returncode == 2, r
    first = r.stderr.splitlines()[0]
    assert first.startswith("parleyd: ") and message in first, r.stderr
