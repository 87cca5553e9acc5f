"""Store-and-forward throughput: queue N offline payments, sync them to a real central service.

    uv run python bench/sync_throughput.py                 # 2,000 and 10,000 payments
    uv run python bench/sync_throughput.py --sizes 10000   # one size

Prints, for each queue size: how fast payments were queued offline (each one fsynced: the outbox
is durable before the receipt), the sync rate (ops/s, overall and the median over batches of 500),
the rate of the terminal's own share of the sync (recording outcomes and journal, time spent
waiting for the service left out), and the peak Python memory of the sync (tracemalloc), so two
sizes show whether memory stays flat as the queue grows. The central service runs on SQLite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
os.environ.setdefault("HDF_POS_ALLOW_INSECURE_KEYRING", "1")

import requests  # noqa: E402
from support.central_server import start_central  # noqa: E402

from pos.scan import parse_scan  # noqa: E402
from pos.terminal import Terminal  # noqa: E402


def card_qr(url: str, card: str, password: str) -> str:
    session = requests.post(
        url + "/v1/beneficiary/session",
        json={"card_number": card, "password": password},
        timeout=10,
    ).json()
    return str(
        requests.post(
            url + "/v1/beneficiary/qr",
            headers={"Authorization": f"Bearer {session['token']}"},
            timeout=10,
        ).json()["qr_token"]
    )


def run(url: str, work: Path, size: int) -> dict[str, float]:
    terminal = Terminal.open(work / f"terminal-{size}")
    terminal.enroll(
        server_url=url, partner_code="E305", password="Demo-E305", label=f"bench {size}"
    )
    qr = parse_scan(card_qr(url, "23166622", "Demo-3116961"))
    with socket_dead() as dead:
        terminal.set_server_url(dead)
        started = time.perf_counter()
        for _ in range(size):
            result = terminal.pay(scan=qr, wallet_code="PREMIEREQUIP", amount_cents=1)
            if result.refusal is not None:
                raise SystemExit(f"queueing refused: {result.refusal}")
        queue_s = time.perf_counter() - started
    terminal.set_server_url(url)
    # Split the sync time: waiting for the central service vs. the terminal's own work.
    api = terminal._client()
    plain_sync = api.sync
    central_s = [0.0]

    def timed_sync(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        t0 = time.perf_counter()
        try:
            return plain_sync(items)
        finally:
            central_s[0] += time.perf_counter() - t0

    api.sync = timed_sync  # type: ignore[method-assign]
    batch_times: list[float] = []
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        batch_times.append(now - last[0])
        last[0] = now

    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    last[0] = started
    report = terminal.sync(progress=progress)
    sync_s = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if report.applied != size or report.remaining:
        raise SystemExit(f"sync incomplete: {report}")
    terminal.close()
    return {
        "size": size,
        "queue_ops_s": size / queue_s,
        "sync_ops_s": size / sync_s,
        "median_batch_ops_s": 500 / statistics.median(batch_times),
        "sync_s": sync_s,
        "terminal_ops_s": size / max(1e-9, sync_s - central_s[0]),
        "peak_mib": peak / 2**20,
    }


class socket_dead:
    """An address where nothing listens (connection refused): the terminal is offline."""

    def __enter__(self) -> str:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hdf-bench-") as tmp:
        work = Path(tmp)
        os.environ["XDG_DATA_HOME"] = str(work / "keyring")
        with start_central(data_dir=work / "central") as central:
            print(f"central service (SQLite) at {central.url}")
            print(
                f"{'queue':>7} {'queued/s':>9} {'sync ops/s':>11} {'median batch ops/s':>19} "
                f"{'sync s':>7} {'terminal-side ops/s':>20} {'peak MiB':>9}"
            )
            for size in args.sizes:
                r = run(central.url, work, size)
                print(
                    f"{r['size']:>7} {r['queue_ops_s']:>9.0f} {r['sync_ops_s']:>11.0f} "
                    f"{r['median_batch_ops_s']:>19.0f} {r['sync_s']:>7.1f} "
                    f"{r['terminal_ops_s']:>20.0f} {r['peak_mib']:>9.2f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
