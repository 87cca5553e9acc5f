"""`close-month`, `close-year` (a period's closing, printed like a day's), `journal archive` and
`journal verify-archive` (issue 14)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pos import archive
from pos.commands.books import _print_totals
from pos.commands.common import (
    EXIT_ONLINE,
    EXIT_OTHER,
    EXIT_REFUSED,
    CliError,
    open_terminal,
    out,
    out_err,
)
from pos.money import format_amount
from pos.periods import PeriodClosing


def print_period(closing: PeriodClosing) -> None:
    what = "Mois" if closing.kind == "month" else "Année"
    parts = "journée(s)" if closing.kind == "month" else "mois"
    out(
        f"{what} {closing.period} clôturé(e) : {closing.count} opération(s) sur "
        f"{closing.parts} {parts} clôturé(s) — journal n° {closing.seq}."
    )
    _print_totals(closing.by_wallet, closing.by_kind)
    out(f"Total de la période : {format_amount(closing.net_amount_cents)}")
    out(f"Grand total perpétuel : {format_amount(closing.grand_total_cents)}")
    out(f"Dernière empreinte : {closing.last_hash}")


def _done(closing: PeriodClosing) -> int:
    if closing.already_closed:
        out_err(f"La période {closing.period} est déjà clôturée (une seule clôture).")
        print_period(closing)
        return EXIT_REFUSED
    print_period(closing)
    return EXIT_ONLINE


def cmd_close_month(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        return _done(terminal.close_month(args.month))


def cmd_close_year(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        return _done(terminal.close_year(args.year))


def cmd_journal_archive(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        doc = terminal.archive_month(args.month)
        default = Path(terminal.data_dir) / "archives" / f"journal-{doc['period']}.json"
    path = Path(args.out) if args.out else default
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    part.replace(path)
    state = "clôturé" if doc["closed"] else "en cours (non clôturé)"
    heads = doc["witnessed_heads"]
    witnessed = (
        "service central injoignable : aucune tête témoin"
        if heads is None
        else f"{len(heads)} tête(s) témoin(s) du service"
    )
    out(
        f"Archive du mois {doc['period']} ({state}) : écritures n° {doc['first_seq']} à "
        f"{doc['last_seq']}, {witnessed}, signée."
    )
    out(f"Fichier : {path}")
    out(f"Clé publique : {doc['public_key']}")
    return EXIT_ONLINE


def cmd_journal_verify_archive(args: argparse.Namespace) -> int:
    """On any machine: reads the file only (no terminal database, no keyring)."""
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"Fichier illisible : {args.file} ({exc.strerror})", EXIT_OTHER) from exc
    check = archive.verify(data, args.public_key)
    if not check.ok:
        out_err(f"Archive NON VALABLE : {check.reason}")
        return EXIT_OTHER
    out(
        f"Archive valable : mois {check.period}, {check.entries} écriture(s) chaînées, signature "
        f"vérifiée, {check.heads} tête(s) témoin(s) concordantes."
    )
    return EXIT_ONLINE
