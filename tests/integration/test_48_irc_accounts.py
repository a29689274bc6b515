"""48 IRC accounts: SASL PLAIN, draft/account-registration, NickServ, and
the account caps, on every backend.

SASL PLAIN succeeds (in one chunk, and split over 400-byte chunks), fails
alike for a wrong password and an unknown account, aborts, refuses a
payload that is too long, and is rate-limited; registration waits for a
check in flight. REGISTER creates an account logged in; NickServ REGISTER
and IDENTIFY (also of a nick taken as a guest before the account existed,
and of another account name, which renames); account-tag, account-notify
and extended-join as another client sees them; a name registered on chat is
protected on IRC and the other way round.
"""

import re
import subprocess

import pytest

from harness import PARLEYD, ChatClient
from irc_helpers import (authenticate, body, data_server, sasl_client, sasl_payload,
                         tags_of)
from test_39_irc_smoke import SERVER, IrcClient

PW = "correct-horse"


@pytest.fixture
def srv(backend, tmp_path):
    with data_server(tmp_path, backend) as s:
        yield s


def register_account(port, name, password=PW):
    c = IrcClient(port, name)
    c.send(f"REGISTER * {name}@example.org {password}")
    line = c.until(lambda l: "REGISTER SUCCESS" in l or " FAIL " in l)
    assert body(line) == f":{SERVER} REGISTER SUCCESS {name} :Account created", line
    c.close()


def sasl_start(port, caps=("sasl",)):
    c = IrcClient(port)
    c.send("CAP LS 302")
    c.until(lambda l: " CAP * LS " in l)
    c.send("CAP REQ :" + " ".join(caps))
    c.until(lambda l: " CAP * ACK " in l)
    return c


def test_register_logs_in_and_sasl_logs_in_later(srv):
    port = srv.port("irc")
    c = IrcClient(port, "alice")
    c.send(f"REGISTER * alice@example.org {PW}")
    assert body(c.until(lambda l: "REGISTER" in l)) == \
        f":{SERVER} REGISTER SUCCESS alice :Account created"
    assert c.numeric("900").endswith(" alice!alice@127.0.0.1 alice :You are now logged in "
                                     "as alice")
    c.close()
    d = sasl_client(port, "alice", PW)
    d.expect_quiet()


def plain_payload(authzid, name, password):
    import base64
    return base64.b64encode(f"{authzid}\0{name}\0{password}".encode()).decode()


def test_sasl_payload_over_two_chunks(srv):
    port = srv.port("irc")
    name, pw = "n" * 32, "x" * 256
    register_account(port, name, pw)
    payload = plain_payload(name, name, pw)  # authzid given: 432 base64 bytes
    assert 400 < len(payload) < 800
    c = sasl_start(port)
    c.send(f"NICK {name}")
    c.send(f"USER u 0 * :x")
    assert " 903 " in authenticate(c, payload)
    c.send("CAP END")
    assert c.numeric("001").split()[2] == name


def test_sasl_payload_of_exactly_400_bytes_waits_for_plus(srv):
    port = srv.port("irc")
    name, pw = "e" * 32, "y" * 234
    register_account(port, name, pw)
    payload = plain_payload(name, name, pw)
    assert len(payload) == 400
    c = sasl_start(port)
    c.send("AUTHENTICATE PLAIN")
    c.until(lambda l: l == "AUTHENTICATE +")
    c.send("AUTHENTICATE " + payload)
    c.expect_quiet()  # a full chunk: more may follow
    c.send("AUTHENTICATE +")
    assert " 903 " in c.until(lambda l: re.search(r" 90[345] ", l))


def test_sasl_authzid_must_be_the_account(srv):
    port = srv.port("irc")
    register_account(port, "zed")
    c = sasl_start(port)
    assert " 904 " in authenticate(c, plain_payload("other", "zed", PW))


def test_wrong_password_and_unknown_account_get_the_same_reply(srv):
    port = srv.port("irc")
    register_account(port, "bob")
    replies = []
    for name, pw in (("bob", "wrong-password"), ("nobody", PW)):
        c = sasl_start(port)
        replies.append(body(authenticate(c, sasl_payload(name, pw))))
        c.close()
    assert replies[0] == replies[1] == f":{SERVER} 904 * :SASL authentication failed"


def test_sasl_abort_unknown_mechanism_and_too_long(srv):
    c = sasl_start(srv.port("irc"))
    c.send("AUTHENTICATE PLAIN")
    c.until(lambda l: l == "AUTHENTICATE +")
    c.send("AUTHENTICATE *")
    assert body(c.numeric("906")) == f":{SERVER} 906 * :SASL authentication aborted"
    c.send("AUTHENTICATE SCRAM-SHA-1")
    assert body(c.numeric("908")) == f":{SERVER} 908 * PLAIN :are available SASL mechanisms"
    c.numeric("904")
    c.send("AUTHENTICATE PLAIN")
    c.until(lambda l: l == "AUTHENTICATE +")
    c.send("AUTHENTICATE " + "A" * 401)
    assert body(c.numeric("905")) == f":{SERVER} 905 * :SASL message too long"
    c.send("AUTHENTICATE PLAIN")
    c.until(lambda l: l == "AUTHENTICATE +")
    for _ in range(3):
        c.send("AUTHENTICATE " + "A" * 400)
    c.send("AUTHENTICATE AAAA")  # every line fits, the payload does not: 904
    assert body(c.numeric("904")) == f":{SERVER} 904 * :SASL authentication failed"
    c.send("AUTHENTICATE PLAIN")
    c.until(lambda l: l == "AUTHENTICATE +")
    c.send("AUTHENTICATE !!!!")
    c.numeric("904")
    c.expect_quiet()


def test_sasl_needs_the_cap_and_happens_once(srv):
    port = srv.port("irc")
    register_account(port, "carol")
    c = IrcClient(port)
    c.send("AUTHENTICATE PLAIN")
    c.numeric("904")
    d = sasl_client(port, "carol", PW)
    d.send("AUTHENTICATE PLAIN")
    assert body(d.numeric("907")).endswith(":You have already authenticated using SASL")


def test_failed_logins_are_rate_limited(srv):
    port = srv.port("irc")
    register_account(port, "dave")
    c = sasl_start(port)
    assert " 904 " in authenticate(c, sasl_payload("dave", "bad-guess-1"))
    # The connection must now wait before the next try: even the right
    # password is refused without being checked.
    c.send("AUTHENTICATE PLAIN")
    c.until(lambda l: l == "AUTHENTICATE +")
    c.send("AUTHENTICATE " + sasl_payload("dave", PW))
    line = c.numeric("904")
    assert "too many attempts" in line


def test_undecodable_payload_fails_without_making_the_retry_wait(srv):
    # No password was guessed, so the retry the SASL spec allows after 904
    # is checked at once.
    port = srv.port("irc")
    register_account(port, "erin")
    c = sasl_start(port)
    assert " 904 " in authenticate(c, "!!!")
    assert " 903 " in authenticate(c, sasl_payload("erin", PW))


def test_registration_waits_for_the_sasl_check(srv):
    port = srv.port("irc")
    register_account(port, "erin")
    c = sasl_start(port)
    c.send("NICK erin")
    c.send("USER erin 0 * :x")
    c.send("AUTHENTICATE PLAIN")
    c.until(lambda l: l == "AUTHENTICATE +")
    # CAP END right behind the payload: registration must wait for 903.
    c.send("AUTHENTICATE " + sasl_payload("erin", PW))
    c.send("CAP END")
    c.numeric("903")
    assert c.numeric("001").split()[2] == "erin"


def test_registered_nick_needs_a_login(srv):
    port = srv.port("irc")
    register_account(port, "frank")
    c = IrcClient(port)
    c.send("NICK frank")
    c.send("USER frank 0 * :x")
    assert c.numeric("433").endswith("frank :Nickname is registered to an account")
    c.send("NICK guest")
    c.numeric("001")
    c.numeric("422")
    c.send("NICK frank")
    c.numeric("433")


def test_account_registration_errors(srv):
    port = srv.port("irc")
    c = IrcClient(port)
    c.send("REGISTER * a@b.c longenough")
    assert "FAIL REGISTER COMPLETE_CONNECTION_REQUIRED" in c.until(lambda l: "FAIL" in l)
    c.register("gina")
    c.send("REGISTER other a@b.c longenough")
    assert "FAIL REGISTER ACCOUNT_NAME_MUST_BE_NICK other" in c.until(lambda l: "FAIL" in l)
    c.send("REGISTER gina a@b.c short")
    assert "FAIL REGISTER WEAK_PASSWORD gina" in c.until(lambda l: "FAIL" in l)
    c.send("REGISTER gina a@b.c")
    assert "FAIL REGISTER INVALID_PARAMS" in c.until(lambda l: "FAIL" in l)
    c.send("VERIFY gina 1234")
    assert "FAIL VERIFY INVALID_CODE gina" in c.until(lambda l: "FAIL" in l)
    c.send("REGISTER gina a@b.c longenough")
    c.until(lambda l: "REGISTER SUCCESS" in l)
    c.send("REGISTER gina a@b.c longenough")
    assert "FAIL REGISTER ALREADY_AUTHENTICATED" in c.until(lambda l: "FAIL" in l)


def ns(c, text):
    c.send(f"PRIVMSG NickServ :{text}")
    line = c.until(lambda l: l.startswith(":NickServ!"))
    assert re.match(rf":NickServ!NickServ@{SERVER} NOTICE \S+ :", line), line
    return line.split(" :", 1)[1]


def test_nickserv_register_and_identify(srv):
    port = srv.port("irc")
    c = IrcClient(port, "hank")
    assert "REGISTER" in ns(c, "help")
    assert "too short" in ns(c, "REGISTER short")
    assert "now registered" in ns(c, f"REGISTER {PW}")
    c.numeric("900")
    c.close()
    d = IrcClient(port, "guest1")
    assert ns(d, "IDENTIFY hank wrong-password") == "Invalid account name or password."
    # Rate limited now, whatever the password.
    assert "Too many" in ns(d, f"IDENTIFY hank {PW}")
    e = IrcClient(port, "guest2")
    assert ns(e, "IDENTIFY nobody some-password") == "Invalid account name or password."
    f = IrcClient(port, "guest3")
    assert ns(f, f"IDENTIFY hank {PW}") == "You are now identified."
    # The account's name is taken over: NICK first, then the notice.
    assert ":guest3!guest3@127.0.0.1 NICK hank" in [body(l) for l in f.skipped]
    assert f.numeric("900").endswith(" hank :You are now logged in as hank")
    f.send("NICK NickServ")
    f.numeric("432")


def test_nickserv_identify_of_a_nick_taken_as_a_guest(backend, tmp_path):
    with data_server(tmp_path, backend) as s:
        port = s.port("irc")
        guest = IrcClient(port, "ivy", ("account-notify",))
        # The administrator creates the account while ivy is connected.
        r = subprocess.run([PARLEYD, "--data-dir", str(tmp_path), "account", "add", "ivy"],
                           input=PW + "\n", capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert ns(guest, f"IDENTIFY {PW}") == "You are now identified."
        guest.numeric("900")
        assert body(guest.until(lambda l: " ACCOUNT " in l)) == \
            ":ivy!ivy@127.0.0.1 ACCOUNT ivy"


def test_account_caps_seen_by_another_client(srv):
    port = srv.port("irc")
    register_account(port, "jack")
    watcher = IrcClient(port, "watcher",
                        ("account-tag", "account-notify", "extended-join", "message-tags"))
    watcher.send("JOIN #acc")
    assert body(watcher.until(lambda l: " JOIN " in l)) == \
        ":watcher!watcher@127.0.0.1 JOIN #acc * :Real watcher"
    jack = sasl_client(port, "jack", PW)
    jack.send("JOIN #acc")
    assert body(watcher.until(lambda l: " JOIN " in l)) == \
        ":jack!jack@127.0.0.1 JOIN #acc jack :Real jack"
    jack.send("PRIVMSG #acc :hello")
    line = watcher.until(lambda l: "PRIVMSG #acc :hello" in l)
    assert tags_of(line).get("account") == "jack"
    guest = IrcClient(port, "kim")
    guest.send("JOIN #acc")
    assert body(watcher.until(lambda l: " JOIN " in l)) == \
        ":kim!kim@127.0.0.1 JOIN #acc * :Real kim"
    guest.send("PRIVMSG #acc :hi")
    line = watcher.until(lambda l: "PRIVMSG #acc :hi" in l)
    assert "account" not in tags_of(line)
    # kim registers: the watcher sharing #acc hears ACCOUNT once.
    guest.send(f"REGISTER * kim@example.org {PW}")
    assert body(watcher.until(lambda l: " ACCOUNT " in l)) == ":kim!kim@127.0.0.1 ACCOUNT kim"
    watcher.expect_quiet()
    plain = IrcClient(port, "plain")
    plain.send("JOIN #acc")
    plain.numeric("366")
    jack.send("PRIVMSG #acc :again")
    line = plain.until(lambda l: "PRIVMSG #acc :again" in l)
    assert not line.startswith("@")


def test_names_protected_across_protocols(srv):
    port = srv.port("irc")
    # Registered on chat, protected on IRC ...
    chat = ChatClient(srv.port("chat"), name="lena")
    chat.send(f"REGISTER {PW}")
    chat.expect("OK Registered lena")
    chat.close()
    c = IrcClient(port)
    c.send("NICK lena")
    c.send("USER lena 0 * :x")
    c.numeric("433")
    d = sasl_client(port, "lena", PW)
    d.close()
    # ... and registered on IRC, protected on chat.
    register_account(port, "mona")
    e = ChatClient(srv.port("chat"))
    e.send("USERNAME mona")
    e.expect("ERROR Name is registered")
    e.send(f"LOGIN mona {PW}")
    e.expect("OK Welcome, mona!")


def test_account_tag_on_lines_other_than_messages(srv):
    # An INVITE (sent by hand, not from a hub event) carries the inviter's
    # account to a client that negotiated account-tag.
    port = srv.port("irc")
    register_account(port, "liz")
    liz = sasl_client(port, "liz", PW)
    liz.send("JOIN #inv")
    liz.numeric("366")
    guest = IrcClient(port, "max", ("account-tag",))
    liz.send("INVITE max #inv")
    line = guest.until(lambda l: " INVITE " in l)
    assert body(line) == ":liz!liz@127.0.0.1 INVITE max #inv", line
    assert tags_of(line).get("account") == "liz", line


def test_whois_shows_the_account_of_a_logged_in_user(srv):
    port = srv.port("irc")
    register_account(port, "ned")
    ned = sasl_client(port, "ned", PW)
    ned.send("PING :ready")
    ned.until(lambda l: " PONG " in l)
    asker = IrcClient(port, "olga")
    asker.send("WHOIS ned")
    assert body(asker.numeric("330")) == f":{SERVER} 330 olga ned ned :is logged in as"
    asker.send("WHOIS olga")
    line = asker.until(lambda l: re.search(r" 3(18|30) ", l))
    assert " 318 " in line, f"a guest has no 330: {line}"
