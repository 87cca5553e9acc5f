"""Issue 15: the central service on the region-sized data set, PostgreSQL, two service processes.

    uv run --frozen python -u bench/central_scale.py                     # the region: long (README)
    uv run --frozen python -u bench/central_scale.py --cards 20000 --partners 100 --terminals 200 \\
        --transactions 300000 --bench-terminals 200 --rate 120,60 --duration 20   # a few minutes

Starts a throw-away PostgreSQL cluster tuned for a bulk load and a bench (durable commits kept),
seeds it with `hdf-central seed --scale` (timed, its progress shown), serves it with
`hdf-central serve --workers 2` under version 1.1's own look-up limit (60 a minute per terminal in
bursts of 20), enrols `--bench-terminals` terminals over HTTP spread across the partners, then:

- under load, once per `--rate` (payments/s, all terminals together, each terminal a look-up then a
  1-cent payment on a random active card every terminals/rate seconds): payment p50/p99, look-up
  p50/p99, errors by status, load average, CPU seconds of the service, PostgreSQL and this client;
- quiet: the busiest partner's daily statement for its busiest day, a keyset page of 50
  transactions 80 % deep into its history (both timed over HTTP, median of 7, with
  `EXPLAIN (ANALYZE, BUFFERS)` of the very SQL the service runs), the deny-list whole and as a delta
  after three new blocks, one 500-item `/v1/sync` batch of offline QR payments, the database size.

Each figure is printed with its target. `--keep DIR` keeps the seeded cluster in DIR (the next run
with the same sizes skips the seed; the data then holds earlier runs' payments and blocks).
The load generator is central_load.py's asyncio keep-alive client: it shares the 2 CPUs with the
service, so its CPU is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from central_load import Http, cpu_of_trees, load_average, pct  # noqa: E402  (bench/ on the path)
from support.central_server import (  # noqa: E402
    CentralProcess,
    central_env,
    run_central_cli,
    start_central,
)
from support.postgres import (  # noqa: E402
    SUPERUSER,
    PostgresCluster,
    find_bindir,
    free_port,
    postgres_cluster,
)

WALLET = "MANUEQUIP"  # every seeded card holds one, every seeded partner takes it
TARGET_MS = {
    "payment p99": 100,
    "look-up p99": 20,
    "statement": 200,
    "page": 50,
    "deny-list delta": 50,
    "sync batch": 1000,
}
# A bulk load then a bench, on a machine of 23 GB and 2 cores shared with others. Durable
# commits stay (synchronous_commit, fsync): a payment's latency includes its WAL flush.
PG_SETTINGS = {
    "shared_buffers": "2GB",
    "effective_cache_size": "12GB",
    "maintenance_work_mem": "1GB",  # the seed rebuilds the indexes after COPY
    "work_mem": "32MB",
    "max_wal_size": "8GB",  # no checkpoint storm during the load
    "min_wal_size": "1GB",
    "checkpoint_timeout": "15min",
    "checkpoint_completion_target": "0.9",
    "wal_buffers": "64MB",
    "wal_compression": "on",
    "random_page_cost": "1.1",  # SSD
    "effective_io_concurrency": "200",
    "max_parallel_maintenance_workers": "2",
    "track_io_timing": "on",  # EXPLAIN (BUFFERS) shows the time spent reading
    "synchronous_commit": "on",
    "fsync": "on",
}
KEEP_DATABASE = "hdf_scale"
TIMED_RUNS = 7


def verdict(name: str, ms: float) -> str:
    target = TARGET_MS[name]
    return f"target ≤ {target:g} ms: {'met' if ms <= target else 'NOT met'}"


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ms (min {min(values):.1f}, max {max(values):.1f})"


# ---- the cluster ---------------------------------------------------------------------------------


def tune(cluster: PostgresCluster) -> None:
    """ALTER SYSTEM the settings above (postgresql.auto.conf) and restart to apply them."""
    import psycopg

    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        for name, value in PG_SETTINGS.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    cluster.stop()
    cluster.start(fast_unsafe=False)
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        names = [*PG_SETTINGS, "max_connections", "server_version"]
        rows = conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s) "
            "ORDER BY name",
            [names],
        ).fetchall()
    print("PostgreSQL settings: " + ", ".join(f"{n}={v}" for n, v in rows), flush=True)


@contextmanager
def kept_cluster(root: Path) -> Iterator[PostgresCluster]:
    """A cluster in `root` that outlives the run (initdb the first time only)."""
    bindir = find_bindir()
    root.mkdir(parents=True, exist_ok=True)
    (root / "sock").mkdir(exist_ok=True)
    if os.geteuid() == 0:
        os.chmod(root, 0o755)
        for path in (root, root / "sock"):
            shutil.chown(path, user="postgres", group="postgres")
    cluster = PostgresCluster(root, bindir, free_port())
    if not (cluster.datadir / "PG_VERSION").exists():
        init = cluster._run(
            str(bindir / "initdb"),
            "-D",
            str(cluster.datadir),
            "--auth=trust",
            f"--username={SUPERUSER}",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            check=False,
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
    cluster.start(fast_unsafe=False)
    try:
        yield cluster
    finally:
        cluster.stop()


def postmaster_pid(cluster: PostgresCluster) -> int:
    return int((cluster.datadir / "postmaster.pid").read_text().split()[0])


# ---- the seed ------------------------------------------------------------------------------------


def seed_args(args: argparse.Namespace) -> list[str]:
    return [
        "--cards", str(args.cards), "--partners", str(args.partners),
        "--terminals", str(args.terminals), "--transactions", str(args.transactions),
        "--days", str(args.days), "--random-seed", str(args.random_seed),
    ]  # fmt: skip


def seed(database_url: str, data_dir: Path, args: argparse.Namespace) -> float:
    """`hdf-central seed --scale` through the CLI (its progress on our stdout); wall seconds."""
    cmd = [sys.executable, "-u", "-m", "central", "seed", "--scale", *seed_args(args)]
    print("seed: " + " ".join(["hdf-central", *cmd[4:]]), flush=True)
    started = time.monotonic()
    done = subprocess.run(
        [*cmd, "--database", database_url], cwd=ROOT, env=central_env(data_dir), check=False
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"seed failed (exit {done.returncode}): see above")
    print(
        f"seed time: {seconds:.1f} s (migrations, generation, COPY, indexes, ANALYZE)", flush=True
    )
    return seconds


# ---- the database, read directly (what the bench needs to choose; never the service's path) ---


class Db:
    def __init__(self, url: str) -> None:
        from central.db import single_use_engine

        self.url = url
        self.engine = single_use_engine(url)

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params or {}).all())

    def captured(self, run: Callable[[Any], object]) -> list[tuple[str, Any]]:
        """The statements (and parameters) `run(conn)` sends: the service's own SQL."""
        from sqlalchemy import event

        seen: list[tuple[str, Any]] = []

        def listener(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _m: Any) -> None:
            seen.append((statement, params))

        event.listen(self.engine, "before_cursor_execute", listener)
        try:
            with self.engine.connect() as conn:
                run(conn)
        finally:
            event.remove(self.engine, "before_cursor_execute", listener)
        return seen

    def explain(self, statement: str, params: Any) -> str:
        with self.engine.connect() as conn:
            lines = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, params
            ).scalars()
            return "\n".join(str(line) for line in lines)

    def settle(self, pause: float = 20.0) -> None:
        """Write the last load's dirty pages out and let the machine calm down: measured in the
        wake of an overload (its checkpoint, autovacuum), a lighter rate's tail was several times
        what the same rate gave on its own (p99 176 against 24 ms at 150/s)."""
        started = time.monotonic()
        with self.engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
        time.sleep(max(0.0, pause - (time.monotonic() - started)))
        print(f"(settled: CHECKPOINT then {time.monotonic() - started:.0f} s; "
              f"load {load_average()})", flush=True)  # fmt: skip

    def dispose(self) -> None:
        self.engine.dispose()


def active_cards(db: Db) -> list[str]:
    """Cards a till may debit today: active, MANUEQUIP valid today, at least 1 € left."""
    from central.clock import today

    rows = db.rows(
        "SELECT c.card_number FROM cards c JOIN wallets w ON w.card_id = c.id "
        "WHERE c.status = 'active' AND w.wallet_code = :wallet AND w.valid_from <= :day "
        "AND w.valid_to >= :day AND w.balance_cents >= 100 ORDER BY c.id",
        {"wallet": WALLET, "day": today()},
    )
    return [r[0] for r in rows]


# ---- HTTP helpers --------------------------------------------------------------------------------


async def enrol(http: Http, code: str, label: str) -> str:
    status, body = await http.call(
        "POST",
        "/v1/terminals",
        {"partner_code": code, "password": f"Scale-{code}", "label": label},
    )
    if status != 201 or not isinstance(body, dict):
        raise SystemExit(f"enrolment of a terminal of {code} refused: {status} {body}")
    return str(body["token"])


async def enrol_many(port: int, codes: list[str], parallel: int = 4) -> list[str]:
    """One terminal per code, `parallel` at a time (each costs the service an argon2 check)."""
    tokens: list[str] = [""] * len(codes)
    todo = iter(range(len(codes)))

    async def worker() -> None:
        http = Http("127.0.0.1", port)
        for i in todo:
            tokens[i] = await enrol(http, codes[i], f"Banc {i + 1}")
        await http.close()

    await asyncio.gather(*(worker() for _ in range(parallel)))
    return tokens


async def timed(
    http: Http, method: str, path: str, token: str, body: object = None, runs: int = TIMED_RUNS
) -> tuple[list[float], int, object]:
    """One untimed call (connection, caches), then `runs` timed ones: (ms each, status, body)."""
    headers = {"Authorization": f"Bearer {token}"}
    await http.close()  # the service drops a connection idle for 5 s: start on a fresh one
    status, payload = await http.call(method, path, body, headers)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        status, payload = await http.call(method, path, body, headers)
        times.append((time.perf_counter() - t0) * 1000)
    return times, status, payload


# ---- the load ------------------------------------------------------------------------------------


@dataclass
class Stats:
    pay_ms: list[float] = field(default_factory=list)
    lookup_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    late: int = 0
    cpu_s: dict[str, float] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def problem_code(body: object) -> str:
    return str(body.get("code")) if isinstance(body, dict) else ""


async def till(
    index: int,
    count: int,
    port: int,
    token: str,
    cards: list[str],
    rng: random.Random,
    window: tuple[float, float, float],
    interval: float,
    stats: Stats,
) -> None:
    """A terminal: every `interval` s, look up a random card then pay 1 cent on it."""
    start_at, measure_from, stop_at = window
    http = Http("127.0.0.1", port)
    auth = {"Authorization": f"Bearer {token}"}
    next_start = start_at + interval * index / count  # the tills spread over one interval
    while True:
        ahead = next_start - time.monotonic()
        if ahead > 0:
            await asyncio.sleep(ahead)
        elif -ahead > interval:
            stats.late += 1  # behind by more than a whole interval: the service is not keeping up
        next_start += interval
        t0 = time.monotonic()
        if t0 >= stop_at:
            break
        counted = t0 >= measure_from
        card = rng.choice(cards)
        try:
            status, body = await http.call("GET", f"/v1/cards/{card}", headers=auth)
            t1 = time.monotonic()
            if counted:
                stats.lookup_ms.append((t1 - t0) * 1000)
            if status != 200:
                if counted:
                    stats.error(f"look-up {status} {problem_code(body)}")
                continue
            status, body = await http.call(
                "POST",
                "/v1/payments",
                {"card_number": card, "wallet_code": WALLET, "amount_cents": 1,
                 "entry_mode": "manual"},
                headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
            )  # fmt: skip
            t2 = time.monotonic()
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            if counted:
                stats.error(type(exc).__name__)
            continue
        if not counted or t2 > stop_at:
            continue
        stats.pay_ms.append((t2 - t1) * 1000)
        if status != 201:
            stats.error(f"payment {status} {problem_code(body)}")
    await http.close()


async def load(
    port: int,
    tokens: list[str],
    cards: list[str],
    rate: float,
    duration: float,
    warmup: float,
    roots: dict[str, int],
    rng: random.Random,
) -> Stats:
    stats = Stats()
    start_at = time.monotonic() + 0.5
    measure_from = start_at + warmup  # connections opened, caches warm: then the clock runs
    stop_at = measure_from + duration
    interval = len(tokens) / rate

    async def measure_cpu() -> None:
        await asyncio.sleep(measure_from - time.monotonic())
        before = cpu_of_trees(roots)
        await asyncio.sleep(stop_at - time.monotonic())
        after = cpu_of_trees(roots)
        stats.cpu_s = {k: after[k] - before[k] for k in after}

    window = (start_at, measure_from, stop_at)
    await asyncio.gather(
        measure_cpu(),
        *(
            till(i, len(tokens), port, token, cards, rng, window, interval, stats)
            for i, token in enumerate(tokens)
        ),
    )
    return stats


def report_load(rate: float, args: argparse.Namespace, stats: Stats) -> bool:
    """Print one rate's figures; True when it held the rate and both latency targets."""
    errors_total = sum(stats.errors.values())
    ok = len(stats.pay_ms) - sum(v for k, v in stats.errors.items() if k.startswith("payment"))
    made = ok / args.duration
    pay50, pay99 = pct(stats.pay_ms, 50), pct(stats.pay_ms, 99)
    look50, look99 = pct(stats.lookup_ms, 50), pct(stats.lookup_ms, 99)
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(stats.errors.items())) or "none"
    cpu = ", ".join(f"{k} {v:.1f}" for k, v in stats.cpu_s.items())
    available = (os.cpu_count() or 1) * args.duration
    held = made >= 0.98 * rate
    print(
        f"\n== load at {rate:g} payments/s: {tokens_label(args)} for {args.duration:g} s\n"
        f"payments made: {made:.1f}/s ({ok} in {args.duration:g} s; asked {rate:g}/s: "
        f"{'held' if held else 'NOT held'}; {stats.late} late starts)\n"
        f"payment p50: {pay50:.1f} ms\n"
        f"payment p99: {pay99:.1f} ms  {verdict('payment p99', pay99)}\n"
        f"look-up p50: {look50:.1f} ms ({len(stats.lookup_ms)} look-ups)\n"
        f"look-up p99: {look99:.1f} ms  {verdict('look-up p99', look99)}\n"
        f"errors: {errors_total} ({errors})\n"
        f"load average after: {load_average()}\n"
        f"CPU seconds in the {args.duration:g} s (of {available:g} available): {cpu}",
        flush=True,
    )
    return held and pay99 <= TARGET_MS["payment p99"] and look99 <= TARGET_MS["look-up p99"]


def tokens_label(args: argparse.Namespace) -> str:
    return f"{args.bench_terminals} terminals"


# ---- the quiet measurements ----------------------------------------------------------------------


def sql_kinds() -> str:
    from central.ledger import PARTNER_KINDS

    return ", ".join(f"'{k}'" for k in PARTNER_KINDS)


async def quiet(
    central: CentralProcess,
    db: Db,
    data_dir: Path,
    cards: list[str],
    codes: list[str],
    rng: random.Random,
) -> None:
    from sqlalchemy import select

    from central import queries
    from central.clock import today
    from central.ledger import PARTNER_KINDS, Partner
    from central.models import partners, transactions

    http = Http("127.0.0.1", central.port)
    kinds = sql_kinds()
    busiest = db.rows(
        f"SELECT p.id, p.code, count(*) FROM transactions t JOIN partners p ON p.id = t.partner_id "
        f"WHERE t.kind IN ({kinds}) GROUP BY p.id, p.code ORDER BY 3 DESC, 1 LIMIT 1"
    )[0]
    partner_id, code, total = busiest[0], busiest[1], int(busiest[2])
    day_row = db.rows(
        "SELECT ((occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Paris')::date, count(*) "
        f"FROM transactions WHERE partner_id = :p AND kind IN ({kinds}) "
        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
        {"p": partner_id},
    )[0]
    busy_day, busy_count = day_row[0], int(day_row[1])
    first_day = db.rows(
        "SELECT min(((occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Paris')::date) "
        f"FROM transactions WHERE partner_id = :p AND kind IN ({kinds})",
        {"p": partner_id},
    )[0][0]
    print(
        f"\n== quiet (no load)\nbusiest partner: {code} ({total:,} transactions since "
        f"{first_day}); its busiest day: {busy_day} ({busy_count:,} transactions)",
        flush=True,
    )
    token = await enrol(http, code, "Banc relevés")
    with db.engine.connect() as conn:
        partner = Partner.from_row(
            conn.execute(select(partners).where(partners.c.id == partner_id)).one()
        )

    # The daily statement of the busiest day.
    times, status, body = await timed(http, "GET", f"/v1/statements/daily?date={busy_day}", token)
    count = body.get("transaction_count") if isinstance(body, dict) else body
    ms = statistics.median(times)
    print(
        f"daily statement {code} {busy_day}: {median_ms(times)}, status {status}, "
        f"transaction_count {count}  {verdict('statement', ms)}",
        flush=True,
    )
    statements = db.captured(lambda conn: queries.daily_statement(conn, partner, busy_day))
    for statement, params in statements:
        print(f"EXPLAIN (ANALYZE, BUFFERS) of the statement's SQL, {params}:\n"
              f"{db.explain(statement, params)}", flush=True)  # fmt: skip

    # A page of 50, 80 % deep into the partner's whole history (newest first, keyset).
    t = transactions.c
    deep = int(0.8 * total)
    with db.engine.connect() as conn:
        row = conn.execute(
            select(t.occurred_at, t.id)
            .where(t.partner_id == partner_id, t.kind.in_(PARTNER_KINDS))
            .order_by(t.occurred_at.desc(), t.id.desc())
            .offset(deep)
            .limit(1)
        ).one()
    cursor = queries._encode_cursor(row.occurred_at, row.id)
    path = f"/v1/transactions?from={first_day}&to={today()}&limit=50&cursor={cursor}"
    times, status, body = await timed(http, "GET", path, token)
    items = len(body.get("items", [])) if isinstance(body, dict) else body
    ms = statistics.median(times)
    print(
        f"\ntransactions page of 50 at {deep:,} of {total:,} (80 %, {row.occurred_at:%Y-%m-%d}): "
        f"{median_ms(times)}, status {status}, {items} items  {verdict('page', ms)}",
        flush=True,
    )
    pages = db.captured(
        lambda conn: queries.list_transactions(
            conn, partner, day_from=first_day, day_to=today(), kind=None, cursor=cursor, limit=50
        )
    )
    for statement, params in pages:
        print(f"EXPLAIN (ANALYZE, BUFFERS) of the page's SQL, {params}:\n"
              f"{db.explain(statement, params)}", flush=True)  # fmt: skip

    # The deny-list whole, then as a delta after three new blocks.
    times, status, body = await timed(http, "GET", "/v1/denylist", token)
    assert isinstance(body, dict), body
    listed, since = len(body["cards"]), body["cursor"]
    print(f"\ndeny-list whole: {median_ms(times)}, status {status}, {listed:,} cards, "
          f"cursor {since}", flush=True)  # fmt: skip
    blocked = rng.sample(cards, 3)
    for number in blocked:
        done = run_central_cli(
            ["card", "status", number, "blocked", "--reason", "lost", "--database",
             central.database_url],
            data_dir=data_dir,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"card status {number} blocked failed:\n{done.stdout}{done.stderr}")
    times, status, body = await timed(http, "GET", f"/v1/denylist?since={since}", token)
    delta: list[str] = [c["card_number"] for c in body["cards"]] if isinstance(body, dict) else []
    ms = statistics.median(times)
    print(
        f"deny-list delta after 3 blocks ({' '.join(blocked)}, hdf-central card status): "
        f"{median_ms(times)}, status {status}, {len(delta)} cards "
        f"({'the three' if sorted(delta) == sorted(blocked) else f'expected the three: {delta}'})"
        f"  {verdict('deny-list delta', ms)}",
        flush=True,
    )

    # One 500-item sync batch: offline QR payments on distinct cards, signed with the service's key,
    # from a till of another partner (the busiest one's history stays as seeded for a --keep rerun).
    sync_code = next(c for c in codes if c != code)
    sync_token = await enrol(http, sync_code, "Banc synchro")
    chosen = rng.sample([c for c in cards if c not in blocked], 500)
    items = sync_items(central, db, chosen)
    raw = json.dumps({"items": items})
    headers = {"Authorization": f"Bearer {sync_token}"}
    await http.close()
    await http.call("GET", "/v1/health")  # a fresh connection, opened before the clock runs
    t0 = time.perf_counter()
    status, body = await http.call("POST", "/v1/sync", {"items": items}, headers)
    ms = (time.perf_counter() - t0) * 1000
    outcomes: dict[str, int] = {}
    for r in body.get("results", []) if isinstance(body, dict) else []:
        key = (
            r["outcome"]
            if r["outcome"] == "applied"
            else f"{r['outcome']} {problem_code(r['body'])}"
        )
        outcomes[key] = outcomes.get(key, 0) + 1
    applied = outcomes.get("applied", 0)
    print(
        f"\nsync batch of 500 offline QR payments ({len(raw) / 1024:.0f} KiB, a till of "
        f"{sync_code}): {ms:.1f} ms, "
        f"status {status}, {applied} applied{'' if applied == 500 else f' NOT all: {outcomes}'}"
        f"  {verdict('sync batch', ms)}",
        flush=True,
    )
    await http.close()

    # The database size.
    size = db.rows("SELECT pg_size_pretty(pg_database_size(current_database()))")[0][0]
    print(f"\ndatabase size: {size}")
    for name, whole, table, indexes in db.rows(
        "SELECT c.relname, pg_size_pretty(pg_total_relation_size(c.oid)), "
        "pg_size_pretty(pg_relation_size(c.oid)), pg_size_pretty(pg_indexes_size(c.oid)) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = 'public' "
        "ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8"
    ):
        print(f"  {name:<20} {whole:>10} (table {table}, indexes {indexes})")


def sync_items(central: CentralProcess, db: Db, numbers: list[str]) -> list[dict[str, Any]]:
    """Offline payments of 1 cent as a till queues them: a card QR read a minute before."""
    from support.sealed import open_signing_key

    from hdf_common import qrtoken

    kid, stored = db.rows(
        "SELECT kid, private_pem FROM signing_keys WHERE retired_at IS NULL "
        "ORDER BY created_at DESC, kid DESC LIMIT 1"
    )[0]
    key = qrtoken.private_key_from_pem(open_signing_key(central, kid, stored))
    wallets = {
        r[0]: (int(r[1]), r[2])
        for r in db.rows(
            "SELECT c.card_number, w.balance_cents, w.valid_to FROM cards c "
            "JOIN wallets w ON w.card_id = c.id "
            "WHERE w.wallet_code = :w AND c.card_number = ANY(:n)",
            {"w": WALLET, "n": numbers},
        )
    }
    iat = int(time.time()) - 120
    occurred = (datetime.now(UTC) - timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = []
    for number in numbers:
        balance, valid_to = wallets[number]
        claims = {
            "card": number, "iat": iat, "exp": iat + qrtoken.CARD_TOKEN_LIFETIME_S,
            "wallets": [{"code": WALLET, "balance_cents": balance,
                         "valid_to": valid_to.isoformat()}],
        }  # fmt: skip
        items.append({
            "idempotency_key": str(uuid.uuid4()), "operation": "payment",
            "occurred_at": occurred,
            "body": {"card_number": number, "wallet_code": WALLET, "amount_cents": 1,
                     "entry_mode": "qr",
                     "qr_token": qrtoken.CARD_PREFIX + qrtoken.sign(claims, key, kid)},
        })  # fmt: skip
    return items


# ---- the run -------------------------------------------------------------------------------------


def run(args: argparse.Namespace, rates: list[float]) -> None:
    with ExitStack() as stack:
        if args.keep:
            root = Path(args.keep).resolve()
            cluster = stack.enter_context(kept_cluster(root))
            data_dir = root / "central"
            data_dir.mkdir(exist_ok=True)
        else:
            cluster = stack.enter_context(postgres_cluster(fast_unsafe=False))
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hdf-scale-")))
        tune(cluster)
        if args.keep:
            import psycopg

            marker = root / "seeded.json"
            wanted = json.dumps(seed_args(args))
            database_url = cluster.url(KEEP_DATABASE)
            if marker.exists() and marker.read_text() == wanted:
                print(f"seed: kept from an earlier run in {root} (same sizes)", flush=True)
            else:
                with psycopg.connect(cluster.url(), autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {KEEP_DATABASE} WITH (FORCE)")
                    conn.execute(f"CREATE DATABASE {KEEP_DATABASE}")
                marker.unlink(missing_ok=True)
                seed(database_url, data_dir, args)
                marker.write_text(wanted)
        else:
            database_url = cluster.create_database("scale")
            seed(database_url, data_dir, args)

        db = Db(database_url)
        stack.callback(db.dispose)
        rng = random.Random(args.random_seed)
        cards = active_cards(db)
        codes = [r[0] for r in db.rows("SELECT code FROM partners ORDER BY id")]
        print(f"cards a till may debit (active, {WALLET} valid today, ≥ 1 €): {len(cards):,}; "
              f"partners: {len(codes):,}", flush=True)  # fmt: skip
        if len(cards) < 600:
            raise SystemExit("too few active cards for the bench: seed more --cards")
        spread = rng.sample(codes, min(len(codes), args.bench_terminals))
        bench_codes = [spread[i % len(spread)] for i in range(args.bench_terminals)]

        # Version 1.1's look-up limit as an installation has it (the test harness raises it).
        extra = ["--workers", str(args.workers), "--log-level", args.log_level]
        central = stack.enter_context(
            start_central(
                database_url=database_url, demo=False, data_dir=data_dir, extra_args=extra,
                env={"HDF_CENTRAL_LOOKUP_LIMIT": ""},
            )
        )  # fmt: skip
        assert central.pid is not None
        print(f"service: hdf-central serve --workers {args.workers} on port {central.port}; "
              f"look-up limit 60/min in bursts of 20 per terminal", flush=True)  # fmt: skip
        roots = {"service": central.pid, "postgres": postmaster_pid(cluster)}

        started = time.monotonic()
        tokens = asyncio.run(enrol_many(central.port, bench_codes))
        print(f"enrolment of {len(tokens)} terminals over {len(spread)} partners: "
              f"{time.monotonic() - started:.1f} s", flush=True)  # fmt: skip

        holding: list[float] = []
        for rate in rates:
            interval = len(tokens) / rate
            if interval < 1.0:
                print(f"note: at {rate:g}/s each terminal looks up a card every {interval:.2f} s, "
                      "faster than the 1 a second the limit refills", flush=True)  # fmt: skip
            db.settle()  # each rate starts from the same state, not in the last one's wake
            stats = asyncio.run(
                load(central.port, tokens, cards, rate, args.duration, args.warmup, roots, rng)
            )
            if report_load(rate, args, stats):
                holding.append(rate)
        best = f"{max(holding):g} payments/s" if holding else "none of " + args.rate
        print(f"\nhighest rate holding payment p99 ≤ 100 ms and look-up p99 ≤ 20 ms: {best}",
              flush=True)  # fmt: skip

        asyncio.run(quiet(central, db, data_dir, cards, codes, rng))
        print(f"\nload average at the end: {load_average()}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = parser.add_argument_group("the data set (hdf-central seed --scale; default the region)")
    for name, default in (
        ("cards", 350_000), ("partners", 1_500), ("terminals", 3_000),
        ("transactions", 10_000_000), ("days", 730), ("random-seed", 2026),
    ):  # fmt: skip
        sizes.add_argument(f"--{name}", type=int, default=default, metavar="N")
    parser.add_argument("--bench-terminals", type=int, default=500, help="terminals enrolled")
    parser.add_argument(
        "--rate", default="150,200,250,300", help="payments/s, a comma list: one load run per rate"
    )
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds per rate")
    parser.add_argument("--warmup", type=float, default=5.0, help="paced seconds not measured")
    parser.add_argument("--workers", type=int, default=2, help="service processes")
    parser.add_argument("--log-level", default="info", help="service log level")
    parser.add_argument("--keep", metavar="DIR", help="keep the seeded cluster here for reuse")
    args = parser.parse_args(argv)
    try:
        rates = [float(r) for r in args.rate.split(",") if r.strip()]
    except ValueError:
        parser.error("--rate: payments/s separated by commas, e.g. 150,200,300")
    if not rates or min(rates) <= 0 or args.bench_terminals < 1:
        parser.error("--rate and --bench-terminals must be positive")
    print(
        f"# {date.today()} cpus={os.cpu_count()} python={sys.version.split()[0]} "
        f"load before: {load_average()}",
        flush=True,
    )

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")  # the ExitStack stops service and cluster

    signal.signal(signal.SIGTERM, stop)
    # Ctrl-C stops it even when started in the background (where a shell ignores SIGINT).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.monotonic()
    try:
        run(args, rates)
    except KeyboardInterrupt:
        print("interrupted: service and cluster stopped", file=sys.stderr)
        return 130
    print(f"total time: {(time.monotonic() - started) / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
