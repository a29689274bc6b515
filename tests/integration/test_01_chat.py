"""01 chat: the chat protocol of docs/PROTOCOL.md, rule by rule.

Registration and name rules, JOIN/LEAVE/MSG/PRIVMSG/ROOMS/USERS/QUIT, slash
commands, plain lines, room moves, history replay, line limits, invalid bytes
and UTF-8, half-close, disconnect notices and the example session of the
chat protocol's original specification ("seed 001").
Silence towards a client is proven with ChatClient.expect_no_pending() after
the triggering request has been answered, not with sleeps.
"""

import random

import pytest

from harness import ChatClient, Server, wait_until

# Everything here runs in plain text and again over TLS (conftest `transport`).
pytestmark = pytest.mark.usefixtures("transport")

MAX_NAME = 32


@pytest.fixture
def server(backend):
    with Server(backend=backend) as srv:
        yield srv


def connect(server, name=None, room=None):
    return ChatClient(server.port("chat"), name=name, room=room)


def wait_server_read(srv, client):
    """Waits until the server has read every byte `client` sent (STATS bytes_in)."""
    wait_until(lambda: srv.stats().fields["bytes_in"] == client.sent, what="server to read")


# ---------------------------------------------------------------- registration

def test_username_welcomes(server):
    c = connect(server)
    c.send("USERNAME alice")
    c.expect("OK Welcome, alice!")


def test_username_accepts_letters_digits_underscore_dash(server):
    connect(server, "Al_ice-42")


def test_username_of_32_chars_is_accepted(server):
    connect(server, "a" * MAX_NAME)


@pytest.mark.parametrize("line", [
    "USERNAME " + "a" * (MAX_NAME + 1),
    "USERNAME a b",
    "USERNAME",
    "USERNAME ",
    "USERNAME al!ce",
    "USERNAME al.ce",
    "USERNAME #alice",
    "USERNAME \u00e9lise",
])
def test_invalid_usernames_are_rejected(server, line):
    c = connect(server)
    c.send(line)
    c.expect("ERROR Invalid username")
    c.register("alice")  # the connection stays usable


def test_username_taken_ignoring_case(server):
    connect(server, "alice")
    c = connect(server)
    for name in ("alice", "ALICE", "Alice"):
        c.send(f"USERNAME {name}")
        c.expect("ERROR Username taken")


def test_name_is_free_again_after_quit(server):
    alice = connect(server, "alice")
    alice.send("QUIT")
    alice.expect("OK Goodbye!")
    alice.expect_closed()
    server.wait_log(r" DISCONNECT .*reason=quit")
    connect(server, "alice")


def test_second_username_is_refused(server):
    c = connect(server, "alice")
    c.send("USERNAME bob")
    c.expect("ERROR Username already set")
    c.send("/nick bob")
    c.expect("ERROR Username already set")


@pytest.mark.parametrize("line", [
    "JOIN #general", "LEAVE", "MSG hello", "PRIVMSG bob hi", "ROOMS", "USERS",
    "USERS #general", "hello there", "/join #general", "/leave", "/rooms", "/users",
    "/msg bob hi", "username alice", "quit",
])
def test_commands_before_username_are_refused(server, line):
    c = connect(server)
    c.send(line)
    c.expect("ERROR Set a username first")


def test_quit_before_username(server):
    c = connect(server)
    c.send("QUIT")
    c.expect("OK Goodbye!")
    c.expect_closed()


def test_nick_registers(server):
    c = connect(server)
    c.send("/nick alice")
    c.expect("OK Welcome, alice!")


# ---------------------------------------------------------------- join

def test_join_empty_room(server):
    c = connect(server, "alice")
    c.send("JOIN #general")
    c.expect("OK Joined #general (0 users)")
    c.expect_no_pending()


def test_join_lists_members_in_join_order_and_notifies_them(server):
    alice = connect(server, "alice", "#general")
    bob = connect(server, "bob")
    bob.send("JOIN #general")
    bob.expect("OK Joined #general (1 users)", "JOIN #general alice")
    alice.expect("JOIN #general bob")
    carol = connect(server, "carol")
    carol.send("JOIN #general")
    carol.expect("OK Joined #general (2 users)", "JOIN #general alice", "JOIN #general bob")
    alice.expect("JOIN #general carol")
    bob.expect("JOIN #general carol")
    for c in (alice, bob, carol):
        c.expect_no_pending()


@pytest.mark.parametrize("room", [
    "#" + "r" * 31,   # 32 bytes
    "#a",
    "#R-._!~[]{}'\"@",
    "##",
])
def test_valid_room_names(server, room):
    c = connect(server, "alice")
    c.send(f"JOIN {room}")
    c.expect(f"OK Joined {room} (0 users)")


@pytest.mark.parametrize("room", [
    "#" + "r" * 32,   # 33 bytes
    "#",
    "general",
    "#a b",
    "#a,b",
    "#caf\u00e9",
    "",
])
def test_invalid_room_names(server, room):
    c = connect(server, "alice")
    c.send(f"JOIN {room}".rstrip())
    c.expect("ERROR Invalid room name")
    c.expect_no_pending()


@pytest.mark.parametrize("room", ["#a:b", "#:", "#a\x07b"])
def test_room_names_valid_on_irc_too(server, room):
    """A room name must also be an IRC channel name: no ':' and no BEL."""
    c = connect(server, "alice")
    c.send(f"JOIN {room}")
    c.expect("ERROR Invalid room name" if "\x07" not in room else "ERROR Invalid characters")
    c.expect_no_pending()


@pytest.mark.parametrize("name", ["a[b]", "x|y", "^_^", "{z}", "back`tick", "b\\s"])
def test_irc_only_nick_characters_are_not_chat_usernames(server, name):
    c = connect(server)
    c.send(f"USERNAME {name}")
    c.expect("ERROR Invalid username")
    c.register("alice")


def test_join_same_room_again(server):
    c = connect(server, "alice", "#general")
    c.send("JOIN #general")
    c.expect("ERROR Already in #general")
    c.send("JOIN #GENERAL")
    c.expect("ERROR Already in #general")


def test_room_names_ignore_case_and_keep_first_spelling(server):
    alice = connect(server, "alice")
    alice.send("JOIN #General")
    alice.expect("OK Joined #General (0 users)")
    bob = connect(server, "bob")
    bob.send("JOIN #gEnErAl")
    bob.expect("OK Joined #General (1 users)", "JOIN #General alice")
    alice.expect("JOIN #General bob")
    bob.send("ROOMS")
    bob.expect("ROOMLIST #General")


def test_room_move_notifies_old_room_only_with_leave(server):
    alice = connect(server, "alice", "#a")
    bob = connect(server, "bob", "#a")
    alice.expect("JOIN #a bob")
    carol = connect(server, "carol", "#b")
    alice.send("JOIN #b")
    alice.expect("OK Joined #b (1 users)", "JOIN #b carol")
    alice.expect_no_pending()
    bob.expect("LEAVE #a alice")
    carol.expect("JOIN #b alice")
    bob.expect_no_pending()
    carol.expect_no_pending()


def test_room_move_then_messages_go_to_new_room(server):
    alice = connect(server, "alice", "#a")
    bob = connect(server, "bob", "#a")
    alice.expect("JOIN #a bob")
    alice.send("JOIN #b")
    alice.expect("OK Joined #b (0 users)")
    bob.expect("LEAVE #a alice")
    alice.send("MSG in b")
    alice.expect("ROOM #b alice in b")
    bob.expect_no_pending()


# ---------------------------------------------------------------- leave

def test_leave_notifies_members(server):
    alice = connect(server, "alice", "#general")
    bob = connect(server, "bob", "#general")
    alice.expect("JOIN #general bob")
    bob.send("LEAVE")
    bob.expect("OK Left #general")
    alice.expect("LEAVE #general bob")
    bob.expect_no_pending()


def test_leave_outside_room(server):
    c = connect(server, "alice")
    c.send("LEAVE")
    c.expect("ERROR Not in a room")
    c.send("LEAVE #general")
    c.expect("ERROR Not in a room")


def test_leave_named_room(server):
    c = connect(server, "alice", "#general")
    c.send("LEAVE #other")
    c.expect("ERROR Not in #other")
    c.send("LEAVE #GENERAL")
    c.expect("OK Left #general")


def test_empty_room_disappears(server):
    c = connect(server, "alice", "#general")
    c.send("LEAVE")
    c.expect("OK Left #general")
    c.send("ROOMS")
    c.expect("ROOMLIST")


# ---------------------------------------------------------------- messages

def test_msg_reaches_every_member_including_sender(server):
    alice = connect(server, "alice", "#general")
    bob = connect(server, "bob", "#general")
    alice.expect("JOIN #general bob")
    alice.send("MSG Hello everyone!")
    alice.expect("ROOM #general alice Hello everyone!")
    bob.expect("ROOM #general alice Hello everyone!")


def test_plain_line_in_room_is_a_message(server):
    alice = connect(server, "alice", "#general")
    alice.send("Hello everyone!")
    alice.expect("ROOM #general alice Hello everyone!")


@pytest.mark.parametrize("text", ["join #x", "HELLO there", "rooms", "Quit now", "msg hi"])
def test_non_command_words_are_messages(server, text):
    alice = connect(server, "alice", "#general")
    alice.send(text)
    alice.expect(f"ROOM #general alice {text}")


def test_message_text_kept_byte_for_byte(server):
    alice = connect(server, "alice", "#general")
    text = "h\u00e9llo  w\u00f6rld\t\U0001F600 \u4e2d  x "
    alice.send(f"MSG {text}")
    alice.expect(f"ROOM #general alice {text}")


@pytest.mark.parametrize("line", ["MSG hi", "hi", "MSG", "   ", "join #x", "rooms", "users"])
def test_messages_outside_room(server, line):
    c = connect(server, "alice")
    c.send(line)
    c.expect("ERROR Not in a room")


@pytest.mark.parametrize("line", ["MSG", "MSG ", "MSG   ", "MSG \t ", "   ", "\t"])
def test_empty_messages_are_refused(server, line):
    c = connect(server, "alice", "#general")
    c.send(line)
    c.expect("ERROR Empty message")
    c.expect_no_pending()


def test_empty_lines_are_ignored(server):
    c = connect(server)
    c.send_raw(b"\r\n\n\r\n")
    c.expect_no_pending()
    c.register("alice")
    c.join("#general")
    c.send_raw(b"\n\r\n")
    c.expect_no_pending()


def test_bare_lf_terminators_are_accepted(server):
    c = connect(server)
    c.send("USERNAME alice", eol="\n")
    c.expect("OK Welcome, alice!")
    c.send("JOIN #general", eol="\n")
    c.expect("OK Joined #general (0 users)")


def test_many_lines_in_one_write(server):
    c = connect(server)
    c.send_raw(b"USERNAME alice\r\nJOIN #g\nMSG one\r\ntwo\nROOMS\r\n")
    c.expect("OK Welcome, alice!", "OK Joined #g (0 users)",
             "ROOM #g alice one", "ROOM #g alice two", "ROOMLIST #g")


@pytest.mark.parametrize("line,replies", [
    ("QUIT", ["OK Goodbye!"]),
    ("ROOMS", ["ROOMLIST #g"]),
    ("USERS", ["USERLIST alice"]),
    ("MSG split message", ["ROOM #g alice split message"]),
    ("JOIN #other", ["OK Joined #other (0 users)"]),
    ("LEAVE", ["OK Left #g"]),
    ("/quit", ["OK Goodbye!"]),
])
def test_line_completed_by_a_later_read(backend, line, replies):
    """The first read ends with a complete line and the start of the next;
    the next read completes it (the partial line sat in the input buffer)."""
    with Server(backend=backend) as srv:
        c = connect(srv, "alice", "#g")
        c.send_raw(b"MSG first\r\n" + line[:2].encode())
        c.expect("ROOM #g alice first")
        wait_server_read(srv, c)
        c.send_raw(line[2:].encode() + b"\r\n")
        c.expect(*replies)
        if replies == ["OK Goodbye!"]:
            c.expect_closed()
        else:
            c.expect_no_pending()


def test_line_sent_one_byte_at_a_time(server):
    c = connect(server)
    for byte in b"USERNAME alice\r\n":
        c.send_raw(bytes([byte]))
    c.expect("OK Welcome, alice!")


# ---------------------------------------------------------------- private messages

def test_privmsg(server):
    alice = connect(server, "alice")
    bob = connect(server, "bob")
    alice.send("PRIVMSG bob Hey, private message!")
    alice.expect("OK Sent")
    bob.expect("PRIVMSG alice Hey, private message!")


def test_privmsg_target_ignores_case_and_text_is_kept(server):
    alice = connect(server, "alice", "#a")
    bob = connect(server, "Bob", "#b")
    alice.send("PRIVMSG BOB hi  there\t\u00e9 ")
    alice.expect("OK Sent")
    bob.expect("PRIVMSG alice hi  there\t\u00e9 ")


def test_privmsg_to_self(server):
    alice = connect(server, "alice")
    alice.send("PRIVMSG ALICE note to self")
    got = sorted(alice.recv_lines(2))
    assert got == ["OK Sent", "PRIVMSG alice note to self"]


def test_privmsg_unknown_user(server):
    alice = connect(server, "alice")
    alice.send("PRIVMSG ghost hi")
    alice.expect("ERROR User not found")


@pytest.mark.parametrize("line", ["PRIVMSG", "PRIVMSG bob", "PRIVMSG ghost", "PRIVMSG bob ",
                                  "/msg bob", "/msg"])
def test_privmsg_without_text(server, line):
    connect(server, "bob")
    alice = connect(server, "alice")
    alice.send(line)
    alice.expect("ERROR Empty message")


def test_privmsg_is_not_seen_by_room(server):
    alice = connect(server, "alice", "#g")
    bob = connect(server, "bob", "#g")
    carol = connect(server, "carol", "#g")
    alice.expect("JOIN #g bob", "JOIN #g carol")
    bob.expect("JOIN #g carol")
    alice.send("PRIVMSG bob psst")
    alice.expect("OK Sent")
    bob.expect("PRIVMSG alice psst")
    carol.expect_no_pending()


# ---------------------------------------------------------------- lists

def test_rooms_lists_rooms_in_creation_order(server):
    c = connect(server, "alice")
    c.send("ROOMS")
    c.expect("ROOMLIST")
    connect(server, "bob", "#zeta")
    connect(server, "carol", "#alpha")
    connect(server, "dave", "#mid")
    c.send("ROOMS")
    c.expect("ROOMLIST #zeta #alpha #mid")
    c.send("ROOMS ignored argument")
    c.expect("ROOMLIST #zeta #alpha #mid")


def test_users_outside_room_lists_everyone_online(server):
    alice = connect(server, "alice")
    connect(server, "bob", "#x")
    connect(server)  # not registered: not listed
    connect(server, "carol")
    alice.send("USERS")
    alice.expect("USERLIST alice bob carol")


def test_users_in_room_lists_members_in_join_order(server):
    connect(server, "zed", "#g")
    connect(server, "amy", "#other")
    connect(server, "bob", "#g")
    me = connect(server, "me", "#g")
    me.send("USERS")
    me.expect("USERLIST zed bob me")


def test_recreated_room_is_listed_last(server):
    a = connect(server, "a", "#x")
    connect(server, "b", "#y")
    a.send("LEAVE")
    a.expect("OK Left #x")
    a.send("JOIN #x")
    a.expect("OK Joined #x (0 users)")
    a.send("ROOMS")
    a.expect("ROOMLIST #y #x")


def test_rejoining_member_is_listed_last(server):
    b = connect(server, "b", "#y")
    c = connect(server, "c", "#y")
    b.expect("JOIN #y c")
    b.send("LEAVE")
    b.expect("OK Left #y")
    b.send("JOIN #y")
    b.expect("OK Joined #y (1 users)", "JOIN #y c")
    b.send("USERS")
    b.expect("USERLIST c b")


def test_users_of_named_room(server):
    connect(server, "zed", "#g")
    connect(server, "bob", "#g")
    me = connect(server, "me", "#mine")
    me.send("USERS #G")
    me.expect("USERLIST zed bob")


def test_users_of_unknown_or_invalid_room(server):
    me = connect(server, "me")
    me.send("USERS #nowhere")
    me.expect("ERROR No such room")
    me.send("USERS nowhere")
    me.expect("ERROR Invalid room name")


# ---------------------------------------------------------------- quit and disconnect

def test_quit_says_goodbye_closes_and_notifies(server):
    alice = connect(server, "alice", "#g")
    bob = connect(server, "bob", "#g")
    alice.expect("JOIN #g bob")
    alice.send("QUIT")
    alice.expect("OK Goodbye!")
    alice.expect_closed()
    bob.expect("LEAVE #g alice")


def test_quit_ignores_arguments(server):
    alice = connect(server, "alice")
    alice.send("QUIT see you")
    alice.expect("OK Goodbye!")
    alice.expect_closed()


def test_lines_after_quit_are_not_answered(server):
    alice = connect(server, "alice")
    alice.send_raw(b"QUIT\r\nROOMS\r\n")
    alice.expect("OK Goodbye!")
    alice.expect_closed()


@pytest.mark.parametrize("how", ["close", "reset"])
def test_disconnect_without_quit_notifies_room(server, how):
    alice = connect(server, "alice", "#g")
    bob = connect(server, "bob", "#g")
    alice.expect("JOIN #g bob")
    getattr(alice, how)()
    bob.expect("LEAVE #g alice")
    bob.send("USERS")
    bob.expect("USERLIST bob")


def test_message_then_immediate_close_is_delivered(server):
    alice = connect(server, "alice", "#g")
    bob = connect(server, "bob", "#g")
    alice.expect("JOIN #g bob")
    alice.send("MSG bye")
    alice.close()
    bob.expect("ROOM #g alice bye", "LEAVE #g alice")


def test_unterminated_last_line_is_dropped(server):
    alice = connect(server, "alice", "#g")
    bob = connect(server, "bob", "#g")
    alice.expect("JOIN #g bob")
    alice.send_raw(b"MSG never complete")
    alice.close()
    bob.expect("LEAVE #g alice")
    bob.expect_no_pending()


@pytest.mark.plain_only  # half-closes, or uses a plain tool
def test_half_close_still_gets_every_reply(server):
    c = connect(server)
    c.send_raw(b"USERNAME alice\nJOIN #g\nMSG hi\nROOMS\nUSERS\n")
    c.shutdown_write()
    c.expect("OK Welcome, alice!", "OK Joined #g (0 users)", "ROOM #g alice hi",
             "ROOMLIST #g", "USERLIST alice")
    c.expect_closed()


@pytest.mark.plain_only  # half-closes, or uses a plain tool
def test_half_close_drops_unterminated_tail(server):
    c = connect(server)
    c.send_raw(b"USERNAME alice\nROOMS")
    c.shutdown_write()
    c.expect("OK Welcome, alice!")
    c.expect_closed()


# ---------------------------------------------------------------- slash commands

@pytest.mark.parametrize("word", ["/join", "/JOIN", "/Join"])
def test_slash_join_any_case(server, word):
    c = connect(server, "alice")
    c.send(f"{word} #g")
    c.expect("OK Joined #g (0 users)")


def test_slash_commands(server):
    bob = connect(server, "bob")
    c = connect(server)
    c.send("/NICK alice")
    c.expect("OK Welcome, alice!")
    c.send("/join #g")
    c.expect("OK Joined #g (0 users)")
    c.send("/Rooms")
    c.expect("ROOMLIST #g")
    c.send("/users")
    c.expect("USERLIST alice")
    c.send("/msg bob hi there")
    c.expect("OK Sent")
    bob.expect("PRIVMSG alice hi there")
    c.send("/leave")
    c.expect("OK Left #g")
    c.send("/QuIt")
    c.expect("OK Goodbye!")
    c.expect_closed()


def test_slash_forms_take_the_same_arguments(server):
    connect(server, "zed", "#g")
    c = connect(server)
    c.send("/nick a b")
    c.expect("ERROR Invalid username")
    c.send("/nick alice")
    c.expect("OK Welcome, alice!")
    c.send("/join")
    c.expect("ERROR Invalid room name")
    c.send("/users #G")
    c.expect("USERLIST zed")
    c.send("/leave")
    c.expect("ERROR Not in a room")


@pytest.mark.parametrize("registered", [False, True])
@pytest.mark.parametrize("line", ["/foo", "/", "/ join #g", "/joinx #g"])
def test_unknown_slash_command(server, registered, line):
    c = connect(server, "alice" if registered else None)
    c.send(line)
    c.expect("ERROR Unknown command")


def test_unknown_slash_command_in_room_is_not_a_message(server):
    c = connect(server, "alice", "#g")
    c.send("/shrug")
    c.expect("ERROR Unknown command")
    c.expect_no_pending()


# ---------------------------------------------------------------- history

def say(client, room, texts):
    for text in texts:
        client.send(f"MSG {text}")
        client.expect(f"ROOM {room} {client.name} {text}")


def test_history_replays_recent_lines_on_join():
    with Server(args=["--history", "3"]) as srv:
        alice = connect(srv, "alice", "#h")
        say(alice, "#h", ["m1", "m2", "m3", "m4", "m5"])
        bob = connect(srv, "bob")
        bob.send("JOIN #h")
        bob.expect("OK Joined #h (1 users)", "JOIN #h alice",
                   "ROOM #h alice m3", "ROOM #h alice m4", "ROOM #h alice m5")
        bob.expect_no_pending()


def test_history_default_is_50(backend):
    with Server(backend=backend) as srv:
        alice = connect(srv, "alice", "#h")
        texts = [f"m{i}" for i in range(55)]
        say(alice, "#h", texts)
        bob = connect(srv, "bob")
        assert bob.join("#h") == ["alice"]
        bob.expect(*[f"ROOM #h alice {t}" for t in texts[-50:]])
        bob.expect_no_pending()


def test_history_zero_replays_nothing():
    with Server(args=["--history", "0"]) as srv:
        alice = connect(srv, "alice", "#h")
        say(alice, "#h", ["m1"])
        bob = connect(srv, "bob")
        bob.join("#h")
        bob.expect_no_pending()


def test_history_holds_only_room_messages():
    with Server(args=["--history", "10"]) as srv:
        alice = connect(srv, "alice", "#h")
        carol = connect(srv, "carol", "#h")
        carol.send("LEAVE")
        carol.expect("OK Left #h")
        alice.send("PRIVMSG carol private")
        alice.expect("JOIN #h carol", "LEAVE #h carol", "OK Sent")
        say(alice, "#h", ["public"])
        bob = connect(srv, "bob")
        bob.join("#h")
        bob.expect("ROOM #h alice public")
        bob.expect_no_pending()


def test_history_is_dropped_when_room_empties():
    with Server(args=["--history", "10"]) as srv:
        alice = connect(srv, "alice", "#h")
        say(alice, "#h", ["old"])
        alice.send("LEAVE")
        alice.expect("OK Left #h")
        alice.send("JOIN #h")
        alice.expect("OK Joined #h (0 users)")
        alice.expect_no_pending()


def test_history_replay_fits_half_the_sendq_and_never_cuts_the_joiner(backend):
    """--history 2000 with 4 KiB lines holds more than --sendq (4 MiB): the
    joiner gets the newest lines whose rendering fits in half of --sendq,
    oldest first, then live lines; nobody is cut as a slow client."""
    sendq = 4 * 1024 * 1024
    with Server(backend=backend, args=["--history", "2000"]) as srv:
        alice = connect(srv, "alice", "#h")
        pad = "x" * (4096 - len("MSG ") - len("0000 "))
        texts = [f"{i:04d} {pad}" for i in range(2000)]
        for start in range(0, len(texts), 50):  # pipelined, echoes read per batch
            batch = texts[start:start + 50]
            alice.send_raw("".join(f"MSG {t}\r\n" for t in batch).encode())
            alice.expect(*[f"ROOM #h alice {t}" for t in batch])
        rendered = len(f"ROOM #h alice {texts[0]}\r\n")
        fits = (sendq // 2) // rendered
        assert 0 < fits < len(texts)
        bob = connect(srv, "bob")
        assert bob.join("#h") == ["alice"]
        bob.expect(*[f"ROOM #h alice {t}" for t in texts[-fits:]])
        alice.send("MSG live")
        bob.expect("ROOM #h alice live")
        bob.expect_no_pending()
        assert srv.count_log(r"SLOW_CLIENT") == 0


# ---------------------------------------------------------------- line limits

@pytest.mark.parametrize("eol", ["\r\n", "\n"])
def test_max_line_is_inclusive(backend, eol):
    with Server(backend=backend, args=["--max-line", "64"]) as srv:
        c = connect(srv, "alice", "#g")
        text = "x" * (64 - len("MSG "))
        c.send(f"MSG {text}", eol=eol)
        c.expect(f"ROOM #g alice {text}")
        c.send(f"MSG {text}y", eol=eol)
        c.expect("ERROR Line too long")
        c.expect_no_pending()


def test_default_max_line_is_4096(server):
    c = connect(server, "alice", "#g")
    text = "x" * (4096 - len("MSG "))
    c.send(f"MSG {text}")
    c.expect(f"ROOM #g alice {text}")
    c.send(f"MSG {text}y")
    c.expect("ERROR Line too long")


@pytest.mark.parametrize("paced", [False, True])
def test_rest_of_long_line_is_discarded(backend, paced):
    """With paced=True each piece is read separately, so the line's end and
    the next line arrive together while the server is already discarding."""
    with Server(backend=backend, args=["--max-line", "64"]) as srv:
        c = connect(srv, "alice", "#g")
        for piece in (b"MSG " + b"a" * 100, b"b" * 5000, b" MSG still discarded\r"):
            c.send_raw(piece)
            if paced:
                wait_server_read(srv, c)
        c.send_raw(b"\nMSG after\r\n")
        c.expect("ERROR Line too long", "ROOM #g alice after")
        c.expect_no_pending()


def test_long_line_reported_once_and_connection_stays(backend):
    with Server(backend=backend, args=["--max-line", "64"]) as srv:
        c = connect(srv, "alice", "#g")
        c.send_raw(b"z" * 20000 + b"\r\nMSG ok\r\n")
        c.expect("ERROR Line too long", "ROOM #g alice ok")


def test_long_line_between_good_lines_in_one_write(backend):
    with Server(backend=backend, args=["--max-line", "64"]) as srv:
        c = connect(srv, "alice", "#g")
        c.send_raw(b"MSG before\r\n" + b"x" * 200 + b"\r\nMSG after\n")
        c.expect("ROOM #g alice before", "ERROR Line too long", "ROOM #g alice after")


# ---------------------------------------------------------------- invalid bytes

@pytest.mark.parametrize("bad", [b"\x00", b"\x01", b"\x1b[31m", b"\x7f", b"\x08", b"a\rb", b"\x1f"])
def test_control_bytes_are_rejected(server, bad):
    c = connect(server, "alice", "#g")
    c.send_raw(b"MSG x" + bad + b"y\r\n")
    c.expect("ERROR Invalid characters")
    c.expect_no_pending()


def test_tab_is_allowed(server):
    c = connect(server, "alice", "#g")
    c.send("MSG a\tb")
    c.expect("ROOM #g alice a\tb")


@pytest.mark.parametrize("bad", [
    b"\xff",                  # never valid
    b"\x80",                  # lone continuation byte
    b"\xc3",                  # truncated 2-byte sequence
    b"\xe2\x82",              # truncated 3-byte sequence
    b"\xc0\xaf",              # overlong '/'
    b"\xc1\xbf",              # overlong
    b"\xe0\x80\xaf",          # overlong 3-byte
    b"\xf0\x80\x80\xaf",      # overlong 4-byte
    b"\xed\xa0\x80",          # surrogate U+D800
    b"\xed\xbf\xbf",          # surrogate U+DFFF
    b"\xf4\x90\x80\x80",      # U+110000
    b"\xf5\x80\x80\x80",      # lead byte above U+10FFFF
    b"\xf8\x88\x80\x80\x80",  # 5-byte form
])
def test_invalid_utf8_is_rejected(server, bad):
    c = connect(server, "alice", "#g")
    c.send_raw(b"MSG a" + bad + b"z\r\n")
    c.expect("ERROR Invalid UTF-8")
    c.expect_no_pending()


@pytest.mark.parametrize("good", [
    b"\xc2\xa9", b"\xed\x9f\xbf", b"\xee\x80\x80", b"\xef\xbf\xbd",
    b"\xf0\x90\x80\x80", b"\xf4\x8f\xbf\xbf",
])
def test_valid_utf8_edges_are_accepted(server, good):
    c = connect(server, "alice", "#g")
    c.send_raw(b"MSG a" + good + b"z\r\n")
    assert c.recv_raw_line() == b"ROOM #g alice a" + good + b"z\r\n"


def test_invalid_bytes_checked_in_every_state(server):
    c = connect(server)
    c.send_raw(b"USERNAME al\x01ice\r\n")
    c.expect("ERROR Invalid characters")
    c.send_raw(b"USERNAME \xffalice\r\n")
    c.expect("ERROR Invalid UTF-8")
    c.register("alice")
    c.send_raw(b"JOIN #g\x7f\r\n")
    c.expect("ERROR Invalid characters")


def test_control_bytes_checked_before_utf8(server):
    c = connect(server, "alice", "#g")
    c.send_raw(b"MSG \xff\x01\r\n")
    c.expect("ERROR Invalid characters")


def test_random_garbage_never_breaks_the_connection(server):
    """Seeded random bytes (with line breaks) only ever get ERROR replies or
    are said to the room; afterwards the connection still answers."""
    rng = random.Random(1234)
    c = connect(server, "alice", "#g")
    garbage = bytes(rng.choice(b"\n\r\x00\xff\xc3 /abcMSG#") if rng.random() < 0.3
                    else rng.randrange(256) for _ in range(50000))
    c.send_raw(garbage + b"\r\nROOMS\r\n")
    while True:
        line = c.recv_line()
        if line.startswith("ROOMLIST"):
            break
        assert line.startswith(("ERROR ", "ROOM ", "OK ", "JOIN ", "LEAVE ", "USERLIST",
                                "PRIVMSG ")), line
    c.expect_no_pending()


# ------------------------------------------------ the original example session

def test_seed_001_example_session(server):
    """The alice/bob session of the chat protocol's original specification
    (the example in docs/PROTOCOL.md), verbatim (nc sends \\n)."""
    alice = connect(server)
    alice.send("USERNAME alice", eol="\n")
    alice.expect("OK Welcome, alice!")
    alice.send("JOIN #general", eol="\n")
    alice.expect("OK Joined #general (0 users)")
    alice.send("Hello everyone!", eol="\n")
    alice.expect("ROOM #general alice Hello everyone!")

    bob = connect(server)
    bob.send("USERNAME bob", eol="\n")
    bob.expect("OK Welcome, bob!")
    bob.send("JOIN #general", eol="\n")
    bob.expect("OK Joined #general (1 users)", "JOIN #general alice",
               "ROOM #general alice Hello everyone!")
    bob.send("Hi alice!", eol="\n")
    bob.expect("ROOM #general bob Hi alice!")

    alice.expect("JOIN #general bob", "ROOM #general bob Hi alice!")
    alice.send("PRIVMSG bob Hey, private message!", eol="\n")
    alice.expect("OK Sent")
    bob.expect("PRIVMSG alice Hey, private message!")

    alice.send("USERS", eol="\n")
    alice.expect("USERLIST alice bob")
    alice.send("ROOMS", eol="\n")
    alice.expect("ROOMLIST #general")
    alice.send("LEAVE", eol="\n")
    alice.expect("OK Left #general")
    alice.send("QUIT", eol="\n")
    alice.expect("OK Goodbye!")
    alice.expect_closed()
    bob.expect("LEAVE #general alice")
