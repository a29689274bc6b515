"""52 cluster and the web: a user of the web page (IRC over WebSocket on the
http listener, with the page's capabilities) on one node shares a room with
a chat user and an IRC user on two others, behind one real redis-server
(docs/CLUSTER.md, docs/WEB.md).

Lines go every way in one order with one msgid each; joins, leaves, quits,
private messages and a nick change cross nodes; the lines said before the
web user joined come back through the request the page makes on its own
join (CHATHISTORY LATEST), with the msgids the others saw, and not a second
time as live lines; a name the web user holds is refused on other nodes;
kill -9 of its node removes it everywhere within the lease bound. A chat
user over WebSocket (`parley.chat`) gets its replay on join from the stream
once, then lines live. Absence is proven by a later line through the same
path, never by sleeping.
"""

import re
import signal
import time

from cluster_harness import (DEATH_BOUND_S, LEASE_S, chat_history, chat_until, needs_redis,
                             redis, three_nodes, users, wait_gone, wait_users)
from harness import ChatClient, wait_until
from irc_helpers import HISTORY_CAPS, chathistory, tags_of
from test_39_irc_smoke import IrcClient, body
from wsclient import TEXT, WebUser, WsClient

pytestmark = needs_redis
assert redis  # a fixture, used by name

# The IRC user hears its own lines too, as the page's user does.
IRC_CAPS = HISTORY_CAPS + ("echo-message",)
# What the page asks for when its own JOIN comes back (web/app.js).
PAGE_HISTORY = "LATEST {room} * 50"


def privmsg(line):
    """(msgid, sender, target, text) of a PRIVMSG, or None."""
    m = re.match(r"^:([^!\s]+)!\S+ PRIVMSG (\S+) :(.*)$", body(line))
    return (tags_of(line).get("msgid"), m.group(1), m.group(2), m.group(3)) if m else None


def room_lines_raw(client, room, n):
    """The next `n` live (not history) PRIVMSGs to `room`."""
    out = []
    while len(out) < n:
        line = client.recv_line()
        pm = privmsg(line)
        if pm and pm[2] == room and "batch" not in tags_of(line):
            out.append(pm)
    return out


def room_lines(client, room, n):
    """The next `n` live lines of `room` as (msgid, sender, text)."""
    return [(pm[0], pm[1], pm[3]) for pm in room_lines_raw(client, room, n)]


def names(client, room):
    client.send(f"NAMES {room}")
    line = client.until(lambda l: " 353 " in l or " 366 " in l)
    if " 366 " in line:
        return set()
    client.until(lambda l: " 366 " in l)
    return {n.lstrip("@+") for n in line.rsplit(":", 1)[1].split()}


def irc_join(client, room):
    client.send(f"JOIN {room}")
    client.until(lambda l: " 366 " in l)


def saw(client, nick, command):
    """Waits for `nick`'s `command` line (e.g. "PART #w") on an IRC client."""
    return client.until(lambda l: body(l).startswith(f":{nick}!") and
                        f" {command}" in body(l))


def new_nick(line):
    return body(line).split(" NICK ", 1)[1].lstrip(":")


def web_join(web, room):
    """Joins as the page does: JOIN, then its history request once its own
    JOIN comes back. Returns the history rows as (msgid, sender, text) and
    the live lines of the room that arrived meanwhile."""
    web.send(f"JOIN {room}")
    saw(web, web.nick, f"JOIN {room}")
    rows, _ = chathistory(web, PAGE_HISTORY.format(room=room))
    live = [privmsg(l) for l in web.skipped if privmsg(l) and "batch" not in tags_of(l)]
    return [(r[0], r[2], r[4]) for r in rows], live


def test_a_web_user_shares_a_room_with_chat_and_irc_users_on_other_nodes(redis, backend):
    with three_nodes(redis, backend) as (n1, n2, n3):
        alice = ChatClient(n1.port("chat"), "alice", "#w")
        bob = IrcClient(n2.port("irc"), "bob", IRC_CAPS)
        irc_join(bob, "#w")
        chat_until(alice, lambda l: l == "JOIN #w bob")
        # Said before the web user comes: bob hears both, with their ids.
        alice.send("MSG before one")
        chat_until(alice, lambda l: l == "ROOM #w alice before one")
        bob.send("PRIVMSG #w :before two")
        earlier = room_lines(bob, "#w", 2)
        assert [e[1:] for e in earlier] == [("alice", "before one"), ("bob", "before two")]

        # The web user's node has no member in #w: the first join there.
        wendy = WebUser(n3.port("http"), "wendy")
        history, live = web_join(wendy, "#w")
        assert history == earlier
        # With n3 subscribed, a line said now reaches wendy after whatever
        # n3's after-subscribe read of the room delivers live: the lines
        # said before she joined must not be among those.
        wait_until(lambda: redis.subscribers("parley:r:#w") == 3, what="n3 subscribed to #w")
        alice.send("MSG marker")
        while not live or live[-1][3] != "marker":
            live += room_lines_raw(wendy, "#w", 1)
        assert [pm[1:] for pm in live] == [("alice", "#w", "marker")], live
        chat_until(alice, lambda l: l == "JOIN #w wendy")
        chat_until(alice, lambda l: l == "ROOM #w alice marker")
        saw(bob, "wendy", "JOIN #w")
        marker = room_lines(bob, "#w", 1)
        assert [pm[0] for pm in live] == [m[0] for m in marker]
        wait_until(lambda: names(wendy, "#w") == {"alice", "bob", "wendy"}, what="NAMES on n3")
        wait_users(alice, "#w", ["alice", "bob", "wendy"])

        # Lines from three nodes and three protocols, one order, one id each.
        for i in range(3):
            alice.send(f"MSG a{i}")
            bob.send(f"PRIVMSG #w :b{i}")
            wendy.send(f"PRIVMSG #w :w{i}")
        seen_web = room_lines(wendy, "#w", 9)
        seen_irc = room_lines(bob, "#w", 9)
        seen_chat = [tuple(chat_until(alice, lambda l: l.startswith("ROOM #w ")).split(" ", 3)[2:])
                     for _ in range(9)]
        assert seen_web == seen_irc, (seen_web, seen_irc)
        assert [r[1:] for r in seen_web] == seen_chat
        assert sorted(t for _, _, t in seen_web) == \
            sorted(f"{p}{i}" for p in "abw" for i in range(3))
        ids = [int(r[0], 16) for r in earlier + marker + seen_web]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), ids

        # The history request the page makes answers the same on its node.
        history, _ = chathistory(wendy, PAGE_HISTORY.format(room="#w"))
        assert [(r[0], r[2], r[4]) for r in history] == earlier + marker + seen_web
        # The chat user's HISTORY on n1 names the same lines by the same ids.
        assert chat_history(alice, "HISTORY #w 50") == earlier + marker + seen_web

        # Private messages to and from the web user, across nodes.
        alice.send("PRIVMSG wendy hi web")
        alice.expect("OK Sent")
        wendy.until(lambda l: (privmsg(l) or ())[1:] == ("alice", "wendy", "hi web"))
        wendy.send("PRIVMSG alice :hi chat")
        chat_until(alice, lambda l: l == "PRIVMSG wendy hi chat")
        bob.send("PRIVMSG wendy :hi from irc")
        wendy.until(lambda l: (privmsg(l) or ())[1:] == ("bob", "wendy", "hi from irc"))
        wendy.send("PRIVMSG bob :hi back")
        bob.until(lambda l: (privmsg(l) or ())[1:] == ("wendy", "bob", "hi back"))

        # The web user's nick change is seen by everyone, and bob's by it.
        wendy.send("NICK wanda")
        saw(wendy, "wendy", "NICK")
        chat_until(alice, lambda l: l == "NICK wendy wanda")
        assert new_nick(saw(bob, "wendy", "NICK")) == "wanda"
        wanda = wendy
        bob.send("NICK bobby")
        assert new_nick(saw(wanda, "bob", "NICK")) == "bobby"
        wait_users(alice, "#w", ["alice", "bobby", "wanda"])

        # Leaves and quits, every way.
        alice.send("LEAVE")
        alice.expect("OK Left #w")
        saw(wanda, "alice", "PART #w")
        saw(bob, "alice", "PART #w")
        wanda.send("PART #w")
        saw(wanda, "wanda", "PART #w")
        saw(bob, "wanda", "PART #w")
        wanda.send("JOIN #w")
        saw(bob, "wanda", "JOIN #w")
        alice.send("JOIN #w")
        chat_until(alice, lambda l: l.startswith("OK Joined #w"))
        saw(wanda, "alice", "JOIN #w")
        # n1 and n3 had each left the room: each learns its other members
        # again after its join (a quit before that would not concern it).
        wait_users(alice, "#w", ["alice", "bobby", "wanda"])
        wait_until(lambda: names(wanda, "#w") == {"alice", "bobby", "wanda"}, what="NAMES on n3")
        bob.send("QUIT :gone")
        saw(wanda, "bobby", "QUIT")
        chat_until(alice, lambda l: l == "LEAVE #w bobby")
        wanda.send("QUIT :bye")
        chat_until(alice, lambda l: l == "LEAVE #w wanda")
        wait_users(alice, "#w", ["alice"])


def test_a_name_held_by_a_web_user_is_refused_on_other_nodes(redis):
    with three_nodes(redis) as (n1, n2, n3):
        wendy = WebUser(n3.port("http"), "wendy")
        watchers = [ChatClient(n.port("chat"), f"watch{i}") for i, n in enumerate((n1, n2))]
        for w in watchers:
            wait_until(lambda: "wendy" in users(w), what="wendy known on every node")
        chat = ChatClient(n1.port("chat"))
        chat.send("USERNAME Wendy")
        chat.expect("ERROR Username taken")
        irc = IrcClient(n2.port("irc"))
        irc.send("NICK wendy")
        irc.send("USER w 0 * :w")
        assert irc.numeric("433").split()[3] == "wendy"
        web = WebUser(n1.port("http"))
        web.send("NICK WENDY")
        web.send("USER w 0 * :w")
        assert web.numeric("433").split()[3] == "WENDY"
        assert redis.cli("GET", "parley:name:wendy") == "n3"
        # Once the web user quits, the name is free on every node.
        wendy.send("QUIT :bye")
        wait_gone(watchers, "wendy")
        web.send("NICK wendy")
        web.numeric("001")
        assert redis.cli("GET", "parley:name:wendy") == "n1"


def test_kill_9_removes_a_web_user_everywhere_within_the_lease(redis):
    with three_nodes(redis) as (n1, n2, n3):
        alice = ChatClient(n1.port("chat"), "alice", "#k")
        bob = IrcClient(n2.port("irc"), "bob")
        irc_join(bob, "#k")
        wendy = WebUser(n3.port("http"), "wendy")
        wendy.send("JOIN #k")
        saw(wendy, "wendy", "JOIN #k")
        wait_users(alice, "#k", ["alice", "bob", "wendy"])
        wait_until(lambda: names(bob, "#k") == {"alice", "bob", "wendy"}, what="NAMES on n2")
        n3.proc.send_signal(signal.SIGKILL)
        n3.exit_code = n3.proc.wait()
        n3.expect_exit = n3.exit_code
        killed = time.monotonic()
        chat_until(alice, lambda l: l == "LEAVE #k wendy")
        took = time.monotonic() - killed
        print(f"web user's node death noticed after {took:.2f}s (lease {LEASE_S}s)")
        assert took <= DEATH_BOUND_S + 1.0, f"node death noticed after {took:.2f}s"
        saw(bob, "wendy", "QUIT")
        assert time.monotonic() - killed <= DEATH_BOUND_S + 1.0
        assert names(bob, "#k") == {"alice", "bob"}
        # Its name is free again, for a web user on another node.
        WebUser(n1.port("http"), "wendy")
        assert redis.cli("GET", "parley:name:wendy") == "n1"


def test_a_chat_user_over_websocket_gets_history_and_remote_lines(redis):
    """The other WebSocket subprotocol, `parley.chat`: the chat protocol's
    replay on join comes from the stream, once, then lines live."""
    with three_nodes(redis) as (n1, n2, n3):
        alice = ChatClient(n1.port("chat"), "alice", "#c")
        bob = IrcClient(n2.port("irc"), "bob")
        irc_join(bob, "#c")
        alice.send("MSG said before")
        chat_until(alice, lambda l: l == "ROOM #c alice said before")
        ws = WsClient(n3.port("http"), protocols=("parley.chat",))
        ws.send(TEXT, "USERNAME carl")
        assert ws.recv_text() == "OK Welcome, carl!"
        ws.send(TEXT, "JOIN #c")
        assert ws.until_text(lambda l: l.startswith("ROOM ")) == "ROOM #c alice said before"
        chat_until(alice, lambda l: l == "JOIN #c carl")
        wait_until(lambda: redis.subscribers("parley:r:#c") == 3, what="n3 subscribed to #c")
        bob.send("PRIVMSG #c :from irc")
        assert ws.until_text(lambda l: l.startswith("ROOM ")) == "ROOM #c bob from irc"
        ws.send(TEXT, "MSG from the web")
        chat_until(alice, lambda l: l == "ROOM #c carl from the web")
        bob.until(lambda l: (privmsg(l) or ())[1:] == ("carl", "#c", "from the web"))
        ws.close()
