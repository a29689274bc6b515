"""IRC queries: WHO (352/315), WHOIS (311/312/317/318/319), AWAY (301/305/306),
ISON (303), USERHOST (302), with the parameters RFC 1459/2812 and the Modern
IRC documentation give. Every backend, or $IRC_REFERENCE."""

from irc_harness import SERVER_NAME


def pair(server, chan="#room"):
    alice = server.client("alice")
    bob = server.connect()
    bob.register("bob", user="bobuser", realname="Bob Builder")
    alice.join(chan)
    bob.join(chan)
    alice.expect("JOIN", lambda p: p[0] == chan)
    return alice, bob


def test_who_channel_352_and_315(irc_server):
    alice, bob = pair(irc_server)
    alice.send("WHO #room")
    replies = {}
    while True:
        msg = alice.wait_for(lambda m: m.command in ("352", "315"))
        if msg.command == "315":
            assert msg.params[:2] == ["alice", "#room"]
            break
        assert msg.params[:2] == ["alice", "#room"]
        replies[msg.params[5]] = msg
    assert set(replies) == {"alice", "bob"}
    bob_line = replies["bob"]
    assert bob_line.params[2].endswith("bobuser")
    assert bob_line.params[4] == SERVER_NAME
    assert bob_line.params[6].startswith("H")
    assert "@" in replies["alice"].params[6]
    hops, _, real = bob_line.params[7].partition(" ")
    assert hops.isdigit() and real == "Bob Builder"


def test_who_nick_and_away_flag(irc_server):
    alice, bob = pair(irc_server)
    bob.send("AWAY :lunch")
    bob.expect_numeric("306", "bob")
    alice.send("WHO bob")
    line = alice.expect_numeric("352", "alice")
    assert line.params[5] == "bob" and line.params[6].startswith("G")
    alice.expect_numeric("315", "alice", "bob")


def test_whois_numerics(irc_server):
    alice, bob = pair(irc_server)
    alice.send("WHOIS bob")
    user = alice.expect_numeric("311", "alice", "bob")
    assert user.params[2].endswith("bobuser") and user.params[4] == "*"
    assert user.params[5] == "Bob Builder"
    server = alice.expect_numeric("312", "alice", "bob")
    assert server.params[2] == SERVER_NAME
    idle = alice.expect_numeric("317", "alice", "bob")
    assert idle.params[2].isdigit() and idle.params[3].isdigit()
    chans = alice.expect_numeric("319", "alice", "bob")
    assert chans.params[-1].split() == ["#room"]
    alice.expect_numeric("318", "alice", "bob")
    alice.send("WHOIS alice")
    assert alice.expect_numeric("319", "alice", "alice").params[-1].split() == ["@#room"]


def test_whois_unknown_is_401_then_318(irc_server):
    alice = irc_server.client("alice")
    alice.send("WHOIS nobody")
    alice.expect_numeric("401", "alice", "nobody")
    alice.expect_numeric("318", "alice", "nobody")


def test_whois_without_nick_431_or_461(irc_server):
    alice = irc_server.client("alice")
    alice.send("WHOIS")
    err = alice.wait_for(lambda m: m.command in ("431", "461"))
    assert err.params[0] == "alice"


def test_away_301_305_306(irc_server):
    alice, bob = pair(irc_server)
    bob.send("AWAY :gone for lunch")
    bob.expect_numeric("306", "bob")
    alice.send("PRIVMSG bob :are you there?")
    away = alice.expect_numeric("301", "alice", "bob")
    assert away.params[-1] == "gone for lunch"
    assert bob.expect("PRIVMSG").params[-1] == "are you there?"
    alice.send("WHOIS bob")
    assert alice.expect_numeric("301", "alice", "bob").params[-1] == "gone for lunch"
    alice.expect_numeric("318", "alice", "bob")
    bob.send("AWAY")
    bob.expect_numeric("305", "bob")
    alice.send("PRIVMSG bob :back?")
    bob.expect("PRIVMSG")
    alice.expect_none(lambda m: m.command == "301", "301 after AWAY was cleared")


def test_away_is_not_told_for_channel_messages(irc_server):
    alice, bob = pair(irc_server)
    bob.send("AWAY :out")
    bob.expect_numeric("306", "bob")
    alice.send("PRIVMSG #room :anyone?")
    bob.expect("PRIVMSG")
    alice.expect_none(lambda m: m.command == "301", "301 for a channel message")


def test_ison(irc_server):
    alice, bob = pair(irc_server)
    alice.send("ISON bob nobody ALICE")
    online = alice.expect_numeric("303", "alice").params[-1].split()
    assert sorted(n.lower() for n in online) == ["alice", "bob"]


def test_userhost(irc_server):
    alice, bob = pair(irc_server)
    bob.send("AWAY :x")
    bob.expect_numeric("306", "bob")
    alice.send("USERHOST bob alice")
    replies = alice.expect_numeric("302", "alice").params[-1].split()
    by_nick = {r.split("=")[0].rstrip("*"): r for r in replies}
    assert set(by_nick) == {"alice", "bob"}
    assert by_nick["bob"].split("=", 1)[1].startswith("-")
    assert by_nick["alice"].split("=", 1)[1].startswith("+")
    assert "bobuser@" in by_nick["bob"]


def test_userhost_needs_params_461(irc_server):
    alice = irc_server.client("alice")
    alice.send("USERHOST")
    alice.expect_numeric("461", "alice", "USERHOST")


def test_names_without_channel_is_366_for_unknown(irc_server):
    alice = irc_server.client("alice")
    alice.send("NAMES #nowhere")
    alice.expect_numeric("366", "alice", "#nowhere")
