"""Card look-up, photos, reports by the beneficiary and the incremental deny-list."""

from __future__ import annotations

import pytest
from support.api import Client, Terminal, assert_problem
from support.central_server import run_central_cli


def test_unknown_card_and_photo_are_404(l212: Terminal) -> None:
    assert_problem(l212.get("/v1/cards/99999999"), 404, "card_not_found")
    assert l212.get("/v1/cards/99999999/photo").status_code == 404


def test_photo_url_serves_the_photo(l212: Terminal) -> None:
    card = l212.card("23166621")
    url = card["photo_url"]
    if url.startswith("/"):
        url = l212.base_url + url
    resp = l212.session.get(url, headers={"Authorization": f"Bearer {l212.token}"}, timeout=10)
    assert resp.status_code == 200
    assert resp.content[:3] == b"\xff\xd8\xff"


def test_beneficiary_sees_their_card_and_gets_a_qr(api: Client, l212: Terminal) -> None:
    jean = api.beneficiary("23166621")
    card = jean.get("/v1/beneficiary/card")
    assert card.status_code == 200
    assert card.json()["card_number"] == "23166621"
    resp = jean.post("/v1/beneficiary/qr", json={})
    assert resp.status_code == 200
    assert resp.json()["qr_token"].startswith("HDF1:")
    assert resp.json()["expires_at"].endswith("Z")


def test_stolen_card_is_blocked_and_appears_in_the_denylist_delta(
    api: Client, l212: Terminal
) -> None:
    start = l212.get("/v1/denylist").json()
    assert "23166625" not in [c["card_number"] for c in start["cards"]]
    emma = api.beneficiary("23166625")
    resp = emma.report("stolen")
    assert resp.status_code == 200, resp.text
    assert l212.card("23166625")["status"] == "blocked"
    assert_problem(l212.pay("23166625", "MANUEQUIP", 1), 422, "card_blocked")

    delta = l212.get("/v1/denylist", params={"since": start["cursor"]})
    assert delta.status_code == 200, delta.text
    cards = delta.json()["cards"]
    assert [(c["card_number"], c["status"]) for c in cards] == [("23166625", "blocked")]
    assert cards[0]["since"].endswith("Z")
    # Nothing new since the new cursor; the whole list keeps both blocked cards.
    later = l212.get("/v1/denylist", params={"since": delta.json()["cursor"]}).json()
    assert later["cards"] == []
    whole = {c["card_number"] for c in l212.get("/v1/denylist").json()["cards"]}
    assert {"23166623", "23166625"} <= whole
    assert "23166621" not in whole


def test_damaged_card_keeps_working_until_replaced(api: Client, e305: Terminal, central) -> None:
    stephane = api.beneficiary("23166622")
    resp = stephane.report("damaged")
    assert resp.status_code == 200, resp.text
    assert e305.card("23166622")["status"] == "active"
    assert e305.pay("23166622", "PREMIEREQUIP", 100).status_code == 201
    before = e305.get("/v1/denylist").json()
    assert "23166622" not in {c["card_number"] for c in before["cards"]}
    # The administrator issues the new card: the old one is replaced, refused as blocked.
    admin = run_central_cli(
        ["card", "status", "23166622", "replaced", "--database", central.database_url],
        data_dir=central.data_dir,
    )
    assert admin.returncode == 0, admin.stderr
    assert e305.card("23166622")["status"] == "replaced"
    assert_problem(e305.pay("23166622", "PREMIEREQUIP", 100), 422, "card_blocked")
    delta = e305.get("/v1/denylist", params={"since": before["cursor"]}).json()["cards"]
    assert [(c["card_number"], c["status"]) for c in delta] == [("23166622", "replaced")]


def test_report_with_an_unknown_reason_is_refused(api: Client, l212: Terminal) -> None:
    jean = api.beneficiary("23166621")
    assert_problem(jean.report("bored"), 422, "validation_error")
    assert l212.card("23166621")["status"] == "active"


@pytest.mark.parametrize("since", ["not-a-cursor", "-1", "2147483648", "99999999999"])
def test_bad_denylist_cursor_is_400(l212: Terminal, since: str) -> None:
    # Beyond a 32-bit id: once a 500 on PostgreSQL (integer out of range).
    assert_problem(l212.get("/v1/denylist", params={"since": since}), 400, "validation_error")
