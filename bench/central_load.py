"""Load benchmark of the central service: N simulated terminals enrol, look up a card, then pay.

    uv run python bench/central_load.py                       # SQLite and PostgreSQL, 50 terminals
    uv run python bench/central_load.py --backend postgres --terminals 50 --duration 15 --workers 2

Each run starts its own service (and, for PostgreSQL, its own throw-away cluster), seeds the demo
data plus one funded card per terminal, then measures two scenarios: every terminal on its own card
("distinct"), and all terminals on one shared card ("shared", the worst case for row locks). It
prints payments/s, payment latency p50/p95/p99, look-up latency and errors, with the machine load.

The client is a small asyncio HTTP/1.1 keep-alive client on purpose: on a 2-core machine the load
generator shares the CPUs with the service, and `requests` in 50 threads would eat a good part of
them and measure itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.central_server import (  # noqa: E402
    CentralProcess,
    central_env,
    sqlite_url,
    start_central,
)
from support.postgres import postgres_cluster  # noqa: E402

PARTNER, PASSWORD, WALLET = "L212", "Demo-L212", "MANUEQUIP"
FIRST_BENCH_CARD = 30000000
LOAD_CENTS = 9_000_000  # enough for any run: a payment is 1 cent


class Http:
    """One keep-alive HTTP/1.1 connection; `call` returns (status, parsed JSON body or None)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def call(
        self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> tuple[int, object]:
        if self.writer is None:
            await self._connect()
        assert self.reader is not None and self.writer is not None
        data = json.dumps(body).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(data)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)
        try:
            status_line = await self.reader.readline()
            if not status_line:
                raise ConnectionError("connection closed by the service")
            status = int(status_line.split()[1])
            length, close = 0, False
            while True:
                line = await self.reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and "close" in value.lower():
                    close = True
            raw = await self.reader.readexactly(length) if length else b""
        except BaseException:
            await self.close()
            raise
        if close:
            await self.close()
        payload = json.loads(raw) if raw[:1] in (b"{", b"[") else None
        return status, payload


@dataclass
class Stats:
    pay_ms: list[float] = field(default_factory=list)
    lookup_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    payments: int = 0
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU used while measuring, by group
    late: int = 0  # paced runs: payments that started more than one interval late

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def terminal(
    index: int,
    port: int,
    card: str,
    start_at: float,
    stop_at: float,
    stats: Stats,
    interval: float = 0.0,
) -> None:
    """One till: enrol, then look up the card and pay 1 cent, again and again until stop_at.

    With an interval, a new look-up+payment starts every `interval` seconds (a paced till, so
    latency is measured at a given load); without, the next starts as soon as the last ends (the
    service's maximum throughput, where latency is mostly queueing).
    """
    http = Http("127.0.0.1", port)
    status, body = await http.call(
        "POST",
        "/v1/terminals",
        {"partner_code": PARTNER, "password": PASSWORD, "label": f"Banc {index}"},
    )
    if status != 201 or not isinstance(body, dict):
        stats.error(f"enrol {status}")
        return
    auth = {"Authorization": f"Bearer {body['token']}"}
    while time.monotonic() < start_at:  # everyone starts together, after enrolment and warm-up
        await asyncio.sleep(0.01)
    # Paced tills start spread over one interval, not all at the same instant.
    next_start = start_at + interval * (index % 97) / 97
    while True:
        if interval:
            ahead = next_start - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
            elif -ahead > interval:
                stats.late += 1  # the service is behind: this till could not keep its pace
            next_start += interval
        t0 = time.monotonic()
        if t0 >= stop_at:
            break
        try:
            status, _ = await http.call("GET", f"/v1/cards/{card}", headers=auth)
            t1 = time.monotonic()
            if status != 200:
                stats.error(f"lookup {status}")
                continue
            status, body = await http.call(
                "POST",
                "/v1/payments",
                {
                    "card_number": card,
                    "wallet_code": WALLET,
                    "amount_cents": 1,
                    "entry_mode": "manual",
                },
                headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
            )
            t2 = time.monotonic()
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            stats.error(type(exc).__name__)
            continue
        if t2 > stop_at:
            break  # finished after the bell: not counted
        stats.lookup_ms.append((t1 - t0) * 1000)
        if status == 201:
            stats.payments += 1
            stats.pay_ms.append((t2 - t1) * 1000)
        else:
            code = body.get("code") if isinstance(body, dict) else None
            stats.error(f"pay {status} {code}")
    await http.close()


def _cpu_by_process() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds) for every process we can read: its user and system time
    plus that of its children it has reaped (a PostgreSQL backend that exits during the window
    moves into its postmaster's count, instead of leaving it)."""
    tick = os.sysconf("SC_CLK_TCK")
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        result[int(entry)] = (int(fields[1]), used / tick)
    return result


def cpu_of_trees(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each named process and its descendants."""
    table = _cpu_by_process()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    totals = {}
    for name, root in roots.items():
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            total += table.get(pid, (0, 0.0))[1]
            todo += children.get(pid, [])
        totals[name] = total
    totals["client"] = table.get(os.getpid(), (0, 0.0))[1]
    return totals


async def run_scenario(
    port: int,
    cards: list[str],
    duration: float,
    warmup: float,
    roots: dict[str, int] | None = None,
    rate: float = 0.0,
) -> Stats:
    stats = Stats()
    loop_start = time.monotonic()
    # Enrolment hashes a password (argon2): leave it time before the clock starts.
    start_at = loop_start + warmup + 0.05 * len(cards)
    stop_at = start_at + duration

    async def measure_cpu() -> None:
        await asyncio.sleep(start_at - time.monotonic())
        before = cpu_of_trees(roots or {})
        await asyncio.sleep(stop_at - time.monotonic())
        after = cpu_of_trees(roots or {})
        stats.cpu_s = {k: after[k] - before[k] for k in after}

    await asyncio.gather(
        measure_cpu(),
        *(
            terminal(i, port, card, start_at, stop_at, stats, len(cards) / rate if rate else 0.0)
            for i, card in enumerate(cards)
        ),
    )
    return stats


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def add_cards(database_url: str, count: int) -> list[str]:
    """One funded card per terminal (in process: the CLI would start Python N times)."""
    from central import admin
    from central.clock import school_year, today
    from central.db import single_use_engine

    valid_from, valid_to = school_year(today())
    numbers = [str(FIRST_BENCH_CARD + i) for i in range(count)]
    engine = single_use_engine(database_url)
    with engine.connect() as conn:
        conn = conn.execution_options(hdf_write=True)
        with conn.begin():
            for i, number in enumerate(numbers):
                admin.add_card(
                    conn,
                    card_number=number,
                    dossier_number=str(4000000 + i),
                    first_name="Banc",
                    last_name=f"ESSAI{i}",
                    password="Bench-12345",
                    loads=[admin.WalletLoad(WALLET, LOAD_CENTS, valid_from, valid_to)],
                )
    engine.dispose()
    return numbers


def prepare_database(database_url: str, data_dir: Path, count: int) -> list[str]:
    seed = subprocess.run(
        [sys.executable, "-m", "central", "seed", "--demo", "--database", database_url],
        cwd=ROOT,
        env=central_env(data_dir),
        capture_output=True,
        text=True,
    )
    if seed.returncode != 0:
        raise SystemExit(f"seed failed:\n{seed.stdout}\n{seed.stderr}")
    return add_cards(database_url, count)


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def report(backend: str, scenario: str, args: argparse.Namespace, stats: Stats) -> None:
    rate = stats.payments / args.duration
    pacing = f"paced at {args.rate:g}/s ({stats.late} late)  " if args.rate else "unpaced  "
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(stats.errors.items())) or "0"
    per_payment = "  ".join(
        f"{name} {1000 * cpu / max(stats.payments, 1):.2f}" for name, cpu in stats.cpu_s.items()
    )
    # What the service and its database could do with every CPU of the machine to themselves
    # (other processes share these CPUs during a run): an estimate, printed as such.
    server_cpu = sum(v for k, v in stats.cpu_s.items() if k != "client")
    if stats.payments and server_cpu:
        capacity = (os.cpu_count() or 1) * stats.payments / server_cpu
        per_payment += f"  -> about {capacity:.0f} payments/s if the CPUs were the service's alone"
    print(
        f"{backend:<9} {scenario:<8} N={args.terminals:<3} workers={args.workers} {pacing}"
        f"{rate:7.1f} payments/s  pay p50 {pct(stats.pay_ms, 50):6.1f} ms  "
        f"p95 {pct(stats.pay_ms, 95):6.1f}  p99 {pct(stats.pay_ms, 99):6.1f}  "
        f"lookup p50 {pct(stats.lookup_ms, 50):5.1f} p99 {pct(stats.lookup_ms, 99):6.1f}  "
        f"errors {errors}  (load {load_average()})\n"
        f"{'':<19}CPU ms per look-up+payment: {per_payment}",
        flush=True,
    )


def bench_backend(backend: str, args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hdf-bench-")))
        roots: dict[str, int] = {}
        if backend == "postgres":
            cluster = stack.enter_context(postgres_cluster(fast_unsafe=args.unsafe_fast_pg))
            database_url = cluster.create_database("bench")
            roots["postgres"] = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
        else:
            database_url = sqlite_url(data_dir / "central.db")
        cards = prepare_database(database_url, data_dir, args.terminals)
        extra = ["--workers", str(args.workers), "--log-level", args.log_level]
        central: CentralProcess = stack.enter_context(
            start_central(
                database_url=database_url, demo=False, data_dir=data_dir, extra_args=extra
            )
        )
        assert central.pid is not None
        roots = {"service": central.pid, **roots}
        scenarios = ["distinct", "shared"] if args.scenario == "both" else [args.scenario]
        for scenario in scenarios:
            chosen = cards if scenario == "distinct" else [cards[0]] * args.terminals
            stats = asyncio.run(
                run_scenario(central.port, chosen, args.duration, args.warmup, roots, args.rate)
            )
            report(backend, scenario, args, stats)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--scenario", choices=["distinct", "shared", "both"], default="both")
    parser.add_argument("--terminals", "-n", type=int, default=50, help="concurrent terminals")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="pace the terminals to this many payments/s in all (default: as fast as they can)",
    )
    parser.add_argument("--log-level", default="info", help="service log level")
    parser.add_argument(
        "--unsafe-fast-pg",
        action="store_true",
        help="PostgreSQL without fsync (default: durable commits, as in production)",
    )
    args = parser.parse_args(argv)
    print(
        f"# {date.today()} cpus={os.cpu_count()} python={sys.version.split()[0]} "
        f"load before: {load_average()}",
        flush=True,
    )
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        bench_backend(backend, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
