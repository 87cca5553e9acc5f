"""The daily statement's rows for the manager's books (issue 12): a cancellation is charged to the
row of the transaction it cancels, so an extranet payment cancelled at a till lowers the extranet
row, not the till's, and the till's row is what its own journal holds."""

from __future__ import annotations

from support.api import Client, paris_today


def _rows(terminal, day: str) -> dict:
    resp = terminal.get("/v1/statements/daily", params={"date": day})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    return body | {
        "rows": {r["label"]: (r["count"], r["amount_cents"]) for r in body["by_terminal"]}
    }


def test_an_extranet_cancellation_is_charged_to_the_extranet_row(api: Client) -> None:
    till = api.enrol("L212", label="Caisse livres")
    today = paris_today().isoformat()
    online = [t for t in till.transactions() if t["kind"] == "online_payment"]
    assert [t["amount_cents"] for t in online] == [3500]  # the demo's extranet payment
    assert till.pay("23166622", "MANUEQUIP", 1000).status_code == 201
    assert till.cancel(online[0]["transaction_id"]).status_code == 201

    body = _rows(till, today)
    # Before: "Caisse livres" 2 / -25,00 € and the extranet 1 / +35,00 €.
    assert body["rows"] == {"Caisse livres": (1, 1000), "Extranet bénéficiaire": (2, 0)}
    assert body["net_amount_cents"] == 1000 and body["transaction_count"] == 3
    kinds = {r["kind"]: r["amount_cents"] for r in body["by_kind"]}
    assert kinds == {"counter_payment": 1000, "online_payment": 3500, "cancellation": -3500}


def test_a_counter_payment_cancelled_stays_on_its_till(api: Client) -> None:
    till = api.enrol("E305", label="Caisse atelier")
    other = api.enrol("E305", label="Caisse atelier 2")
    paid = till.pay("23166622", "PREMIEREQUIP", 400).json()
    assert other.cancel(paid["transaction_id"]).status_code == 201
    rows = _rows(till, paris_today().isoformat())["rows"]
    assert rows["Caisse atelier"] == (2, 0) and "Caisse atelier 2" not in rows
