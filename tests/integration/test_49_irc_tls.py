"""IRC over TLS and the IRCv3 `sts` capability (strict transport security).

Per the IRCv3 sts specification: a plain IRC connection is pointed at the
TLS IRC listener with `sts=port=PORT` (an upgrade policy), a TLS connection
gets `sts=duration=SECS` (a persistence policy, `,preload` when configured).
The value is the whole point, so only CAP LS 302 clients see `sts`; it can
never be requested (NAK). Without an irc+tls listener a plain connection
hears nothing of sts, and `--sts-duration off` withdraws it everywhere.
"""

import pytest

import harness
import tlsutil
from harness import ChatClient
from irc_harness import IrcClient


def irc_tls_server(pki, backend, listen=("irc:127.0.0.1:0", "irc+tls:127.0.0.1:0",
                                         "chat:127.0.0.1:0"), args=()):
    return harness.Server(listen=list(listen), backend=backend,
                          args=["--tls-cert", pki.cert, "--tls-key", pki.key,
                                "--server-name", "irc.test", *args])


def tls_client(pki, port):
    return IrcClient(port, tls=True, tls_context=tlsutil.client_context(pki))


def cap_ls(client, version="302"):
    """{name: value or None} from a (maybe multi-line) CAP LS reply."""
    if version == "302":
        return dict(client.cap_ls())
    client.send("CAP LS")
    caps = {}
    while True:
        msg = client.expect("CAP", lambda p: len(p) >= 3 and p[1] == "LS")
        for item in msg.params[-1].split():
            name, eq, value = item.partition("=")
            caps[name] = value if eq else None
        if not (len(msg.params) >= 4 and msg.params[2] == "*"):
            return caps


def test_sts_upgrade_on_plain_and_persistence_on_tls(pki, backend):
    with irc_tls_server(pki, backend) as srv:
        tls_port = srv.port("irc+tls")
        plain = IrcClient(srv.port("irc"))
        assert cap_ls(plain)["sts"] == f"port={tls_port}"
        secure = tls_client(pki, tls_port)
        assert cap_ls(secure)["sts"] == "duration=2592000"
        # the rest of the list is the same on both transports
        assert set(cap_ls(IrcClient(srv.port("irc")))) == set(cap_ls(tls_client(pki, tls_port)))

        # both register and talk to a chat user in one room, over TLS too
        for c, nick in ((plain, "plainy"), (secure, "secure")):
            c.send("CAP END")
            c.register(nick)
            c.join("#sec")
        chat = ChatClient(srv.port("chat"), "carol", "#sec")
        secure.send("PRIVMSG #sec :over tls")
        chat.expect("ROOM #sec secure over tls")
        plain.expect("PRIVMSG", lambda p: p == ["#sec", "over tls"])
        chat.send("MSG hi both")
        chat.expect("ROOM #sec carol hi both")
        secure.expect("PRIVMSG", lambda p: p == ["#sec", "hi both"])
        secure.send("QUIT :done")
        secure.expect("ERROR")
        chat.expect("LEAVE #sec secure")


@pytest.mark.parametrize("transport", ["plain", "tls"])
def test_sts_cannot_be_requested_and_is_never_listed_as_enabled(pki, transport):
    with irc_tls_server(pki, "epoll") as srv:
        c = IrcClient(srv.port("irc")) if transport == "plain" else \
            tls_client(pki, srv.port("irc+tls"))
        assert "sts" in cap_ls(c)
        for req in (["sts"], ["-sts"], ["server-time", "sts"]):
            verdict, names = c.cap_req(req)
            assert verdict == "NAK" and names == req
        c.send("CAP LIST")
        listed = c.expect("CAP", lambda p: len(p) >= 3 and p[1] == "LIST")
        assert "sts" not in listed.params[-1].split()
        assert c.cap_req(["server-time"]) == ("ACK", ["server-time"])


def test_pre_302_clients_get_no_valueless_sts(pki):
    with irc_tls_server(pki, "epoll") as srv:
        for c in (IrcClient(srv.port("irc")), tls_client(pki, srv.port("irc+tls"))):
            caps = cap_ls(c, version=None)
            assert "sts" not in caps and "server-time" in caps, caps


def test_no_irc_tls_listener_no_upgrade_policy(pki, backend):
    # a TLS listener for another protocol is no place to send IRC clients
    listen = ("irc:127.0.0.1:0", "chat+tls:127.0.0.1:0")
    with irc_tls_server(pki, backend, listen=listen) as srv:
        caps = cap_ls(IrcClient(srv.port("irc")))
        assert "sts" not in caps and "server-time" in caps
    # and without any TLS at all
    with harness.Server(listen=["irc:127.0.0.1:0"], backend=backend) as srv:
        assert "sts" not in cap_ls(IrcClient(srv.port("irc")))


def test_sts_duration_preload_and_off(pki):
    args = ("--sts-duration", "0", "--sts-preload")
    with irc_tls_server(pki, "epoll", args=args) as srv:
        assert cap_ls(tls_client(pki, srv.port("irc+tls")))["sts"] == "duration=0,preload"
        # preload is for secure connections only; plain ones get the port
        assert cap_ls(IrcClient(srv.port("irc")))["sts"] == f"port={srv.port('irc+tls')}"
    with irc_tls_server(pki, "epoll", args=("--sts-duration", "off")) as srv:
        assert "sts" not in cap_ls(IrcClient(srv.port("irc")))
        assert "sts" not in cap_ls(tls_client(pki, srv.port("irc+tls")))


def test_first_irc_tls_listener_is_the_one_advertised(pki):
    listen = ("irc:127.0.0.1:0", "irc+tls:127.0.0.1:0", "irc+tls:127.0.0.1:0")
    with irc_tls_server(pki, "epoll", listen=listen) as srv:
        first = srv.ports("irc+tls")[0]
        assert cap_ls(IrcClient(srv.port("irc")))["sts"] == f"port={first}"


@pytest.mark.parametrize("value", ["-1", "soon", "", "999999999999"])
def test_bad_sts_duration_is_a_usage_error(value):
    result = harness.run_parleyd(["--listen", "irc:127.0.0.1:0", "--sts-duration", value])
    assert result.returncode == 2
    assert "--sts-duration" in result.stderr


def test_help_documents_the_sts_flags():
    result = harness.run_parleyd(["--help"])
    assert result.returncode == 0
    assert "--sts-duration" in result.stdout and "--sts-preload" in result.stdout
