"""15 moderation: room operators (kick, ban by name and by address mask, mute,
topic), server operators (OPER, KILL, CLOSE) and the console's KICK, KILL and
BAN, seen the same from chat and IRC, on every backend.

Servers run with the default abuse limits (limits=True). The first member
of a new room is its operator. Bans and +m live in the hub,
so what an IRC operator sets holds for chat users and the other way round.
"""

import pytest

from harness import ChatClient, Server
from irc_harness import IrcClient

OPER_PASSWORD = "open-sesame"


@pytest.fixture
def srv(backend):
    with Server(listen=["chat:127.0.0.1:0", "irc:127.0.0.1:0"], backend=backend,
                args=["--oper-password", OPER_PASSWORD, "--server-name", "irc.test"],
                limits=True) as s:
        yield s


def irc_user(srv, nick):
    c = IrcClient(srv.port("irc"))
    c.register(nick)
    return c


def test_chat_operator_kicks_and_both_sides_see_it(srv):
    port = srv.port("chat")
    alice = ChatClient(port, name="alice", room="#m")  # first member: operator
    bob = ChatClient(port, name="bob", room="#m")
    alice.expect("JOIN #m bob")
    carol = irc_user(srv, "carol")
    carol.join("#m")
    alice.expect("JOIN #m carol")
    bob.expect("JOIN #m carol")
    bob.send("KICK alice")
    bob.expect("ERROR Not a room operator")
    alice.send("KICK nobody")
    alice.expect("ERROR User not in this room")
    alice.send("KICK bob spamming links")
    alice.expect("KICK #m alice bob spamming links")
    bob.expect("KICK #m alice bob spamming links")
    kick = carol.expect("KICK")
    assert kick.nick == "alice" and kick.params == ["#m", "bob", "spamming links"]
    bob.send("MSG still here?")
    bob.expect("ERROR Not in a room")


def test_irc_operator_kicks_a_chat_user(srv):
    carol = irc_user(srv, "carol")
    carol.join("#i")
    dave = ChatClient(srv.port("chat"), name="dave", room="#i")
    carol.expect("JOIN", lambda p: p[0] == "#i")
    carol.send("KICK #i dave :be nice")
    dave.expect("KICK #i carol dave be nice")
    carol.expect("KICK", lambda p: p[:2] == ["#i", "dave"])


def test_ban_by_address_mask_from_irc_holds_for_chat(srv):
    carol = irc_user(srv, "carol")
    carol.join("#b")
    port = srv.port("chat")
    frank = ChatClient(port, name="frank", room="#b")
    carol.send("MODE #b +b *!*@127.0.0.1")
    frank.expect("BAN #b carol *!*@127.0.0.1")
    carol.expect("MODE", lambda p: p == ["#b", "+b", "*!*@127.0.0.1"])
    frank.send("MSG can I talk?")
    frank.expect("ERROR Banned from this room")
    eve = ChatClient(port, name="eve")
    eve.send("JOIN #b")
    eve.expect("ERROR Banned from this room")
    frank.send("BAN")
    line = frank.recv_line()
    assert line.startswith("BANNED #b *!*@127.0.0.1 carol "), line
    frank.expect("OK Bans #b 1")
    carol.send("MODE #b -b *!*@127.0.0.1")
    frank.expect("UNBAN #b carol *!*@127.0.0.1")
    eve.join("#b")


def test_ban_by_name_from_chat_holds_for_irc(srv):
    port = srv.port("chat")
    alice = ChatClient(port, name="alice", room="#n")
    carol = irc_user(srv, "carol")
    carol.join("#n")
    alice.expect("JOIN #n carol")
    alice.send("BAN mallory")
    alice.expect("BAN #n alice mallory!*@*")
    carol.expect("MODE", lambda p: p == ["#n", "+b", "mallory!*@*"])
    mallory = irc_user(srv, "mallory")
    mallory.send("JOIN #n")
    mallory.expect_numeric("474", "mallory", "#n")
    alice.send("BAN mallory")
    alice.expect("ERROR Already banned")
    alice.send("UNBAN mallory")
    alice.expect("UNBAN #n alice mallory!*@*")
    alice.send("UNBAN mallory")
    alice.expect("ERROR No such ban")
    mallory.join("#n")


def test_mute_from_chat_and_from_irc(srv):
    port = srv.port("chat")
    alice = ChatClient(port, name="alice", room="#q")
    bob = ChatClient(port, name="bob", room="#q")
    alice.expect("JOIN #q bob")
    carol = irc_user(srv, "carol")
    carol.join("#q")
    alice.expect("JOIN #q carol")
    bob.expect("JOIN #q carol")
    bob.send("MUTE")
    bob.expect("ERROR Not a room operator")
    alice.send("MUTE")
    alice.expect("MODE #q alice +m")
    bob.expect("MODE #q alice +m")
    carol.expect("MODE", lambda p: p[:2] == ["#q", "+m"])
    bob.send("MSG hello?")
    bob.expect("ERROR Room is muted")
    carol.send("PRIVMSG #q :hello?")
    carol.expect_numeric("404", "carol", "#q")
    alice.send("MSG only ops now")
    alice.expect("ROOM #q alice only ops now")
    bob.expect("ROOM #q alice only ops now")
    carol.send("MODE #q +v carol")  # carol is no operator: refused
    carol.expect_numeric("482", "carol", "#q")
    alice.send("UNMUTE")
    bob.expect("MODE #q alice -m")
    bob.send("MSG finally")
    bob.expect("ROOM #q bob finally")
    # And an IRC operator's +m holds for chat users.
    carol.join("#irc")
    dave = ChatClient(port, name="dave", room="#irc")
    carol.send("MODE #irc +m")
    dave.expect("MODE #irc carol +m")
    dave.send("MSG hi")
    dave.expect("ERROR Room is muted")


def test_topic_from_both_sides(srv):
    port = srv.port("chat")
    alice = ChatClient(port, name="alice", room="#t")
    carol = irc_user(srv, "carol")
    carol.join("#t")
    alice.expect("JOIN #t carol")
    alice.send("TOPIC")
    alice.expect("TOPIC #t *")
    alice.send("TOPIC Welcome to the test room")
    alice.expect("TOPIC #t alice Welcome to the test room")
    topic = carol.expect("TOPIC")
    assert topic.nick == "alice" and topic.params == ["#t", "Welcome to the test room"]
    carol.send("TOPIC #t :changed from IRC")
    alice.expect("TOPIC #t carol changed from IRC")
    alice.send("TOPIC")
    alice.expect("TOPIC #t carol changed from IRC")


def test_server_operator_kills_and_closes(srv):
    port = srv.port("chat")
    alice = ChatClient(port, name="alice", room="#k")
    bob = ChatClient(port, name="bob", room="#other")
    bob.send("KILL alice")
    bob.expect("ERROR Not a server operator")
    bob.send("OPER wrong")
    bob.expect("ERROR Wrong password")
    bob.send(f"OPER {OPER_PASSWORD}")
    bob.expect("OK Oper")
    bob.send("KILL alice flooding the room")
    alice.expect("ERROR Killed by bob: flooding the room")
    alice.expect_closed()
    bob.expect("OK Killed alice")
    srv.wait_log(r"DISCONNECT .*reason=killed")
    # An IRC operator's KILL reaches a chat user; the IRC side hears QUIT.
    carol = irc_user(srv, "carol")
    carol.send("KILL bob :no")
    carol.expect_numeric("481", "carol")
    carol.send(f"OPER carol {OPER_PASSWORD}")
    carol.expect_numeric("381", "carol")
    dave = ChatClient(port, name="dave", room="#k")
    carol.join("#k")
    dave.expect("JOIN #k carol")
    carol.send("KILL dave :enough")
    dave.expect("ERROR Killed by carol: enough")
    carol.expect("QUIT", lambda p: True)
    # CLOSE kicks everyone from a room (operators may do it from anywhere).
    erin = ChatClient(port, name="erin", room="#closing")
    frank = ChatClient(port, name="frank", room="#closing")
    erin.expect("JOIN #closing frank")
    bob.send("CLOSE #closing time to go")
    bob.expect("OK Closed #closing")
    erin.expect("KICK #closing bob erin time to go")
    frank.expect("KICK #closing bob erin time to go", "KICK #closing bob frank time to go")
    bob.send("CLOSE #closing")
    bob.expect("ERROR No such room")


def test_irc_kill_of_an_irc_user(srv):
    carol = irc_user(srv, "carol")
    carol.send(f"OPER carol {OPER_PASSWORD}")
    carol.expect_numeric("381", "carol")
    victim = irc_user(srv, "victim")
    carol.send("KILL victim :bye now")
    err = victim.expect("ERROR")
    assert "Killed (carol (bye now))" in err.params[-1]
    victim.expect_closed()


def test_oper_by_account(tmp_path, backend):
    with Server(backend=backend, args=["--data-dir", str(tmp_path), "--oper", "root",
                                       "--min-password", "4"], limits=True) as srv:
        port = srv.port("chat")
        victim = ChatClient(port, name="victim")
        root = ChatClient(port, name="root")
        root.send("KILL victim")
        root.expect("ERROR Not a server operator")
        root.send("REGISTER hunter2")
        root.expect("OK Registered root")
        root.send("KILL victim")
        victim.expect("ERROR Killed by root")
        root.expect("OK Killed victim")


def test_console_kick_ban_kill(srv):
    port = srv.port("chat")
    alice = ChatClient(port, name="alice", room="#c")
    bob = ChatClient(port, name="bob", room="#c")
    alice.expect("JOIN #c bob")
    carol = irc_user(srv, "carol")
    carol.join("#c")
    alice.expect("JOIN #c carol")
    bob.expect("JOIN #c carol")
    mark = srv.output_mark()
    srv.console("KICK #c bob be quiet")
    srv.wait_output(lambda lines: "OK Kicked bob" in lines, since=mark)
    bob.expect("KICK #c console bob be quiet")
    alice.expect("KICK #c console bob be quiet")
    kick = carol.expect("KICK")
    assert kick.nick == "console" and kick.params == ["#c", "bob", "be quiet"]
    srv.console("BAN #c bob")
    srv.wait_output(lambda lines: "OK Banned bob!*@* #c" in lines, since=mark)
    alice.expect("BAN #c console bob!*@*")
    bob.send("JOIN #c")
    bob.expect("ERROR Banned from this room")
    srv.console("KILL alice go away")
    srv.wait_output(lambda lines: "OK Killed alice" in lines, since=mark)
    alice.expect("ERROR Killed by console: go away")
    alice.expect_closed()
    srv.console("KICK #nowhere bob")
    srv.wait_output(lambda lines: "ERROR No such room #nowhere" in lines, since=mark)
    srv.console("KILL nobody")
    srv.wait_output(lambda lines: "ERROR No such user nobody" in lines, since=mark)


def test_irc_oper_gets_user_mode_o_and_shows_in_who_and_whois(srv):
    """After OPER: 381 then the user mode +o; WHO flags carry '*' and WHOIS
    has 313, for the operator only."""
    op = irc_user(srv, "opal")
    other = irc_user(srv, "plain")
    op.send(f"OPER opal {OPER_PASSWORD}")
    op.expect_numeric("381", "opal")
    mode = op.expect("MODE")
    assert mode.params == ["opal", "+o"], mode
    other.send("WHO opal")
    assert other.expect_numeric("352").params[6] == "H*"
    other.send("WHOIS opal")
    other.expect_numeric("313", "plain", "opal")
    other.send("WHO plain")
    assert other.expect_numeric("352").params[6] == "H"
