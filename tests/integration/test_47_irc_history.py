"""47 IRC history: draft/chathistory over the store, on every backend.

Paging backwards (BEFORE) and forwards (AFTER) returns every line exactly
once in order; LATEST with * and with a reference; BETWEEN both ways;
AROUND; timestamp= and msgid= references; TARGETS; FAIL replies for bad
requests and unknown or hidden targets; batch framing and plain lines
without `batch`; no replay on join; private history only for its two
parties; history across a restart; nothing advertised without a store.
"""

import re

import pytest

from harness import Server
from irc_helpers import (HISTORY_CAPS, body, chathistory, data_server, fail_line,
                         sasl_client, tags_of)
from test_39_irc_smoke import SERVER, IrcClient

N = 30


def said(port, room, n, prefix="line"):
    """A second client says n numbered lines in `room`; returns when done."""
    b = IrcClient(port, "speaker")
    b.send(f"JOIN {room}")
    b.numeric("366")
    for i in range(n):
        b.send(f"PRIVMSG {room} :{prefix} {i}")
    b.sync()
    return b


@pytest.fixture
def hist(backend, tmp_path):
    with data_server(tmp_path, backend) as srv:
        speaker = said(srv.port("irc"), "#h", N)
        a = IrcClient(srv.port("irc"), "reader", HISTORY_CAPS)
        yield srv, a
        speaker.close()


def texts(rows):
    return [r[4] for r in rows]


def test_isupport_and_caps_advertised_with_a_store(backend, tmp_path):
    with data_server(tmp_path, backend) as srv:
        c = IrcClient(srv.port("irc"))
        c.send("CAP LS 302")
        ls = c.until(lambda l: " CAP * LS " in l)
        caps = ls.split(" :", 1)[1].split()
        for cap in ("draft/chathistory", "sasl=PLAIN", "draft/account-registration",
                    "account-tag", "account-notify", "extended-join"):
            assert cap in caps, cap
        c.send("NICK x")
        c.send("USER x 0 * :x")
        c.send("CAP END")
        lines = [c.numeric("005") for _ in range(3)]
        tokens = " ".join(lines).split()
        assert "CHATHISTORY=500" in tokens and "MSGREFTYPES=msgid,timestamp" in tokens


def test_nothing_advertised_without_a_store(backend):
    with Server(listen=("irc:127.0.0.1:0",), backend=backend,
                args=("--server-name", SERVER)) as srv:
        c = IrcClient(srv.port("irc"))
        c.send("CAP LS 302")
        ls = c.until(lambda l: " CAP * LS " in l)
        for cap in ("draft/chathistory", "sasl", "draft/account-registration"):
            assert cap not in ls.split(" :", 1)[1].split() and "sasl=" not in ls
        c.send("CAP END")
        c.register("x")
        c.send("CHATHISTORY LATEST #h * 10")
        assert c.numeric("421").endswith("CHATHISTORY :Unknown command")


def test_paging_backwards_returns_every_line_once_in_order(hist):
    _, a = hist
    rows, header = chathistory(a, "LATEST #h * 7")
    assert header == "chathistory #h"
    got = rows
    while rows:
        rows, _ = chathistory(a, f"BEFORE #h msgid={got[0][0]} 7")
        got = rows + got
    assert texts(got) == [f"line {i}" for i in range(N)]
    ids = [r[0] for r in got]
    assert ids == sorted(ids) and len(set(ids)) == N
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r[1]) for r in got)
    assert all(r[2] == "speaker" and r[3] == "#h" for r in got)


def test_paging_forwards_returns_every_line_once_in_order(hist):
    _, a = hist
    rows, _ = chathistory(a, "AFTER #h timestamp=2000-01-01T00:00:00.000Z 8")
    got = list(rows)
    while rows:
        rows, _ = chathistory(a, f"AFTER #h msgid={got[-1][0]} 8")
        got += rows
    assert texts(got) == [f"line {i}" for i in range(N)]


def test_latest_after_a_reference_and_timestamps(hist):
    _, a = hist
    everything, _ = chathistory(a, f"LATEST #h * {N}")
    rows, _ = chathistory(a, f"LATEST #h msgid={everything[24][0]} 100")
    assert texts(rows) == [f"line {i}" for i in range(25, N)]
    rows, _ = chathistory(a, "BEFORE #h timestamp=2999-01-01T00:00:00.000Z 4")
    assert texts(rows) == [f"line {i}" for i in range(N - 4, N)]
    rows, _ = chathistory(a, "AFTER #h timestamp=2000-01-01T00:00:00Z 3")
    assert texts(rows) == ["line 0", "line 1", "line 2"]


def test_between_both_ways_and_around(hist):
    _, a = hist
    every, _ = chathistory(a, f"LATEST #h * {N}")
    lo, hi = every[5][0], every[15][0]
    want = [f"line {i}" for i in range(6, 15)]
    rows, _ = chathistory(a, f"BETWEEN #h msgid={lo} msgid={hi} 100")
    assert texts(rows) == want
    rows, _ = chathistory(a, f"BETWEEN #h msgid={hi} msgid={lo} 100")
    assert texts(rows) == want
    rows, _ = chathistory(a, f"BETWEEN #h msgid={lo} msgid={hi} 3")
    assert texts(rows) == ["line 6", "line 7", "line 8"]
    rows, _ = chathistory(a, f"AROUND #h msgid={every[15][0]} 5")
    got = texts(rows)
    assert len(got) == 5 and "line 15" in got
    nums = [int(t.split()[1]) for t in got]
    assert nums == list(range(nums[0], nums[0] + 5))


def test_limit_is_clamped_to_the_advertised_maximum(hist):
    _, a = hist
    rows, _ = chathistory(a, "LATEST #h * 999999")
    assert len(rows) == N


def test_errors(hist):
    _, a = hist
    cases = {
        "FOO #h * 10": "FAIL CHATHISTORY INVALID_PARAMS FOO :Unknown command",
        "LATEST #h": "FAIL CHATHISTORY INVALID_PARAMS LATEST :Insufficient parameters",
        "LATEST #h * 10 extra": "FAIL CHATHISTORY INVALID_PARAMS LATEST :Too many parameters",
        "BEFORE #h bogus 10":
            "FAIL CHATHISTORY INVALID_PARAMS BEFORE bogus :Invalid message reference",
        "BEFORE #h * 10": "FAIL CHATHISTORY INVALID_PARAMS BEFORE * :Invalid message reference",
        "AFTER #h timestamp=2020-13-01T00:00:00Z 10":
            "FAIL CHATHISTORY INVALID_PARAMS AFTER timestamp=2020-13-01T00:00:00Z"
            " :Invalid message reference",
        "LATEST #h * 0": "FAIL CHATHISTORY INVALID_PARAMS LATEST 0 :Invalid limit",
        "LATEST #never * 10":
            "FAIL CHATHISTORY INVALID_TARGET LATEST #never :Messages could not be retrieved",
        "TARGETS msgid=0000000000000001 timestamp=2999-01-01T00:00:00Z 5":
            "FAIL CHATHISTORY INVALID_PARAMS TARGETS msgid=0000000000000001"
            " :Invalid message reference",
    }
    for request, want in cases.items():
        line = fail_line(a, request)
        assert body(line) == f":{SERVER} {want}", (request, line)
    a.send("CHATHISTORY")
    assert "INVALID_PARAMS" in a.until(lambda l: " FAIL " in l)
    a.expect_quiet()


def test_secret_channel_hidden_from_outsiders(backend, tmp_path):
    with data_server(tmp_path, backend) as srv:
        op = IrcClient(srv.port("irc"), "op")
        op.send("JOIN #s")
        op.numeric("366")
        op.send("MODE #s +s")
        op.send("PRIVMSG #s :secret words")
        op.sync()
        out = IrcClient(srv.port("irc"), "out", HISTORY_CAPS)
        line = fail_line(out, "LATEST #s * 10")
        assert "FAIL CHATHISTORY INVALID_TARGET LATEST #s" in line


def test_without_batch_lines_come_plain(hist):
    srv, _ = hist
    c = IrcClient(srv.port("irc"), "plain", ("server-time", "message-tags"))
    c.send("CHATHISTORY LATEST #h * 3")
    for i in range(N - 3, N):
        line = c.until(lambda l: " PRIVMSG " in l)
        assert "batch" not in line.split(" ", 1)[0]
        assert body(line).endswith(f"PRIVMSG #h :line {i}") and "msgid=" in line
    c.expect_quiet()


def test_no_replay_on_join(hist):
    _, a = hist
    a.send("JOIN #h")
    a.numeric("366")
    a.expect_quiet()


def test_history_survives_a_restart(backend, tmp_path):
    with data_server(tmp_path, backend) as srv:
        said(srv.port("irc"), "#keep", 5, "kept").close()
    with data_server(tmp_path, backend) as srv:
        a = IrcClient(srv.port("irc"), "later", HISTORY_CAPS)
        rows, _ = chathistory(a, "LATEST #keep * 10")
        assert texts(rows) == [f"kept {i}" for i in range(5)]


def test_private_history_only_for_its_two_parties(backend, tmp_path):
    with data_server(tmp_path, backend) as srv:
        port = srv.port("irc")
        for name in ("alice", "bob"):
            c = IrcClient(port, name)
            c.send(f"REGISTER * {name}@example.org secret-{name}")
            c.until(lambda l: "REGISTER SUCCESS" in l)
            c.close()
        alice = sasl_client(port, "alice", "secret-alice", HISTORY_CAPS)
        bob = sasl_client(port, "bob", "secret-bob", HISTORY_CAPS)
        alice.send("PRIVMSG bob :hi bob")
        bob.until(lambda l: "PRIVMSG bob :hi bob" in l)
        bob.send("PRIVMSG alice :hi alice")
        alice.until(lambda l: "PRIVMSG alice :hi alice" in l)
        rows, header = chathistory(alice, "LATEST bob * 10")
        assert header == "chathistory bob"
        assert [(r[2], r[3], r[4]) for r in rows] == [("alice", "bob", "hi bob"),
                                                      ("bob", "alice", "hi alice")]
        eve = IrcClient(port, "eve", HISTORY_CAPS)
        rows, _ = chathistory(eve, "LATEST alice * 10")
        assert rows == []
        rows, _ = chathistory(alice, "TARGETS timestamp=2000-01-01T00:00:00Z "
                                     "timestamp=2999-01-01T00:00:00Z 10")
        assert [r[4].split()[3] for r in rows] == ["bob"]


def test_targets_lists_channels_with_activity_oldest_first(backend, tmp_path):
    with data_server(tmp_path, backend) as srv:
        port = srv.port("irc")
        a = IrcClient(port, "walker", HISTORY_CAPS)
        for room in ("#one", "#two", "#quiet"):
            a.send(f"JOIN {room}")
            a.numeric("366")
        b = IrcClient(port, "talker")
        for room in ("#two", "#one"):
            b.send(f"JOIN {room}")
            b.numeric("366")
            b.send(f"PRIVMSG {room} :hello {room}")
            a.until(lambda l: f"PRIVMSG {room} :hello" in l)
        rows, header = chathistory(a, "TARGETS timestamp=2000-01-01T00:00:00Z "
                                      "timestamp=2999-01-01T00:00:00Z 10")
        assert header == "draft/chathistory-targets"
        got = [r[4].split() for r in rows]
        assert [g[1:3] for g in got] == [["CHATHISTORY", "TARGETS"]] * 2
        assert [g[3] for g in got] == ["#two", "#one"]
        assert got[0][4] <= got[1][4]
        rows, _ = chathistory(a, "TARGETS timestamp=2000-01-01T00:00:00Z "
                                 "timestamp=2999-01-01T00:00:00Z 1")
        assert [r[4].split()[3] for r in rows] == ["#two"]


def test_labeled_request_nests_the_history_batch(hist):
    srv, _ = hist
    c = IrcClient(srv.port("irc"), "labeled", HISTORY_CAPS + ("labeled-response",))
    c.send("@label=q1 CHATHISTORY LATEST #h * 2")
    opened = c.until(lambda l: " BATCH +" in l)
    outer = re.search(r"BATCH \+(\S+) labeled-response$", opened)
    assert outer and tags_of(opened).get("label") == "q1", opened
    inner_open = c.recv_line()
    assert tags_of(inner_open) == {"batch": outer.group(1)}, inner_open
    inner = re.search(r"BATCH \+(\S+) chathistory #h$", inner_open).group(1)
    for i in (N - 2, N - 1):
        line = c.recv_line()
        assert tags_of(line)["batch"] == inner and line.endswith(f"PRIVMSG #h :line {i}")
    assert c.recv_line() == f"@batch={outer.group(1)} :{SERVER} BATCH -{inner}"
    assert c.recv_line() == f":{SERVER} BATCH -{outer.group(1)}"


def test_ids_of_unkept_private_lines_never_recur_after_a_restart(tmp_path):
    # Guests' private lines are not stored, yet their ids were handed out:
    # after a restart, new ids must still be higher.
    with data_server(tmp_path, "epoll") as srv:
        a = IrcClient(srv.port("irc"), "alice", caps=("message-tags",))
        b = IrcClient(srv.port("irc"), "bob", caps=("message-tags",))
        a.send("PRIVMSG bob :not kept")
        pm = b.until(lambda l: body(l).startswith(":alice!") and "PRIVMSG bob" in l)
        pm_id = int(tags_of(pm)["msgid"], 16)
    with data_server(tmp_path, "epoll") as srv:
        a = IrcClient(srv.port("irc"), "alice", caps=("message-tags",))
        b = IrcClient(srv.port("irc"), "bob", caps=("message-tags",))
        a.send("PRIVMSG bob :after the restart")
        again = b.until(lambda l: "after the restart" in l)
        assert int(tags_of(again)["msgid"], 16) > pm_id
