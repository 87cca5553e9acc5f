"""A pre-loaded parent that forks terminal workers on request, for the SIGKILL crash-loop test.

Forking from a process that already imported the terminal makes each worker start in
milliseconds, so a hundred kills take seconds. Protocol on stdin/stdout, one line each:
`fork` -> `pid N` (a worker paying and syncing until killed); `reap N` -> `reaped`; `quit`.
"""

from __future__ import annotations

import os
import random
import sys
import time

from pos.scan import parse_scan
from pos.terminal import Terminal


def work(data_dir: str, url: str, dead: str, qr_text: str, receipts: str) -> None:
    random.seed(os.getpid() ^ time.time_ns())
    terminal = Terminal.open(__import__("pathlib").Path(data_dir))
    qr = parse_scan(qr_text)
    log = os.open(receipts, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    while True:
        roll = random.random()
        amount = random.randint(1, 3)
        if roll < 0.45:
            result = terminal.pay(scan="23166622", wallet_code="PREMIEREQUIP", amount_cents=amount)
        elif roll < 0.85:
            api = terminal._client()
            api.base_url = dead  # this worker alone is cut from the network
            try:
                result = terminal.pay(scan=qr, wallet_code="PREMIEREQUIP", amount_cents=amount)
            finally:
                api.base_url = url
        else:
            terminal.sync()
            continue
        if result.receipt is not None:  # the cashier was told: it must never be lost
            os.write(log, f"{result.receipt.idempotency_key}\n".encode())
        elif result.refusal is not None and result.refusal.code != "offline_over_card_total":
            os.write(log, f"refused {result.refusal.code}\n".encode())


def main() -> None:
    data_dir, url, dead, qr_text, receipts = sys.argv[1:6]
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "fork":
            pid = os.fork()
            if pid == 0:
                try:
                    sys.stdin.close()
                    work(data_dir, url, dead, qr_text, receipts)
                finally:
                    os._exit(0)
            print(f"pid {pid}", flush=True)
        elif command == "reap":
            os.waitpid(int(arg), 0)
            print("reaped", flush=True)
        elif command == "quit":
            return


if __name__ == "__main__":
    main()
