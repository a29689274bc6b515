"""IRC channels: JOIN (comma lists, keys, JOIN 0), PART, NAMES, TOPIC, LIST,
KICK, INVITE and channel/user MODEs with the numerics RFC 1459/2812 and the
Modern IRC documentation give. Every backend, or $IRC_REFERENCE."""

from harness import DEADLINE
from irc_harness import diverges, parley_only


def pair(server, chan="#room"):
    """alice creates `chan` (so she is its operator), bob joins it."""
    alice = server.client("alice")
    bob = server.client("bob")
    alice.join(chan)
    bob.join(chan)
    alice.expect("JOIN", lambda p: p[0] == chan)  # bob's join, seen by alice
    return alice, bob


def names_of(client, chan):
    client.send(f"NAMES {chan}")
    names = []
    while True:
        msg = client.wait_for(lambda m: m.command in ("353", "366"))
        if msg.command == "366":
            assert msg.params[:2] == [client.nick, chan]
            return names
        assert msg.params[0] == client.nick and msg.params[2] == chan
        assert msg.params[1] in ("=", "@", "*")
        names += msg.params[-1].split()


def test_join_echo_names_and_first_member_is_operator(irc_server):
    alice = irc_server.client("alice")
    assert alice.join("#room") == ["@alice"]
    bob = irc_server.client("bob")
    names = bob.join("#room")
    assert sorted(names) == ["@alice", "bob"]
    joined = alice.expect("JOIN")
    assert joined.nick == "bob" and joined.params[0] == "#room"


def test_join_comma_list(irc_server):
    alice = irc_server.client("alice")
    alice.send("JOIN #one,#two")
    first = alice.expect("JOIN", lambda p: p[0] == "#one")
    second = alice.expect("JOIN", lambda p: p[0] == "#two")
    assert first.nick == second.nick == "alice"
    alice.expect_numeric("366", "alice", "#one")
    alice.expect_numeric("366", "alice", "#two")


def test_join_with_keys_in_a_list(irc_server):
    alice, bob = pair(irc_server, "#locked")
    alice.send("MODE #locked +k sesame")
    alice.expect("MODE", lambda p: p[:2] == ["#locked", "+k"])
    carol = irc_server.client("carol")
    carol.send("JOIN #locked,#open sesame")
    carol.expect("JOIN", lambda p: p[0] == "#locked")
    carol.expect("JOIN", lambda p: p[0] == "#open")


@diverges("inspircd", "3.x answers JOIN 0 with 476 instead of parting every channel")
def test_join_zero_parts_every_channel(irc_server):
    alice, bob = pair(irc_server, "#one")
    alice.join("#two")
    alice.send("JOIN 0")
    parts = {alice.expect("PART").params[0], alice.expect("PART").params[0]}
    assert parts == {"#one", "#two"}
    assert bob.expect("PART").nick == "alice"


def test_join_invalid_channel_name_is_403_or_479(irc_server):
    alice = irc_server.client("alice")
    alice.send("JOIN nochan")
    err = alice.wait_for(lambda m: m.command in ("403", "476", "479"))
    assert err.params[:2] == ["alice", "nochan"]


def test_join_needs_params_461(irc_server):
    alice = irc_server.client("alice")
    alice.send("JOIN")
    alice.expect_numeric("461", "alice", "JOIN")


def test_part_with_reason_reaches_members(irc_server):
    alice, bob = pair(irc_server)
    bob.send("PART #room :see you")
    mine = bob.expect("PART")
    seen = alice.expect("PART")
    assert mine.nick == seen.nick == "bob"
    assert seen.params == ["#room", "see you"]


def test_part_not_on_channel_442_and_no_such_channel_403(irc_server):
    alice, bob = pair(irc_server)
    carol = irc_server.client("carol")
    carol.send("PART #room")
    carol.expect_numeric("442", "carol", "#room")
    carol.send("PART #nowhere")
    carol.expect_numeric("403", "carol", "#nowhere")


def test_names_lists_members_with_prefixes(irc_server):
    alice, bob = pair(irc_server)
    assert sorted(names_of(bob, "#room")) == ["@alice", "bob"]


def test_topic_unset_set_and_query(irc_server):
    alice, bob = pair(irc_server)
    bob.send("TOPIC #room")
    bob.expect_numeric("331", "bob", "#room")
    alice.send("TOPIC #room :all about rooms")
    for c in (alice, bob):
        changed = c.expect("TOPIC")
        assert changed.nick == "alice" and changed.params == ["#room", "all about rooms"]
    bob.send("TOPIC #room")
    assert bob.expect_numeric("332", "bob", "#room").params[-1] == "all about rooms"
    who_time = bob.expect_numeric("333", "bob", "#room")
    assert who_time.params[2].split("!")[0] == "alice" and who_time.params[3].isdigit()


def test_topic_is_sent_on_join(irc_server):
    alice = irc_server.client("alice")
    alice.join("#room")
    alice.send("TOPIC #room :hello")
    alice.expect("TOPIC")
    bob = irc_server.client("bob")
    bob.send("JOIN #room")
    assert bob.expect_numeric("332", "bob", "#room").params[-1] == "hello"


def test_topic_protected_needs_op_482(irc_server):
    alice, bob = pair(irc_server)
    alice.send("MODE #room +t")
    alice.sync()  # (a server may create channels +t already, then nothing changes)
    bob.send("TOPIC #room :mine now")
    bob.expect_numeric("482", "bob", "#room")


def test_topic_not_on_channel_442(irc_server):
    pair(irc_server)
    carol = irc_server.client("carol")
    carol.send("TOPIC #room :hi")
    carol.expect_numeric("442", "carol", "#room")


def test_list_321_322_323(irc_server):
    alice, bob = pair(irc_server)
    alice.send("TOPIC #room :listed topic")
    alice.expect("TOPIC")
    carol = irc_server.client("carol")
    carol.send("LIST")
    entry = carol.expect_numeric("322", "carol", "#room")
    assert entry.params[2] == "2" and "listed topic" in entry.params[-1]
    carol.expect_numeric("323", "carol")
    assert all(m.command in ("321", "322") for m in carol.pending)
    assert not carol.pending or carol.pending[0].command == "321"


def test_list_one_channel(irc_server):
    alice, bob = pair(irc_server)
    alice.join("#other")
    bob.send("LIST #other")
    entry = bob.expect_numeric("322", "bob", "#other")
    assert entry.params[2] == "1"
    bob.expect_numeric("323", "bob")
    assert not any(m.command == "322" and m.params[1] == "#room" for m in bob.pending)


def test_kick_by_operator(irc_server):
    alice, bob = pair(irc_server)
    alice.send("KICK #room bob :out")
    for c in (alice, bob):
        kick = c.expect("KICK")
        assert kick.nick == "alice" and kick.params == ["#room", "bob", "out"]
    assert names_of(alice, "#room") == ["@alice"]


def test_kick_errors_482_441_442(irc_server):
    alice, bob = pair(irc_server)
    bob.send("KICK #room alice")
    bob.expect_numeric("482", "bob", "#room")
    carol = irc_server.client("carol")
    alice.send("KICK #room carol")
    alice.expect_numeric("441", "alice", "carol", "#room")
    carol.send("KICK #room bob")
    carol.expect_numeric("442", "carol", "#room")


def test_invite_and_invite_only(irc_server):
    alice, bob = pair(irc_server)
    alice.send("MODE #room +i")
    alice.expect("MODE", lambda p: p[:2] == ["#room", "+i"])
    carol = irc_server.client("carol")
    carol.send("JOIN #room")
    carol.expect_numeric("473", "carol", "#room")
    bob.send("INVITE carol #room")
    bob.expect_numeric("482", "bob", "#room")
    alice.send("INVITE carol #room")
    alice.expect_numeric("341", "alice", "carol", "#room")
    invite = carol.expect("INVITE")
    assert invite.nick == "alice" and invite.params == ["carol", "#room"]
    carol.join("#room")


def test_invite_errors_443_442_401(irc_server):
    alice, bob = pair(irc_server)
    alice.send("INVITE bob #room")
    alice.expect_numeric("443", "alice", "bob", "#room")
    carol = irc_server.client("carol")
    carol.send("INVITE alice #room")
    carol.expect_numeric("442", "carol", "#room")
    alice.send("INVITE nobody #room")
    alice.expect_numeric("401", "alice", "nobody")


def test_mode_query_324(irc_server):
    alice, bob = pair(irc_server)
    alice.send("MODE #room +nt")
    alice.sync()
    bob.send("MODE #room")
    modes = bob.expect_numeric("324", "bob", "#room")
    assert modes.params[2].startswith("+") and set("nt") <= set(modes.params[2])


def test_mode_change_needs_op_482(irc_server):
    alice, bob = pair(irc_server)
    bob.send("MODE #room +m")
    bob.expect_numeric("482", "bob", "#room")


def test_mode_no_external_messages_404(irc_server):
    alice, bob = pair(irc_server)
    alice.send("MODE #room +n")
    alice.sync()
    carol = irc_server.client("carol")
    carol.send("PRIVMSG #room :from outside")
    carol.expect_numeric("404", "carol", "#room")
    bob.expect_none(lambda m: m.command == "PRIVMSG")


def test_mode_moderated_and_voice(irc_server):
    alice, bob = pair(irc_server)
    alice.send("MODE #room +m")
    bob.expect("MODE", lambda p: p[:2] == ["#room", "+m"])
    bob.send("PRIVMSG #room :muted?")
    bob.expect_numeric("404", "bob", "#room")
    alice.send("MODE #room +v bob")
    seen = bob.expect("MODE", lambda p: p[:3] == ["#room", "+v", "bob"])
    assert seen.nick == "alice"
    bob.send("PRIVMSG #room :voiced")
    assert alice.expect("PRIVMSG").params == ["#room", "voiced"]
    assert sorted(names_of(alice, "#room")) == ["+bob", "@alice"]


def test_mode_op_gives_operator_rights(irc_server):
    alice, bob = pair(irc_server)
    alice.send("MODE #room +o bob")
    bob.expect("MODE", lambda p: p[:3] == ["#room", "+o", "bob"])
    bob.send("MODE #room +m")
    assert alice.expect("MODE", lambda p: p[:2] == ["#room", "+m"]).nick == "bob"
    assert sorted(names_of(alice, "#room")) == ["@alice", "@bob"]


def test_mode_key_475(irc_server):
    alice, bob = pair(irc_server)
    alice.send("MODE #room +k sesame")
    alice.expect("MODE", lambda p: p[:2] == ["#room", "+k"])
    carol = irc_server.client("carol")
    carol.send("JOIN #room wrong")
    carol.expect_numeric("475", "carol", "#room")
    carol.join("#room", key="sesame")


@parley_only
def test_mode_invalid_key_or_limit_is_696_with_a_well_formed_parameter(irc_server):
    # The refused value must not break the line: a key is never echoed (it
    # may hold spaces or be empty), an empty limit shows as `*`.
    alice = irc_server.client("alice")
    alice.join("#room")
    for bad in ("two words", "", " "):
        alice.send(f"MODE #room +k :{bad}")
        alice.expect_numeric("696", "alice", "#room", "k", "*")
    alice.send("MODE #room +l :")
    alice.expect_numeric("696", "alice", "#room", "l", "*")
    alice.send("MODE #room +l :abc")
    alice.expect_numeric("696", "alice", "#room", "l", "abc")


def test_mode_unknown_char_472(irc_server):
    alice = irc_server.client("alice")
    alice.join("#room")
    alice.send("MODE #room +Z")
    alice.expect_numeric("472", "alice", "Z")


@parley_only
def test_mode_unknown_non_ascii_char_472_stays_utf8(irc_server):
    # A mode letter is one byte; a wider character is named as U+FFFD once.
    alice = irc_server.client("alice")
    alice.join("#room")
    alice.send("MODE #room +\u00e9")
    alice.expect_numeric("472", "alice", "\ufffd")
    alice.sync()


def test_mode_limit_471(irc_server):
    alice, bob = pair(irc_server)
    alice.send("MODE #room +l 2")
    alice.expect("MODE", lambda p: p[:3] == ["#room", "+l", "2"])
    carol = irc_server.client("carol")
    carol.send("JOIN #room")
    carol.expect_numeric("471", "carol", "#room")


def test_mode_ban_474_and_ban_list(irc_server):
    alice = irc_server.client("alice")
    alice.join("#room")
    alice.send("MODE #room +b carol!*@*")
    alice.expect("MODE", lambda p: p[:3] == ["#room", "+b", "carol!*@*"])
    carol = irc_server.client("carol")
    carol.send("JOIN #room")
    carol.expect_numeric("474", "carol", "#room")
    alice.send("MODE #room +b")
    alice.expect_numeric("367", "alice", "#room", "carol!*@*")
    alice.expect_numeric("368", "alice", "#room")


@diverges("ngircd", "answers MODE on an unknown channel with 401, not 403")
def test_mode_unknown_channel_403(irc_server):
    alice = irc_server.client("alice")
    alice.send("MODE #nowhere +m")
    alice.expect_numeric("403", "alice", "#nowhere")


@diverges("inspircd", "silently ignores +o for a nick that is not on the channel")
def test_mode_op_for_user_not_in_channel_441(irc_server):
    alice, bob = pair(irc_server)
    irc_server.client("carol")
    alice.send("MODE #room +o carol")
    alice.expect_numeric("441", "alice", "carol", "#room")


def test_user_mode_invisible(irc_server):
    alice = irc_server.client("alice")
    alice.send("MODE alice +i")
    change = alice.expect("MODE")
    assert change.params[0] == "alice" and change.params[1].startswith("+") \
        and "i" in change.params[1]
    alice.send("MODE alice")
    assert "i" in alice.expect_numeric("221", "alice").params[1]


def test_user_mode_of_someone_else_502(irc_server):
    alice = irc_server.client("alice")
    irc_server.client("bob")
    alice.send("MODE bob +i")
    alice.expect_numeric("502", "alice")


def test_too_many_channels_405(irc_server):
    alice = irc_server.client("alice")
    limit = alice.isupport.get("CHANLIMIT", "#:")
    count = int(limit.split(":")[1]) if limit.split(":")[1:] and limit.split(":")[1] else 0
    assert 0 < count <= 100, f"CHANLIMIT should bound channels: {limit!r}"
    for i in range(count):
        alice.send(f"JOIN #c{i}")
    # generous: a server with a flood penalty (ngircd) slows a burst of JOINs
    alice.expect_numeric("366", "alice", f"#c{count - 1}", timeout=DEADLINE + 1.5 * count)
    alice.send("JOIN #onemore")
    alice.expect_numeric("405", "alice", "#onemore", timeout=DEADLINE + 1.5 * count)
    assert not any(m.command == "405" for m in alice.pending)
