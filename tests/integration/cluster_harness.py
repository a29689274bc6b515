"""Shared pieces of the cluster tests (50, 52): a throwaway redis-server,
three parleyd nodes behind it (chat, IRC and http/WebSocket listeners on
each), a node's `cluster:` counters, and chat-side waits for who is where.
Absence is proven by a round trip through the same path, never by sleeping.
"""

import contextlib
import shutil
import subprocess

import pytest

from harness import DEADLINE, Server, free_port, wait_until

LEASE_S = 2
# A dead node's lease lapses after LEASE_S; the others look every LEASE_S/3.
DEATH_BOUND_S = LEASE_S + LEASE_S / 3

needs_redis = pytest.mark.skipif(shutil.which("redis-server") is None,
                                 reason="redis-server not installed")


class Redis:
    """A throwaway redis-server on a loopback port."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.cli("PING") == "PONG", what="redis-server up")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-p", str(self.port), *args],
                           capture_output=True, text=True, timeout=DEADLINE)
        return r.stdout.strip()

    def subscribers(self, channel):
        """How many connections are subscribed to `channel` (PUBSUB NUMSUB)."""
        return int(self.cli("PUBSUB", "NUMSUB", channel).split()[1])


@pytest.fixture
def redis():
    r = Redis()
    r.start()
    yield r
    r.stop()


def node(redis, name, backend="epoll", lease=LEASE_S):
    return Server(listen=("chat:127.0.0.1:0", "irc:127.0.0.1:0", "http:127.0.0.1:0"),
                  backend=backend,
                  args=["--redis", f"127.0.0.1:{redis.port}", "--node-name", name,
                        "--node-lease", lease, "--server-name", "irc.test"])


@contextlib.contextmanager
def three_nodes(redis, backend="epoll"):
    with node(redis, "n1", backend) as a, node(redis, "n2", backend) as b, \
            node(redis, "n3", backend) as c:
        for n in (a, b, c):
            n.wait_log(r"CLUSTER_ONLINE")
        yield a, b, c


def cluster_stats(server):
    """The node's `cluster:` STATS line as a dict."""
    since = server.output_mark()
    server.console("STATS")
    line = server.wait_output(
        lambda ls: next((l for l in ls if l.startswith("cluster: ")), None), since=since)
    fields = dict(w.split("=", 1) for w in line.split() if "=" in w)
    fields["online"] = line.startswith("cluster: online")
    return fields


def chat_until(client, pred):
    while True:
        line = client.recv_line()
        if pred(line):
            return line


def chat_history(client, request):
    """(msgid, name, text) rows of one chat HISTORY reply."""
    client.send(request)
    rows = []
    while True:
        line = chat_until(client, lambda l: l.startswith(("HISTORY ", "OK History", "ERROR")))
        if not line.startswith("HISTORY "):
            assert line.startswith("OK History"), line
            return rows
        _, _, msgid, _, name, text = line.split(" ", 5)
        rows.append((msgid, name, text))


def chat_until_timeout(client, want, timeout):
    """True once `want` arrives; raises if nothing arrives for `timeout` s."""
    while client.recv_line(timeout=timeout) != want:
        pass
    return True


def users(client):
    """Everyone online (outside a room). Lines queued before the reply are
    dropped: call it only when they no longer matter."""
    client.send("USERS")
    return chat_until(client, lambda l: l.startswith("USERLIST")).split()[1:]


def room_users(client, room):
    client.send(f"USERS {room}")
    line = chat_until(client, lambda l: l.startswith(("USERLIST", "ERROR")))
    return line.split()[1:] if line.startswith("USERLIST") else []


def wait_users(client, room, want):
    wait_until(lambda: sorted(room_users(client, room)) == sorted(want),
               what=f"{room} to hold {want}")


def wait_gone(watchers, name):
    """Waits until no node of `watchers` (chat clients, one per node) lists
    `name`: each node hears of a quit on its own."""
    for w in watchers:
        wait_until(lambda: name not in users(w), what=f"{name} gone on every node")
