"""The terminal's own commands: `enroll`, `unenroll`, `status`, `sync`, `journal verify`, and
the windows (no sub-command)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from pos.commands.common import (
    EXIT_ONLINE,
    EXIT_OTHER,
    EXIT_QUEUED,
    CliError,
    local_time,
    open_terminal,
    out,
    out_err,
)


def cmd_enroll(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Mot de passe du partenaire : ")
    if not password:
        raise CliError("Mot de passe vide.")
    with open_terminal(args) as terminal:
        if args.ca_bundle:
            from pos import settings

            bundle = Path(args.ca_bundle).expanduser().resolve()
            if not bundle.is_file():
                raise CliError(f"Fichier de certificats introuvable : {bundle}")
            settings.CA_BUNDLE.set(terminal.store, str(bundle))
        partner = terminal.enroll(
            server_url=args.server,
            partner_code=args.partner,
            password=password,
            label=args.label,
            insecure=args.insecure,
        )
    out(f"Terminal « {args.label} » enrôlé pour {partner.name} ({partner.code}).")
    return EXIT_ONLINE


def cmd_unenroll(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        queue = terminal.status(probe=False).queue
        terminal.unenroll()
    out("Terminal désenrôlé.")
    if queue:
        out(
            f"{queue} opération(s) restent en attente : elles partiront après un nouvel enrôlement."
        )
    return EXIT_ONLINE


def cmd_status(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        st = terminal.status(probe=True)
    if args.json:
        out(json.dumps(st.to_json(), ensure_ascii=False, indent=2))
    else:
        if not st.enrolled:
            out("Terminal non enrôlé : lancez « hdf-pos enroll ».")
        else:
            out(f"Partenaire : {st.partner_name} ({st.partner_code}) — terminal « {st.label} »")
            out(f"Service central : {st.server_url}")
            if st.unencrypted:
                out("ATTENTION : connexion non chiffrée (http://, --insecure).")
        out(f"État : {'En ligne' if st.online else 'Hors ligne'}")
        out(f"Opérations en attente : {st.queue}")
        out(f"Plus ancienne en attente : {local_time(st.oldest_queued_at)}")
        out(f"Dernier envoi : {local_time(st.last_sync_at)}")
        if st.clock_drift_seconds is not None:
            out(f"Décalage d'horloge : {st.clock_drift_seconds:+.0f} s")
        if st.drift_warning:
            out(
                "ATTENTION : l'horloge du terminal diffère de plus de 2 minutes du service central."
            )
        if st.offline_window_remaining_s is not None and not st.online:
            hours = max(0.0, st.offline_window_remaining_s) / 3600
            out(f"Fenêtre hors ligne restante : {hours:.1f} h")
        out(f"À traiter (refusés à l'envoi) : {st.follow_ups}")
    if not st.enrolled:
        return EXIT_OTHER
    return EXIT_ONLINE if st.online else EXIT_QUEUED


def cmd_sync(args: argparse.Namespace) -> int:
    def progress(done: int, total: int) -> None:
        out_err(f"Envoi : {done}/{total}")

    with open_terminal(args) as terminal:
        report = terminal.sync(once=args.once, progress=progress)
        follow_ups = terminal.status(probe=False).follow_ups
    out(
        f"Envoyées : {report.sent} (appliquées {report.applied}, déjà connues "
        f"{report.duplicate}, refusées {report.rejected}) — en attente : {report.remaining}"
    )
    if report.rejected or follow_ups:
        out(f"{follow_ups} opération(s) refusée(s) à traiter : voir « hdf-pos follow-ups ».")
    if not report.online:
        out("Service central injoignable : les opérations restent en attente.")
        return EXIT_QUEUED
    if report.error:
        out_err(f"Envoi interrompu : {report.error}")
        return EXIT_OTHER
    return EXIT_ONLINE if report.remaining == 0 else EXIT_QUEUED


def cmd_journal_verify(args: argparse.Namespace) -> int:
    with open_terminal(args) as terminal:
        check = terminal.verify_journal()
    if check.ok:
        out(f"Journal intègre : {check.rows} ligne(s), chaînage vérifié.")
        if check.witness_online:
            out(
                f"Témoin : le journal passe par les {check.witness_heads} tête(s) enregistrée(s) "
                "par le service central."
            )
        elif check.witness_online is False:
            if check.witness_last_at:
                out(
                    "Service central injoignable : témoin non vérifié ; dernière tête qu'il "
                    f"détient : ligne {check.witness_last_seq}, reçue le {check.witness_last_at}."
                )
            else:
                out(
                    "Service central injoignable : aucune tête connue chez lui, témoin non vérifié."
                )
        return EXIT_ONLINE
    out_err(f"Journal ALTÉRÉ : première ligne en défaut n° {check.first_bad_row} — {check.reason}")
    return EXIT_OTHER


def cmd_windows(args: argparse.Namespace) -> int:
    try:
        from pos.ui import app as ui_app
    except ImportError as exc:
        out_err(
            "Les fenêtres du terminal ne sont pas disponibles dans cette installation "
            f"({exc}). Utilisez les sous-commandes : hdf-pos --help"
        )
        return EXIT_OTHER
    return int(ui_app.run(args))
