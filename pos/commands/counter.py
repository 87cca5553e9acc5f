"""The counter's commands: `lookup`, `pay`, `redeem`, `cancel`, and the receipt they print."""

from __future__ import annotations

import argparse

from pos.commands.common import (
    EXIT_ONLINE,
    EXIT_QUEUED,
    EXIT_REFUSED,
    local_time,
    open_terminal,
    out,
    out_err,
)
from pos.domain import kind_label
from pos.messages import wallet_reason_message
from pos.money import format_amount
from pos.terminal import CardView, OperationResult, Outcome, Receipt

TRAINING_REMINDER = "Rappel : les achats doivent être en lien avec la formation du bénéficiaire."


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
        f"Date et heure : {local_time(receipt.occurred_at)}",
        f"N° carte : {receipt.card_number}",
        f"Bénéficiaire : {receipt.holder_name or '—'}",
    ]
    if receipt.kind == "cancellation":
        when = (
            f" du {local_time(receipt.cancels_occurred_at)}" if receipt.cancels_occurred_at else ""
        )
        lines += [
            f"Transaction annulée : N° {receipt.cancels_number or '—'}{when}",
            f"Porte-monnaie crédité : {receipt.wallet_label} ({receipt.wallet_code})",
            f"Montant crédité : +{format_amount(receipt.amount_cents)}",
        ]
    else:
        lines += [
            f"Porte-monnaie débité : {receipt.wallet_label} ({receipt.wallet_code})",
            f"Montant : {format_amount(receipt.amount_cents)}",
        ]
    lines.append(f"Solde après : {balance}")
    if receipt.reference:
        lines.append(f"Référence : {receipt.reference}")
    if receipt.journal_seq is not None:
        lines.append(f"Journal n° {receipt.journal_seq} — Empreinte : {receipt.fingerprint}")
    if receipt.offline:
        lines.append("HORS LIGNE : opération enregistrée, envoyée au retour du réseau.")
    return "\n".join(lines)


def print_result(result: OperationResult) -> int:
    if result.outcome is Outcome.REFUSED:
        assert result.refusal is not None
        out_err(f"Refusé : {result.refusal.message}")
        if result.refusal.detail and result.refusal.detail != result.refusal.message:
            out_err(f"({result.refusal.detail})")
        return EXIT_REFUSED
    assert result.receipt is not None
    out(receipt_text(result.receipt))
    return EXIT_ONLINE if result.outcome is Outcome.ONLINE else EXIT_QUEUED


def print_card(view: CardView) -> None:
    out(f"Carte {view.card_number} — {view.holder_name or 'titulaire non affiché hors ligne'}")
    out(f"Statut : {view.status_label}")
    if view.offline:
        out("HORS LIGNE : soldes du QR code signé, moins ce que ce terminal a déjà encaissé.")
    if view.reason:
        out(f"Paiement impossible : {view.reason}")
    for wallet in view.wallets:
        validity = f"jusqu'au {wallet.valid_to:%d/%m/%Y}" if wallet.valid_to else ""
        usable = "utilisable"
        if not wallet.usable:
            usable = f"non utilisable : {wallet_reason_message(wallet.reason)}"
        out(
            f"  {wallet.label} ({wallet.code}) : {format_amount(wallet.balance_cents)} "
            f"{validity} — {usable}"
        )
    out(TRAINING_REMINDER)


def cmd_lookup(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        view = terminal.lookup(args.code)
    print_card(view)
    return EXIT_QUEUED if view.offline else EXIT_ONLINE


def cmd_pay(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        result = terminal.pay(
            scan=args.scan if args.scan is not None else args.card,
            wallet_code=args.wallet,
            amount_cents=args.amount,
            reference=args.reference,
        )
    return print_result(result)


def cmd_redeem(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        result = terminal.redeem(scan=args.code)
    return print_result(result)


def cmd_cancel(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        result = terminal.cancel(transaction_id=args.transaction_id, reason=args.reason)
    return print_result(result)
