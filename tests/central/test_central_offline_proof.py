"""Issue 13, finding 1: `/v1/sync` no longer gets round a block or the offline caps (API.md 1.1).

An offline payment item must be proven by the card's QR (`offline_not_allowed` otherwise), its
token judged at `occurred_at`; the partner's offline caps are re-checked (`offline_limit_exceeded`,
kept as a follow-up under its key); an item with `replay: true` is a lost online answer, judged as
the online call on arrival, without caps. Real service over HTTP, SQLite and PostgreSQL. Each test
works on its own cards (added with `hdf-central card add`), so tests do not share money.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from support.api import Client, Terminal, ago, assert_problem, new_key, parse_instant, payment_body
from support.central_server import CentralProcess, run_central_cli

from hdf_common import clock

CAP_PAYMENT, CAP_CARD = 5000, 10000  # the demo partners' offline_policy (API.md, DEMO.md)
_numbers = itertools.count(random.randrange(40_000_000, 49_000_000, 1000))


@pytest.fixture(scope="module")
def new_card(central: CentralProcess) -> Callable[..., str]:
    """A fresh active card with 500 € on MANUEQUIP and PREMIEREQUIP, valid this school year."""

    def make(*, balance: int = 50000) -> str:
        number = str(next(_numbers))
        today = clock.business_day(clock.now())
        start, end = today - timedelta(days=60), today + timedelta(days=200)
        args = ["card", "add", "--database", central.database_url, "--card-number", number]
        args += ["--dossier-number", number[1:], "--first-name", "Test", "--last-name", "CAPS"]
        args += ["--password", f"Pw-{number}"]
        for wallet in ("MANUEQUIP", "PREMIEREQUIP"):
            args += ["--wallet", f"{wallet}:{balance}:{start}:{end}"]
        done = run_central_cli(args, data_dir=central.data_dir)
        assert done.returncode == 0, done.stderr
        return number

    return make


def block(central: CentralProcess, card: str) -> None:
    done = run_central_cli(
        ["card", "status", "--database", central.database_url, card, "blocked"],
        data_dir=central.data_dir,
    )
    assert done.returncode == 0, done.stderr


def funded(wallet: str, balance: int) -> list[dict[str, Any]]:
    return [{"code": wallet, "balance_cents": balance, "valid_to": "2099-06-30"}]


def item(
    card: str,
    amount: int,
    *,
    token: str | None = None,
    wallet: str = "PREMIEREQUIP",
    occurred_at: str | None = None,
    replay: bool | None = None,
    **body_extra: Any,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "idempotency_key": new_key(),
        "operation": "payment",
        "body": payment_body(card, wallet, amount, qr_token=token, **body_extra),
        "occurred_at": occurred_at or ago(minutes=5),
    }
    if replay is not None:
        entry["replay"] = replay
    return entry


def outcomes(till: Terminal, items: list[dict[str, Any]]) -> list[tuple[str, int, str | None]]:
    resp = till.sync(items)
    assert resp.status_code == 200, resp.text
    return [
        (r["outcome"], r["status"], r["body"].get("code") if r["status"] >= 400 else None)
        for r in resp.json()["results"]
    ]


def applied(result: tuple[str, int, str | None]) -> bool:
    return result[:2] == ("applied", 201)


# ---- offline items are proven ------------------------------------------------------------------


def test_a_stolen_card_cannot_be_paid_by_a_backdated_manual_item(
    central: CentralProcess, api: Client, l212: Terminal
) -> None:
    """Finding 1 as reported: Jean's card reported stolen, the online payment refused, the same
    payment sent as a sync item two hours back, typed, no QR: it used to be applied (201)."""
    card = "23166621"
    before = l212.balance(card, "MANUEQUIP")
    assert api.beneficiary(card).report("stolen").status_code == 200
    assert_problem(l212.pay(card, "MANUEQUIP", 1000), 422, "card_blocked")
    sneaky = item(card, 1000, wallet="MANUEQUIP", occurred_at=ago(hours=2))
    assert outcomes(l212, [sneaky]) == [("rejected", 422, "offline_not_allowed")]
    # Marked as a replay it is judged now, as the online call was: the card is blocked.
    replayed = item(card, 1000, wallet="MANUEQUIP", occurred_at=ago(hours=2), replay=True)
    assert outcomes(l212, [replayed]) == [("rejected", 422, "card_blocked")]
    assert l212.balance(card, "MANUEQUIP") == before
    # The rejection is kept under its key: sending it again is a duplicate, still nothing moved.
    assert outcomes(l212, [sneaky]) == [("duplicate", 422, "offline_not_allowed")]


def test_a_manual_item_over_the_cap_is_not_applied(e305: Terminal, new_card, sign_card_token):
    """Finding 1: a 150 € manual sync item was applied although the partner's cap is 50 €."""
    card = new_card()
    token = sign_card_token(
        card, iat=clock.timestamp() - 400, wallets=funded("PREMIEREQUIP", 50000)
    )
    results = outcomes(
        e305,
        [
            item(card, 15000),  # typed, no QR
            item(card, 15000, token=token, entry_mode="manual"),  # a token, but typed
            item(card, 15000, token=token),  # proven, but over the per-payment cap
        ],
    )
    assert results == [
        ("rejected", 422, "offline_not_allowed"),
        ("rejected", 422, "offline_not_allowed"),
        ("rejected", 422, "offline_limit_exceeded"),
    ]
    assert e305.balance(card, "PREMIEREQUIP") == 50000


def test_the_token_is_judged_at_occurred_at(e305: Terminal, new_card, sign_card_token) -> None:
    card, other = new_card(), new_card()
    now = clock.timestamp()
    wallets = funded("PREMIEREQUIP", 50000)
    token = sign_card_token(card, iat=now - 1800, exp=now - 1200, wallets=wallets)
    others = sign_card_token(other, iat=now - 1800, wallets=wallets)
    forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    results = outcomes(
        e305,
        [
            item(card, 100, token=token, occurred_at=ago(minutes=25)),  # inside [iat, exp]
            item(card, 100, token=token, occurred_at=ago(minutes=34)),  # iat − 4 min: leeway
            item(card, 100, token=token, occurred_at=ago(minutes=36)),  # before iat − 5 min
            item(card, 100, token=token, occurred_at=ago(minutes=15)),  # after exp
            item(card, 100, token=others, occurred_at=ago(minutes=25)),  # another card's QR
            item(card, 100, token=forged, occurred_at=ago(minutes=25)),  # bad signature
            item(card, 100, token=token, occurred_at=ago(minutes=-6)),  # after arrival + 5 min
        ],
    )
    assert results == [
        ("applied", 201, None),
        ("applied", 201, None),
        ("rejected", 422, "token_invalid"),
        ("rejected", 422, "token_expired"),
        ("rejected", 422, "token_invalid"),
        ("rejected", 422, "token_invalid"),
        ("rejected", 422, "validation_error"),
    ]
    assert e305.balance(card, "PREMIEREQUIP") == 50000 - 200


def test_card_status_at_occurred_at_and_funds_at_arrival(
    central: CentralProcess, e305: Terminal, new_card, sign_card_token
) -> None:
    card = new_card(balance=3000)
    token = sign_card_token(card, iat=clock.timestamp() - 900, wallets=funded("PREMIEREQUIP", 5000))
    before_block = item(card, 2000, token=token, occurred_at=ago(minutes=10))
    block(central, card)
    after_block = item(card, 500, token=token, occurred_at=ago(seconds=-2))
    # Applied: the partner could not know of the block. Funds are judged at arrival: 30 € left.
    over_funds = item(card, 1500, token=token, occurred_at=ago(minutes=9))
    assert outcomes(e305, [before_block, over_funds, after_block]) == [
        ("applied", 201, None),
        ("rejected", 422, "insufficient_funds"),
        ("rejected", 422, "card_blocked"),
    ]


# ---- replays ------------------------------------------------------------------------------------


def test_a_replay_is_the_online_call_judged_on_arrival_without_caps(
    central: CentralProcess, e305: Terminal, new_card, sign_card_token
) -> None:
    card = new_card()
    occurred = ago(hours=3)
    typed = item(card, 12000, occurred_at=occurred, replay=True)  # over both caps: no caps
    (result,) = e305.sync([typed]).json()["results"]
    assert (result["outcome"], result["status"]) == ("applied", 201), result
    tx = result["body"]
    assert parse_instant(tx["occurred_at"]) == parse_instant(occurred)  # kept for the lists
    assert tx["offline"] is False  # an online call whose answer was lost
    assert e305.balance(card, "PREMIEREQUIP") == 50000 - 12000
    # The same key sent online again is the same payment (keys are shared with single calls).
    again = e305.pay(card, "PREMIEREQUIP", 12000, key=typed["idempotency_key"])
    assert (again.status_code, again.json()) == (201, tx)

    # A QR replay: token, card status and validity judged at occurred_at, still no caps.
    token = sign_card_token(card, iat=clock.timestamp() - 700, wallets=funded("PREMIEREQUIP", 0))
    scanned = item(card, 6000, token=token, occurred_at=ago(minutes=10), replay=True)
    block(central, card)
    typed_now = item(card, 100, occurred_at=ago(minutes=10), replay=True)
    late = item(card, 100, token=token, occurred_at=ago(seconds=60), replay=True)
    assert outcomes(e305, [scanned, typed_now, late]) == [
        ("applied", 201, None),  # blocked after it happened, token then valid
        ("rejected", 422, "card_blocked"),  # a typed replay is judged now: blocked
        ("rejected", 422, "token_expired"),  # the token had expired then (card still active)
    ]
    assert e305.balance(card, "PREMIEREQUIP") == 50000 - 18000


def test_replay_must_be_a_boolean_and_is_judged_within_the_item(e305: Terminal, new_card):
    card = new_card()
    weird = item(card, 100)
    weird["replay"] = "yes"
    null = item(card, 100)
    null["replay"] = None  # null is "absent": an offline item, so it needs a QR
    assert outcomes(e305, [weird, null]) == [
        ("rejected", 422, "validation_error"),
        ("rejected", 422, "offline_not_allowed"),
    ]


# ---- offline caps ------------------------------------------------------------------------------


def test_per_card_total_within_max_age_is_per_terminal(
    api: Client, e305: Terminal, new_card, sign_card_token
) -> None:
    card = new_card()
    token = sign_card_token(card, iat=clock.timestamp() - 3 * 3600, exp=clock.timestamp() + 600,
                            wallets=funded("PREMIEREQUIP", 50000))  # fmt: skip
    first = [
        item(card, 4000, token=token, occurred_at=ago(hours=2)),
        item(card, 4000, token=token, occurred_at=ago(hours=1)),
    ]
    third = item(card, 3000, token=token, occurred_at=ago(minutes=30))  # 110 € > 100 €
    fits = item(card, 2000, token=token, occurred_at=ago(minutes=20))  # 100 € exactly
    assert outcomes(e305, [*first, third, fits]) == [
        ("applied", 201, None),
        ("applied", 201, None),
        ("rejected", 422, "offline_limit_exceeded"),
        ("applied", 201, None),
    ]
    # Another till of the same partner has its own total.
    other_till = api.enrol("E305", label="Caisse 2")
    assert outcomes(other_till, [item(card, 3000, token=token, occurred_at=ago(minutes=10))]) == [
        ("applied", 201, None)
    ]
    assert e305.balance(card, "PREMIEREQUIP") == 50000 - 13000


def test_amount_within_the_token_balance_minus_what_it_did_not_see(
    e305: Terminal, new_card, sign_card_token
) -> None:
    card = new_card()
    old = sign_card_token(card, iat=clock.timestamp() - 1200, exp=clock.timestamp() + 600,
                          wallets=funded("PREMIEREQUIP", 4000))  # fmt: skip
    assert outcomes(
        e305,
        [
            item(card, 2500, token=old, occurred_at=ago(minutes=15)),
            item(card, 2000, token=old, occurred_at=ago(minutes=14)),  # 25 + 20 > 40 €
            item(card, 1500, token=old, occurred_at=ago(minutes=13)),  # 25 + 15 = 40 €
            item(card, 100, token=old, wallet="MANUEQUIP", occurred_at=ago(minutes=12)),
        ],
    ) == [
        ("applied", 201, None),
        ("rejected", 422, "offline_limit_exceeded"),
        ("applied", 201, None),
        ("rejected", 422, "offline_limit_exceeded"),  # the token carries no MANUEQUIP balance
    ]
    # A QR issued after those were recorded already shows them in its balance: they don't count.
    fresh = sign_card_token(card, iat=clock.timestamp() + 2, wallets=funded("PREMIEREQUIP", 4000))
    assert outcomes(e305, [item(card, 1000, token=fresh, occurred_at=ago(seconds=0))]) == [
        ("applied", 201, None)
    ]


def test_order_of_refusals(e305: Terminal, l404: Terminal, new_card, sign_card_token) -> None:
    card = new_card(balance=1000)
    rich = funded("PREMIEREQUIP", 90000) + funded("MANUEQUIP", 90000)
    token = sign_card_token(card, iat=clock.timestamp() - 300, wallets=rich)
    # Over the cap and over the funds: the cap comes first (before funds).
    # Not accepted by this partner and over the cap: the wallet comes first.
    # Unknown card and typed: 404 before offline_not_allowed.
    assert outcomes(l404, [item(card, 6000, token=token)]) == [
        ("rejected", 422, "wallet_not_usable")
    ]
    assert outcomes(
        e305,
        [
            item(card, 6000, token=token),
            item(card, 4000, token=token),
            item("99999998", 100),
            item(card, 100, token=token, occurred_at=ago(hours=80)),
        ],
    ) == [
        ("rejected", 422, "offline_limit_exceeded"),
        ("rejected", 422, "insufficient_funds"),
        ("rejected", 404, "card_not_found"),
        ("rejected", 422, "validation_error"),  # older than max_age_hours
    ]


def test_parallel_batches_of_one_terminal_cannot_pass_the_card_total_together(
    e305: Terminal, new_card, sign_card_token
) -> None:
    card = new_card()
    token = sign_card_token(
        card, iat=clock.timestamp() - 600, wallets=funded("PREMIEREQUIP", 90000)
    )
    batches = [[item(card, 4000, token=token, occurred_at=ago(minutes=5))] for _ in range(5)]
    results: list[tuple[str, int, str | None]] = []
    barrier = threading.Barrier(len(batches))

    def send(batch: list[dict[str, Any]]) -> None:
        till = Terminal(e305.base_url, e305.token, e305.enrolment, 60)
        barrier.wait()
        results.extend(outcomes(till, batch))

    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert (
        sorted(results)
        == [("applied", 201, None)] * 2 + [("rejected", 422, "offline_limit_exceeded")] * 3
    )
    assert e305.balance(card, "PREMIEREQUIP") == 50000 - 8000
