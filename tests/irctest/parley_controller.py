"""irctest controller for parleyd: lets the public irctest conformance suite
start our server. irctest imports this module by name (run.sh puts this
folder on PYTHONPATH and passes `--controller parley_controller`) and calls
get_irctest_controller_class().

parleyd needs no config file: everything is a flag. $PARLEYD selects the
binary (default: build/parleyd of this repository), $PARLEY_BACKEND the I/O
backend (default epoll).
"""

import os
from pathlib import Path
from typing import Optional, Set, Type

from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController

REPO = Path(__file__).resolve().parents[2]
PARLEYD = os.environ.get("PARLEYD", str(REPO / "build" / "parleyd"))
SERVER_NAME = "My.Little.Server"   # the name irctest's own configs give servers


class ParleyController(BaseServerController, DirectoryBasedController):
    software_name = "Parley"
    supported_sasl_mechanisms: Set[str] = set()   # no accounts yet
    supports_sts = False

    def run(self, hostname: str, port: int, *, password: Optional[str], ssl: bool,
            run_services: bool, faketime: Optional[str],
            websocket_hostname: Optional[str], websocket_port: Optional[int]) -> None:
        if ssl:
            raise NotImplementedByController("TLS")
        if run_services:
            raise NotImplementedByController("services (accounts)")
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        assert self.proc is None
        self.hostname, self.port = hostname, port
        self.create_config()   # a scratch directory, for the MOTD file
        assert self.directory
        motd = self.directory / "motd"
        motd.write_text("Parley under irctest\n")
        command = [PARLEYD, "--listen", f"irc:{hostname}:{port}",
                   "--backend", os.environ.get("PARLEY_BACKEND", "epoll"),
                   "--server-name", SERVER_NAME, "--network", "ParleyTest",
                   "--motd", str(motd)]
        if password is not None:
            command += ["--irc-password", password]
        # irctest opens many connections and sends fast from one address:
        # the abuse limits (docs/OPERATIONS.md) would slow or refuse it.
        command += ["--rate-limit", "off", "--max-per-ip", "0", "--connect-rate", "off"]
        # faketime is not applied: parleyd reads the clock itself and the
        # tests that need it are skipped by irctest when it is unavailable.
        self.proc = self.execute(command)


def get_irctest_controller_class() -> Type[ParleyController]:
    return ParleyController
