"""`hdf-pos --demo`: run the embedded demo central service and a terminal enrolled against it.

The service is `python -m central serve --demo` as a child process on a free loopback port, with
its SQLite database and the demo terminal's data in a fresh temporary folder (removed at exit), so
the demo always starts from the DEMO.md data set. The manager PIN of the demo is 1234.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import requests

if TYPE_CHECKING:
    from pos.terminal import Terminal
    from pos.ui.settings import ManagerPin

log = logging.getLogger(__name__)

DEMO_PARTNER = ("L212", "Demo-L212")
DEMO_PIN = "1234"


def use_memory_keyring() -> None:
    """The demo's token and PIN live in memory only: nothing of a throw-away demo reaches the
    user's keyring or a file, whatever keyring the machine has (or lacks)."""
    from keyring import set_keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            super().__init__()
            self.secrets: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.secrets.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.secrets[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.secrets.pop((service, username), None)

    set_keyring(MemoryKeyring())
    # The engine refuses keyrings it cannot vouch for unless told this is deliberate.
    os.environ["HDF_POS_ALLOW_INSECURE_KEYRING"] = "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DemoCentral:
    process: subprocess.Popen[bytes]
    url: str
    root: Path

    @property
    def terminal_dir(self) -> Path:
        return self.root / "terminal"

    @classmethod
    def start(cls, *, timeout: float = 30.0) -> DemoCentral:
        use_memory_keyring()
        root = Path(tempfile.mkdtemp(prefix="hdf-pos-demo-"))
        port = free_port()
        env = {**os.environ, "HDF_CENTRAL_DATA_DIR": str(root / "central")}
        db = root / "central" / "demo.sqlite3"
        db.parent.mkdir(parents=True)
        log_file = open(root / "central.log", "wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "central",
                "serve",
                "--demo",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--database",
                f"sqlite:///{db}",
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        demo = cls(process, f"http://127.0.0.1:{port}", root)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if requests.get(f"{demo.url}/v1/health", timeout=1).status_code == 200:
                    log.info("demo central service ready at %s", demo.url)
                    return demo
            except requests.RequestException:
                pass
            time.sleep(0.1)
        demo.stop()
        raise RuntimeError(
            "Le service central de démonstration n'a pas démarré : "
            + (root / "central.log").read_text(errors="replace")[-2000:]
        )

    def enrol(self, terminal: Terminal, pin: ManagerPin) -> None:
        code, password = DEMO_PARTNER
        terminal.enroll(
            server_url=self.url, partner_code=code, password=password, label="Comptoir démo"
        )
        pin.set(DEMO_PIN)

    def stop(self) -> None:
        log.info("stopping the demo central service")
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)
        log.info("demo data removed")
