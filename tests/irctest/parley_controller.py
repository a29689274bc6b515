"""irctest controller for parleyd: lets the public irctest conformance suite
start our server. irctest imports this module by name (run.sh puts this
folder on PYTHONPATH and passes `--controller parley_controller`) and calls
get_irctest_controller_class().

parleyd needs no config file: everything is a flag. Every server gets a
scratch data directory, so accounts, SASL and CHATHISTORY are on; the
accounts a test asks for are created with `parleyd account add` on that
directory (the running server reads accounts from the database, so no
restart is needed). $PARLEYD selects the binary (default: build/parleyd of
this repository), $PARLEY_BACKEND the I/O backend (default epoll).
"""

import atexit
import os
import subprocess
from pathlib import Path
from typing import Any, Optional, Set, Type

from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController
from irctest.specifications import Capabilities, OptionalBehaviors

REPO = Path(__file__).resolve().parents[2]
PARLEYD = os.environ.get("PARLEYD", str(REPO / "build" / "parleyd"))
SERVER_NAME = "My.Little.Server"   # the name irctest's own configs give servers


# irctest skips tearDown when a test's setUp fails after the server started;
# whatever is still running when pytest exits is stopped here.
_LIVE: Set[subprocess.Popen] = set()


@atexit.register
def _stop_leftovers() -> None:
    for proc in list(_LIVE):
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


class ParleyController(BaseServerController, DirectoryBasedController):
    software_name = "Parley"
    supported_sasl_mechanisms: Set[str] = {"PLAIN"}
    supports_sts = False
    _port_wait_interval = 0.01

    # What irctest may rely on without probing: the caps we offer with a
    # data directory, and the optional behaviours docs/IRC.md promises.
    capabilities = frozenset((
        Capabilities.ACCOUNT_NOTIFY, Capabilities.ACCOUNT_TAG,
        Capabilities.AWAY_NOTIFY, Capabilities.BATCH,
        Capabilities.ECHO_MESSAGE, Capabilities.EXTENDED_JOIN,
        Capabilities.LABELED_RESPONSE, Capabilities.MESSAGE_TAGS,
        Capabilities.MULTI_PREFIX, Capabilities.SERVER_TIME,
        Capabilities.SETNAME,
    ))
    optional_behaviors = frozenset((
        OptionalBehaviors.MULTI_JOIN,
        OptionalBehaviors.MULTI_PRIVMSG,
        OptionalBehaviors.SASL_AFTER_REGISTRATION,
    ))

    def run(self, hostname: str, port: int, *, password: Optional[str], ssl: bool,
            run_services: bool, faketime: Optional[str],
            websocket_hostname: Optional[str], websocket_port: Optional[int]) -> None:
        if ssl:
            raise NotImplementedByController("TLS")
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        assert self.proc is None
        self.hostname, self.port = hostname, port
        self.create_config()   # a scratch directory: MOTD file and data
        assert self.directory
        motd = self.directory / "motd"
        motd.write_text("Parley under irctest\n")
        self.data_dir = self.directory / "data"
        self.data_dir.mkdir(exist_ok=True)
        command = [PARLEYD, "--listen", f"irc:{hostname}:{port}",
                   "--backend", os.environ.get("PARLEY_BACKEND", "epoll"),
                   "--server-name", SERVER_NAME, "--network", "ParleyTest",
                   "--motd", str(motd), "--data-dir", str(self.data_dir)]
        if password is not None:
            command += ["--irc-password", password]
        # irctest opens many connections and sends fast from one address:
        # the abuse limits (docs/OPERATIONS.md) would slow or refuse it.
        command += ["--rate-limit", "off", "--max-per-ip", "0", "--connect-rate", "off"]
        # irctest's operator tests log in with OPER operuser operpassword.
        command += ["--oper-password", "operpassword"]
        # faketime is not applied: parleyd reads the clock itself and the
        # tests that need it are skipped by irctest when it is unavailable.
        self.proc = self.execute(command, stdin=subprocess.DEVNULL)
        _LIVE.add(self.proc)

    def wait_for_services(self) -> None:
        pass   # accounts are built in: nothing separate to start

    def registerUser(self, case: Any, username: str,
                     password: Optional[str] = None) -> None:
        assert password, "parleyd accounts need a password"
        self.wait_for_port()   # the server has created the database by then
        subprocess.run([PARLEYD, "--data-dir", str(self.data_dir), "account", "add", username],
                       input=password + "\n", text=True, check=True, timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def get_irctest_controller_class() -> Type[ParleyController]:
    return ParleyController
