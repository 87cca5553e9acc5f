"""Signed journal archives (issue 14): one file a month that anyone can check without the
terminal's database or keyring (docs/ARCHIVE.md is the format, for third parties).

`build` takes the contiguous run of journal entries that covers every entry of the month (and its
`month_closing` when closed), the hash before it, the heads the service witnessed in that run, the
terminal's Ed25519 public key, and signs the canonical JSON of it all with the private key from the
keyring. `verify` checks the signature, the chain, the witnessed heads and the closings.
"""

from __future__ import annotations

import binascii
import calendar
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hdf_common import qrtoken
from pos import journal
from pos.connection import Connection
from pos.domain import to_rfc3339, utc_now
from pos.periods import parse_month
from pos.results import Refusal, Refused
from pos.sync import archive_key, credentials, witness
from pos.sync.client import ClientError

FORMAT = "hdf-journal-archive/1"


def signed_bytes(doc: dict[str, Any]) -> bytes:
    """What the signature covers: the canonical JSON (sorted keys, no spaces, UTF-8) of the
    document without its `signature` member."""
    return journal.canonical_json({k: v for k, v in doc.items() if k != "signature"}).encode()


def _refused(message: str) -> Refused:
    return Refused(Refusal("validation_error", message))


def build(connection: Connection, month: str) -> dict[str, Any]:
    """The signed archive of `month` ("YYYY-MM"), closed or so far."""
    year, mon = parse_month(month)
    period = f"{year:04d}-{mon:02d}"
    first, last = date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])
    terminal_id = connection.terminal_id
    if not terminal_id:
        raise Refused.of("not_enrolled")
    try:
        key = archive_key.load(terminal_id)
    except credentials.KeyringUnavailable as err:
        raise Refused(Refusal("keyring_insecure", str(err))) from err
    if key is None:
        raise _refused("Pas de clé d'archive dans le trousseau pour ce terminal (ré-enrôlez-le).")
    store = connection.store
    with store.reading() as conn:
        lo, hi = conn.execute(
            "SELECT min(seq), max(seq) FROM journal WHERE day BETWEEN ? AND ?",
            (first.isoformat(), last.isoformat()),
        ).fetchone()
        closing = conn.execute(
            "SELECT seq FROM journal WHERE type = 'month_closing' "
            "AND json_extract(event, '$.period') = ?",
            (period,),
        ).fetchone()
        if closing is not None:
            lo = closing[0] if lo is None else lo
            hi = max(int(hi or 0), int(closing[0]))
        if lo is None:
            raise _refused(f"Aucune écriture du journal en {period}.")
        before = conn.execute("SELECT hash FROM journal WHERE seq = ?", (lo - 1,)).fetchone()
        entries = [
            {
                "seq": int(r[0]),
                "day": r[1],
                "type": r[2],
                "event": json.loads(r[3]),
                "prev_hash": r[4],
                "hash": r[5],
            }
            for r in conn.execute(
                "SELECT seq, day, type, event, prev_hash, hash FROM journal "
                "WHERE seq BETWEEN ? AND ? ORDER BY seq",
                (lo, hi),
            )
        ]
    heads: list[dict[str, Any]] | None
    try:
        heads = [
            {"seq": h.seq, "hash": h.hash, "received_at": h.received_at}
            for h in witness.witnessed_heads(connection.client())
            if lo <= h.seq <= hi
        ]
    except (ClientError, Refused):
        heads = None  # the service did not answer: the archive says so
    doc: dict[str, Any] = {
        "format": FORMAT,
        "terminal_id": terminal_id,
        "period": period,
        "closed": closing is not None,
        "created_at": to_rfc3339(utc_now()),
        "public_key": archive_key.public_key_text(key),
        "first_seq": int(lo),
        "last_seq": int(hi),
        "prev_hash": str(before[0]) if before else journal.GENESIS,
        "entries": entries,
        "witnessed_heads": heads,
    }
    doc["signature"] = qrtoken.b64url_encode(key.sign(signed_bytes(doc)))
    return doc


@dataclass(frozen=True)
class ArchiveCheck:
    ok: bool
    reason: str | None = None
    period: str | None = None
    entries: int = 0
    heads: int = 0


def _fail(reason: str) -> ArchiveCheck:
    return ArchiveCheck(False, reason)


def _public_key(text: Any) -> Ed25519PublicKey | None:
    try:
        raw = qrtoken.b64url_decode(str(text))
        return Ed25519PublicKey.from_public_bytes(raw) if len(raw) == 32 else None
    except (ValueError, binascii.Error):
        return None


def verify(data: bytes, expected_public_key: str | None = None) -> ArchiveCheck:
    """Check an archive file's bytes; the first problem found is the reason."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _fail("fichier illisible (JSON UTF-8 attendu)")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return _fail(f"format inconnu (attendu {FORMAT})")
    public = _public_key(doc.get("public_key"))
    if public is None:
        return _fail("clé publique absente ou illisible")
    if expected_public_key is not None and doc.get("public_key") != expected_public_key.strip():
        return _fail("la clé publique de l'archive n'est pas celle attendue")
    try:
        public.verify(qrtoken.b64url_decode(str(doc.get("signature", ""))), signed_bytes(doc))
    except (InvalidSignature, ValueError, binascii.Error):
        return _fail("signature invalide : l'archive a été modifiée ou signée par une autre clé")
    return _check_content(doc)


def _check_content(doc: dict[str, Any]) -> ArchiveCheck:
    entries = doc.get("entries")
    if not isinstance(entries, list) or not entries:
        return _fail("aucune écriture")
    try:
        expected, prev = int(doc["first_seq"]), str(doc["prev_hash"])
        by_seq: dict[int, dict[str, Any]] = {}
        for e in entries:
            seq, event = int(e["seq"]), e["event"]
            if seq != expected:
                return _fail(f"écriture n° {expected} absente")
            if e["prev_hash"] != prev or journal.chain_hash(prev, event) != e["hash"]:
                return _fail(f"écriture n° {seq} : chaînage rompu")
            if (event.get("seq"), event.get("day"), event.get("type")) != (
                seq,
                e["day"],
                e["type"],
            ):
                return _fail(f"écriture n° {seq} : colonnes modifiées")
            closing = _closing_problem(e, prev, by_seq, str(doc["period"]))
            if closing:
                return _fail(closing)
            by_seq[seq] = e
            prev, expected = e["hash"], seq + 1
        if expected - 1 != int(doc["last_seq"]):
            return _fail(f"écriture n° {expected} absente (fin)")
        heads = doc.get("witnessed_heads") or []
        for h in heads:
            entry = by_seq.get(int(h["seq"]))
            if entry is not None and entry["hash"] != h["hash"]:
                return _fail(f"écriture n° {h['seq']} : différente de la tête témoin du service")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return _fail(f"structure invalide ({exc.__class__.__name__})")
    return ArchiveCheck(True, None, str(doc["period"]), len(entries), len(heads))


def _closing_problem(
    e: dict[str, Any], prev: str, before: dict[int, dict[str, Any]], period: str
) -> str | None:
    """A closing's `last_hash` is the entry before it; a month closing's figures are the sum of
    its day closings, all in the archive."""
    if e["type"] not in ("day_closing", "month_closing"):
        return None
    ev = e["event"]
    if ev.get("last_hash") != prev:
        return f"clôture n° {e['seq']} : dernière empreinte fausse"
    if e["type"] == "day_closing" or ev.get("period") != period:
        return None
    days = [
        x["event"]
        for x in before.values()
        if x["type"] == "day_closing" and str(x["event"].get("closed_day", ""))[:7] == period
    ]
    count = sum(int(d.get("count") or 0) for d in days)
    net = sum(int(d.get("net_amount_cents") or 0) for d in days)
    by_wallet: dict[str, int] = {}
    for d in days:
        for code, cents in (d.get("by_wallet") or {}).items():
            by_wallet[code] = by_wallet.get(code, 0) + int(cents)
    if (len(days), count, net, by_wallet) != (
        ev.get("parts"),
        ev.get("count"),
        ev.get("net_amount_cents"),
        ev.get("by_wallet"),
    ):
        return f"clôture du mois n° {e['seq']} : totaux différents de ses journées"
    return None
