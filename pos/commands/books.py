"""The day's books from the command line: `transactions`, `follow-ups`, `close-day`, `report`,
`reconcile`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from typing import Any

from pos.commands.common import (
    EXIT_ONLINE,
    EXIT_QUEUED,
    EXIT_REFUSED,
    local_time,
    open_terminal,
    out,
    out_err,
    parse_date,
)
from pos.domain import PARIS, kind_label
from pos.money import format_amount
from pos.terminal import DayReport, TransactionView

_SYNC_STATE = {"central": "", "queued": " [en attente d'envoi]", "rejected": " [REFUSÉ à l'envoi]"}


def _tx_line(v: TransactionView) -> str:
    sign = "-" if v.kind == "cancellation" else ""
    return (
        f"{local_time(v.occurred_at)}  {v.transaction_number or '(hors ligne)':>12}  "
        f"{kind_label(v.kind):<28} {v.card_number}  {v.wallet_code:<12} "
        f"{sign}{format_amount(v.amount_cents):>12}"
        f"{' hors ligne' if v.offline else ''}{_SYNC_STATE.get(v.sync_state, '')}"
        f"{'  ' + v.transaction_id if v.transaction_id else ''}"
    )


def cmd_transactions(args: argparse.Namespace) -> int:
    day = parse_date(args.date)
    with open_terminal(args) as terminal:
        views = terminal.transactions(day=day, kind=args.kind)
        online = terminal.status(probe=False).online
    if args.json:
        out(json.dumps([_tx_json(v) for v in views], ensure_ascii=False, indent=2))
    else:
        out(f"Transactions du {day:%d/%m/%Y} ({len(views)})" + ("" if online else " — hors ligne"))
        for v in views:
            out(_tx_line(v))
    return EXIT_ONLINE if online else EXIT_QUEUED


def _tx_json(v: TransactionView) -> dict[str, Any]:
    return {
        "transaction_id": v.transaction_id,
        "transaction_number": v.transaction_number,
        "kind": v.kind,
        "status": v.status,
        "card_number": v.card_number,
        "wallet_code": v.wallet_code,
        "amount_cents": v.amount_cents,
        "balance_after_cents": v.balance_after_cents,
        "occurred_at": v.occurred_at.isoformat(),
        "channel": v.channel,
        "offline": v.offline,
        "reference": v.reference,
        "sync_state": v.sync_state,
    }


def cmd_follow_ups(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        items = terminal.follow_ups()
    if not items:
        out("Aucune opération refusée à l'envoi.")
    for f in items:
        what = f"ticket {f.ticket_number}" if f.ticket_number else f"carte {f.card_number}"
        out(
            f"{local_time(f.occurred_at)}  {what}  {f.wallet_code}  {format_amount(f.amount_cents)}"
            f"  — {f.message} ({f.code})"
        )
    return EXIT_ONLINE


def _print_totals(by_wallet: dict[str, int], by_kind: dict[str, int], headed: bool = False) -> None:
    """The totals by wallet, then by kind (each under its heading in a report)."""
    if headed:
        out("Par porte-monnaie :")
    for code, cents in sorted(by_wallet.items()):
        out(f"  {code} : {format_amount(cents)}")
    if headed:
        out("Par type :")
    for kind, cents in sorted(by_kind.items()):
        out(f"  {kind_label(kind)} : {format_amount(cents)}")


def cmd_close_day(args: argparse.Namespace) -> int:
    # Without --date: the last day that is over (the running day cannot be closed).
    with open_terminal(args) as terminal:
        closing = terminal.close_day(parse_date(args.date) if args.date else None)
    day = closing.day
    if closing.already_closed:
        out_err(f"La journée du {day:%d/%m/%Y} est déjà clôturée (une seule clôture par jour).")
        return EXIT_REFUSED
    out(f"Journée du {day:%d/%m/%Y} clôturée : {closing.count} opération(s).")
    _print_totals(closing.by_wallet, closing.by_kind)
    out(f"Total du jour : {format_amount(closing.net_amount_cents)}")
    out(f"Grand total perpétuel : {format_amount(closing.grand_total_cents)}")
    out(f"Dernière empreinte : {closing.last_hash}")
    return EXIT_ONLINE


_CSV_HEADER = (
    "date n_transaction type carte porte_monnaie montant_centimes hors_ligne etat_envoi "
    "id_transaction"
).split()


def _report_csv(report: DayReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(_CSV_HEADER)
    for v in report.transactions:
        writer.writerow(
            [
                v.occurred_at.astimezone(PARIS).isoformat(),
                v.transaction_number or "",
                v.kind,
                v.card_number,
                v.wallet_code,
                -v.amount_cents if v.kind == "cancellation" else v.amount_cents,
                "oui" if v.offline else "non",
                v.sync_state,
                v.transaction_id or "",
            ]
        )
    return buffer.getvalue()


def _report_json(report: DayReport) -> dict[str, Any]:
    return {
        "date": report.day.isoformat(),
        "closed": report.closed,
        "count": report.count,
        "net_amount_cents": report.net_amount_cents,
        "by_wallet": report.by_wallet,
        "by_kind": report.by_kind,
        "transactions": [_tx_json(v) for v in report.transactions],
        "follow_ups": [
            {
                "idempotency_key": f.idempotency_key,
                "operation": f.operation,
                "card_number": f.card_number,
                "wallet_code": f.wallet_code,
                "amount_cents": f.amount_cents,
                "occurred_at": f.occurred_at.isoformat(),
                "code": f.code,
                "message": f.message,
            }
            for f in report.follow_ups
        ],
    }


def cmd_report(args: argparse.Namespace) -> int:
    day = parse_date(args.date)
    with open_terminal(args) as terminal:
        report = terminal.report(day)
    if args.format == "json":
        out(json.dumps(_report_json(report), ensure_ascii=False, indent=2))
    elif args.format == "csv":
        sys.stdout.write(_report_csv(report))
    else:
        state = "clôturée" if report.closed else "non clôturée"
        out(f"Rapport du {day:%d/%m/%Y} ({state}) — {report.count} opération(s)")
        for v in report.transactions:
            out(_tx_line(v))
        _print_totals(report.by_wallet, report.by_kind, headed=True)
        out(f"Total : {format_amount(report.net_amount_cents)}")
        if report.follow_ups:
            out(f"Refusés à l'envoi ({len(report.follow_ups)}) :")
            for f in report.follow_ups:
                out(
                    f"  carte {f.card_number} {format_amount(f.amount_cents)} — {f.message} "
                    f"({f.code})"
                )
    return EXIT_ONLINE


def cmd_reconcile(args: argparse.Namespace) -> int:
    day = parse_date(args.date)
    with open_terminal(args) as terminal:
        rec = terminal.reconcile(day)
    out(
        f"Journal du terminal : {rec.local_count} opération(s), "
        f"{format_amount(rec.local_amount_cents)}"
    )
    if rec.central_count is not None and rec.central_amount_cents is not None:
        out(
            f"Relevé du service central : {rec.central_count} opération(s), "
            f"{format_amount(rec.central_amount_cents)}"
        )
    for diff in rec.differences:
        out(f"Écart : {diff}")
    out("Rapprochement : concordant." if rec.matches else "Rapprochement : ÉCARTS à examiner.")
    return EXIT_ONLINE if rec.matches else EXIT_REFUSED
