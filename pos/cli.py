"""`hdf-pos`: the terminal from the command line (same core as the windows); no sub-command opens
the windows.

Exit codes: 0 done online, 3 accepted offline and queued, 2 refused (with the reason; bad input
too), 1 any other error. Messages are in French.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import importlib
import io
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pos.about import VersionAction
from pos.domain import PARIS, business_day, kind_label
from pos.messages import wallet_reason_message
from pos.money import format_amount
from pos.terminal import (
    CardView,
    DayReport,
    OperationResult,
    Outcome,
    Receipt,
    Refused,
    Terminal,
    TransactionView,
)

EXIT_ONLINE = 0
EXIT_OTHER = 1
EXIT_REFUSED = 2
EXIT_QUEUED = 3

TRAINING_REMINDER = "Rappel : les achats doivent être en lien avec la formation du bénéficiaire."


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse that says what is wrong in French and exits 2 (a refusal of bad input)."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(EXIT_REFUSED, f"Erreur : commande incomplète ou invalide ({message}).\n")


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _local(at: datetime | None) -> str:
    return at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S") if at else "—"


def _parse_date(text: str | None) -> date:
    if not text:
        return business_day()
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if text.lower() in ("aujourd'hui", "today"):
        return business_day()
    raise CliError(f"Date non valable : « {text} » (attendu AAAA-MM-JJ ou JJ/MM/AAAA).")


def receipt_text(receipt: Receipt) -> str:
    """The receipt as plain text: the fields of PRODUCT.md, balance after included."""
    balance = (
        format_amount(receipt.balance_after_cents)
        if receipt.balance_after_cents is not None
        else "inconnu (hors ligne)"
    )
    if receipt.offline and receipt.balance_after_cents is not None:
        balance += " (estimé hors ligne)"
    lines = [
        "REÇU DE TRANSACTION",
        f"{receipt.partner_name}",
        f"{receipt.postal_code} {receipt.city}",
        f"N° ticket : {receipt.ticket_number}",
        f"N° transaction : {receipt.transaction_number or 'attribué à l’envoi (hors ligne)'}",
        f"Statut : {receipt.status}",
        f"Opération : {kind_label(receipt.kind)}",
        f"Date et heure : {_local(receipt.occurred_at)}",
        f"N° carte : {receipt.card_number}",
        f"Bénéficiaire : {receipt.holder_name or '—'}",
        f"Porte-monnaie : {receipt.wallet_label} ({receipt.wallet_code})",
        f"Montant : {format_amount(receipt.amount_cents)}",
        f"Solde après : {balance}",
    ]
    if receipt.reference:
        lines.append(f"Référence : {receipt.reference}")
    if receipt.offline:
        lines.append("HORS LIGNE : opération enregistrée, envoyée au retour du réseau.")
    return "\n".join(lines)


def _result(result: OperationResult) -> int:
    if result.outcome is Outcome.REFUSED:
        assert result.refusal is not None
        _err(f"Refusé : {result.refusal.message}")
        if result.refusal.detail and result.refusal.detail != result.refusal.message:
            _err(f"({result.refusal.detail})")
        return EXIT_REFUSED
    assert result.receipt is not None
    _out(receipt_text(result.receipt))
    return EXIT_ONLINE if result.outcome is Outcome.ONLINE else EXIT_QUEUED


def _open(args: argparse.Namespace) -> Terminal:
    return Terminal.open(Path(args.data_dir) if args.data_dir else None)


# -- commands ----------------------------------------------------------------------------------
def cmd_enroll(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Mot de passe du partenaire : ")
    if not password:
        raise CliError("Mot de passe vide.")
    with _open(args) as terminal:
        if args.ca_bundle:
            from pos import settings

            bundle = Path(args.ca_bundle).expanduser().resolve()
            if not bundle.is_file():
                raise CliError(f"Fichier de certificats introuvable : {bundle}")
            settings.CA_BUNDLE.set(terminal.store, str(bundle))
        partner = terminal.enroll(
            server_url=args.server, partner_code=args.partner, password=password, label=args.label
        )
    _out(f"Terminal « {args.label} » enrôlé pour {partner.name} ({partner.code}).")
    return EXIT_ONLINE


def cmd_unenroll(args: argparse.Namespace) -> int:
    with _open(args) as terminal:
        queue = terminal.status(probe=False).queue
        terminal.unenroll()
    _out("Terminal désenrôlé.")
    if queue:
        _out(
            f"{queue} opération(s) restent en attente : elles partiront après un nouvel enrôlement."
        )
    return EXIT_ONLINE


def cmd_status(args: argparse.Namespace) -> int:
    with _open(args) as terminal:
        st = terminal.status(probe=True)
    if args.json:
        _out(json.dumps(st.to_json(), ensure_ascii=False, indent=2))
    else:
        if not st.enrolled:
            _out("Terminal non enrôlé : lancez « hdf-pos enroll ».")
        else:
            _out(f"Partenaire : {st.partner_name} ({st.partner_code}) — terminal « {st.label} »")
            _out(f"Service central : {st.server_url}")
        _out(f"État : {'En ligne' if st.online else 'Hors ligne'}")
        _out(f"Opérations en attente : {st.queue}")
        _out(f"Plus ancienne en attente : {_local(st.oldest_queued_at)}")
        _out(f"Dernier envoi : {_local(st.last_sync_at)}")
        if st.clock_drift_seconds is not None:
            _out(f"Décalage d'horloge : {st.clock_drift_seconds:+.0f} s")
        if st.drift_warning:
            _out(
                "ATTENTION : l'horloge du terminal diffère de plus de 2 minutes du service central."
            )
        if st.offline_window_remaining_s is not None and not st.online:
            hours = max(0.0, st.offline_window_remaining_s) / 3600
            _out(f"Fenêtre hors ligne restante : {hours:.1f} h")
        _out(f"À traiter (refusés à l'envoi) : {st.follow_ups}")
    if not st.enrolled:
        return EXIT_OTHER
    return EXIT_ONLINE if st.online else EXIT_QUEUED


def _print_card(view: CardView) -> None:
    _out(f"Carte {view.card_number} — {view.holder_name or 'titulaire non affiché hors ligne'}")
    _out(f"Statut : {view.status_label}")
    if view.offline:
        _out("HORS LIGNE : soldes du QR code signé, moins ce que ce terminal a déjà encaissé.")
    if view.reason:
        _out(f"Paiement impossible : {view.reason}")
    for wallet in view.wallets:
        validity = f"jusqu'au {wallet.valid_to:%d/%m/%Y}" if wallet.valid_to else ""
        usable = "utilisable"
        if not wallet.usable:
            usable = f"non utilisable : {wallet_reason_message(wallet.reason)}"
        _out(
            f"  {wallet.label} ({wallet.code}) : {format_amount(wallet.balance_cents)} "
            f"{validity} — {usable}"
        )
    _out(TRAINING_REMINDER)


def cmd_lookup(args: argparse.Namespace) -> int:
    with _open(args) as terminal:
        view = terminal.lookup(args.code)
    _print_card(view)
    return EXIT_QUEUED if view.offline else EXIT_ONLINE


def cmd_pay(args: argparse.Namespace) -> int:
    with _open(args) as terminal:
        result = terminal.pay(
            scan=args.scan if args.scan is not None else args.card,
            wallet_code=args.wallet,
            amount_cents=args.amount,
            reference=args.reference,
        )
    return _result(result)


def cmd_redeem(args: argparse.Namespace) -> int:
    with _open(args) as terminal:
        result = terminal.redeem(scan=args.code)
    return _result(result)


def cmd_cancel(args: argparse.Namespace) -> int:
    with _open(args) as terminal:
        result = terminal.cancel(transaction_id=args.transaction_id, reason=args.reason)
    return _result(result)


_SYNC_STATE = {"central": "", "queued": " [en attente d'envoi]", "rejected": " [REFUSÉ à l'envoi]"}


def _tx_line(v: TransactionView) -> str:
    sign = "-" if v.kind == "cancellation" else ""
    return (
        f"{_local(v.occurred_at)}  {v.transaction_number or '(hors ligne)':>12}  "
        f"{kind_label(v.kind):<28} {v.card_number}  {v.wallet_code:<12} "
        f"{sign}{format_amount(v.amount_cents):>12}"
        f"{' hors ligne' if v.offline else ''}{_SYNC_STATE.get(v.sync_state, '')}"
        f"{'  ' + v.transaction_id if v.transaction_id else ''}"
    )


def cmd_transactions(args: argparse.Namespace) -> int:
    day = _parse_date(args.date)
    with _open(args) as terminal:
        views = terminal.transactions(day=day, kind=args.kind)
        online = terminal.status(probe=False).online
    if args.json:
        _out(json.dumps([_tx_json(v) for v in views], ensure_ascii=False, indent=2))
    else:
        _out(f"Transactions du {day:%d/%m/%Y} ({len(views)})" + ("" if online else " — hors ligne"))
        for v in views:
            _out(_tx_line(v))
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


def cmd_sync(args: argparse.Namespace) -> int:
    def progress(done: int, total: int) -> None:
        _err(f"Envoi : {done}/{total}")

    with _open(args) as terminal:
        report = terminal.sync(once=args.once, progress=progress)
        follow_ups = terminal.status(probe=False).follow_ups
    _out(
        f"Envoyées : {report.sent} (appliquées {report.applied}, déjà connues "
        f"{report.duplicate}, refusées {report.rejected}) — en attente : {report.remaining}"
    )
    if report.rejected or follow_ups:
        _out(f"{follow_ups} opération(s) refusée(s) à traiter : voir « hdf-pos follow-ups ».")
    if not report.online:
        _out("Service central injoignable : les opérations restent en attente.")
        return EXIT_QUEUED
    if report.error:
        _err(f"Envoi interrompu : {report.error}")
        return EXIT_OTHER
    return EXIT_ONLINE if report.remaining == 0 else EXIT_QUEUED


def cmd_follow_ups(args: argparse.Namespace) -> int:
    with _open(args) as terminal:
        items = terminal.follow_ups()
    if not items:
        _out("Aucune opération refusée à l'envoi.")
    for f in items:
        what = f"ticket {f.ticket_number}" if f.ticket_number else f"carte {f.card_number}"
        _out(
            f"{_local(f.occurred_at)}  {what}  {f.wallet_code}  {format_amount(f.amount_cents)}"
            f"  — {f.message} ({f.code})"
        )
    return EXIT_ONLINE


def cmd_close_day(args: argparse.Namespace) -> int:
    day = _parse_date(args.date)
    with _open(args) as terminal:
        closing = terminal.close_day(day)
    if closing.already_closed:
        _err(f"La journée du {day:%d/%m/%Y} est déjà clôturée (une seule clôture par jour).")
        return EXIT_REFUSED
    _out(f"Journée du {day:%d/%m/%Y} clôturée : {closing.count} opération(s).")
    for code, cents in sorted(closing.by_wallet.items()):
        _out(f"  {code} : {format_amount(cents)}")
    for kind, cents in sorted(closing.by_kind.items()):
        _out(f"  {kind_label(kind)} : {format_amount(cents)}")
    _out(f"Total du jour : {format_amount(closing.net_amount_cents)}")
    _out(f"Grand total perpétuel : {format_amount(closing.grand_total_cents)}")
    _out(f"Dernière empreinte : {closing.last_hash}")
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
    day = _parse_date(args.date)
    with _open(args) as terminal:
        report = terminal.report(day)
    if args.format == "json":
        _out(json.dumps(_report_json(report), ensure_ascii=False, indent=2))
    elif args.format == "csv":
        sys.stdout.write(_report_csv(report))
    else:
        state = "clôturée" if report.closed else "non clôturée"
        _out(f"Rapport du {day:%d/%m/%Y} ({state}) — {report.count} opération(s)")
        for v in report.transactions:
            _out(_tx_line(v))
        _out("Par porte-monnaie :")
        for code, cents in sorted(report.by_wallet.items()):
            _out(f"  {code} : {format_amount(cents)}")
        _out("Par type :")
        for kind, cents in sorted(report.by_kind.items()):
            _out(f"  {kind_label(kind)} : {format_amount(cents)}")
        _out(f"Total : {format_amount(report.net_amount_cents)}")
        if report.follow_ups:
            _out(f"Refusés à l'envoi ({len(report.follow_ups)}) :")
            for f in report.follow_ups:
                _out(
                    f"  carte {f.card_number} {format_amount(f.amount_cents)} — {f.message} "
                    f"({f.code})"
                )
    return EXIT_ONLINE


def cmd_reconcile(args: argparse.Namespace) -> int:
    day = _parse_date(args.date)
    with _open(args) as terminal:
        rec = terminal.reconcile(day)
    _out(
        f"Journal du terminal : {rec.local_count} opération(s), "
        f"{format_amount(rec.local_amount_cents)}"
    )
    if rec.central_count is not None and rec.central_amount_cents is not None:
        _out(
            f"Relevé du service central : {rec.central_count} opération(s), "
            f"{format_amount(rec.central_amount_cents)}"
        )
    for diff in rec.differences:
        _out(f"Écart : {diff}")
    _out("Rapprochement : concordant." if rec.matches else "Rapprochement : ÉCARTS à examiner.")
    return EXIT_ONLINE if rec.matches else EXIT_REFUSED


def cmd_journal_verify(args: argparse.Namespace) -> int:
    with _open(args) as terminal:
        check = terminal.verify_journal()
    if check.ok:
        _out(f"Journal intègre : {check.rows} ligne(s), chaînage vérifié.")
        return EXIT_ONLINE
    _err(f"Journal ALTÉRÉ : première ligne en défaut n° {check.first_bad_row} — {check.reason}")
    return EXIT_OTHER


def cmd_windows(args: argparse.Namespace) -> int:
    try:
        from pos.ui import app as ui_app
    except ImportError as exc:
        _err(
            "Les fenêtres du terminal ne sont pas disponibles dans cette installation "
            f"({exc}). Utilisez les sous-commandes : hdf-pos --help"
        )
        return EXIT_OTHER
    return int(ui_app.run(args))


# -- parser ------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hdf-pos",
        description="Terminal partenaire de la carte Génération #HDF. Sans sous-commande : "
        "ouvre les fenêtres.",
    )
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("--data-dir", help="dossier des données du terminal (sinon HDF_POS_HOME)")
    parser.add_argument("--demo", action="store_true", help="démonstration (fenêtres)")
    parser.add_argument("--lang", choices=["fr", "en"], help="langue des fenêtres")
    parser.set_defaults(func=cmd_windows)
    sub = parser.add_subparsers(title="commandes", metavar="COMMANDE", parser_class=_Parser)

    p = sub.add_parser("enroll", help="enrôler ce terminal auprès du service central")
    p.add_argument("--server", required=True, help="adresse du service central (https://…)")
    p.add_argument("--partner", required=True, help="code partenaire (ex. L212)")
    p.add_argument("--label", required=True, help="nom de ce terminal (ex. Caisse 1)")
    p.add_argument("--password-stdin", action="store_true", help="lire le mot de passe sur stdin")
    p.add_argument("--ca-bundle", help="certificats d'autorité (PEM) du service central")
    p.set_defaults(func=cmd_enroll)

    p = sub.add_parser("unenroll", help="désenrôler ce terminal (la file d'attente est gardée)")
    p.set_defaults(func=cmd_unenroll)

    p = sub.add_parser("status", help="en ligne ?, file d'attente, dernier envoi, horloge")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("lookup", help="afficher une carte (n° ou QR code)")
    p.add_argument("code", help="n° de carte (8 chiffres) ou texte du QR code")
    p.set_defaults(func=cmd_lookup)

    p = sub.add_parser("pay", help="débiter un porte-monnaie")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--card", help="n° de carte (8 chiffres)")
    who.add_argument("--scan", help="texte du QR code de la carte")
    p.add_argument("--wallet", help="code du porte-monnaie (ex. MANUEQUIP)")
    p.add_argument("--amount", required=True, help="montant en euros (ex. 12,50)")
    p.add_argument("--reference", help="référence interne (facultatif)")
    p.set_defaults(func=cmd_pay)

    p = sub.add_parser("redeem", help="encaisser un prépaiement (n° de ticket ou QR code)")
    p.add_argument("code")
    p.set_defaults(func=cmd_redeem)

    p = sub.add_parser("cancel", help="annuler (rembourser) une transaction")
    p.add_argument("transaction_id")
    p.add_argument("--reason", required=True, help="motif de l'annulation")
    p.set_defaults(func=cmd_cancel)

    p = sub.add_parser("transactions", help="transactions d'une journée")
    p.add_argument("--date", help="AAAA-MM-JJ (défaut : aujourd'hui)")
    p.add_argument("--kind", choices=["counter_payment", "voucher_redemption", "online_payment",
                                      "cancellation"])  # fmt: skip
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_transactions)

    p = sub.add_parser("sync", help="envoyer les opérations en attente")
    p.add_argument("--once", action="store_true", help="un seul passage (sinon insiste)")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("follow-ups", help="opérations hors ligne refusées à l'envoi")
    p.set_defaults(func=cmd_follow_ups)

    p = sub.add_parser("close-day", help="clôturer une journée (une seule fois)")
    p.add_argument("--date", help="AAAA-MM-JJ (défaut : aujourd'hui)")
    p.set_defaults(func=cmd_close_day)

    p = sub.add_parser("report", help="rapport d'une journée")
    p.add_argument("--date", required=True, help="AAAA-MM-JJ")
    p.add_argument("--format", choices=["text", "csv", "json"], default="text")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("reconcile", help="rapprocher le journal et le relevé du service central")
    p.add_argument("--date", help="AAAA-MM-JJ (défaut : aujourd'hui)")
    p.set_defaults(func=cmd_reconcile)

    p = sub.add_parser("journal", help="journal inaltérable")
    jsub = p.add_subparsers(title="actions", metavar="ACTION", parser_class=_Parser, required=True)
    jp = jsub.add_parser("verify", help="vérifier le chaînage du journal")
    jp.set_defaults(func=cmd_journal_verify)

    try:  # the scanner's `decode` and `scan` (its own module; absent from a minimal install)
        scanner_cli = importlib.import_module("pos.scanner.cli")
    except ImportError:
        scanner_cli = None
    if scanner_cli is not None:
        scanner_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or bad arguments (2): an exit code, not an exception
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_REFUSED
    try:
        return int(args.func(args))
    except CliError as err:
        _err(f"Erreur : {err}")
        return err.code
    except Refused as err:
        _err(f"Refusé : {err.refusal.message}")
        if err.refusal.detail and err.refusal.detail != err.refusal.message:
            _err(f"({err.refusal.detail})")
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return EXIT_OTHER
    except Exception as err:  # the last word for the cashier, never a traceback
        _err(f"Erreur : {err}")
        return EXIT_OTHER


if __name__ == "__main__":
    sys.exit(main())
