"""Conservation at scale (issue 14): a terminal journal of 1,000,000 realistic entries.

    uv run python bench/journal.py                      # 1,000,000 entries (about six busy years)
    uv run python bench/journal.py --entries 200000 --keep /tmp/j   # smaller, keep the folder

It fills a terminal store (SQLite, the real schema) with a chained journal shaped like a busy
shop's: ~550 entries a business day (online payments with a keyed name digest, a few offline
payments and their sync outcomes, cancellations), a `day_closing` for every day but the last, a
`month_closing` for every month but the last two, `year_closing`s, and the holders' names of the
last 90 days beside the chain. Then, in a fresh process (so its peak memory is its own), it times
through the terminal's own code: `journal verify` (the whole chain), `close-day` of the last day,
`close-month` of the previous month, the month's report (the day report of each of its days), and
prints the database size per entry and the memory peak (max RSS, and its growth while verifying).
Targets on a 2-core machine: verify ≤ 10 s, close-day ≤ 200 ms, month report ≤ 1 s, memory flat.
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import hmac
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WALLETS = ("MANUEQUIP", "PREMIEREQUIP", "SPORT", "CULTURE")
NAMES = ("Jean MARTIN", "Léa DUBOIS", "Hugo LEROY", "Emma MOREAU", "Nathan ROUX", "Chloé FOURNIER")


def canonical(event: dict) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def business_days(count: int, last: date) -> list[date]:
    days, d = [], last
    while len(days) < count:
        if d.weekday() != 6:  # closed on Sundays
            days.append(d)
        d -= timedelta(days=1)
    return days[::-1]


def fill(folder: Path, entries: int, seed: int = 14) -> dict:
    """Write the store with `entries` journal entries; returns what the measure step needs."""
    from pos.store import Store

    rng = random.Random(seed)
    store = Store(folder)  # the real schema (migrations included)
    conn = store.conn
    per_day = 550
    last_day = date(2026, 11, 24)
    days = business_days(max(2, round(entries / (per_day + 1))), last_day)
    name_keys: dict[str, bytes] = {}
    prev, seq = "0" * 64, 0
    rows: list[tuple] = []
    names: list[tuple] = []
    grand = 0
    month_parts: dict[str, list[dict]] = {}
    closed_months: list[str] = []
    last_month, prev_month = days[-1].isoformat()[:7], None
    for d in days:
        m = d.isoformat()[:7]
        if m != last_month:
            prev_month = m if prev_month is None or m > prev_month else prev_month

    def add(etype: str, day: str, at: datetime, payload: dict) -> str:
        nonlocal prev, seq
        seq += 1
        recorded = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        event = {**payload, "seq": seq, "type": etype, "day": day, "recorded_at": recorded}
        text = canonical(event)
        digest = hashlib.sha256((prev + text).encode()).hexdigest()
        rows.append((seq, recorded, day, etype, text, prev, digest))
        prev = digest
        if len(rows) >= 20000:
            flush()
        return recorded

    def flush() -> None:
        conn.executemany("INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        rows.clear()

    conn.execute("BEGIN IMMEDIATE")
    receipt = 0
    name_cutoff = datetime.combine(last_day, datetime.min.time(), UTC) - timedelta(days=90)
    for index, d in enumerate(days):
        day = d.isoformat()
        base = datetime(d.year, d.month, d.day, 8, 0, tzinfo=UTC)
        count, net, by_wallet, by_kind = 0, 0, {}, {}
        n = 0
        while n < per_day:
            at = base + timedelta(seconds=n * 60 + rng.randint(0, 50))
            wallet = rng.choice(WALLETS)
            amount = rng.randint(100, 9000)
            name = rng.choice(NAMES)
            month = at.strftime("%Y-%m")
            key = name_keys.setdefault(month, os.urandom(32))
            kind = "payment" if rng.random() > 0.02 else "cancellation"
            offline = rng.random() < 0.03
            receipt += 1
            payload = {
                "idempotency_key": str(uuid.UUID(int=rng.getrandbits(128))),
                "ticket_number": None,
                "card_number": f"{rng.randint(0, 99_999_999):08d}",
                "holder_digest": hmac.new(key, name.encode(), hashlib.sha256).hexdigest(),
                "wallet_code": wallet,
                "amount_cents": amount,
                "occurred_at": at.isoformat().replace("+00:00", "Z"),
                "reference": f"FAC-{receipt}" if rng.random() < 0.3 else None,
                "entry_mode": "qr" if offline or rng.random() < 0.7 else "manual",
                "mode": "offline" if offline else "online",
                "transaction_id": None if offline else str(uuid.UUID(int=rng.getrandbits(128))),
                "transaction_number": None if offline else f"{rng.randint(0, 9_999_999):07d}",
                "balance_after_cents": rng.randint(0, 50000),
                "receipt_number": f"T-{receipt:06d}",
            }
            if kind == "cancellation":
                payload["cancels"] = str(uuid.UUID(int=rng.getrandbits(128)))
                payload["reason"] = "Erreur de saisie"
            recorded = add(kind, day, at, payload)
            if at >= name_cutoff:
                names.append((seq, name, recorded[:7], recorded))
            signed = -amount if kind == "cancellation" else amount
            k = "cancellation" if kind == "cancellation" else "counter_payment"
            count, net = count + 1, net + signed
            by_wallet[wallet] = by_wallet.get(wallet, 0) + signed
            by_kind[k] = by_kind.get(k, 0) + signed
            n += 1
            if offline:
                add("sync_outcome", day, at + timedelta(seconds=30), {
                    "idempotency_key": payload["idempotency_key"], "operation": "payment",
                    "outcome": "applied", "status": 201, "code": None,
                    "transaction_id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "transaction_number": f"{rng.randint(0, 9_999_999):07d}",
                    "balance_after_cents": rng.randint(0, 50000),
                })  # fmt: skip
                n += 1
        if d == days[-1]:
            break  # the last day stays open: close-day is measured on it
        grand += net
        closing = {
            "closed_day": day, "closed_at": (base + timedelta(hours=12)).isoformat(),
            "count": count, "by_wallet": by_wallet, "by_kind": by_kind,
            "net_amount_cents": net, "grand_total_cents": grand, "last_hash": prev,
        }  # fmt: skip
        add("day_closing", day, base + timedelta(hours=12), closing)
        month = day[:7]
        month_parts.setdefault(month, []).append(closing)
        next_month = days[index + 1].isoformat()[:7]
        if next_month != month and month not in (last_month, prev_month):
            parts = month_parts[month]
            at = base + timedelta(hours=13)
            add("month_closing", days[index + 1].isoformat(), at, {
                "period": month, "closed_at": at.isoformat(), "parts": len(parts),
                "count": sum(p["count"] for p in parts),
                "by_wallet": {}, "by_kind": {},
                "net_amount_cents": sum(p["net_amount_cents"] for p in parts),
                "grand_total_cents": grand, "last_hash": prev,
            })  # fmt: skip
            closed_months.append(month)
    flush()
    conn.executemany("INSERT INTO journal_names VALUES (?, ?, ?, ?)", names)
    kept_months = {n[2] for n in names}  # the older months' keys went with their names
    conn.executemany(
        "INSERT INTO journal_name_keys VALUES (?, ?)",
        [(m, k) for m, k in name_keys.items() if m in kept_months],
    )
    conn.execute(
        "INSERT INTO state (key, value) VALUES ('journal_head', ?)",
        (json.dumps({"seq": seq, "hash": prev}),),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return {"entries": seq, "last_day": days[-1].isoformat(), "prev_month": prev_month}


def measure(folder: Path, last_day: str, prev_month: str) -> dict:
    """Run in a fresh process: time the terminal's own operations."""
    from hdf_common import clock
    from pos import journal
    from pos.terminal import Terminal

    # The morning after the last day: a day closes once it is over (pos.daybook, issue 12).
    morning = date.fromisoformat(last_day) + timedelta(days=1)
    clock.set_clock(f"{morning.isoformat()}T09:00:00+01:00")
    out: dict = {"rss_start_mb": rss_mb()}
    with Terminal.open(folder) as t:
        out["rss_open_mb"] = rss_mb()
        start, cpu = time.perf_counter(), time.process_time()
        check = t.verify_journal()
        out["verify_s"] = time.perf_counter() - start
        out["verify_cpu_s"] = time.process_time() - cpu
        out["verify_ok"], out["verify_rows"] = check.ok, check.rows
        out["rss_after_verify_mb"] = rss_mb()
        year, month = map(int, prev_month.split("-"))
        start, cpu = time.perf_counter(), time.process_time()
        reports = [
            t.report(date(year, month, day))
            for day in range(1, calendar.monthrange(year, month)[1] + 1)
        ]
        out["month_report_s"] = time.perf_counter() - start
        out["month_report_cpu_s"] = time.process_time() - cpu
        out["month_report_count"] = sum(r.count for r in reports)
        start, cpu = time.perf_counter(), time.process_time()
        closing = t.close_day(date.fromisoformat(last_day))
        out["close_day_s"] = time.perf_counter() - start
        out["close_day_cpu_s"] = time.process_time() - cpu
        out["close_day_count"] = closing.count
        start, cpu = time.perf_counter(), time.process_time()
        month_closing = t.close_month(prev_month)
        out["close_month_s"] = time.perf_counter() - start
        out["close_month_cpu_s"] = time.process_time() - cpu
        out["close_month_count"] = month_closing.count
        with t.store.reading() as conn:
            out["rows"] = conn.execute("SELECT count(*) FROM journal").fetchone()[0]
            final = journal.verify(conn)
            assert final.ok, final
    out["rss_peak_mb"] = rss_mb()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--keep", help="fill this folder and keep it (else a temporary one)")
    parser.add_argument("--measure", nargs=3, metavar=("DIR", "LAST_DAY", "PREV_MONTH"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), args.measure[1], args.measure[2])))
        return 0
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hdf-journal-bench-"))
    try:
        start = time.perf_counter()
        filled = fill(folder, args.entries)
        fill_s = time.perf_counter() - start
        size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        env = {**os.environ, "HDF_POS_ALLOW_INSECURE_KEYRING": "1"}
        env.pop("HDF_CLOCK", None)
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(folder), filled["last_day"],
             filled["prev_month"]],
            capture_output=True, text=True, env=env, check=False, cwd=ROOT,
        )  # fmt: skip
        if child.returncode != 0:
            print(child.stdout, child.stderr, file=sys.stderr)
            return 1
        m = json.loads(child.stdout.strip().splitlines()[-1])
        load = os.getloadavg()
        print(
            f"journal bench: {m['rows']:,} entries ({filled['entries']:,} filled in "
            f"{fill_s:.1f} s), load {load[0]:.2f} {load[1]:.2f} on {os.cpu_count()} CPUs"
        )
        print("  (wall time; CPU time of the process in brackets: the machine is shared)")
        print(
            f"  journal verify     {m['verify_s']:8.2f} s   [{m['verify_cpu_s']:.2f} s CPU] "
            f"({m['verify_rows']:,} rows, ok={m['verify_ok']})   target ≤ 10 s"
        )
        print(
            f"  close-day          {m['close_day_s'] * 1000:8.1f} ms  "
            f"[{m['close_day_cpu_s'] * 1000:.1f} ms CPU] ({m['close_day_count']} operations)"
            "   target ≤ 200 ms"
        )
        print(
            f"  close-month        {m['close_month_s'] * 1000:8.1f} ms  "
            f"[{m['close_month_cpu_s'] * 1000:.1f} ms CPU] "
            f"({m['close_month_count']:,} operations)"
        )
        print(
            f"  month report       {m['month_report_s']:8.2f} s   "
            f"[{m['month_report_cpu_s']:.2f} s CPU] ({m['month_report_count']:,} operations, "
            f"{filled['prev_month']})   target ≤ 1 s"
        )
        print(
            f"  database           {size / filled['entries']:8.0f} bytes/entry "
            f"({size / 1e6:.0f} MB)"
        )
        print(
            f"  memory (max RSS)   {m['rss_open_mb']:8.0f} MB after open, "
            f"{m['rss_after_verify_mb']:.0f} MB after verify, {m['rss_peak_mb']:.0f} MB peak"
        )
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
