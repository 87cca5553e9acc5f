"""`hdf-pos`: the terminal from the command line (same core as the windows); no sub-command opens
the windows.

Exit codes: 0 done online, 3 accepted offline and queued, 2 refused (with the reason; bad input
too), 1 any other error. Messages are in French.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from hdf_common import clock
from pos.about import VersionAction
from pos.commands.admin import (
    cmd_enroll,
    cmd_journal_verify,
    cmd_status,
    cmd_sync,
    cmd_unenroll,
    cmd_windows,
)
from pos.commands.books import (
    cmd_close_day,
    cmd_follow_ups,
    cmd_reconcile,
    cmd_report,
    cmd_transactions,
)
from pos.commands.common import EXIT_OTHER, EXIT_REFUSED, CliError
from pos.commands.common import out_err as _err  # the name main() has always used
from pos.commands.counter import cmd_cancel, cmd_lookup, cmd_pay, cmd_redeem
from pos.commands.periods import (
    cmd_close_month,
    cmd_close_year,
    cmd_journal_archive,
    cmd_journal_verify_archive,
)
from pos.terminal import Refused


class _Parser(argparse.ArgumentParser):
    """argparse that says what is wrong in French and exits 2 (a refusal of bad input)."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(EXIT_REFUSED, f"Erreur : commande incomplète ou invalide ({message}).\n")


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
    parser.add_argument(
        "--clock",
        metavar="INSTANT",
        help="horloge réglée sur cet instant RFC 3339 (puis qui avance), pour les essais et les "
        "démonstrations ; défaut : HDF_CLOCK, sinon l'horloge réelle",
    )
    parser.set_defaults(func=cmd_windows)
    sub = parser.add_subparsers(title="commandes", metavar="COMMANDE", parser_class=_Parser)

    p = sub.add_parser("enroll", help="enrôler ce terminal auprès du service central")
    p.add_argument("--server", required=True, help="adresse du service central (https://…)")
    p.add_argument("--partner", required=True, help="code partenaire (ex. L212)")
    p.add_argument("--label", required=True, help="nom de ce terminal (ex. Caisse 1)")
    p.add_argument("--password-stdin", action="store_true", help="lire le mot de passe sur stdin")
    p.add_argument("--ca-bundle", help="certificats d'autorité (PEM) du service central")
    p.add_argument(
        "--insecure",
        action="store_true",
        help="accepter une adresse http:// d'une autre machine (jeton en clair ; essais seulement)",
    )
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
    p.add_argument("--date", help="AAAA-MM-JJ (défaut : la dernière journée finie)")
    p.set_defaults(func=cmd_close_day)

    p = sub.add_parser("close-month", help="clôturer un mois (ses journées clôturées)")
    p.add_argument("--month", required=True, help="AAAA-MM")
    p.set_defaults(func=cmd_close_month)

    p = sub.add_parser("close-year", help="clôturer une année (ses mois clôturés)")
    p.add_argument("--year", required=True, help="AAAA")
    p.set_defaults(func=cmd_close_year)

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
    jp = jsub.add_parser("archive", help="archive signée d'un mois (docs/ARCHIVE.md)")
    jp.add_argument("--month", required=True, help="AAAA-MM")
    jp.add_argument("--out", help="fichier à écrire (défaut : archives/ du dossier de données)")
    jp.set_defaults(func=cmd_journal_archive)
    jp = jsub.add_parser("verify-archive", help="vérifier une archive signée (sans base locale)")
    jp.add_argument("file")
    jp.add_argument(
        "--public-key",
        help="la clé publique attendue (base64url) : --public-key=CLÉ (elle peut commencer par -)",
    )
    jp.set_defaults(func=cmd_journal_verify_archive)

    try:  # the scanner's `decode` and `scan` (its own module; absent from a minimal install)
        scanner_cli = importlib.import_module("pos.scanner.cli")
    except ImportError:
        scanner_cli = None
    if scanner_cli is not None:
        scanner_cli.register(sub)
    return parser


def _set_clock(text: str) -> None:
    """This process's clock, and the demo service's it starts (they read HDF_CLOCK)."""
    try:
        clock.set_clock(text)
    except clock.ClockSettingError as exc:
        raise CliError(str(exc)) from exc
    os.environ[clock.ENV_VAR] = clock.setting() or ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or bad arguments (2): an exit code, not an exception
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_REFUSED
    try:
        if args.clock:
            _set_clock(args.clock)
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
