"""49 IRC presence and server queries, on every backend: WHOWAS (314/312/
369, 406, 431; newest first, the count argument, nick changes, chat users),
IRCv3 MONITOR (730-734 for IRC and chat users arriving, leaving and changing
nick, case changes silent, L/S/C/-, the per-client bound, bad targets, the
list dropped with its client), TIME (391), INFO (371/374), 402 for another
server, WALLOPS (481 for non-operators, delivered only to +w users) and
user mode +w. Absence of a line is proven with a PING round trip (sync)."""

import re

import pytest

from harness import ChatClient, Server
from test_39_irc_smoke import SERVER, IrcClient

OPER_PASSWORD = "open-sesame"


@pytest.fixture
def server(backend):
    with Server(listen=("irc:127.0.0.1:0", "chat:127.0.0.1:0"), backend=backend,
                args=("--server-name", SERVER, "--ping-interval", "60",
                      "--oper-password", OPER_PASSWORD)) as srv:
        yield srv


def irc(server, nick, user=None):
    return IrcClient(server.port("irc"), nick, user=user)


def chat(server, name):
    return ChatClient(server.port("chat"), name=name)


def params(line):
    """The parameters of a numeric line after the server prefix and number."""
    head, colon, trailing = line.partition(" :")
    return head.split()[2:] + ([trailing] if colon else [])


def quit_irc(c, reason="bye"):
    c.send(f"QUIT :{reason}")
    c.until(lambda l: l.startswith("ERROR "))


def whowas(c, query):
    """Sends WHOWAS; returns the 314/312/406 lines before 369, and the 369."""
    c.send("WHOWAS " + query)
    end = c.numeric("369")
    return [l for l in c.skipped if re.match(rf"^:{SERVER} (314|312|406) ", l)], end


# ---------------------------------------------------------------- WHOWAS

def test_whowas_after_quit_newest_first_and_count(server):
    a = irc(server, "alice")
    quit_irc(irc(server, "nick2", user="ident2"))
    quit_irc(irc(server, "Nick2", user="ident3"))
    lines, end = whowas(a, "NICK2")
    assert params(end) == ["alice", "NICK2", "End of WHOWAS"]
    assert [l.split()[1] for l in lines] == ["314", "312", "314", "312"]
    assert params(lines[0]) == ["alice", "Nick2", "ident3", "127.0.0.1", "*", "Real Nick2"]
    assert params(lines[1])[:3] == ["alice", "Nick2", SERVER]
    assert params(lines[2])[:4] == ["alice", "nick2", "ident2", "127.0.0.1"]
    lines, _ = whowas(a, "nick2 1")
    assert [params(l)[2] for l in lines if " 314 " in l] == ["ident3"]
    for count in ("0", "-1", "x"):
        lines, _ = whowas(a, "nick2 " + count)
        assert [params(l)[2] for l in lines if " 314 " in l] == ["ident3", "ident2"], count


def test_whowas_records_nick_changes_and_chat_users(server):
    a = irc(server, "alice")
    b = irc(server, "bob", user="bobby")
    b.send("NICK robert")
    b.until(lambda l: " NICK " in l)
    lines, _ = whowas(a, "bob")
    assert params(lines[0]) == ["alice", "bob", "bobby", "127.0.0.1", "*", "Real bob"]
    carol = chat(server, "carol")
    carol.send("QUIT")
    carol.expect("OK Goodbye!")
    a.send("WHOWAS carol")
    # a chat user has no ident or host: its name and the server name
    assert params(a.numeric("314")) == ["alice", "carol", "carol", SERVER, "*", "carol"]
    a.numeric("369")


def test_whowas_errors(server):
    a = irc(server, "alice")
    lines, end = whowas(a, "ghost")
    assert [params(l) for l in lines] == [["alice", "ghost", "There was no such nickname"]]
    assert params(end)[:2] == ["alice", "ghost"]
    a.send("WHOWAS")
    assert params(a.numeric("431")) == ["alice", "No nickname given"]
    a.expect_quiet()  # no 369 after 431
    a.send("WHOWAS :has space")  # never echoed so as to break the line
    assert params(a.numeric("406"))[:2] == ["alice", "has"]
    a.numeric("369")


# ---------------------------------------------------------------- MONITOR

def test_isupport_advertises_monitor(server):
    c = IrcClient(server.port("irc"))
    c.send("NICK alice")
    c.send("USER alice 0 * :Alice")
    tokens = (c.numeric("005") + " " + c.numeric("005")).split()
    assert "MONITOR=100" in tokens


def test_monitor_irc_user_online_offline_and_nick_changes(server):
    w = irc(server, "watcher")
    w.send("MONITOR + bar")
    assert params(w.numeric("731")) == ["watcher", "bar"]
    bar = irc(server, "bar", user="baruser")
    assert params(w.numeric("730")) == ["watcher", "bar!baruser@127.0.0.1"]
    bar.send("NICK BAR")  # a change of case: nothing
    bar.until(lambda l: " NICK " in l)
    w.expect_quiet()
    bar.send("NICK other")
    bar.until(lambda l: " NICK " in l)
    assert params(w.numeric("731")) == ["watcher", "BAR"]
    w.expect_quiet()
    w.send("MONITOR + other")
    assert params(w.numeric("730")) == ["watcher", "other!baruser@127.0.0.1"]
    bar.send("NICK bar")
    bar.until(lambda l: " NICK " in l)
    # both names are watched: offline for one, online for the other
    assert params(w.numeric("731")) == ["watcher", "other"]
    assert params(w.numeric("730")) == ["watcher", "bar!baruser@127.0.0.1"]
    quit_irc(bar)
    assert params(w.numeric("731")) == ["watcher", "bar"]


def test_monitor_chat_user(server):
    w = irc(server, "watcher")
    w.send("MONITOR + dave")
    w.numeric("731")
    dave = chat(server, "dave")
    assert params(w.numeric("730")) == ["watcher", f"dave!dave@{SERVER}"]
    dave.close()
    assert params(w.numeric("731")) == ["watcher", "dave"]


def test_monitor_list_status_remove_clear(server):
    w = irc(server, "watcher")
    irc(server, "bar")
    w.send("MONITOR + bar,baz,,qux")
    on = w.numeric("730")
    off = w.numeric("731")
    assert params(on) == ["watcher", "bar!bar@127.0.0.1"]
    assert params(off) == ["watcher", "baz,qux"]
    w.send("MONITOR L")
    listed = w.numeric("732")
    assert sorted(params(listed)[1].split(",")) == ["bar", "baz", "qux"]
    assert params(w.numeric("733")) == ["watcher", "End of MONITOR list"]
    w.send("MONITOR - baz,nothere")
    w.expect_quiet()
    w.send("MONITOR S")
    assert params(w.numeric("730"))[1] == "bar!bar@127.0.0.1"
    assert params(w.numeric("731"))[1] == "qux"
    w.send("MONITOR C")
    w.expect_quiet()
    w.send("MONITOR L")
    w.numeric("733")
    assert not [l for l in w.skipped if " 732 " in l]
    irc(server, "qux")
    w.expect_quiet()


def test_monitor_bad_input(server):
    w = irc(server, "watcher")
    for line in ("MONITOR", "MONITOR +", "MONITOR -"):
        w.send(line)
        assert params(w.numeric("461"))[:2] == ["watcher", "MONITOR"], line
    w.send("MONITOR + *!user@host")
    assert params(w.numeric("432"))[1] == "*!user@host"
    w.send("MONITOR X")
    assert w.until(lambda l: " FAIL " in l) == \
        f":{SERVER} FAIL MONITOR INVALID_PARAMS X :Unknown subcommand"
    w.send("MONITOR L")
    w.numeric("733")
    assert not [l for l in w.skipped if " 732 " in l]


def test_monitor_list_is_bounded(server):
    w = irc(server, "watcher")
    first = ",".join(f"n{i}" for i in range(60))
    w.send("MONITOR + " + first)
    w.send("MONITOR + " + ",".join(f"m{i}" for i in range(45)))
    full = w.numeric("734")
    assert params(full) == ["watcher", "100", "m40,m41,m42,m43,m44", "Monitor list is full."]
    w.send("MONITOR + n0")  # already listed: still fine when full
    assert params(w.numeric("731")) == ["watcher", "n0"]
    w.send("MONITOR L")
    w.numeric("733")
    listed = [n for l in w.skipped if " 732 " in l for n in params(l)[1].split(",")]
    assert len(listed) == 100 and "m39" in listed and "m40" not in listed


def test_monitor_dropped_with_its_client(server):
    w = irc(server, "watcher")
    w.send("MONITOR + bar")
    w.numeric("731")
    quit_irc(w)
    other = irc(server, "other")
    other.send("MONITOR + bar")
    other.numeric("731")
    bar = irc(server, "bar")  # reaches only the live watcher
    assert params(other.numeric("730"))[1].startswith("bar!")
    bar.expect_quiet()


# ---------------------------------------------------------------- TIME, INFO

def test_time_and_info(server):
    a = irc(server, "alice")
    a.send("TIME")
    reply = params(a.numeric("391"))
    assert reply[:2] == ["alice", SERVER] and re.search(r"\d\d:\d\d:\d\d", reply[2])
    a.send(f"TIME {SERVER}")
    a.numeric("391")
    a.send("INFO")
    a.numeric("374")
    info = [l for l in a.skipped if f" 371 alice :" in l]
    assert info and all(l.startswith(f":{SERVER} 371 alice :") for l in a.skipped)
    for cmd in ("TIME", "INFO"):
        a.send(f"{cmd} elsewhere.example")
        assert params(a.numeric("402")) == ["alice", "elsewhere.example", "No such server"]


# ---------------------------------------------------------------- WALLOPS

def test_user_mode_w(server):
    a = irc(server, "alice")
    a.send("MODE alice +w")
    assert a.until(lambda l: " MODE " in l) == ":alice!alice@127.0.0.1 MODE alice +w"
    a.send("MODE alice")
    assert params(a.numeric("221")) == ["alice", "+w"]
    a.send("MODE alice +i-w")
    assert a.until(lambda l: " MODE " in l) == ":alice!alice@127.0.0.1 MODE alice +i-w"
    a.send("MODE alice +i")  # no change: no line
    a.expect_quiet()


def test_wallops(server):
    oper, plain, hears = irc(server, "oper"), irc(server, "plain"), irc(server, "hears")
    carol = chat(server, "carol")
    hears.send("MODE hears +w")
    hears.until(lambda l: " MODE " in l)
    oper.send("WALLOPS :hi")
    assert params(oper.numeric("481"))[0] == "oper"
    oper.send(f"OPER oper {OPER_PASSWORD}")
    oper.numeric("381")
    oper.send("WALLOPS")
    assert params(oper.numeric("461"))[:2] == ["oper", "WALLOPS"]
    oper.send("WALLOPS :hi everyone")
    assert hears.recv_line() == ":oper!oper@127.0.0.1 WALLOPS :hi everyone"
    oper.expect_quiet()  # not +w itself
    plain.expect_quiet()
    carol.expect_no_pending()
