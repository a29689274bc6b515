"""52 cluster moderation: room operators and ban lists are the network's,
not each node's (docs/CLUSTER.md, "Room operators and bans").

Three parleyd nodes behind one real redis-server (test_50's helpers). Only
the first member of a room network-wide is its operator (granted by a
server MODE once Redis has decided); operator and voice changes made on
one node hold on every node and are kept in Redis; a ban set on one node
refuses joins on every node and is listed everywhere; a moderation message
from someone who is not an operator of the room is dropped and counted.
Every wait is for a condition, never a sleep.
"""

import pytest

from harness import ChatClient, wait_until
from irc_harness import IrcClient
from cluster_harness import cluster_stats, node, redis, three_nodes  # noqa: F401

assert redis  # the fixture, imported for pytest


def irc(server, nick):
    c = IrcClient(server.port("irc"))
    c.register(nick)
    return c


def names(client, chan):
    """The NAMES of `chan` as this client's node shows them (prefixes kept)."""
    client.send(f"NAMES {chan}")
    got = []
    while True:
        msg = client.wait_for(lambda m: m.command in ("353", "366"), what="353/366")
        if msg.command == "366":
            return sorted(got)
        got += msg.params[-1].split()


def wait_names(client, chan, want):
    wait_until(lambda: names(client, chan) == sorted(want),
               what=f"NAMES {chan} == {sorted(want)}")


def granted(client, chan, nick):
    """Waits for the MODE that makes `nick` operator of `chan`."""
    client.expect("MODE", lambda p: p[:3] == [chan, "+o", nick])


def chat_line(client, pred):
    while True:
        line = client.recv_line()
        if pred(line):
            return line


def ban_list(client, chan):
    client.send(f"MODE {chan} b")
    masks = []
    while True:
        msg = client.wait_for(lambda m: m.command in ("367", "368"), what="367/368")
        if msg.command == "368":
            return masks
        masks.append(msg.params[2])


def test_the_first_member_network_wide_is_the_only_operator(redis, backend):
    with three_nodes(redis, backend) as (n1, n2, n3):
        teacher = irc(n1, "teacher")
        teacher.join("#class")
        granted(teacher, "#class", "teacher")
        assert redis.cli("HGET", "parley:roomflags:#class", "teacher") == "1"
        # A student on a node where #class had no member is not its operator.
        student = irc(n2, "student")
        assert "@student" not in student.join("#class")
        wait_names(student, "#class", ["@teacher", "student"])
        wait_names(teacher, "#class", ["@teacher", "student"])
        student.send("KICK #class teacher :bye")
        student.expect_numeric("482", "student", "#class")
        student.send("MODE #class +o student")
        student.expect_numeric("482", "student", "#class")
        # Nor is a chat user on a third node.
        kid = ChatClient(n3.port("chat"), "kid", "#class")
        wait_names(teacher, "#class", ["@teacher", "kid", "student"])
        kid.send("KICK teacher")
        chat_line(kid, lambda l: l == "ERROR Not a room operator")
        assert redis.cli("HLEN", "parley:roomflags:#class") == "1"
        # The teacher is still there, seen from every node.
        wait_names(student, "#class", ["@teacher", "kid", "student"])


def test_operator_given_on_one_node_holds_on_the_others(redis, backend):
    with three_nodes(redis, backend) as (n1, n2, n3):
        teacher = irc(n1, "teacher")
        teacher.join("#r")
        granted(teacher, "#r", "teacher")
        student = irc(n2, "student")
        student.join("#r")
        kid = ChatClient(n3.port("chat"), "kid", "#r")
        wait_names(teacher, "#r", ["@teacher", "kid", "student"])
        # (A change made while n3 is still subscribing reaches kid as the
        # server's MODE from n3's read of the flags; here it comes live.)
        wait_until(lambda: redis.cli("PUBSUB", "NUMSUB", "parley:r:#r").split()[1] == "3",
                   what="every node subscribed to #r")
        teacher.send("MODE #r +o student")
        student.expect("MODE", lambda p: p[:3] == ["#r", "+o", "student"])
        chat_line(kid, lambda l: l == "MODE #r teacher +o student")
        wait_until(lambda: redis.cli("HGET", "parley:roomflags:#r", "student") == "1",
                   what="student's flag kept in Redis")
        for c in (teacher, student):
            wait_names(c, "#r", ["@student", "@teacher", "kid"])
        # Effective on a third node: student (n2) kicks kid (n3).
        student.send("KICK #r kid :out")
        chat_line(kid, lambda l: l == "KICK #r student kid out")
        teacher.expect("KICK", lambda p: p[:2] == ["#r", "kid"])
        # And taken away again, everywhere.
        teacher.send("MODE #r -o student")
        student.expect("MODE", lambda p: p[:3] == ["#r", "-o", "student"])
        wait_until(lambda: redis.cli("HEXISTS", "parley:roomflags:#r", "student") == "0",
                   what="student's flag dropped in Redis")
        student.send("KICK #r teacher")
        student.expect_numeric("482", "student", "#r")


def test_operators_after_a_node_restart_and_a_redis_restart(redis):
    with node(redis, "n1") as n1, node(redis, "n2") as n2:
        for n in (n1, n2):
            n.wait_log(r"CLUSTER_ONLINE")
        teacher = irc(n1, "teacher")
        teacher.join("#o")
        granted(teacher, "#o", "teacher")
        student = irc(n2, "student")
        student.join("#o")
        teacher.expect("JOIN", lambda p: p[0] == "#o")
        teacher.send("MODE #o +v student")
        wait_names(student, "#o", ["+student", "@teacher"])
        # A node that comes later (and again after restarting) reads the flags.
        for _ in range(2):
            with node(redis, "n3") as n3:
                n3.wait_log(r"CLUSTER_ONLINE")
                late = irc(n3, "late")
                assert "@late" not in late.join("#o")
                wait_names(late, "#o", ["+student", "@teacher", "late"])
        # Redis restarts empty: each node writes its own members' flags back
        # and tells the others, who re-add those members on their JOIN.
        redis.stop()
        n1.wait_log(r"CLUSTER_OFFLINE")
        redis.start()
        for n in (n1, n2):
            n.wait_log(r"CLUSTER_RECONNECTED")
        wait_until(lambda: redis.cli("HGET", "parley:roomflags:#o", "teacher") == "1"
                   and redis.cli("HGET", "parley:roomflags:#o", "student") == "2",
                   what="flags rewritten to Redis")
        wait_names(student, "#o", ["+student", "@teacher"])
        wait_names(teacher, "#o", ["+student", "@teacher"])
        teacher.send("KICK #o student :after the restart")
        student.expect("KICK", lambda p: p[:2] == ["#o", "student"])


def test_a_ban_set_on_one_node_holds_on_every_node(redis, backend):
    with three_nodes(redis, backend) as (n1, n2, n3):
        op = ChatClient(n1.port("chat"), "op", "#b")
        watcher = irc(n2, "watcher")
        watcher.join("#b")
        wait_names(watcher, "#b", ["@op", "watcher"])
        op.send("BAN mal*")
        chat_line(op, lambda l: l == "BAN #b op mal*!*@*")
        watcher.expect("MODE", lambda p: p == ["#b", "+b", "mal*!*@*"])
        assert ban_list(watcher, "#b") == ["mal*!*@*"]
        assert redis.cli("HEXISTS", "parley:roombans:#b", "mal*!*@*") == "1"
        # Refused on the node that has the room (IRC 474, chat's error) ...
        malirc = irc(n2, "malirc")
        malirc.send("JOIN #b")
        malirc.expect_numeric("474", "malirc", "#b")
        malchat = ChatClient(n1.port("chat"), "malchat")
        malchat.send("JOIN #b")
        chat_line(malchat, lambda l: l == "ERROR Banned from this room")
        # ... and on a node that had no member of #b: it learns the list as
        # it subscribes, and the banned joiner is put out at once.
        malthree = ChatClient(n3.port("chat"), "malthree")
        malthree.send("JOIN #b")
        chat_line(malthree, lambda l: l == "KICK #b console malthree Banned")
        wait_names(watcher, "#b", ["@op", "watcher"])
        # The console of another node bans too; every node lists it.
        mark = n2.output_mark()
        n2.console("BAN #b eve")
        n2.wait_output(lambda ls: "OK Banned eve!*@* #b" in ls, since=mark)
        chat_line(op, lambda l: l == "BAN #b console eve!*@*")
        assert ban_list(watcher, "#b") == ["mal*!*@*", "eve!*@*"]


def test_unban_on_one_node_lets_the_user_in_on_another(redis, backend):
    with three_nodes(redis, backend) as (n1, n2, _):
        op = irc(n1, "op")
        op.join("#u")
        granted(op, "#u", "op")
        deputy = irc(n2, "deputy")
        deputy.join("#u")
        op.expect("JOIN", lambda p: p[0] == "#u")
        op.send("MODE #u +o deputy")
        deputy.expect("MODE", lambda p: p[:3] == ["#u", "+o", "deputy"])
        op.send("MODE #u +b mallory!*@*")
        deputy.expect("MODE", lambda p: p == ["#u", "+b", "mallory!*@*"])
        mallory = ChatClient(n1.port("chat"), "mallory")
        mallory.send("JOIN #u")
        chat_line(mallory, lambda l: l == "ERROR Banned from this room")
        deputy.send("MODE #u -b mallory!*@*")
        op.expect("MODE", lambda p: p == ["#u", "-b", "mallory!*@*"])
        assert ban_list(op, "#u") == []
        wait_until(lambda: redis.cli("HLEN", "parley:roombans:#u") == "0",
                   what="ban removed in Redis")
        mallory.send("JOIN #u")
        chat_line(mallory, lambda l: l.startswith("OK Joined #u"))
        # Bans go with the room, as its topic and modes do.
        op.send("MODE #u +b x!*@*")
        deputy.expect("MODE", lambda p: p == ["#u", "+b", "x!*@*"])
        for c in (op, deputy):
            c.send("PART #u")
        mallory.send("LEAVE")
        wait_until(lambda: redis.cli("EXISTS", "parley:roombans:#u") == "0"
                   and redis.cli("EXISTS", "parley:roomflags:#u") == "0",
                   what="room lists dropped with the room")


def forged_kick(node_name, room, actor, victim):
    """A KICK as node `node_name` would publish it (src/cluster/bus_msg.h)."""
    fields = ["0", "0", node_name, room, actor, "", victim, "forged", "0", "0"]
    return "K" + "".join(f"{len(f)}:{f}," for f in fields)


def test_moderation_by_a_non_operator_is_dropped_and_counted(redis, backend):
    with three_nodes(redis, backend) as (n1, n2, _):
        teacher = irc(n1, "teacher")
        teacher.join("#f")
        granted(teacher, "#f", "teacher")
        student = irc(n2, "student")
        student.join("#f")
        wait_names(teacher, "#f", ["@teacher", "student"])
        assert int(cluster_stats(n1)["unauthorised"]) == 0
        # As if n2 let its non-operator student kick the teacher.
        redis.cli("PUBLISH", "parley:r:#f", forged_kick("n2", "#f", "student", "teacher"))
        wait_until(lambda: int(cluster_stats(n1)["unauthorised"]) == 1,
                   what="the forged kick counted on n1")
        n1.wait_log(r"CLUSTER_UNAUTHORISED")
        # Nothing happened: the teacher is still in, and still operator.
        teacher.send("PRIVMSG #f :still here")
        student.expect("PRIVMSG", lambda p: p == ["#f", "still here"])
        wait_names(teacher, "#f", ["@teacher", "student"])
        # The same message from an operator is applied.
        teacher.send("MODE #f +o student")
        teacher.expect("MODE", lambda p: p[:3] == ["#f", "+o", "student"])
        redis.cli("PUBLISH", "parley:r:#f", forged_kick("n2", "#f", "student", "teacher"))
        teacher.expect("KICK", lambda p: p[:2] == ["#f", "teacher"])
        assert int(cluster_stats(n1)["unauthorised"]) == 1
