"""pytest wiring for the parleyd integration suite.

- `backend` fixture: every test that takes it runs once per I/O backend
  (epoll, poll, select), so each behaviour is checked on each of them.
- `transport` fixture: a test (or module, with pytest.mark.usefixtures)
  that takes it runs once in plain text and once over TLS; over TLS the
  harness serves every listener as PROTO+tls and every client speaks TLS
  (see harness.TLS). `pki` is the session's test CA and certificates.
  A test marked `plain_only` (it half-closes a socket, or drives a plain
  tool such as nc) is collected for the plain run only.
- Fails the session at once if $PARLEY_BUILD/parleyd has not been built.
- Closes every client socket a test left open.
- `irc_kind`/`irc_server` fixtures for the IRC suite (see irc_harness.py).
- A watchdog fails any test still running after $PARLEY_TEST_WATCHDOG seconds
  (default 60), so one hang cannot stall the whole suite.
"""

import os
import signal

import pytest

import harness
from irc_harness import irc_kind, irc_server  # noqa: F401  (IRC suite fixtures)

BACKENDS = ("epoll", "poll", "select")
WATCHDOG_SECONDS = int(os.environ.get("PARLEY_TEST_WATCHDOG", "60"))


def pytest_configure(config):
    config.addinivalue_line("markers", "parley_only: IRC test of Parley-specific "
                            "behaviour, skipped against a reference IRC server")
    config.addinivalue_line("markers", "diverges(kind, why): the reference IRC "
                            "server `kind` departs from the specs in this test")
    config.addinivalue_line("markers", "plain_only: run only with the plain transport")


def pytest_collection_modifyitems(config, items):
    def over_tls_but_plain_only(item):
        callspec = getattr(item, "callspec", None)
        return (callspec is not None and callspec.params.get("transport") == "tls"
                and item.get_closest_marker("plain_only") is not None)
    items[:] = [item for item in items if not over_tls_but_plain_only(item)]


def pytest_sessionstart(session):
    if not os.access(harness.PARLEYD, os.X_OK):
        pytest.exit(f"{harness.PARLEYD} is not built: run make first", returncode=1)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    import tlsutil
    return tlsutil.make_pki(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture(params=("plain", "tls"))
def transport(request, pki):
    harness.TLS.pki = pki if request.param == "tls" else None
    yield request.param
    harness.TLS.pki = None


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while harness.OPEN_CLIENTS:
        harness.OPEN_CLIENTS.pop().close()


class WatchdogExpired(Exception):
    pass


def _expire(signum, frame):
    raise WatchdogExpired(f"test still running after {WATCHDOG_SECONDS}s")


@pytest.fixture(autouse=True)
def _watchdog():
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.alarm(WATCHDOG_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
