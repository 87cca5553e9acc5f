"""A terminal paying and syncing is killed with SIGKILL at random moments, over and over; then the
central ledger and the local journal agree: nothing lost, nothing doubled."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pos import journal
from pos.sync import credentials
from pos.terminal import Terminal
from terminal.helpers import balance, card_qr, central_transactions, dead_url

KILLS = 110


@pytest.mark.slow
def test_sigkill_loop_then_ledger_and_journal_agree(central, make_terminal, tmp_path):
    t = make_terminal(central.url, partner="E305")
    assert t.lookup("23166622").holder_name  # warm up: keys, deny-list, profile
    data_dir, terminal_id = t.data_dir, t.terminal_id
    token = credentials.load_token(terminal_id)
    t.close()
    receipts = tmp_path / "receipts.log"
    qr = card_qr(central.url, "23166622")
    zygote = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("crash_zygote.py")), str(data_dir),
         central.url, dead_url(), qr, str(receipts)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert zygote.stdin and zygote.stdout
    rng = random.Random(20261122)
    try:
        for _ in range(KILLS):
            zygote.stdin.write("fork\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline().split()[1])
            time.sleep(rng.uniform(0.02, 0.3))
            os.kill(pid, signal.SIGKILL)
            zygote.stdin.write(f"reap {pid}\n")
            zygote.stdin.flush()
            assert zygote.stdout.readline().strip() == "reaped"
        zygote.stdin.write("quit\n")
        zygote.stdin.flush()
        zygote.wait(timeout=30)
    finally:
        if zygote.poll() is None:
            zygote.kill()

    lines = receipts.read_text().splitlines() if receipts.exists() else []
    told = [line for line in lines if not line.startswith("refused")]
    assert not [line for line in lines if line.startswith("refused")], lines[:5]
    assert len(told) > KILLS  # the workers did real work between kills

    with Terminal.open(data_dir) as survivor:  # recovers what the last kill left in flight
        for _ in range(5):
            if survivor.sync().remaining == 0:
                break
        assert survivor.status(probe=False).queue == 0
        assert survivor.verify_journal().ok
        conn = survivor.store.conn
        payments = list(journal.entries(conn, types=("payment",)))
        outcomes = {
            r["idempotency_key"]: r for r in survivor.store.query("SELECT * FROM sync_outcomes")
        }
    keys = [e.event["idempotency_key"] for e in payments]
    assert len(keys) == len(set(keys))  # no payment journaled twice
    assert set(told) <= set(keys)  # every receipt given is in the journal
    journal_ids = set()
    for entry in payments:
        if entry.event["mode"] == "online":
            journal_ids.add(entry.event["transaction_id"])
            continue
        outcome = outcomes[entry.event["idempotency_key"]]
        assert outcome["outcome"] in ("applied", "duplicate"), dict(outcome)
        journal_ids.add(json.loads(outcome["body"])["transaction_id"])
    ledger = [
        tx
        for tx in central_transactions(central.url, token, kind="counter_payment")
        if tx["terminal_id"] == terminal_id
    ]
    ledger_ids = [tx["transaction_id"] for tx in ledger]
    assert len(ledger_ids) == len(set(ledger_ids))
    assert set(ledger_ids) == journal_ids  # nothing lost, nothing doubled
    debited = sum(tx["amount_cents"] for tx in ledger)
    assert debited == sum(e.event["amount_cents"] for e in payments)
    assert balance(central.url, "23166622", "PREMIEREQUIP") == 30000 - debited
    modes = [e.event["mode"] for e in payments]
    print(
        f"{KILLS} kills, {len(payments)} payments journaled "
        f"({modes.count('online')} online, {modes.count('offline')} offline, "
        f"{modes.count('unknown')} unknown outcome), {len(told)} receipts given"
    )
