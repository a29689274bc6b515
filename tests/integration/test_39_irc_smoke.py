"""39 IRC smoke: the IRC listener end to end, on every backend.

Registration with and without CAP negotiation, channels and messages
between IRC clients, IRC and chat users in one room (messages, PMs, joins,
parts, quits, nick changes, /me and notices), QUIT de-duplication, the
channel modes that gate joining and speaking, error numerics (421, 417 with
the connection kept, 401/403/442/451/461/482/433), labeled-response and the
keepalive PING with its timeout. Absence of a line is proven by a PING
round trip ("sync") after the triggering command, not by sleeping.
"""

import re
import signal

import pytest

from harness import ChatClient, LineClient, Server

SERVER = "irc.test"


class IrcClient(LineClient):
    """An IRC client: registers, then reads lines with helpers for numerics."""

    def __init__(self, port, nick=None, caps=(), user=None, **kw):
        super().__init__(port, **kw)
        self.nick = nick
        self.syncs = 0
        if nick:
            self.register(nick, caps, user)

    def register(self, nick, caps=(), user=None):
        if caps:
            self.send("CAP LS 302")
            self.until(lambda l: " CAP * LS " in l and " LS * " not in l)
            self.send("CAP REQ :" + " ".join(caps))
            self.until(lambda l: " CAP * ACK " in l)
        self.send(f"NICK {nick}")
        self.send(f"USER {user or nick} 0 * :Real {nick}")
        if caps:
            self.send("CAP END")
        self.numeric("001")
        self.numeric("422")  # end of the welcome burst: no --motd here
        self.nick = nick

    def until(self, pred, what="line"):
        """Reads lines until one satisfies `pred`; returns it and those skipped."""
        skipped = []
        while True:
            line = self.recv_line()
            if pred(line):
                self.skipped = skipped
                return line
            skipped.append(line)

    def numeric(self, num):
        return self.until(lambda l: re.match(rf"^(@\S+ )?:{SERVER} {num} ", l))

    def sync(self):
        """Everything sent before now has been answered: returns the lines
        received up to the matching PONG."""
        self.syncs += 1
        token = f"sync{self.syncs}"
        self.send(f"PING {token}")
        self.until(lambda l: l.endswith(f"PONG {SERVER} {token}") or
                   l.endswith(f"PONG {SERVER} :{token}"))
        return self.skipped

    def expect_quiet(self):
        lines = self.sync()
        assert lines == [], f"expected nothing, got {lines!r}"


def body(line):
    """A line without its tags."""
    return line.split(" ", 1)[1] if line.startswith("@") else line


@pytest.fixture
def server(backend):
    with Server(listen=("irc:127.0.0.1:0", "chat:127.0.0.1:0"), backend=backend,
                args=("--server-name", SERVER, "--ping-interval", "60")) as srv:
        yield srv


def irc(server, nick=None, caps=()):
    return IrcClient(server.port("irc"), nick, caps)


def chat(server, name, room=None):
    return ChatClient(server.port("chat"), name=name, room=room)


# ---------------------------------------------------------------- registration

def test_registration_without_cap_sends_welcome_and_isupport(server):
    c = IrcClient(server.port("irc"))
    c.send("NICK alice")
    c.send("USER al 0 * :Alice Liddell")
    assert c.numeric("001").endswith(" :Welcome to the Parley IRC Network alice!al@127.0.0.1")
    c.numeric("002")
    c.numeric("003")
    assert c.numeric("004").split()[3:5] == [SERVER, "parley-1.0"]
    isupport = " ".join(c.numeric("005") for _ in range(1)) + " " + c.numeric("005")
    for token in ("NETWORK=Parley", "CASEMAPPING=ascii", "CHANTYPES=#", "PREFIX=(ov)@+",
                  "CHANMODES=b,k,l,imnst", "UTF8ONLY", "NICKLEN=32", "CHANNELLEN=32"):
        assert token in isupport.split(), token
    c.numeric("251")
    c.numeric("422")
    c.expect_quiet()


def test_cap_negotiation_holds_registration_until_cap_end(server):
    c = IrcClient(server.port("irc"))
    c.send("CAP LS 302")
    ls = c.until(lambda l: " CAP " in l)
    assert ls.startswith(f":{SERVER} CAP * LS :")
    assert "server-time" in ls.split(":", 2)[2].split()
    c.send("NICK bob")
    c.send("USER bob 0 * :Bob")
    c.send("CAP REQ :server-time bogus-cap")
    assert c.until(lambda l: " CAP " in l) == f":{SERVER} CAP bob NAK :server-time bogus-cap"
    c.send("CAP REQ :server-time echo-message")
    assert c.until(lambda l: " CAP " in l) == f":{SERVER} CAP bob ACK :server-time echo-message"
    c.send("PING early")
    pong = c.until(lambda l: "PONG" in l)
    assert c.skipped == [], "registered before CAP END"
    assert pong.endswith("early")
    c.send("CAP END")
    c.numeric("001")
    c.send("CAP LIST")
    # cap-notify comes with CAP LS 302 and cannot be turned off
    assert c.until(lambda l: " CAP " in l).endswith("LIST :cap-notify server-time echo-message")


def test_commands_before_registration_get_451(server):
    c = IrcClient(server.port("irc"))
    c.send("JOIN #a")
    assert c.numeric("451").endswith(":You have not registered")


def test_nick_errors(server):
    irc(server, "alice")
    chat(server, "carol")
    c = IrcClient(server.port("irc"))
    c.send("NICK")
    c.numeric("431")
    c.send("NICK 9lives")
    assert c.numeric("432").split()[3] == "9lives"
    c.send("NICK ALICE")
    assert c.numeric("433").split()[3] == "ALICE"
    c.send("NICK Carol")  # a chat user's name is taken on IRC too
    assert c.numeric("433").split()[3] == "Carol"


# ---------------------------------------------------------------- IRC with IRC

def test_join_and_privmsg_between_irc_clients(server):
    a, b = irc(server, "alice"), irc(server, "bob")
    a.send("JOIN #room")
    assert a.until(lambda l: "JOIN" in l) == ":alice!alice@127.0.0.1 JOIN #room"
    assert a.numeric("353").endswith("= #room :@alice")
    a.numeric("366")
    b.send("JOIN #room")
    assert b.numeric("353").endswith("= #room :@alice bob")
    b.numeric("366")
    assert a.recv_line() == ":bob!bob@127.0.0.1 JOIN #room"
    b.send("PRIVMSG #room :hello alice")
    assert a.recv_line() == ":bob!bob@127.0.0.1 PRIVMSG #room :hello alice"
    b.expect_quiet()  # no echo without echo-message
    a.send("PRIVMSG bob :private")
    assert b.recv_line() == ":alice!alice@127.0.0.1 PRIVMSG bob :private"
    a.send("PART #room :later")
    assert a.recv_line() == ":alice!alice@127.0.0.1 PART #room :later"
    assert b.recv_line() == ":alice!alice@127.0.0.1 PART #room :later"


def test_message_tags_server_time_and_echo(server):
    a = irc(server, "alice", caps=("message-tags", "server-time", "echo-message"))
    b = irc(server, "bob")
    for c in (a, b):
        c.send("JOIN #t")
        c.numeric("366")
    a.recv_line()  # bob's JOIN
    a.send("@+example/emoji=smile PRIVMSG #t :tagged")
    echo = a.recv_line()
    assert re.match(r"^@time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z;msgid=[0-9a-f]{16};"
                    r"\+example/emoji=smile :alice!alice@127\.0\.0\.1 PRIVMSG #t :tagged$",
                    echo), echo
    assert b.recv_line() == ":alice!alice@127.0.0.1 PRIVMSG #t :tagged"


def test_labeled_response(server):
    a = irc(server, "alice", caps=("labeled-response", "batch"))
    a.send("@label=one PING x")
    assert a.recv_line() == f"@label=one :{SERVER} PONG {SERVER} :x"
    a.send("@label=two PONG x")
    assert a.recv_line() == f"@label=two :{SERVER} ACK"
    a.send("@label=three JOIN #lr")
    start = a.recv_line()
    m = re.match(rf"^@label=three :{SERVER} BATCH \+(\S+) labeled-response$", start)
    assert m, start
    inner = [a.recv_line() for _ in range(3)]
    assert all(l.startswith(f"@batch={m.group(1)} ") for l in inner), inner
    assert a.recv_line() == f":{SERVER} BATCH -{m.group(1)}"


# ---------------------------------------------------------------- chat and IRC

def test_chat_and_irc_converse_in_one_room(server):
    a = irc(server, "alice")
    a.send("JOIN #mix")
    a.numeric("366")
    c = chat(server, "carol")
    assert c.join("#mix") == ["alice"]
    assert a.recv_line() == f":carol!carol@{SERVER} JOIN #mix"
    c.send("hello from chat")
    c.expect("ROOM #mix carol hello from chat")
    assert a.recv_line() == f":carol!carol@{SERVER} PRIVMSG #mix :hello from chat"
    a.send("PRIVMSG #mix :hello from irc")
    c.expect("ROOM #mix alice hello from irc")
    a.send("PRIVMSG #mix :\x01ACTION waves\x01")
    c.expect("ROOM #mix alice * alice waves")
    a.send("NOTICE #mix :heads up")
    c.expect("ROOM #mix alice [notice] heads up")
    c.send("PRIVMSG alice psst")
    c.expect("OK Sent")
    assert a.recv_line() == f":carol!carol@{SERVER} PRIVMSG alice :psst"
    a.send("PRIVMSG carol :back at you")
    c.expect("PRIVMSG alice back at you")
    c.send("USERS")
    c.expect("USERLIST alice carol")
    a.send("NAMES #mix")
    assert a.numeric("353").endswith("= #mix :@alice carol")
    a.numeric("366")
    a.send("NICK alicia")
    assert a.recv_line() == ":alice!alice@127.0.0.1 NICK alicia"
    c.expect("NICK alice alicia")
    a.send("PART #mix")
    c.expect("LEAVE #mix alicia")


def test_long_chat_message_splits_at_character_boundaries(server):
    a = irc(server, "alice")
    a.send("JOIN #long")
    a.numeric("366")
    c = chat(server, "carol", room="#long")
    a.recv_line()  # carol's JOIN
    text = "é" * 1500  # 3000 bytes: several IRC lines
    c.send(text)
    prefix = f":carol!carol@{SERVER} PRIVMSG #long :"
    got = ""
    while len(got) < len(text):
        line = a.recv_raw_line()
        assert len(line) <= 512 and line.endswith(b"\r\n")
        decoded = line.decode("utf-8")  # raises if a character was cut
        assert decoded.startswith(prefix)
        got += decoded[len(prefix):-2]
    assert got == text


def test_quit_reaches_each_user_once(server):
    a, b = irc(server, "alice"), irc(server, "bob")
    for room in ("#one", "#two"):
        for c in (a, b):
            c.send(f"JOIN {room}")
            c.numeric("366")
    a.sync()
    c = chat(server, "carol", room="#one")
    a.sync()
    b.sync()
    a.send("QUIT :gone fishing")
    assert a.recv_line() == "ERROR :Closing Link: 127.0.0.1 (Quit: gone fishing)"
    a.expect_closed()
    assert b.recv_line() == ":alice!alice@127.0.0.1 QUIT :Quit: gone fishing"
    b.expect_quiet()
    c.expect("LEAVE #one alice")
    c.expect_no_pending()


# ---------------------------------------------------------------- channel modes

def test_key_invite_limit_and_ban_gate_joining(server):
    op, x = irc(server, "op"), irc(server, "xavier")
    op.send("JOIN #gate")
    op.numeric("366")
    op.send("MODE #gate +k sesame")
    assert op.recv_line() == ":op!op@127.0.0.1 MODE #gate +k sesame"
    x.send("JOIN #gate")
    assert x.numeric("475").endswith("#gate :Cannot join channel (+k)")
    op.send("MODE #gate -k+i sesame")
    op.recv_line()
    x.send("JOIN #gate")
    assert x.numeric("473").endswith("#gate :Cannot join channel (+i)")
    op.send("INVITE xavier #gate")
    assert op.numeric("341").endswith("xavier #gate")
    assert x.recv_line() == ":op!op@127.0.0.1 INVITE xavier #gate"
    x.send("JOIN #gate")
    x.numeric("366")
    x.send("PART #gate")
    op.send("MODE #gate -i+b xav*!*@*")
    op.until(lambda l: "+b" in l)
    x.send("JOIN #gate")
    assert x.numeric("474").endswith("#gate :Cannot join channel (+b)")
    op.send("MODE #gate +b")
    assert op.numeric("367").split()[3:6] == ["#gate", "xav*!*@*", "op"]
    op.numeric("368")
    op.send("MODE #gate -b+l xav*!*@* 1")
    op.until(lambda l: "MODE #gate +l 1" in l)
    x.send("JOIN #gate")
    assert x.numeric("471").endswith("#gate :Cannot join channel (+l)")


def test_moderated_and_no_outside_messages(server):
    op, v = irc(server, "op"), irc(server, "vic")
    op.send("JOIN #m")
    op.numeric("366")
    op.send("MODE #m +n")
    op.sync()
    v.send("PRIVMSG #m :from outside")
    assert v.numeric("404").endswith("#m :Cannot send to channel")
    v.send("JOIN #m")
    v.numeric("366")
    op.send("MODE #m +m")
    v.until(lambda l: "MODE #m +m" in l)
    v.send("PRIVMSG #m :muted")
    v.numeric("404")
    v.send("NOTICE #m :muted notice")  # notices never draw errors
    v.expect_quiet()
    op.send("MODE #m +v vic")
    v.until(lambda l: "MODE #m +v vic" in l)
    v.send("PRIVMSG #m :voiced")
    op.until(lambda l: l.endswith("PRIVMSG #m :voiced"))


def test_operator_only_changes_get_482(server):
    op, v = irc(server, "op"), irc(server, "vic")
    op.send("JOIN #ops")
    op.numeric("366")
    v.send("JOIN #ops")
    v.numeric("366")
    v.send("MODE #ops +t")
    assert v.numeric("482").endswith("#ops :You're not channel operator")
    v.send("KICK #ops op")
    v.numeric("482")
    op.send("KICK #ops vic :bye")
    assert v.until(lambda l: "KICK" in l) == ":op!op@127.0.0.1 KICK #ops vic :bye"


# ---------------------------------------------------------------- bad input

def test_errors_for_unknown_targets_and_missing_params(server):
    a = irc(server, "alice")
    a.send("PRIVMSG nobody :hi")
    assert a.numeric("401").split()[3] == "nobody"
    a.send("PART #nowhere")
    assert a.numeric("403").split()[3] == "#nowhere"
    chat(server, "carol", room="#elsewhere")
    a.send("PART #elsewhere")
    assert a.numeric("442").endswith("#elsewhere :You're not on that channel")
    a.send("JOIN")
    assert a.numeric("461").endswith("JOIN :Not enough parameters")
    a.send("PRIVMSG")
    a.numeric("411")
    a.send("PRIVMSG alice")
    a.numeric("412")
    a.send("NOTICE nobody :hi")
    a.expect_quiet()


def test_unknown_command_and_long_line_keep_the_connection(server):
    a = irc(server, "alice")
    a.send("FROBNICATE now")
    assert a.numeric("421").endswith("FROBNICATE :Unknown command")
    a.send("PRIVMSG alice :" + "x" * 600)
    assert a.numeric("417").endswith(":Input line was too long")
    a.send("PRIVMSG alice :" + "y" * 20000)
    a.numeric("417")
    a.send("PRIVMSG alice :still here")
    assert a.recv_line() == ":alice!alice@127.0.0.1 PRIVMSG alice :still here"


# ---------------------------------------------------------------- keepalive

def test_idle_client_is_pinged_and_closed_without_pong(backend):
    with Server(listen=("irc:127.0.0.1:0",), backend=backend,
                args=("--server-name", SERVER, "--ping-interval", "1")) as srv:
        a = IrcClient(srv.port("irc"), "alice")
        ping = a.until(lambda l: l.startswith("PING"))
        assert ping == f"PING :{SERVER}"
        a.send(f"PONG :{SERVER}")
        assert a.until(lambda l: l.startswith("PING")) == f"PING :{SERVER}"
        line = a.until(lambda l: l.startswith("ERROR"))
        assert line == "ERROR :Closing Link: 127.0.0.1 (Ping timeout)"
        a.expect_closed()


def test_formatting_codes_reach_chat_users_stripped(server):
    a = irc(server, "alice")
    a.send("JOIN #fmt")
    a.numeric("366")
    c = chat(server, "carol", room="#fmt")
    a.send("PRIVMSG #fmt :\x02bold\x02 and \x0304,12red\x03 text")
    c.expect("ROOM #fmt alice bold and red text")


def test_kick_reasons_and_topics_reach_chat_users_stripped(server):
    a = irc(server, "alice")
    a.send("JOIN #fmt")
    a.numeric("366")
    c = chat(server, "carol", room="#fmt")
    chat(server, "dave", room="#fmt")
    c.expect("JOIN #fmt dave")
    a.send("TOPIC #fmt :\x0304red\x03 topic")
    c.expect("TOPIC #fmt alice red topic")
    a.send("KICK #fmt dave :b \x03")
    c.expect("KICK #fmt alice dave b ")
    a.send("MODE #fmt +b a\x12")
    a.send("MODE #fmt +b ok")
    c.expect("BAN #fmt alice ok!*@*")


def test_invalid_utf8_is_refused_and_the_connection_stays(server):
    a = irc(server, "alice")
    a.send(b"PRIVMSG alice :\xff\xfe")
    assert a.until(lambda l: "FAIL" in l) == \
        f":{SERVER} FAIL PRIVMSG INVALID_UTF8 :Message rejected, text must be UTF-8"
    a.expect_quiet()


def test_names_away_whois_across_protocols(server):
    a, b = irc(server, "alice", caps=("multi-prefix", "userhost-in-names")), irc(server, "bob")
    a.send("JOIN #w")
    a.numeric("366")
    chat(server, "carol", room="#w")
    a.send("MODE #w +v alice")
    a.until(lambda l: "MODE #w +v alice" in l)
    a.send("NAMES #w")
    assert a.numeric("353").endswith(
        f"= #w :@+alice!alice@127.0.0.1 carol!carol@{SERVER}")
    a.send("AWAY :lunch")
    a.numeric("306")
    b.send("PRIVMSG alice :there?")
    assert b.numeric("301").endswith("alice :lunch")
    b.send("WHOIS alice")
    assert b.numeric("311").endswith("alice alice 127.0.0.1 * :Real alice")
    assert b.numeric("319").endswith("alice :@#w")
    b.numeric("312")
    b.numeric("301")
    b.numeric("317")
    b.numeric("318")
    b.send("ISON carol nobody alice")
    assert b.numeric("303").endswith(":carol alice")
    b.send("MODE bob +i")
    assert b.recv_line() == ":bob!bob@127.0.0.1 MODE bob +i"
    b.send("MODE bob")
    assert b.numeric("221").endswith("bob +i")
    b.send("LUSERS")
    assert b.numeric("251").endswith(":There are 2 users and 1 invisible on 1 servers")
    b.send("MODE alice +i")
    b.numeric("502")


def test_password_motd_and_registration_timeout(backend, tmp_path):
    motd = tmp_path / "motd.txt"
    motd.write_text("Welcome aboard\nBe nice\n")
    with Server(listen=("irc:127.0.0.1:0",), backend=backend,
                args=("--server-name", SERVER, "--irc-password", "s3cret", "--motd", motd,
                      "--register-timeout", "1")) as srv:
        bad = IrcClient(srv.port("irc"))
        bad.send("PASS wrong")
        bad.send("NICK bad")
        bad.send("USER bad 0 * :Bad")
        assert bad.numeric("464").endswith(":Password incorrect")
        assert bad.recv_line().startswith("ERROR :Closing Link: 127.0.0.1")
        bad.expect_closed()
        good = IrcClient(srv.port("irc"))
        good.send("PASS s3cret")
        good.send("NICK good")
        good.send("USER good 0 * :Good")
        good.numeric("001")
        assert good.numeric("375").endswith(f":- {SERVER} Message of the day - ")
        assert good.recv_line() == f":{SERVER} 372 good :- Welcome aboard"
        assert good.recv_line() == f":{SERVER} 372 good :- Be nice"
        assert good.recv_line() == f":{SERVER} 376 good :End of /MOTD command."
        idle = IrcClient(srv.port("irc"))
        idle.send("NICK idle")
        assert idle.recv_line() == "ERROR :Closing Link: 127.0.0.1 (Registration timed out)"
        idle.expect_closed()


def test_shutdown_sends_error_to_irc_clients(backend):
    with Server(listen=("irc:127.0.0.1:0",), backend=backend,
                args=("--server-name", SERVER)) as srv:
        a = IrcClient(srv.port("irc"), "alice")
        srv.send_signal(signal.SIGTERM)
        assert a.recv_line() == "ERROR :Closing Link: 127.0.0.1 (Server shutting down)"
        a.expect_closed()
        srv.wait_exit()
