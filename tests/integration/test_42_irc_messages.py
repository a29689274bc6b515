"""IRC messages: PRIVMSG and NOTICE to channels and nicks, multiple targets,
CTCP ACTION, and the errors 401/403/404/411/412. Every backend, or
$IRC_REFERENCE."""

from harness import DEADLINE
from irc_harness import diverges


def pair(server, chan="#room"):
    alice = server.client("alice")
    bob = server.client("bob")
    alice.join(chan)
    bob.join(chan)
    alice.expect("JOIN", lambda p: p[0] == chan)
    return alice, bob


def test_privmsg_to_channel_reaches_others_not_sender(irc_server):
    alice, bob = pair(irc_server)
    alice.send("PRIVMSG #room :hello room")
    msg = bob.expect("PRIVMSG")
    assert msg.nick == "alice" and msg.params == ["#room", "hello room"]
    assert "!" in msg.prefix and "@" in msg.prefix
    alice.expect_none(lambda m: m.command == "PRIVMSG", "echo without echo-message")


def test_privmsg_to_nick(irc_server):
    alice = irc_server.client("alice")
    bob = irc_server.client("bob")
    alice.send("PRIVMSG bob :just you")
    msg = bob.expect("PRIVMSG")
    assert msg.nick == "alice" and msg.params == ["bob", "just you"]


def test_privmsg_to_self(irc_server):
    alice = irc_server.client("alice")
    alice.send("PRIVMSG alice :note to self")
    got = alice.expect("PRIVMSG")
    assert got.nick == "alice" and got.params == ["alice", "note to self"]


def test_privmsg_nick_is_case_insensitive(irc_server):
    alice = irc_server.client("alice")
    bob = irc_server.client("bob")
    alice.send("PRIVMSG BOB :shouting")
    assert bob.expect("PRIVMSG").params[-1] == "shouting"


def test_privmsg_keeps_utf8_and_colons(irc_server):
    alice, bob = pair(irc_server)
    text = "héllo: wörld :) ✓ 🎉"
    alice.send(f"PRIVMSG #room :{text}")
    assert bob.expect("PRIVMSG").params == ["#room", text]


def test_privmsg_single_word_without_colon(irc_server):
    alice, bob = pair(irc_server)
    alice.send("PRIVMSG #room word")
    assert bob.expect("PRIVMSG").params == ["#room", "word"]


def test_privmsg_several_targets(irc_server):
    alice = irc_server.client("alice")
    bob = irc_server.client("bob")
    carol = irc_server.client("carol")
    alice.send("PRIVMSG bob,carol :to both")
    assert bob.expect("PRIVMSG").params == ["bob", "to both"]
    assert carol.expect("PRIVMSG").params == ["carol", "to both"]


def test_notice_to_channel_and_nick(irc_server):
    alice, bob = pair(irc_server)
    alice.send("NOTICE #room :channel notice")
    assert bob.expect("NOTICE").params == ["#room", "channel notice"]
    alice.send("NOTICE bob :private notice")
    msg = bob.expect("NOTICE")
    assert msg.nick == "alice" and msg.params == ["bob", "private notice"]


def test_ctcp_action_is_relayed_verbatim(irc_server):
    alice, bob = pair(irc_server)
    alice.send("PRIVMSG #room :\x01ACTION waves\x01")
    assert bob.expect("PRIVMSG").params == ["#room", "\x01ACTION waves\x01"]


def test_privmsg_unknown_nick_401(irc_server):
    alice = irc_server.client("alice")
    alice.send("PRIVMSG nobody :hi")
    alice.expect_numeric("401", "alice", "nobody")


def test_privmsg_unknown_channel_401_or_403(irc_server):
    alice = irc_server.client("alice")
    alice.send("PRIVMSG #nowhere :hi")
    err = alice.wait_for(lambda m: m.command in ("401", "403"))
    assert err.params[:2] == ["alice", "#nowhere"]


@diverges("inspircd", "answers a PRIVMSG without a target with 461, not 411")
def test_privmsg_no_recipient_411(irc_server):
    alice = irc_server.client("alice")
    alice.send("PRIVMSG")
    err = alice.wait_for(lambda m: m.command in ("411", "461"))
    assert err.command == "411", f"RFC 2812 gives 411 for PRIVMSG without target: {err.line}"
    assert err.params[0] == "alice"


@diverges("inspircd", "answers a PRIVMSG without a text parameter with 461, not 412")
def test_privmsg_no_text_412(irc_server):
    alice = irc_server.client("alice")
    irc_server.client("bob")
    alice.send("PRIVMSG bob")
    alice.expect_numeric("412", "alice")


@diverges("ngircd", "delivers a PRIVMSG with an empty text instead of answering 412")
def test_privmsg_empty_text_412(irc_server):
    alice = irc_server.client("alice")
    bob = irc_server.client("bob")
    alice.send("PRIVMSG bob :")
    alice.expect_numeric("412", "alice")
    bob.expect_none(lambda m: m.command == "PRIVMSG", "empty PRIVMSG delivered")


def test_privmsg_to_channel_not_joined_with_n_404(irc_server):
    alice, bob = pair(irc_server)
    alice.send("MODE #room +n")
    alice.sync()
    carol = irc_server.client("carol")
    carol.send("PRIVMSG #room :outside")
    carol.expect_numeric("404", "carol", "#room")


def test_privmsg_to_banned_member_is_404(irc_server):
    alice, bob = pair(irc_server)
    alice.send("MODE #room +b bob!*@*")
    bob.expect("MODE", lambda p: p[:2] == ["#room", "+b"])
    bob.send("PRIVMSG #room :still here?")
    bob.expect_numeric("404", "bob", "#room")


def test_notice_error_is_never_a_privmsg_reply(irc_server):
    """NOTICE must never trigger an automatic reply message from the server."""
    alice, bob = pair(irc_server)
    alice.send("NOTICE bob :ping?")
    bob.expect("NOTICE")
    alice.expect_none(lambda m: m.command in ("PRIVMSG", "NOTICE"), "reply to a NOTICE")


def test_malformed_lines_keep_connection(irc_server):
    alice = irc_server.client("alice")
    alice.send("")
    alice.send("   ")
    alice.send(":onlyprefix")
    alice.send("@a=b")
    alice.sync(timeout=4 * DEADLINE)  # ngircd delays replies to bad lines (penalty)
