"""Store and forward against the real central service: every offline refusal, the unknown outcome
(request sent, answer lost), a card spent elsewhere while offline, clock drift, batches."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from hdf_common import qrtoken
from pos import terminal as terminal_module
from pos.domain import business_day, utc_now
from pos.scan import parse_scan
from pos.sync import credentials
from pos.terminal import Outcome
from terminal.helpers import Proxy, balance, card_qr, central_transactions, dead_url, report_card


def _token(t) -> str:
    return credentials.load_token(t.terminal_id)


def test_each_offline_refusal_says_why(central, make_terminal):
    t = make_terminal(central.url)
    jean = card_qr(central.url, "23166621")  # 80,00 € on MANUEQUIP
    stephane = card_qr(central.url, "23166622")
    report_card(central.url, "23166622", "stolen")  # blocked now: on the deny-list
    assert t.sync().online  # refreshes the deny-list
    t.set_server_url(dead_url())  # the service is unreachable from here on

    def pay(scan, amount, wallet="MANUEQUIP"):
        return t.pay(scan=scan, wallet_code=wallet, amount_cents=amount)

    refused = pay("23166621", 500)
    assert refused.outcome is Outcome.REFUSED
    assert refused.refusal.code == "offline_manual_entry" and "QR code" in refused.refusal.message

    over_payment = pay(jean, 5001)  # per-payment cap 50,00 €
    assert over_payment.refusal.code == "offline_over_payment_limit"

    assert pay(jean, 5000).outcome is Outcome.OFFLINE_QUEUED
    over_qr = pay(jean, 3001)  # 80,00 € in the QR - 50,00 € already taken here
    assert over_qr.refusal.code == "offline_over_qr_balance"
    assert "solde" in over_qr.refusal.message
    last = pay(jean, 3000)
    assert last.outcome is Outcome.OFFLINE_QUEUED and last.receipt.balance_after_cents == 0

    denied = pay(stephane, 100)
    assert denied.refusal.code == "offline_denylisted" and "opposition" in denied.refusal.message

    # A QR signed by someone else, and one whose claims were edited: both are forged.
    forger = qrtoken.generate_private_key()
    now = int(utc_now().timestamp())
    wallet = {"code": "MANUEQUIP", "balance_cents": 99999, "valid_to": "2099-01-01"}
    claims = {"card": "23166625", "iat": now, "exp": now + 600, "wallets": [wallet]}
    forged = pay(qrtoken.CARD_PREFIX + qrtoken.sign(claims, forger), 100)
    assert forged.refusal.code == "token_invalid"
    header, _, rest = jean.partition(".")
    payload, _, signature = rest.partition(".")
    edited = json.loads(qrtoken.b64url_decode(payload))
    edited["wallets"][0]["balance_cents"] = 99999
    tampered = f"{header}.{qrtoken.b64url_encode(json.dumps(edited).encode())}.{signature}"
    assert pay(tampered, 100).refusal.code == "token_invalid"

    # An empty wallet in the QR: nothing to take, even a cent.
    t2 = make_terminal(central.url, partner="E305", name="e305")
    emma = card_qr(central.url, "23166625")  # 0,00 € on MANUEQUIP
    t2.set_server_url(dead_url())
    assert t2.pay(scan=emma, wallet_code="MANUEQUIP", amount_cents=1).refusal.code == (
        "offline_over_qr_balance"
    )

    # Eleven minutes later the QR has expired.
    later = utc_now() + timedelta(minutes=11)
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr(terminal_module, "utc_now", lambda: later)
        expired = pay(jean, 100)
    assert expired.refusal.code == "token_expired" and "expiré" in expired.refusal.message

    # A cancellation needs the service.
    cancel = t.cancel(transaction_id="3f1c1d9e-2a4b-4c5d-8e6f-7a8b9c0d1e2f", reason="test")
    assert cancel.refusal.code == "offline_cancel"

    status = t.status()
    assert status.queue == 2 and not status.online
    t.set_server_url(central.url)
    report = t.sync()
    assert (report.applied, report.rejected, report.remaining) == (2, 0, 0)
    assert balance(central.url, "23166621", "MANUEQUIP") == 0


def test_card_total_cap_counts_every_wallet_not_yet_sent(central, make_terminal):
    t = make_terminal(central.url, partner="E305")
    qr = card_qr(central.url, "23166622")  # MANUEQUIP 115,00 €, PREMIEREQUIP 300,00 €
    t.set_server_url(dead_url())
    assert t.pay(scan=qr, wallet_code="PREMIEREQUIP", amount_cents=5000).ok
    assert t.pay(scan=qr, wallet_code="MANUEQUIP", amount_cents=4000).ok
    over = t.pay(scan=qr, wallet_code="PREMIEREQUIP", amount_cents=1001)
    assert over.refusal.code == "offline_over_card_total"
    assert t.pay(scan=qr, wallet_code="PREMIEREQUIP", amount_cents=1000).ok


def test_a_card_seen_online_then_paid_offline_counts_each_payment_once(central, make_terminal):
    # The windows keep a card's online answer: the payment then tries the service first, and
    # its own pending row must not count against it when the offline rules judge it.
    t = make_terminal(central.url, partner="E305")
    qr = card_qr(central.url, "23166622")  # MANUEQUIP 115,00 €, PREMIEREQUIP 300,00 €
    assert t.lookup(qr).offline is False
    t.set_server_url(dead_url())
    first = t.pay(scan=qr, wallet_code="PREMIEREQUIP", amount_cents=5000)
    assert first.outcome is Outcome.OFFLINE_QUEUED
    assert first.receipt.balance_after_cents == 25000
    # The card's offline total (100,00 €) holds 50,00 € more, on any wallet.
    second = t.pay(scan=qr, wallet_code="MANUEQUIP", amount_cents=5000)
    assert second.outcome is Outcome.OFFLINE_QUEUED, second.refusal
    assert second.receipt.balance_after_cents == 6500
    assert t.pay(scan=qr, wallet_code="MANUEQUIP", amount_cents=1).refusal.code == (
        "offline_over_card_total"
    )


def test_unknown_outcome_is_applied_exactly_once(central, make_terminal):
    proxy = Proxy(central.port)
    try:
        t = make_terminal(central.url)
        t.set_server_url(proxy.url)
        assert t.lookup("23166621").holder_name == "Jean MARTIN"  # the cashier looks first
        proxy.mode = "drop"
        result = t.pay(scan="23166621", wallet_code="MANUEQUIP", amount_cents=1500)
        # The request reached the service, the answer never came back.
        assert proxy.dropped >= 1
        assert result.outcome is Outcome.OFFLINE_QUEUED
        assert result.receipt.unknown_outcome
        key = result.receipt.idempotency_key
        row = t.store.one("SELECT idempotency_key, state, origin FROM outbox")
        assert (row["idempotency_key"], row["state"], row["origin"]) == (key, "queued", "unknown")
        assert balance(central.url, "23166621", "MANUEQUIP") == 6500  # applied once already

        proxy.mode = "forward"
        report = t.sync()
        assert report.sent == 1 and report.duplicate + report.applied == 1
        assert report.rejected == 0 and report.remaining == 0
        assert balance(central.url, "23166621", "MANUEQUIP") == 6500  # not twice
        payments = central_transactions(central.url, _token(t), kind="counter_payment")
        assert len(payments) == 1 and payments[0]["amount_cents"] == 1500
        assert t.sync().sent == 0  # nothing left to send
    finally:
        proxy.close()


def test_card_spent_elsewhere_is_rejected_at_sync_and_shown(central, make_terminal, run_cli):
    away = make_terminal(central.url, name="away")
    counter = make_terminal(central.url, label="Caisse 2", name="counter")
    qr = card_qr(central.url, "23166621")  # 80,00 €
    away.set_server_url(dead_url())
    offline = away.pay(scan=qr, wallet_code="MANUEQUIP", amount_cents=5000)
    assert offline.outcome is Outcome.OFFLINE_QUEUED
    online = counter.pay(scan="23166621", wallet_code="MANUEQUIP", amount_cents=6000)
    assert online.outcome is Outcome.ONLINE and online.receipt.balance_after_cents == 2000

    away.set_server_url(central.url)
    report = away.sync()
    assert (report.rejected, report.remaining) == (1, 0)
    follow_ups = away.follow_ups()
    assert [(f.code, f.amount_cents, f.card_number) for f in follow_ups] == [
        ("insufficient_funds", 5000, "23166621")
    ]
    assert "insuffisant" in follow_ups[0].message
    assert away.status().follow_ups == 1
    day = business_day()
    day_report = away.report(day)
    assert [v.sync_state for v in day_report.transactions] == ["rejected"]
    assert day_report.net_amount_cents == 0 and len(day_report.follow_ups) == 1
    assert balance(central.url, "23166621", "MANUEQUIP") == 2000

    data = str(away.data_dir)
    away.close()
    code, out, _ = run_cli("--data-dir", data, "status", "--json")
    assert json.loads(out)["follow_ups"] == 1
    code, out, _ = run_cli("--data-dir", data, "report", "--date", day.isoformat())
    assert "Refusés à l'envoi (1)" in out and "insuffisant" in out
    code, out, _ = run_cli("--data-dir", data, "reconcile", "--date", day.isoformat())
    assert code == 0 and "concordant" in out


def test_sync_sends_in_order_in_batches_of_500(central, make_terminal):
    t = make_terminal(central.url, partner="E305")
    qr = parse_scan(card_qr(central.url, "23166622"))
    t.set_server_url(dead_url())
    for _ in range(520):
        assert t.pay(scan=qr, wallet_code="PREMIEREQUIP", amount_cents=1).ok
    t.set_server_url(central.url)
    calls = []
    report = t.sync(progress=lambda done, total: calls.append((done, total)))
    assert calls == [(500, 520), (520, 520)]
    assert (report.sent, report.applied, report.remaining) == (520, 520, 0)
    assert balance(central.url, "23166622", "PREMIEREQUIP") == 30000 - 520
    # In order: the central balances after each payment go down one cent at a time.
    payments = central_transactions(central.url, _token(t), kind="counter_payment")
    by_time = sorted(payments, key=lambda p: p["balance_after_cents"], reverse=True)
    assert [p["balance_after_cents"] for p in by_time] == list(range(29999, 29999 - 520, -1))


def test_clock_drift_is_measured_and_warned_above_two_minutes(central, make_terminal):
    proxy = Proxy(central.port)
    try:
        t = make_terminal(central.url)
        t.set_server_url(proxy.url)
        proxy.date_shift_s = 60
        status = t.status()
        assert 55 <= status.clock_drift_seconds <= 65 and not status.drift_warning
        proxy.date_shift_s = -300
        t.sync()
        status = t.status(probe=False)
        assert status.clock_drift_seconds < -290 and status.drift_warning
    finally:
        proxy.close()


def test_status_tells_offline_without_any_payment_and_back_online(central, make_terminal):
    t = make_terminal(central.url)
    events = []
    t.subscribe(lambda name, payload: events.append((name, payload)))
    assert t.status().online
    central.stop()
    status = t.status()
    assert not status.online and status.queue == 0
    assert 71 * 3600 < status.offline_window_remaining_s <= 72 * 3600
    central.start()
    assert t.status().online
    assert [p["online"] for n, p in events if n == "status" and "online" in p][-2:] == [
        False,
        True,
    ]


def test_background_worker_sends_the_queue_when_the_service_is_back(central, make_terminal):
    t = make_terminal(central.url)
    qr = card_qr(central.url, "23166621")
    central.stop()
    assert t.pay(scan=qr, wallet_code="MANUEQUIP", amount_cents=700).outcome is (
        Outcome.OFFLINE_QUEUED
    )
    t.start_background_sync(interval_s=0.2)
    worker = t._worker
    worker.base_backoff_s = 0.05
    worker.max_backoff_s = 0.2
    central.start()
    import time

    deadline = time.monotonic() + 20
    while t.status(probe=False).queue and time.monotonic() < deadline:
        time.sleep(0.1)
    assert t.status(probe=False).queue == 0
    assert balance(central.url, "23166621", "MANUEQUIP") == 7300


@pytest.mark.parametrize("failures", [1, 3, 8])
def test_backoff_grows_with_jitter_and_is_capped(failures):
    from pos.sync.worker import SyncWorker

    worker = SyncWorker(engine=None, interval_s=15, base_backoff_s=1, max_backoff_s=30)  # type: ignore[arg-type]
    worker.failures = failures
    delays = {worker.next_delay() for _ in range(50)}
    ceiling = min(30, 2 ** (failures - 1))
    assert all(ceiling * 0.5 <= d <= ceiling for d in delays)
    assert len(delays) > 1  # jitter


def test_offline_redemption_and_a_voucher_cancelled_meanwhile(central, make_terminal):
    from terminal.helpers import cancel_voucher, create_voucher

    t = make_terminal(central.url)
    kept = create_voucher(central.url, "23166621", "L212", "MANUEQUIP", 1000)
    cancelled = create_voucher(central.url, "23166621", "L212", "MANUEQUIP", 2000)
    t.set_server_url(dead_url())
    typed = t.redeem(scan=kept["ticket_number"])
    assert typed.refusal.code == "offline_voucher_manual_entry"
    first = t.redeem(scan=kept["qr_token"])
    assert first.outcome is Outcome.OFFLINE_QUEUED
    assert first.receipt.ticket_number == kept["ticket_number"]
    assert first.receipt.amount_cents == 1000
    again = t.redeem(scan=kept["qr_token"])
    assert again.refusal.code == "offline_voucher_already_queued"
    assert t.redeem(scan=cancelled["qr_token"]).outcome is Outcome.OFFLINE_QUEUED
    cancel_voucher(central.url, "23166621", cancelled["ticket_number"])  # meanwhile, online

    t.set_server_url(central.url)
    report = t.sync()
    assert (report.applied, report.rejected, report.remaining) == (1, 1, 0)
    [follow_up] = t.follow_ups()
    assert follow_up.code == "voucher_not_pending"
    assert follow_up.ticket_number == cancelled["ticket_number"]
    assert t.voucher(kept["ticket_number"]).status == "redeemed"
