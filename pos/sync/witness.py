"""The journal's witness (API.md 1.1, issue 14): the service keeps every head this terminal sent.

Anyone holding `terminal.db` can rewrite an entry and recompute the chain and the stored head; the
local check (`pos.journal.verify`) then passes. So the terminal sends its head (last seq and hash;
seq 0 and the genesis hash for an empty journal) to `PUT /v1/terminals/current/journal-head` after
every sync pass and every closing, and `hdf-pos journal verify` checks that the local chain still
passes through every head the service recorded (`GET /v1/terminals/current/journal-heads`): a
rewritten chain, a truncated tail or an emptied journal is named, for everything up to the last
witnessed head. The last head the service acknowledged is remembered (`state.witness_last`) to say,
offline, how old the witness is; a refusal (409 `journal_conflict`) is remembered too.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from pos import journal
from pos.domain import to_rfc3339, utc_now
from pos.store import Store
from pos.sync.client import ApiClient, ApiError, ClientError

log = logging.getLogger("pos.sync")

HEAD_PATH = "/v1/terminals/current/journal-head"
HEADS_PATH = "/v1/terminals/current/journal-heads"
LAST_KEY = "witness_last"
CONFLICT_KEY = "witness_conflict"


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    received_at: str | None = None


@dataclass(frozen=True)
class WitnessCheck:
    """The local chain against the service's heads. `online` False: the service did not answer
    (`last` is then the head it acknowledged last, as remembered here, if any)."""

    online: bool
    ok: bool
    heads: int = 0
    last: Head | None = None
    first_bad_row: int | None = None
    reason: str | None = None


def local_head(conn: sqlite3.Connection) -> Head:
    row = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    return Head(0, journal.GENESIS) if row is None else Head(int(row[0]), str(row[1]))


def remembered(store: Store) -> Head | None:
    value = store.get_state(LAST_KEY)
    if not isinstance(value, dict):
        return None
    try:
        return Head(int(value["seq"]), str(value["hash"]), value.get("received_at"))
    except (KeyError, TypeError, ValueError):
        return None


def send_head(store: Store, api: ApiClient) -> bool:
    """Record this terminal's journal head with the service; True when it was acknowledged.
    A conflict is remembered and logged; a service away is not an error (the next pass sends)."""
    with store.reading() as conn:
        head = local_head(conn)
    try:
        body = api.request("PUT", HEAD_PATH, json={"seq": head.seq, "hash": head.hash})
    except ApiError as err:
        if err.code == "journal_conflict":
            log.error("le service central refuse la tête du journal n° %s : %s", head.seq, err)
            store.set_state(
                CONFLICT_KEY,
                {"seq": head.seq, "hash": head.hash, "at": to_rfc3339(utc_now())},
            )
        else:
            log.warning("tête du journal non enregistrée : %s", err.code)
        return False
    except ClientError as err:
        log.info("tête du journal non envoyée : %s", err.code)
        return False
    if isinstance(body, dict):
        store.set_state(
            LAST_KEY,
            {
                "seq": body.get("seq"),
                "hash": body.get("hash"),
                "received_at": body.get("received_at"),
            },
        )
    return True


def witnessed_heads(api: ApiClient) -> Iterator[Head]:
    """Every head the service recorded for this terminal, oldest first (paged)."""
    after = -1
    while True:
        page = api.request("GET", HEADS_PATH, params={"after": after})
        for item in page.get("heads") or []:
            yield Head(int(item["seq"]), str(item["hash"]), item.get("received_at"))
        next_after = page.get("next_after")
        if next_after is None:
            return
        after = int(next_after)


def check(store: Store, api: ApiClient) -> WitnessCheck:
    """Does the local chain pass through every head the service recorded? Call it once the local
    chain itself verified: a matching hash at seq N then vouches for every row up to N."""
    try:
        heads = list(witnessed_heads(api))
    except ClientError:
        return WitnessCheck(online=False, ok=True, last=remembered(store))
    if not heads:
        return WitnessCheck(online=True, ok=True)
    previous = 0
    with store.reading() as conn:
        last_local = local_head(conn).seq
        for head in heads:
            if head.seq == 0:
                continue
            row = conn.execute("SELECT hash FROM journal WHERE seq = ?", (head.seq,)).fetchone()
            if row is None:
                return WitnessCheck(
                    True, False, len(heads), heads[-1], last_local + 1,
                    f"ligne {last_local + 1} supprimée : le service a enregistré la ligne "
                    f"{head.seq} (journal tronqué ou vidé)",
                )  # fmt: skip
            if str(row[0]) != head.hash:
                return WitnessCheck(
                    True, False, len(heads), heads[-1], previous + 1,
                    f"journal réécrit entre les lignes {previous + 1} et {head.seq} : l'empreinte "
                    f"de la ligne {head.seq} n'est pas celle que le service a enregistrée",
                )  # fmt: skip
            previous = head.seq
    return WitnessCheck(True, True, len(heads), heads[-1])
