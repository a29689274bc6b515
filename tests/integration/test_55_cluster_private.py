"""55 cluster private lines: private messages between users of different
nodes (or of one node) are numbered by the network's counter, the one room
lines use, and lines between two users logged in to accounts are kept in
Redis, one stream per pair (docs/CLUSTER.md, "Private message").

Two account holders on two nodes exchange private lines (IRC with
echo-message and chat); each then reconnects on the other's node and reads
the same lines with the same msgids (CHATHISTORY), and CHATHISTORY TARGETS
names the correspondent. Ids are above the room line said before them and
unique across nodes, for guests too, whose lines are not kept. With Redis
down a private line is delivered on its node with the node's own id and,
between logged-in users, read back from the node's copy. Waits are for
lines, never sleeps.
"""

import re

from cluster_harness import chat_until, needs_redis, redis, three_nodes, users, wait_gone
from harness import ChatClient, wait_until
from irc_helpers import HISTORY_CAPS, chathistory, sasl_client, tags_of
from test_39_irc_smoke import IrcClient, body
from test_50_cluster import PW, redis_account

pytestmark = needs_redis
assert redis  # a fixture, used by name

CAPS = HISTORY_CAPS + ("echo-message",)


def privmsg_from(client, sender, target=None):
    """The next PRIVMSG from `sender` (to `target`, if given) as
    (msgid, text); skips everything else."""
    while True:
        line = client.recv_line()
        m = re.match(r"^:([^!\s]+)!\S+ PRIVMSG (\S+) :(.*)$", body(line))
        if m and m.group(1) == sender and target in (None, m.group(2)):
            return tags_of(line).get("msgid"), m.group(3)


def num(msgid):
    return int(msgid, 16)


def known_on(port, *names):
    """Waits until the node at chat `port` lists every one of `names`."""
    w = ChatClient(port, f"watcher{port}")
    wait_until(lambda: all(n in users(w) for n in names), what=f"{names} known")
    w.close()


def add_accounts(redis, *names):
    for n in names:
        assert redis_account(redis, "add", n, password=PW + "\n").returncode == 0


def test_account_holders_share_private_history_across_nodes(redis, backend):
    add_accounts(redis, "alice", "bob")
    with three_nodes(redis, backend) as (n1, n2, _n3):
        alice = sasl_client(n1.port("irc"), "alice", PW, CAPS)
        bob = ChatClient(n2.port("chat"))
        bob.send(f"LOGIN bob {PW}")
        chat_until(bob, lambda l: l == "OK Welcome, bob!")
        known_on(n1.port("chat"), "bob")
        known_on(n2.port("chat"), "alice")
        # A room line first: private lines said after it have higher ids.
        alice.send("JOIN #r")
        bob.send("JOIN #r")
        chat_until(bob, lambda l: l.startswith("OK Joined #r"))
        bob.send("MSG before")
        room_id, _ = privmsg_from(alice, "bob", "#r")
        alice.send("PRIVMSG bob :hi bob")
        echo_id, text = privmsg_from(alice, "alice", "bob")  # the echo
        assert text == "hi bob"
        chat_until(bob, lambda l: l == "PRIVMSG alice hi bob")
        bob.send("PRIVMSG alice hi alice")
        chat_until(bob, lambda l: l == "OK Sent")
        back_id, text = privmsg_from(alice, "bob", "alice")
        assert text == "hi alice"
        assert num(room_id) < num(echo_id) < num(back_id)
        assert redis.cli("XLEN", "parley:pm:alice bob") == "2"
        alice.close()
        bob.close()
        watchers = [ChatClient(n.port("chat"), f"w{i}") for i, n in enumerate((n1, n2))]
        wait_gone(watchers, "alice")
        wait_gone(watchers, "bob")
        # Each on the other's node: the same lines, the same ids.
        alice2 = sasl_client(n2.port("irc"), "alice", PW, CAPS)
        bob2 = sasl_client(n1.port("irc"), "bob", PW, CAPS)
        want = [(echo_id, "alice", "hi bob"), (back_id, "bob", "hi alice")]
        for peer, c in (("bob", alice2), ("alice", bob2)):
            rows, _ = chathistory(c, f"LATEST {peer} * 10")
            assert [(r[0], r[2], r[4]) for r in rows] == want, rows
            rows, _ = chathistory(c, f"BEFORE {peer} msgid={back_id} 10")
            assert [r[0] for r in rows] == [echo_id]
        # TARGETS lists the correspondent, now on another node.
        known_on(n2.port("chat"), "bob")
        alice2.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                    "timestamp=2100-01-01T00:00:00.000Z 10")
        line = alice2.until(lambda l: " CHATHISTORY TARGETS bob " in l or " BATCH -" in l)
        assert " CHATHISTORY TARGETS bob " in line, line


def test_private_line_ids_are_unique_across_nodes_and_guests_are_not_kept(redis, backend):
    with three_nodes(redis, backend) as (n1, _n2, n3):
        carol = IrcClient(n1.port("irc"), "carol", CAPS)
        erin = IrcClient(n1.port("irc"), "erin", HISTORY_CAPS)
        dave = IrcClient(n3.port("irc"), "dave", CAPS)
        known_on(n1.port("chat"), "dave")
        known_on(n3.port("chat"), "carol", "erin")
        ids = []
        # Across nodes, both ways, and within one node: every line goes
        # through Redis for its id, so they are unique and increase.
        for sender, to, peer in ((carol, "dave", dave), (dave, "carol", carol),
                                 (carol, "erin", erin), (erin, "dave", dave),
                                 (dave, "erin", erin)):
            text = f"{sender.nick} to {to}"
            sender.send(f"PRIVMSG {to} :{text}")
            got, said = privmsg_from(peer, sender.nick, to)
            assert said == text
            if sender is not erin:  # erin has no echo-message
                echo, _ = privmsg_from(sender, sender.nick, to)
                assert echo == got
            ids.append(num(got))
        assert ids == sorted(ids) and len(set(ids)) == len(ids), ids
        assert int(redis.cli("GET", "parley:msgid")) >= ids[-1]
        # Guests' lines are delivered, never kept.
        assert redis.cli("KEYS", "parley:pm:*") == ""


def test_a_private_line_while_redis_is_down_stays_on_its_node(redis):
    add_accounts(redis, "amy", "ben")
    with three_nodes(redis) as (n1, _n2, _n3):
        amy = sasl_client(n1.port("irc"), "amy", PW, CAPS)
        ben = sasl_client(n1.port("irc"), "ben", PW, CAPS)
        amy.send("PRIVMSG ben :online")
        online_id, _ = privmsg_from(ben, "amy", "ben")
        assert privmsg_from(amy, "amy", "ben") == (online_id, "online")  # the echo
        redis.stop()
        n1.wait_log(r"CLUSTER_OFFLINE")
        amy.send("PRIVMSG ben :offline")
        offline_id, text = privmsg_from(ben, "amy", "ben")
        assert text == "offline"
        assert int(offline_id, 16) > int(online_id, 16)  # above every id it delivered
        echo_id, _ = privmsg_from(amy, "amy", "ben")
        assert echo_id == offline_id
        # Read from the node's own copy, which holds both lines.
        rows, _ = chathistory(ben, "LATEST amy * 10")
        assert sorted((r[0], r[4]) for r in rows) == sorted([(online_id, "online"),
                                                             (offline_id, "offline")])
        n1.wait_log(r"STORE_REDIS_DOWN")
