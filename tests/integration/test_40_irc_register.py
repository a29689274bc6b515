"""IRC registration (RFC 1459/2812, Modern IRC, IRCv3 capability negotiation):
CAP LS/LIST/REQ/ACK/NAK/END, PASS, NICK, USER, the 001-005 welcome, LUSERS,
MOTD, PING/PONG, QUIT and the errors a client can provoke while registering.
Runs on every backend, or against $IRC_REFERENCE (see irc_harness.py)."""

from irc_harness import NETWORK, SERVER_NAME, diverges, launch, parley_only


def test_welcome_numerics_001_to_005(irc_server):
    c = irc_server.connect()
    got = c.register("alice")
    codes = [m.command for m in got]
    for code in ("001", "002", "003", "004", "005"):
        assert code in codes, f"no {code} in {codes}"
    assert codes.index("001") < codes.index("004") < codes.index("005")
    welcome = got[0]
    assert welcome.params[0] == "alice"
    assert welcome.prefix == SERVER_NAME
    my_info = next(m for m in got if m.command == "004")
    assert my_info.params[:2] == ["alice", SERVER_NAME]
    assert c.isupport.get("NETWORK") == NETWORK


def test_registration_ends_with_motd_or_422(irc_server):
    got = irc_server.connect().register("alice")
    assert got[-1].command in ("376", "422")
    assert got[-1].params[0] == "alice"


@parley_only
def test_isupport_tokens_parley_promises(irc_server):
    c = irc_server.client("alice")
    tokens = c.isupport
    assert tokens["NETWORK"] == NETWORK
    assert tokens["CASEMAPPING"] == "ascii"
    assert tokens["CHANTYPES"] == "#"
    assert tokens["PREFIX"] == "(ov)@+"
    assert "UTF8ONLY" in tokens, "text must be UTF-8, as on chat"
    for number in ("CHANNELLEN", "NICKLEN", "TOPICLEN", "MAXTARGETS"):
        assert tokens[number].isdigit() and int(tokens[number]) > 0, number
    assert int(tokens["CHANNELLEN"]) >= 32, "chat room names go up to 32 bytes"
    lists, key, limit, flags = tokens["CHANMODES"].split(",")[:4]
    assert "b" in lists and "k" in key and "l" in limit
    assert set("imnt") <= set(flags)


@parley_only
def test_motd_missing_gives_422(irc_server):
    got = irc_server.connect().register("alice")
    assert got[-1].command == "422" and got[-1].params[0] == "alice"


def test_motd_file_is_sent_375_372_376(irc_kind):
    with launch(irc_kind, motd="first motd line\nsecond motd line\n") as server:
        got = server.connect().register("alice")
        codes = [m.command for m in got]
        assert "375" in codes and codes[-1] == "376"
        body = [m.params[-1] for m in got if m.command == "372"]
        assert any("first motd line" in line for line in body)
        assert any("second motd line" in line for line in body)


def test_motd_command_after_registration(irc_server):
    c = irc_server.client("alice")
    c.send("MOTD")
    end = c.wait_for(lambda m: m.command in ("376", "422"))
    assert end.params[0] == "alice"


def test_lusers_on_welcome_and_on_request(irc_server):
    c = irc_server.connect()
    codes = [m.command for m in c.register("alice")]
    assert "251" in codes and "255" in codes
    irc_server.client("bob")
    c.send("LUSERS")
    c.expect_numeric("251", "alice")
    counts = c.expect_numeric("255", "alice")
    assert "2" in counts.params[-1], f"255 should count 2 clients: {counts.line}"


@parley_only
def test_lusers_counts_unregistered_connections_and_the_peak(irc_server):
    alice = irc_server.client("alice")
    pending = irc_server.connect()
    pending.send("PING :here")
    pending.expect("PONG")
    bob = irc_server.client("bob")
    bob.send("QUIT :bye")
    bob.expect("ERROR")
    alice.send("LUSERS")
    assert alice.expect_numeric("253", "alice").params[1] == "1"
    assert alice.expect_numeric("265", "alice").params[1:3] == ["1", "2"]
    assert alice.expect_numeric("266", "alice").params[1:3] == ["1", "2"]


def test_ping_is_answered_with_pong_token(irc_server):
    c = irc_server.client("alice")
    c.send("PING :hello-token")
    pong = c.expect("PONG")
    assert pong.params[-1] == "hello-token"
    assert pong.prefix == SERVER_NAME


def test_ping_without_origin_is_an_error(irc_server):
    c = irc_server.client("alice")
    c.send("PING")
    err = c.wait_for(lambda m: m.command in ("409", "461"))
    assert err.params[0] == "alice"


# ---------------------------------------------------------------- CAP

def test_cap_ls_302_lists_capabilities(irc_server):
    c = irc_server.connect()
    caps = c.cap_ls()
    assert "multi-prefix" in caps


def test_cap_req_ack_and_cap_list(irc_server):
    c = irc_server.connect()
    c.cap_ls()
    assert c.cap_req(["multi-prefix"]) == ("ACK", ["multi-prefix"])
    c.send("CAP LIST")
    listed = c.expect("CAP", lambda p: p[1] == "LIST")
    assert "multi-prefix" in listed.params[-1].split()
    assert listed.params[0] == "*"


def test_cap_req_unknown_is_nak_as_a_whole(irc_server):
    c = irc_server.connect()
    c.cap_ls()
    verdict, names = c.cap_req(["multi-prefix", "parley.example/no-such-cap"])
    assert verdict == "NAK"
    assert names == ["multi-prefix", "parley.example/no-such-cap"]
    c.send("CAP LIST")
    listed = c.expect("CAP", lambda p: p[1] == "LIST")
    assert "multi-prefix" not in listed.params[-1].split()


def test_registration_waits_for_cap_end(irc_server):
    c = irc_server.connect()
    c.cap_ls()
    c.send("NICK alice")
    c.send("USER alice 0 * :Alice")
    c.send("CAP LIST")
    c.expect("CAP", lambda p: p[1] == "LIST")
    assert not any(m.command == "001" for m in c.pending), "welcomed before CAP END"
    c.send("CAP END")
    assert c.expect("001").params[0] == "alice"


def test_cap_unknown_subcommand_is_410(irc_server):
    c = irc_server.connect()
    c.send("CAP FROB")
    err = c.expect("410")
    assert err.params[1] == "FROB"


# ---------------------------------------------------------------- PASS

def test_pass_correct_registers(irc_kind):
    with launch(irc_kind, password="s3cret") as server:
        c = server.connect()
        c.register("alice", password="s3cret")
        assert c.nick == "alice"


def test_pass_wrong_is_refused_and_closed(irc_kind):
    with launch(irc_kind, password="s3cret") as server:
        c = server.connect()
        c.send("PASS wrong")
        c.send("NICK alice")
        c.send("USER alice 0 * :Alice")
        err = c.wait_for(lambda m: m.command in ("464", "ERROR"))
        while err.command != "ERROR":
            err = c.recv_msg()
        c.expect_closed()
        assert not any(m.command == "001" for m in c.pending)


def test_pass_after_registration_is_462(irc_kind):
    with launch(irc_kind, password="s3cret") as server:
        c = server.connect()
        c.register("alice", password="s3cret")
        c.send("PASS s3cret")
        c.expect_numeric("462", "alice")


# ---------------------------------------------------------------- NICK / USER errors

def test_command_before_registration_is_451(irc_server):
    c = irc_server.connect()
    c.send("JOIN #room")
    err = c.expect("451")
    assert err.params[0] == "*"


@diverges("ngircd", "answers NICK without a nickname with 461, not 431")
@diverges("inspircd", "answers NICK without a nickname with 461, not 431")
def test_nick_without_argument_is_431(irc_server):
    c = irc_server.client("alice")
    c.send("NICK")
    c.expect_numeric("431", "alice")


def test_erroneous_nick_is_432(irc_server):
    c = irc_server.client("alice")
    c.send("NICK #bad")
    c.expect_numeric("432", "alice", "#bad")


def test_erroneous_nick_before_registration_is_432_with_star(irc_server):
    c = irc_server.connect()
    c.send("NICK #bad")
    c.expect_numeric("432", "*", "#bad")


def test_nick_in_use_is_433_ignoring_case(irc_server):
    irc_server.client("alice")
    c = irc_server.connect()
    c.send("NICK ALICE")
    c.expect_numeric("433", "*", "ALICE")
    c.send("NICK bob")
    c.send("USER bob 0 * :Bob")
    assert c.expect("001").params[0] == "bob"


def test_user_with_too_few_params_is_461(irc_server):
    c = irc_server.connect()
    c.send("NICK alice")
    c.send("USER alice")
    err = c.expect("461")
    assert err.params[1] == "USER"


def test_user_with_an_empty_realname_is_461(irc_server):
    c = irc_server.connect()
    c.send("NICK alice")
    c.send("USER alice 0 * :")
    err = c.expect("461")
    assert err.params[1] == "USER"
    c.send("USER alice 0 * :Alice")
    assert c.expect("001").params[0] == "alice"


def test_user_again_is_462(irc_server):
    c = irc_server.client("alice")
    c.send("USER alice 0 * :Alice")
    c.expect_numeric("462", "alice")


def test_unknown_command_is_421(irc_server):
    c = irc_server.client("alice")
    c.send("FROBNICATE a b")
    c.expect_numeric("421", "alice", "FROBNICATE")
    c.sync()  # still connected


def test_nick_change_is_seen_by_self_and_channel_peers(irc_server):
    alice = irc_server.client("alice")
    bob = irc_server.client("bob")
    alice.join("#room")
    bob.join("#room")
    alice.send("NICK alicia")
    mine = alice.expect("NICK")
    assert mine.nick == "alice" and mine.params == ["alicia"]
    seen = bob.expect("NICK")
    assert seen.nick == "alice" and seen.params == ["alicia"]
    bob.send("PRIVMSG alicia :found you")
    assert alice.expect("PRIVMSG").params == ["alicia", "found you"]


def test_nick_change_to_taken_nick_is_433(irc_server):
    alice = irc_server.client("alice")
    irc_server.client("bob")
    alice.send("NICK Bob")
    alice.expect_numeric("433", "alice", "Bob")


# ---------------------------------------------------------------- QUIT

def test_quit_sends_error_then_closes_and_peers_see_quit(irc_server):
    alice = irc_server.client("alice")
    bob = irc_server.client("bob")
    alice.join("#room")
    bob.join("#room")
    alice.send("QUIT :gone fishing")
    alice.wait_for(lambda m: m.command == "ERROR")
    alice.expect_closed()
    quit_ = bob.expect("QUIT")
    assert quit_.nick == "alice" and "gone fishing" in quit_.params[-1]


def test_quit_before_registration_sends_error(irc_server):
    c = irc_server.connect()
    c.send("QUIT")
    c.wait_for(lambda m: m.command == "ERROR")
    c.expect_closed()


@parley_only
def test_overlong_line_is_417_and_connection_stays(irc_server):
    c = irc_server.client("alice")
    c.send("PRIVMSG alice :" + "x" * 600)
    c.expect_numeric("417", "alice")
    c.send("PRIVMSG alice :short")
    assert c.expect("PRIVMSG").params == ["alice", "short"]


@parley_only
def test_server_name_flag_is_used_in_prefixes(irc_server):
    c = irc_server.client("alice")
    c.send("PING :x")
    assert c.expect("PONG").prefix == SERVER_NAME
    c.send("WHOIS alice")
    assert c.expect("312").params[2] == SERVER_NAME


# ---------------------------------------------------------------- keepalive (parleyd flags)

@parley_only
def test_idle_client_is_pinged_and_kept_when_it_answers(irc_kind):
    with launch(irc_kind, args=["--ping-interval", "1"]) as server:
        c = server.client("alice")
        ping = c.expect("PING", timeout=3)     # recv_msg answers it with PONG
        assert ping.params
        c.expect("PING", timeout=3)            # a second round: still connected
        c.sync()


@parley_only
def test_idle_client_that_never_answers_gets_error_and_is_closed(irc_kind):
    with launch(irc_kind, args=["--ping-interval", "1"]) as server:
        c = server.client("alice")
        while True:   # read raw lines: IrcClient.recv_msg would answer the PING
            line = c.recv_line(timeout=5)
            if line.startswith("ERROR"):
                break
        c.expect_closed()


@parley_only
def test_unregistered_client_times_out_with_error(irc_kind):
    with launch(irc_kind, args=["--register-timeout", "1"]) as server:
        c = server.connect()
        c.send("NICK alice")
        c.wait_for(lambda m: m.command == "ERROR", timeout=3)
        c.expect_closed()
