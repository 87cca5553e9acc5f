"""The journal's witness (API.md 1.1): PUT/GET /v1/terminals/current/journal-head, the history of
heads (GET /v1/terminals/current/journal-heads), and 409 journal_conflict counted for the
administrator; on SQLite and PostgreSQL (the module's `central` fixture)."""

from __future__ import annotations

import hashlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.api import Client, Terminal, assert_problem, parse_instant
from support.witness import conflict_count

PATH = "/v1/terminals/current/journal-head"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def put(term: Terminal, body: Any) -> Any:
    return term.request("PUT", PATH, json=body)


def conflicts_of(central: Any, terminal_id: str) -> int:
    return conflict_count(central.database_url, terminal_id)


def test_no_head_before_the_first_one_then_the_last_recorded(api: Client) -> None:
    term = api.enrol("L212", label="Témoin 1")
    assert_problem(term.get(PATH), 404, "not_found")
    first = put(term, {"seq": 3, "hash": digest("a")})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["seq"], body["hash"]) == (3, digest("a"))
    parse_instant(body["received_at"])
    assert put(term, {"seq": 7, "hash": digest("b")}).status_code == 200
    last = term.get(PATH)
    assert last.status_code == 200
    assert (last.json()["seq"], last.json()["hash"]) == (7, digest("b"))


def test_the_same_head_again_is_the_same_answer(api: Client) -> None:
    term = api.enrol("L212", label="Témoin 2")
    first = put(term, {"seq": 5, "hash": digest("x")})
    again = put(term, {"seq": 5, "hash": digest("x")})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    older_again = put(term, {"seq": 5, "hash": digest("x")})
    assert older_again.json() == first.json()


def test_a_rewritten_or_shorter_journal_is_a_conflict_marked_for_the_administrator(
    api: Client, central: Any
) -> None:
    term = api.enrol("L212", label="Témoin 3")
    assert put(term, {"seq": 10, "hash": digest("ten")}).status_code == 200
    assert put(term, {"seq": 12, "hash": digest("twelve")}).status_code == 200
    assert conflicts_of(central, term.terminal_id) == 0

    rewritten = assert_problem(put(term, {"seq": 10, "hash": digest("other")}), 409)
    assert rewritten["code"] == "journal_conflict"
    assert rewritten["recorded"]["seq"] == 10 and rewritten["recorded"]["hash"] == digest("ten")
    truncated = assert_problem(put(term, {"seq": 11, "hash": digest("eleven")}), 409)
    assert truncated["code"] == "journal_conflict"
    assert truncated["recorded"]["seq"] == 12
    emptied = assert_problem(put(term, {"seq": 0, "hash": "0" * 64}), 409, "journal_conflict")
    assert emptied["recorded"]["seq"] == 12
    assert conflicts_of(central, term.terminal_id) == 3
    # The conflicting heads are not recorded: the last head is still the true one.
    last = term.get(PATH).json()
    assert (last["seq"], last["hash"]) == (12, digest("twelve"))
    # Another terminal of the same partner is neither blamed nor shown these heads.
    other = api.enrol("L212", label="Témoin 3 bis")
    assert conflicts_of(central, other.terminal_id) == 0
    assert_problem(other.get(PATH), 404, "not_found")


def test_the_history_of_heads_is_kept_and_paged(api: Client) -> None:
    term = api.enrol("E305", label="Témoin 4")
    for seq in (1, 4, 9, 16, 25):
        assert put(term, {"seq": seq, "hash": digest(str(seq))}).status_code == 200
    page = term.get("/v1/terminals/current/journal-heads", params={"limit": 2}).json()
    assert [h["seq"] for h in page["heads"]] == [1, 4] and page["next_after"] == 4
    page = term.get(
        "/v1/terminals/current/journal-heads", params={"after": 4, "limit": 1000}
    ).json()
    assert [(h["seq"], h["hash"]) for h in page["heads"]] == [
        (s, digest(str(s))) for s in (9, 16, 25)
    ]
    assert page["next_after"] is None
    assert_problem(term.get("/v1/terminals/current/journal-heads", params={"limit": 0}), 400)


def test_bad_heads_are_refused_and_change_nothing(api: Client) -> None:
    term = api.enrol("L404", label="Témoin 5")
    assert put(term, {"seq": 2, "hash": digest("two")}).status_code == 200
    for body in (
        {"seq": -1, "hash": digest("a")},
        {"seq": "3", "hash": digest("a")},
        {"seq": 3, "hash": digest("a").upper()},
        {"seq": 3, "hash": "abc"},
        {"seq": 2**53, "hash": digest("a")},
        {"hash": digest("a")},
    ):
        assert_problem(put(term, body), 422, "validation_error")
    assert_problem(term.request("PUT", PATH, data=b"not json"), 400, "validation_error")
    assert_problem(
        Client(term.base_url).request("PUT", PATH, json={"seq": 3, "hash": digest("a")}), 401
    )
    last = term.get(PATH).json()
    assert (last["seq"], last["hash"]) == (2, digest("two"))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=70),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"seq": st.integers(min_value=-(2**70), max_value=2**70), "hash": json_values}
        ),
        st.fixed_dictionaries(
            {
                "seq": st.integers(min_value=0, max_value=2**53 - 1),
                "hash": st.text(alphabet="0123456789abcdefABCDEF", min_size=60, max_size=66),
            }
        ),
    )
)
def test_no_head_body_yields_a_server_error(l404: Terminal, body: Any) -> None:
    resp = put(l404, body)
    assert resp.status_code in (200, 400, 409, 422), resp.text


def test_the_archive_key_is_registered_once(api: Client) -> None:
    term = api.enrol("L212", label="Témoin clé")
    path = "/v1/terminals/current/archive-key"
    assert_problem(term.get(path), 404, "not_found")
    key, other = "A" * 42 + "E", "B" * 42 + "E"
    first = term.request("PUT", path, json={"public_key": key})
    assert first.status_code == 200 and first.json()["public_key"] == key
    assert term.request("PUT", path, json={"public_key": key}).json() == first.json()
    refused = assert_problem(
        term.request("PUT", path, json={"public_key": other}), 409, "archive_key_conflict"
    )
    assert refused["recorded"]["public_key"] == key
    for bad in ({"public_key": "short"}, {"public_key": 43}, {}, {"public_key": "+" * 43}):
        assert_problem(term.request("PUT", path, json=bad), 422, "validation_error")
    assert term.get(path).json() == first.json()
