"""IRCv3 capabilities, from the IRCv3 specifications: cap-notify, message-tags
(client-only tags on PRIVMSG/NOTICE/TAGMSG), server-time, msgid, echo-message,
batch with labeled-response, multi-prefix, away-notify, userhost-in-names,
invite-notify, setname; and that nothing unimplemented is advertised.
Every backend, or $IRC_REFERENCE (tests skip when it lacks a cap)."""

import re

from irc_harness import parley_only, require_caps

TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")

# Every cap this suite checks; parleyd must advertise all of them and nothing
# else (a cap it cannot honour must not be offered).
TESTED_CAPS = {"cap-notify", "message-tags", "server-time", "echo-message", "batch",
               "labeled-response", "multi-prefix", "away-notify", "userhost-in-names",
               "invite-notify", "setname"}


def pair(server, alice_caps=(), bob_caps=(), chan="#room"):
    alice = server.client("alice", caps=alice_caps)
    bob = server.client("bob", caps=bob_caps)
    alice.join(chan)
    bob.join(chan)
    alice.expect("JOIN", lambda p: p[0] == chan)
    return alice, bob


def test_cap_notify_can_be_requested(irc_server):
    c = irc_server.connect()
    c.cap_ls()
    require_caps(c, ["cap-notify"])
    assert c.cap_req(["cap-notify"]) == ("ACK", ["cap-notify"])


@parley_only
def test_every_tested_cap_is_advertised_and_nothing_else(irc_server):
    caps = set(irc_server.connect().cap_ls())
    assert caps == TESTED_CAPS, f"missing {TESTED_CAPS - caps}, untested {caps - TESTED_CAPS}"


def test_client_tags_relayed_to_message_tags_clients_only(irc_server):
    alice, bob = pair(irc_server, alice_caps=["message-tags"], bob_caps=["message-tags"])
    carol = irc_server.client("carol")
    carol.join("#room")
    alice.send("@+example.com/colour=blue;+draft/reply=abc PRIVMSG #room :tagged")
    got = bob.expect("PRIVMSG")
    assert got.params == ["#room", "tagged"]
    assert got.tags.get("+example.com/colour") == "blue"
    assert got.tags.get("+draft/reply") == "abc"
    plain = carol.expect("PRIVMSG")
    assert plain.params == ["#room", "tagged"]
    assert not any(k.startswith("+") for k in plain.tags), plain.line


def test_client_tags_on_notice(irc_server):
    alice, bob = pair(irc_server, alice_caps=["message-tags"], bob_caps=["message-tags"])
    alice.send("@+example.com/x=1 NOTICE bob :tagged notice")
    got = bob.expect("NOTICE")
    assert got.tags.get("+example.com/x") == "1" and got.params == ["bob", "tagged notice"]


def test_tag_values_are_escaped(irc_server):
    alice, bob = pair(irc_server, alice_caps=["message-tags"], bob_caps=["message-tags"])
    alice.send(r"@+example.com/v=a\sb\:c\\d PRIVMSG bob :escapes")
    assert bob.expect("PRIVMSG").tags.get("+example.com/v") == "a b;c\\d"


def test_tagmsg_reaches_message_tags_clients_only(irc_server):
    alice, bob = pair(irc_server, alice_caps=["message-tags"], bob_caps=["message-tags"])
    carol = irc_server.client("carol")
    carol.join("#room")
    alice.send("@+typing=active TAGMSG #room")
    got = bob.expect("TAGMSG")
    assert got.nick == "alice" and got.params == ["#room"]
    assert got.tags.get("+typing") == "active"
    carol.expect_none(lambda m: m.command == "TAGMSG", "TAGMSG to a client without message-tags")


def test_msgid_on_channel_messages(irc_server):
    alice, bob = pair(irc_server, bob_caps=["message-tags"])
    alice.send("PRIVMSG #room :one")
    alice.send("PRIVMSG #room :two")
    first, second = bob.expect("PRIVMSG"), bob.expect("PRIVMSG")
    assert first.tags.get("msgid") and second.tags.get("msgid")
    assert first.tags["msgid"] != second.tags["msgid"]


def test_server_time(irc_server):
    alice, bob = pair(irc_server, bob_caps=["server-time"])
    alice.send("PRIVMSG #room :timed")
    got = bob.expect("PRIVMSG")
    assert TIME_RE.fullmatch(got.tags.get("time") or ""), got.line


def test_echo_message_with_same_msgid(irc_server):
    caps = ["echo-message", "message-tags"]
    alice, bob = pair(irc_server, alice_caps=caps, bob_caps=["message-tags"])
    alice.send("PRIVMSG #room :echoed")
    echo = alice.expect("PRIVMSG")
    got = bob.expect("PRIVMSG")
    assert echo.nick == "alice" and echo.params == ["#room", "echoed"]
    assert echo.tags.get("msgid") == got.tags.get("msgid")
    alice.send("NOTICE bob :private")
    assert alice.expect("NOTICE").params == ["bob", "private"]


def test_echo_of_a_private_message_has_the_delivery_msgid_and_time(irc_server):
    caps = ["echo-message", "message-tags", "server-time"]
    alice, bob = pair(irc_server, alice_caps=caps, bob_caps=caps[1:])
    for i in range(3):  # the clock may tick between delivery and echo
        alice.send(f"PRIVMSG bob :private {i}")
        echo = alice.expect("PRIVMSG")
        got = bob.expect("PRIVMSG")
        assert echo.params == got.params == ["bob", f"private {i}"]
        assert got.tags.get("msgid") and echo.tags.get("msgid") == got.tags["msgid"]
        assert got.tags.get("time") and echo.tags.get("time") == got.tags["time"]


@parley_only
def test_message_to_self_under_echo_message_comes_twice_label_on_the_echo(irc_server):
    # The delivery is an ordinary message; the echo is the labeled reply.
    c = irc_server.client("alice", caps=["echo-message", "labeled-response", "batch",
                                         "message-tags"])
    for cmd in ("PRIVMSG alice :me", "TAGMSG alice"):
        c.send(f"@label=S1;+draft/react=x {cmd}")
        got = [c.recv_msg(), c.recv_msg()]
        assert [m.command for m in got] == [cmd.split()[0]] * 2, [m.line for m in got]
        assert sorted(m.tags.get("label", "") for m in got) == ["", "S1"]
        c.sync()


def test_labeled_response_single_reply(irc_server):
    c = irc_server.client("alice", caps=["labeled-response", "batch"])
    c.send("@label=L1 PING :lbl")
    pong = c.expect("PONG")
    assert pong.tags.get("label") == "L1" and pong.params[-1] == "lbl"


def test_labeled_unknown_command_gets_a_labeled_421(irc_server):
    c = irc_server.client("alice", caps=["labeled-response", "batch"])
    for cmd in ("FROBNICATE", "NO_SUCH_COMMAND"):
        c.send(f"@label=U1 {cmd} x")
        err = c.expect("421")
        assert err.params[1] == cmd and err.tags.get("label") == "U1", err.line


def test_labeled_response_ack_for_no_reply(irc_server):
    alice, bob = pair(irc_server, alice_caps=["labeled-response", "batch"])
    alice.send("@label=L2 PRIVMSG bob :quiet")
    ack = alice.expect("ACK")
    assert ack.tags.get("label") == "L2"
    bob.expect("PRIVMSG")


def test_labeled_response_batch_for_many_replies(irc_server):
    alice, bob = pair(irc_server, alice_caps=["labeled-response", "batch"])
    alice.send("@label=L3 WHOIS bob")
    start = alice.expect("BATCH", lambda p: p[0].startswith("+"))
    assert start.tags.get("label") == "L3" and start.params[1] == "labeled-response"
    ref = start.params[0][1:]
    inside = []
    while True:
        msg = alice.recv_msg()
        if msg.command == "BATCH":
            assert msg.params == [f"-{ref}"]
            break
        assert msg.tags.get("batch") == ref, msg.line
        inside.append(msg.command)
    assert "311" in inside and inside[-1] == "318"


def test_multi_prefix_in_names_and_who(irc_server):
    alice, bob = pair(irc_server, bob_caps=["multi-prefix"])
    alice.send("MODE #room +v alice")
    bob.expect("MODE")
    bob.send("NAMES #room")
    names = bob.expect_numeric("353", "bob").params[-1].split()
    assert "@+alice" in names
    bob.send("WHO #room")
    flags = [m.params[6] for m in [bob.expect_numeric("352", "bob", "#room") for _ in range(2)]
             if m.params[5] == "alice"]
    assert flags and "@+" in flags[0]


def test_away_notify(irc_server):
    alice, bob = pair(irc_server, alice_caps=["away-notify"])
    bob.send("AWAY :brb")
    away = alice.expect("AWAY")
    assert away.nick == "bob" and away.params == ["brb"]
    bob.send("AWAY")
    back = alice.expect("AWAY")
    assert back.nick == "bob" and back.params == []


def test_away_notify_shows_a_joiner_who_is_already_away(irc_server):
    alice = irc_server.client("alice", caps=["away-notify"])
    alice.join("#room")
    bob = irc_server.client("bob")
    bob.send("AWAY :gone fishing")
    bob.expect("306")
    bob.join("#room")
    assert alice.expect("JOIN").nick == "bob"
    away = alice.expect("AWAY")
    assert away.nick == "bob" and away.params == ["gone fishing"]


def test_userhost_in_names(irc_server):
    alice, bob = pair(irc_server, bob_caps=["userhost-in-names"])
    bob.send("NAMES #room")
    names = bob.expect_numeric("353", "bob").params[-1].split()
    assert any(re.fullmatch(r"@alice!\S+@\S+", n) for n in names), names


def test_invite_notify(irc_server):
    alice, bob = pair(irc_server, bob_caps=["invite-notify"])
    alice.send("MODE #room +o bob")
    bob.expect("MODE")
    irc_server.client("carol")
    alice.send("INVITE carol #room")
    seen = bob.expect("INVITE")
    assert seen.nick == "alice" and seen.params == ["carol", "#room"]


def test_setname(irc_server):
    alice, bob = pair(irc_server, alice_caps=["setname"], bob_caps=["setname"])
    bob.send("SETNAME :Robert Builder")
    assert bob.expect("SETNAME").params == ["Robert Builder"]
    seen = alice.expect("SETNAME")
    assert seen.nick == "bob" and seen.params == ["Robert Builder"]
    alice.send("WHOIS bob")
    assert alice.expect_numeric("311", "alice", "bob").params[-1] == "Robert Builder"


@parley_only
def test_overlong_tags_are_417(irc_server):
    alice, bob = pair(irc_server, alice_caps=["message-tags"], bob_caps=["message-tags"])
    alice.send("@+example.com/big=" + "x" * 5000 + " PRIVMSG bob :too many tags")
    alice.expect_numeric("417", "alice")
    alice.send("PRIVMSG bob :after")
    assert bob.expect("PRIVMSG").params[-1] == "after"
