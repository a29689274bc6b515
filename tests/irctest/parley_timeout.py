"""A pytest plugin for run.sh: bounds each irctest test with SIGALRM.

Some irctest tests wait for a reply forever when a server answers
differently (e.g. a rate-limited SASL retry); a run must end all the same.
The alarm raises inside the test, so unittest's tearDown still stops the
server. $IRCTEST_TEST_TIMEOUT sets the bound in seconds (default 30).
"""

import os
import signal

import pytest

LIMIT = int(os.environ.get("IRCTEST_TEST_TIMEOUT", "30"))


class TestTimeout(Exception):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    def on_alarm(signum, frame):
        raise TestTimeout(f"{item.nodeid} took over {LIMIT} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
