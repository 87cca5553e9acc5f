"""`close-month` and `close-year` (issue 14): a period's closing, printed like a day's."""

from __future__ import annotations

import argparse

from pos.commands.books import _print_totals
from pos.commands.common import EXIT_ONLINE, EXIT_REFUSED, open_terminal, out, out_err
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
