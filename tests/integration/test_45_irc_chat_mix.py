"""Chat and IRC users in the same rooms (parleyd only: a reference IRC server
has no chat listener). Chat lines stay exactly as the chat protocol gives
them; IRC users see chat users as ordinary IRC users. Every backend."""

import pytest

from irc_harness import parse_message

pytestmark = pytest.mark.parley_only


def mixed(server, chat_name="alice", irc_nick="bob", chan="#room"):
    """A chat user and an IRC user in `chan` (the chat user first)."""
    chat = server.chat(chat_name, chan)
    irc = server.client(irc_nick)
    names = irc.join(chan)
    assert chat_name in [n.lstrip("@+") for n in names]
    chat.expect(f"JOIN {chan} {irc_nick}")
    return chat, irc


def test_chat_join_reaches_irc_as_join(irc_server):
    irc = irc_server.client("bob")
    irc.join("#room")
    irc_server.chat("alice", "#room")
    joined = irc.expect("JOIN")
    assert joined.nick == "alice" and joined.params[0] == "#room"
    assert "!" in joined.prefix and "@" in joined.prefix


def test_chat_room_line_reaches_irc_as_privmsg(irc_server):
    chat, irc = mixed(irc_server)
    chat.send("hello from chat")
    chat.expect("ROOM #room alice hello from chat")
    got = irc.expect("PRIVMSG")
    assert got.prefix.startswith("alice!alice@")
    assert got.params == ["#room", "hello from chat"]


def test_irc_privmsg_reaches_chat_as_room_line(irc_server):
    chat, irc = mixed(irc_server)
    irc.send("PRIVMSG #room :hello from irc")
    chat.expect("ROOM #room bob hello from irc")


def test_irc_line_from_outside_the_room_reaches_chat(irc_server):
    chat, irc = mixed(irc_server)
    outsider = irc_server.client("carol")  # not in #room, which is -n
    outsider.send("PRIVMSG #room :from outside")
    chat.expect("ROOM #room carol from outside")
    assert irc.expect("PRIVMSG").params == ["#room", "from outside"]


def test_private_messages_both_ways(irc_server):
    chat, irc = mixed(irc_server)
    chat.send("PRIVMSG bob psst irc")
    chat.expect("OK Sent")
    got = irc.expect("PRIVMSG")
    assert got.nick == "alice" and got.params == ["bob", "psst irc"]
    irc.send("PRIVMSG alice :psst chat")
    chat.expect("PRIVMSG bob psst chat")


def test_irc_part_and_quit_reach_chat_as_leave(irc_server):
    chat, irc = mixed(irc_server)
    irc.send("PART #room :bye")
    chat.expect("LEAVE #room bob")
    carol = irc_server.client("carol")
    carol.join("#room")
    chat.expect("JOIN #room carol")
    carol.send("QUIT :gone")
    chat.expect("LEAVE #room carol")
    chat.expect_no_pending()


def test_irc_quit_with_two_shared_rooms_is_one_leave_per_room(irc_server):
    chat, irc = mixed(irc_server)
    other = irc_server.chat("dave", "#other")
    irc.join("#other")
    other.expect("JOIN #other bob")
    irc.send("QUIT")
    chat.expect("LEAVE #room bob")
    other.expect("LEAVE #other bob")
    chat.expect_no_pending()
    other.expect_no_pending()


def test_chat_leave_and_quit_reach_irc(irc_server):
    chat, irc = mixed(irc_server)
    chat.send("LEAVE")
    chat.expect("OK Left #room")
    assert irc.expect("PART").nick == "alice"
    carol = irc_server.chat("carol", "#room")
    assert irc.expect("JOIN").nick == "carol"
    carol.send("QUIT")
    carol.expect("OK Goodbye!")
    assert irc.expect("QUIT").nick == "carol"


def test_irc_nick_change_reaches_chat_as_nick_line(irc_server):
    chat, irc = mixed(irc_server)
    irc.send("NICK robert")
    irc.expect("NICK")
    chat.expect("NICK bob robert")
    chat.send("PRIVMSG robert hi robert")
    chat.expect("OK Sent")
    assert irc.expect("PRIVMSG").params == ["robert", "hi robert"]


def test_names_share_one_namespace_ignoring_case(irc_server):
    irc_server.chat("alice")
    c = irc_server.connect()
    c.send("NICK ALICE")
    c.expect_numeric("433", "*", "ALICE")
    irc_server.client("bob")
    chat = irc_server.chat(None)
    chat.send("USERNAME BOB")
    chat.expect("ERROR Username taken")


def test_users_names_and_who_list_both_protocols(irc_server):
    chat, irc = mixed(irc_server)
    chat.send("USERS")
    chat.expect("USERLIST alice bob")
    irc.send("NAMES #room")
    names = irc.expect_numeric("353", "bob").params[-1].split()
    assert sorted(n.lstrip("@+") for n in names) == ["alice", "bob"]
    irc.send("WHO #room")
    seen = {irc.expect_numeric("352", "bob", "#room").params[5] for _ in range(2)}
    assert seen == {"alice", "bob"}
    irc.expect_numeric("315", "bob", "#room")


def test_chat_rooms_are_irc_channels_in_list(irc_server):
    irc_server.chat("alice", "#chatroom")
    irc = irc_server.client("bob")
    irc.send("LIST")
    entry = irc.expect_numeric("322", "bob", "#chatroom")
    assert entry.params[2] == "1"
    irc.expect_numeric("323", "bob")


def test_long_chat_message_is_split_at_utf8_boundaries(irc_server):
    chat, irc = mixed(irc_server)
    text = ("é✓x" * 300).strip()  # 1800 bytes: far more than one IRC line holds
    assert len(text.encode()) < 4096
    irc.drain()
    chat.send(text)
    chat.expect(f"ROOM #room alice {text}")
    pieces = []
    while sum(len(p) for p in pieces) < len(text):
        raw = irc.recv_raw_line()
        assert len(raw) <= 512, f"IRC line of {len(raw)} bytes"
        piece = raw.decode("utf-8")  # strict: a cut inside a character fails here
        msg = parse_message(piece.rstrip("\r\n"))
        assert msg.command == "PRIVMSG" and msg.params[0] == "#room"
        pieces.append(msg.params[1])
    assert "".join(pieces) == text and len(pieces) >= 2


# TODO(lead): the chat-side form of IRC NOTICE and CTCP ACTION is not decided
# yet. Proposed (and accepted here): a NOTICE reaches chat as an ordinary room
# line or private message whose text is prefixed with `-notice- `, e.g.
# `ROOM #room bob -notice- text`; an ACTION as `ROOM #room bob * bob waves`
# (the usual "/me" rendering, no \x01 bytes). Once PROTOCOL.md fixes the forms,
# assert them exactly.
def test_irc_notice_is_readable_on_chat(irc_server):
    chat, irc = mixed(irc_server)
    irc.send("NOTICE #room :heads up")
    line = chat.recv_line()
    assert line.startswith(("ROOM #room bob ", "NOTICE #room bob ")), line
    assert line.endswith("heads up") and "\x01" not in line


def test_irc_action_is_readable_on_chat(irc_server):
    chat, irc = mixed(irc_server)
    irc.send("PRIVMSG #room :\x01ACTION waves\x01")
    line = chat.recv_line()
    assert line.startswith("ROOM #room bob "), line
    assert "waves" in line and "\x01" not in line and "ACTION" not in line


def test_irc_only_nick_characters_are_shown_to_chat(irc_server):
    chat = irc_server.chat("alice", "#room")
    irc = irc_server.client("b[o]b")
    irc.join("#room")
    line = chat.recv_line()
    assert line.startswith("JOIN #room "), line
    irc.send("PRIVMSG #room :brackets")
    said = chat.recv_line()
    assert said.startswith("ROOM #room ") and said.endswith(" brackets")
