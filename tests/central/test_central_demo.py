"""`serve --demo` seeds DEMO.md exactly: partners, cards, wallets, voucher, online payment.

Read-only: this module's service stays as seeded, so every figure can be checked to the cent.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from support.api import (
    DEMO_CARDS,
    Client,
    Terminal,
    assert_problem,
    business_day,
    paris_today,
)


def school_year(day: date) -> tuple[str, str]:
    start = day.year if day.month >= 7 else day.year - 1
    return date(start, 7, 1).isoformat(), date(start + 1, 6, 30).isoformat()


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def wallets_by_code(card: dict) -> dict[str, dict]:
    return {w["code"]: w for w in card["wallets"]}


def test_health_and_keys(api: Client) -> None:
    health = api.get("/v1/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert isinstance(health.json()["version"], str)
    keys = api.get("/v1/keys").json()["keys"]
    assert keys, "no signing key served"
    for jwk in keys:
        assert {k: jwk[k] for k in ("kty", "crv", "alg")} == {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
        }
        assert jwk["kid"] and jwk["x"]


@pytest.mark.parametrize(
    ("code", "profile"),
    [
        (
            "L212",
            {
                "code": "L212",
                "name": "LES PAGES",
                "postal_code": "80000",
                "city": "AMIENS",
                "accepts_prepayment": True,
                "accepts_online_payment": True,
                "wallet_codes": ["MANUEQUIP"],
            },
        ),
        (
            "E305",
            {
                "code": "E305",
                "name": "ATELIER PRO EQUIPEMENT",
                "postal_code": "59000",
                "city": "LILLE",
                "accepts_prepayment": False,
                "accepts_online_payment": True,
                "wallet_codes": ["MANUEQUIP", "PREMIEREQUIP"],
            },
        ),
        (
            "L404",
            {
                "code": "L404",
                "name": "LIBRAIRIE DU BEFFROI",
                "postal_code": "62000",
                "city": "ARRAS",
                "accepts_prepayment": False,
                "accepts_online_payment": False,
                "wallet_codes": ["MANUEQUIP"],
            },
        ),
    ],
)
def test_demo_partners_enrol_with_their_password(api: Client, code: str, profile: dict) -> None:
    terminal = api.enrol(code)
    enrolment = terminal.enrolment
    assert enrolment["terminal_id"] and enrolment["token"]
    partner = terminal.get("/v1/partner").json()
    assert enrolment["partner"] == partner
    offline = partner.pop("offline_policy")
    assert offline == {
        "max_payment_cents": 5000,
        "max_card_total_cents": 10000,
        "max_age_hours": 72,
    }
    partner["wallet_codes"] = sorted(partner["wallet_codes"])
    assert partner == profile


def test_demo_cards_as_seeded(l212: Terminal, e305: Terminal) -> None:
    today = paris_today()
    this_year = school_year(today)
    last_year = school_year(date(int(this_year[0][:4]) - 1, 9, 1))

    jean = l212.card("23166621")
    assert jean["card_number"] == "23166621"
    assert jean["status"] == "active"
    assert jean["holder"] == {"first_name": "Jean", "last_name": "MARTIN"}
    assert jean["photo_url"]
    (manuequip,) = jean["wallets"]
    assert manuequip["code"] == "MANUEQUIP"
    assert manuequip["label"] == "Manuels et équipements"
    assert manuequip["balance_cents"] == 8000
    assert (manuequip["valid_from"], manuequip["valid_to"]) == this_year
    assert manuequip["usable"] is True

    stephane = l212.card("23166622")
    assert stephane["status"] == "active"
    assert stephane["holder"] == {"first_name": "Stéphane", "last_name": "MARTIN"}
    wallets = wallets_by_code(stephane)
    assert set(wallets) == {"MANUEQUIP", "PREMIEREQUIP"}
    assert wallets["MANUEQUIP"]["balance_cents"] == 11500
    first = today.replace(day=1)
    assert wallets["MANUEQUIP"]["valid_from"] == first.isoformat()
    six_months = add_months(first, 6)
    assert wallets["MANUEQUIP"]["valid_to"] in {
        six_months.isoformat(),
        (six_months - timedelta(days=1)).isoformat(),
    }
    assert wallets["MANUEQUIP"]["usable"] is True
    assert wallets["PREMIEREQUIP"]["label"] == "Premier équipement"
    assert wallets["PREMIEREQUIP"]["balance_cents"] == 30000
    assert (wallets["PREMIEREQUIP"]["valid_from"], wallets["PREMIEREQUIP"]["valid_to"]) == this_year
    # LES PAGES does not take PREMIEREQUIP; ATELIER PRO EQUIPEMENT does.
    assert wallets["PREMIEREQUIP"]["usable"] is False
    assert wallets["PREMIEREQUIP"]["reason"]
    assert wallets_by_code(e305.card("23166622"))["PREMIEREQUIP"]["usable"] is True

    ines = l212.card("23166623")
    assert ines["status"] == "blocked"
    assert ines["holder"] == {"first_name": "Inès", "last_name": "DUBOIS"}
    assert wallets_by_code(ines)["MANUEQUIP"]["balance_cents"] == 20000
    assert wallets_by_code(ines)["MANUEQUIP"]["usable"] is False

    lucas = l212.card("23166624")
    assert lucas["status"] == "expired"
    assert lucas["holder"] == {"first_name": "Lucas", "last_name": "LEROY"}
    lucas_wallet = wallets_by_code(lucas)["MANUEQUIP"]
    assert lucas_wallet["balance_cents"] == 5000
    assert (lucas_wallet["valid_from"], lucas_wallet["valid_to"]) == last_year
    assert lucas_wallet["usable"] is False

    emma = l212.card("23166625")
    assert emma["status"] == "active"
    assert emma["holder"] == {"first_name": "Emma", "last_name": "PETIT"}
    emma_wallet = wallets_by_code(emma)["MANUEQUIP"]
    assert emma_wallet["balance_cents"] == 0
    assert (emma_wallet["valid_from"], emma_wallet["valid_to"]) == this_year


@pytest.mark.parametrize("card_number", sorted(DEMO_CARDS))
def test_every_holder_has_a_jpeg_photo(l212: Terminal, card_number: str) -> None:
    resp = l212.get(f"/v1/cards/{card_number}/photo")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("image/jpeg")
    assert resp.content[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("card_number", sorted(DEMO_CARDS))
def test_every_beneficiary_logs_in_by_card_and_by_dossier(api: Client, card_number: str) -> None:
    for by_dossier in (False, True):
        beneficiary = api.beneficiary(card_number, by_dossier=by_dossier)
        card = beneficiary.get("/v1/beneficiary/card")
        assert card.status_code == 200, card.text
        assert card.json()["card_number"] == card_number


def test_demo_pending_voucher(l212: Terminal, e305: Terminal) -> None:
    voucher = l212.get("/v1/vouchers/898564564632")
    assert voucher.status_code == 200, voucher.text
    body = voucher.json()
    assert body["ticket_number"] == "898564564632"
    assert body["transaction_number"] == "8985645"
    assert body["status"] == "pending"
    assert body["partner_code"] == "L212"
    assert body["card_number"] == "23166621"
    assert body["holder"] == {"first_name": "Jean", "last_name": "MARTIN"}
    assert body["wallet_code"] == "MANUEQUIP"
    assert body["amount_cents"] == 12000
    assert business_day(body["created_at"]) == paris_today() - timedelta(days=1)
    assert body["redeemed_at"] is None
    assert_problem(e305.get("/v1/vouchers/898564564632"), 403, "voucher_other_partner")


def test_demo_online_payment_today_at_les_pages(l212: Terminal, e305: Terminal) -> None:
    items = l212.transactions()
    assert len(items) == 1, items
    (payment,) = items
    assert payment["kind"] == "online_payment"
    assert payment["channel"] == "extranet"
    assert payment["status"] == "completed"
    assert payment["card_number"] == "23166622"
    assert payment["wallet_code"] == "MANUEQUIP"
    assert payment["amount_cents"] == 3500
    assert payment["balance_after_cents"] == 11500
    assert payment["partner_code"] == "L212"
    assert payment["terminal_id"] is None
    assert payment["offline"] is False
    assert payment["cancels"] is None
    assert business_day(payment["occurred_at"]) == paris_today()
    assert e305.transactions() == []

    statement = l212.get("/v1/statements/daily", params={"date": paris_today().isoformat()})
    assert statement.status_code == 200, statement.text
    body = statement.json()
    assert body["date"] == paris_today().isoformat()
    assert body["partner_code"] == "L212"
    assert body["transaction_count"] == 1
    assert body["net_amount_cents"] == 3500
    assert body["by_wallet"] == [{"wallet_code": "MANUEQUIP", "count": 1, "amount_cents": 3500}]
    assert body["by_kind"] == [{"kind": "online_payment", "count": 1, "amount_cents": 3500}]
    assert body["by_terminal"] == [
        {"terminal_id": None, "label": "Extranet bénéficiaire", "count": 1, "amount_cents": 3500}
    ]


def test_demo_denylist_holds_the_stolen_card_only(l212: Terminal) -> None:
    resp = l212.get("/v1/denylist")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [(c["card_number"], c["status"]) for c in body["cards"]] == [("23166623", "blocked")]
    assert body["cursor"]
