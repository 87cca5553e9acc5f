"""`hdf-central`'s administrative commands: partners, cards, wallet types, signing keys and
terminals, each one change in its own write transaction (`_change`). `central.cli` parses."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlalchemy import Connection, Engine

from central.admin import WalletLoad

T = TypeVar("T")


def _password(value: str | None) -> str:
    from central.security import password_rule_ok

    password = value or os.environ.get("HDF_PASSWORD") or getpass.getpass("Mot de passe : ")
    if not password_rule_ok(password):
        raise SystemExit(
            "mot de passe refusé : 8 à 20 caractères, dont un chiffre, une lettre, une majuscule"
        )
    return password


def _write(url: str | None) -> tuple[Engine, Connection]:
    from central.cli import _prepare  # the parser's module: imported when a command runs
    from central.db import single_use_engine

    engine = single_use_engine(_prepare(url, demo=False))
    conn = engine.connect().execution_options(hdf_write=True)
    return engine, conn


def _change(
    url: str | None,
    change: Callable[[Connection], T],
    done: Callable[[T], str],
    *,
    refused: type[Exception] | tuple[()] = (),
) -> int:
    """Run one administrative change in its own write transaction, then say what was done. An
    exception of the `refused` kind is printed as "refusé : …" (exit 1), nothing written."""
    engine, conn = _write(url)
    try:
        with conn.begin():
            result = change(conn)
    except refused as exc:
        print(f"refusé : {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
        engine.dispose()
    print(done(result))
    return 0


def cmd_partner_add(args: argparse.Namespace) -> int:
    from central import admin

    return _change(
        args.database,
        lambda conn: admin.add_partner(
            conn,
            code=args.code,
            name=args.name,
            postal_code=args.postal_code,
            city=args.city,
            kind=args.kind,
            password=_password(args.password),
            wallet_codes=[c for c in args.wallets.split(",") if c],
            accepts_prepayment=args.prepayment,
            accepts_online_payment=args.online_payment,
            max_payment_cents=args.max_payment_cents,
            max_card_total_cents=args.max_card_total_cents,
            max_age_hours=args.max_age_hours,
        ),
        lambda _id: f"partenaire {args.code} ajouté",
        refused=ValueError,
    )


def _wallet_load(text: str) -> WalletLoad:
    try:
        code, cents, start, end = text.split(":")
        return WalletLoad(code, int(cents), date.fromisoformat(start), date.fromisoformat(end))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            "attendu CODE:MONTANT_CENTIMES:AAAA-MM-JJ:AAAA-MM-JJ"
        ) from exc


def cmd_card_add(args: argparse.Namespace) -> int:
    from pathlib import Path

    from central import admin

    photo = Path(args.photo).read_bytes() if args.photo else None
    return _change(
        args.database,
        lambda conn: admin.add_card(
            conn,
            card_number=args.card_number,
            dossier_number=args.dossier_number,
            first_name=args.first_name,
            last_name=args.last_name,
            password=_password(args.password),
            loads=args.wallet or [],
            status=args.status,
            photo_jpeg=photo,
        ),
        lambda _id: f"carte {args.card_number} ajoutée",
        refused=Exception,
    )


def cmd_card_status(args: argparse.Namespace) -> int:
    from central import admin

    return _change(
        args.database,
        lambda conn: admin.change_card_status(conn, args.card_number, args.status, args.reason),
        lambda _: f"carte {args.card_number} : {args.status}",
        refused=ValueError,
    )


def cmd_wallet_type_add(args: argparse.Namespace) -> int:
    from central import admin

    return _change(
        args.database,
        lambda conn: admin.add_wallet_type(conn, args.code, args.label),
        lambda _: f"porte-monnaie {args.code} connu",
    )


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from central import keyring

    return _change(
        args.database,
        keyring.add_key,
        lambda kid: f"nouvelle clé de signature : {kid} (les anciennes vérifient toujours)",
    )


def cmd_keys_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from central.models import signing_keys

    engine, conn = _write(args.database)
    rows = conn.execute(select(signing_keys).order_by(signing_keys.c.created_at)).all()
    conn.close()
    engine.dispose()
    for r in rows:
        state = "retirée" if r.retired_at else "valide"
        print(f"{r.kid}\t{r.created_at:%Y-%m-%d %H:%M}\t{state}")
    return 0


def cmd_keys_retire(args: argparse.Namespace) -> int:
    from central import keyring

    def said(new_kid: str | None) -> str:
        text = f"clé {args.kid} retirée : elle ne signe plus et ses QR codes sont refusés"
        return text + (f"\nnouvelle clé de signature : {new_kid}" if new_kid else "")

    return _change(
        args.database,
        lambda conn: keyring.retire_key(conn, args.kid),
        said,
        refused=keyring.UnknownKey,
    )


def cmd_terminal_list(args: argparse.Namespace) -> int:
    from central import terminal_admin

    return _change(  # a read: its transaction writes nothing
        args.database,
        lambda conn: terminal_admin.list_terminals(conn, args.partner),
        terminal_admin.table,
        refused=ValueError,
    )


def cmd_terminal_revoke(args: argparse.Namespace) -> int:
    from central import terminal_admin

    return _change(
        args.database,
        lambda conn: terminal_admin.revoke_terminal(conn, args.terminal_id),
        lambda done: (
            f"terminal {args.terminal_id} "
            + ("révoqué : son jeton est refusé dès maintenant" if done else "déjà révoqué")
        ),
        refused=ValueError,
    )


def cmd_partner_password(args: argparse.Namespace) -> int:
    from central import terminal_admin

    if args.password_stdin:
        password = _password(sys.stdin.readline().rstrip("\r\n") or "-")
    else:
        password = _password(None)
    return _change(
        args.database,
        lambda conn: terminal_admin.change_partner_password(
            conn, args.code, password, revoke_terminals=args.revoke_terminals
        ),
        lambda revoked: (
            f"mot de passe du partenaire {args.code} changé"
            + (f" ; {revoked} terminal(s) révoqué(s)" if args.revoke_terminals else "")
        ),
        refused=ValueError,
    )
