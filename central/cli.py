"""`hdf-central`: serve the API, migrate, seed the demo, administer partners, cards and keys."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from central import __version__
from central.cli_admin import (
    _wallet_load,
    cmd_card_add,
    cmd_card_status,
    cmd_keys_list,
    cmd_keys_retire,
    cmd_keys_rotate,
    cmd_partner_add,
    cmd_partner_password,
    cmd_terminal_list,
    cmd_terminal_revoke,
    cmd_wallet_type_add,
)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(message)s",
        stream=sys.stderr,
        force=True,
    )
    # Alembic announces every plugin at INFO: keep the service's log to one line per request.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _prepare(url: str | None, *, demo: bool) -> str:
    """Migrate, make sure a signing key exists, seed the demo on an empty database."""
    from central import admin, keyring, migrate, sealing
    from central.db import normalize_url, single_use_engine

    url = normalize_url(url)
    migrate.upgrade(url)
    engine = single_use_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(hdf_write=True)
            with conn.begin():
                if demo and admin.is_empty(conn):
                    admin.seed_demo(conn)
                    logging.getLogger("central").info('{"event": "demo_seeded"}')
                keyring.ensure_key(conn)
                if sealing.seal_clear_keys(conn):
                    logging.getLogger("central").info('{"event": "signing_keys_sealed"}')
    except sealing.SealingError as exc:
        raise SystemExit(f"hdf-central : {exc}") from exc
    finally:
        engine.dispose()
    return url


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from central.metrics import prepare_multiprocess

    _configure_logging(args.log_level)
    prepare_multiprocess(args.workers)  # before any worker counts anything
    url = _prepare(args.database, demo=args.demo)
    os.environ["HDF_CENTRAL_DATABASE_URL"] = url
    os.environ["HDF_CENTRAL_WORKERS"] = str(args.workers)
    if args.threads:
        os.environ["HDF_CENTRAL_THREADS"] = str(args.threads)
    if args.trusted_proxies is not None:
        from central.limits import TRUSTED_PROXIES_ENV

        os.environ[TRUSTED_PROXIES_ENV] = args.trusted_proxies  # the workers read it too
    common = {
        "host": args.host,
        "port": args.port,
        "access_log": False,  # our own structured line per request replaces it
        "log_config": None,
        "log_level": args.log_level,
        "timeout_graceful_shutdown": 5,
        "date_header": False,  # RequestLog sets Date by the service's (settable) clock
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default: the client address
        # (the login limits' key) is central.limits.client_address's, by --trusted-proxies.
        "proxy_headers": False,
    }
    if args.workers > 1:
        uvicorn.run(
            "central.app:app_from_environment", factory=True, workers=args.workers, **common
        )
    else:
        from central.app import create_app

        uvicorn.run(create_app(url), **common)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _configure_logging("info")
    _prepare(args.database, demo=False)
    print("schéma à jour")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    _configure_logging("info")
    if not args.demo:
        print("rien à faire : seul `seed --demo` existe", file=sys.stderr)
        return 2
    from central import admin
    from central.db import single_use_engine

    url = _prepare(args.database, demo=False)
    engine = single_use_engine(url)
    with engine.connect() as conn:
        conn = conn.execution_options(hdf_write=True)
        with conn.begin():
            if not admin.is_empty(conn):
                print("base non vide : données de démonstration non chargées", file=sys.stderr)
                return 1
            admin.seed_demo(conn)
    engine.dispose()
    print("données de démonstration chargées")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hdf-central", description=__doc__)
    parser.add_argument("--version", action="version", version=f"hdf-central {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    db_help = "sqlite:////chemin.db ou postgresql://… (défaut : SQLite dans le dossier de données)"

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--database", default=None, help=db_help)
        p.add_argument(
            "--clock",
            type=_clock_setting,
            default=None,
            metavar="INSTANT",
            help="horloge réglée sur cet instant RFC 3339 (puis qui avance), pour les essais ; "
            "défaut : HDF_CLOCK, sinon l'horloge réelle",
        )
        return p

    serve = with_db(sub.add_parser("serve", help="servir l'API"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="charger DEMO.md si la base est vide")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--threads",
        type=int,
        default=None,
        help="fils de base de données par processus (défaut : 6 sur PostgreSQL)",
    )
    serve.add_argument(
        "--trusted-proxies",
        type=_proxies_setting,
        default=None,
        metavar="ADRESSES",
        help="mandataires (adresses ou réseaux, séparés par des virgules) dont l'en-tête "
        "X-Forwarded-For donne l'adresse du client ; défaut : HDF_CENTRAL_TRUSTED_PROXIES, "
        "sinon aucun (l'adresse est celle de la connexion TCP)",
    )
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)

    with_db(sub.add_parser("migrate", help="mettre le schéma à jour")).set_defaults(
        func=cmd_migrate
    )

    seed = with_db(sub.add_parser("seed", help="charger des données"))
    seed.add_argument("--demo", action="store_true", help="le jeu de démonstration DEMO.md")
    _scale_seed_arguments(seed)

    partner = sub.add_parser("partner", help="partenaires").add_subparsers(
        dest="action", required=True
    )
    padd = with_db(partner.add_parser("add", help="ajouter un partenaire"))
    padd.add_argument("--code", required=True)
    padd.add_argument("--name", required=True)
    padd.add_argument("--postal-code", required=True)
    padd.add_argument("--city", required=True)
    padd.add_argument("--kind", default="bookshop", choices=["bookshop", "equipment"])
    padd.add_argument("--wallets", required=True, help="codes séparés par des virgules")
    padd.add_argument("--password", help="sinon HDF_PASSWORD ou demandé")
    padd.add_argument("--prepayment", action="store_true", help="accepte les prépaiements")
    padd.add_argument("--online-payment", action="store_true", help="accepte le paiement en ligne")
    padd.add_argument("--max-payment-cents", type=int, default=5000)
    padd.add_argument("--max-card-total-cents", type=int, default=10000)
    padd.add_argument("--max-age-hours", type=int, default=72)
    padd.set_defaults(func=cmd_partner_add)
    ppass = with_db(partner.add_parser("password", help="changer le mot de passe d'un partenaire"))
    ppass.add_argument("code")
    ppass.add_argument(
        "--password-stdin",
        action="store_true",
        help="lire le mot de passe sur l'entrée standard (sinon HDF_PASSWORD ou demandé)",
    )
    ppass.add_argument(
        "--revoke-terminals",
        action="store_true",
        help="révoquer aussi tous ses terminaux (ils devront s'enrôler à nouveau)",
    )
    ppass.set_defaults(func=cmd_partner_password)

    terminal = sub.add_parser("terminal", help="terminaux enrôlés").add_subparsers(
        dest="action", required=True
    )
    tlist = with_db(terminal.add_parser("list", help="lister les terminaux"))
    tlist.add_argument("--partner", metavar="CODE", help="ceux de ce partenaire seulement")
    tlist.set_defaults(func=cmd_terminal_list)
    trevoke = with_db(terminal.add_parser("revoke", help="révoquer un terminal (vol, perte)"))
    trevoke.add_argument("terminal_id")
    trevoke.set_defaults(func=cmd_terminal_revoke)

    card = sub.add_parser("card", help="cartes").add_subparsers(dest="action", required=True)
    cadd = with_db(card.add_parser("add", help="ajouter une carte"))
    cadd.add_argument("--card-number", required=True)
    cadd.add_argument("--dossier-number", required=True)
    cadd.add_argument("--first-name", required=True)
    cadd.add_argument("--last-name", required=True)
    cadd.add_argument("--password", help="sinon HDF_PASSWORD ou demandé")
    cadd.add_argument(
        "--status", default="active", choices=["active", "blocked", "replaced", "expired"]
    )
    cadd.add_argument(
        "--wallet", action="append", type=_wallet_load, help="CODE:CENTIMES:DU:AU (répétable)"
    )
    cadd.add_argument("--photo", help="photo JPEG (sinon un portrait généré)")
    cadd.set_defaults(func=cmd_card_add)
    cstatus = with_db(
        card.add_parser("status", help="changer le statut (opposition, remplacement)")
    )
    cstatus.add_argument("card_number")
    cstatus.add_argument("status", choices=["active", "blocked", "replaced", "expired"])
    cstatus.add_argument("--reason", default=None)
    cstatus.set_defaults(func=cmd_card_status)

    wallet = sub.add_parser("wallet-type", help="types de porte-monnaie").add_subparsers(
        dest="action", required=True
    )
    wadd = with_db(wallet.add_parser("add", help="déclarer un porte-monnaie"))
    wadd.add_argument("code")
    wadd.add_argument("label")
    wadd.set_defaults(func=cmd_wallet_type_add)

    keys = sub.add_parser("keys", help="clés de signature des QR codes").add_subparsers(
        dest="action", required=True
    )
    with_db(keys.add_parser("rotate", help="ajouter une clé qui signe désormais")).set_defaults(
        func=cmd_keys_rotate
    )
    with_db(keys.add_parser("list", help="lister les clés")).set_defaults(func=cmd_keys_list)
    kretire = with_db(
        keys.add_parser("retire", help="retirer une clé : elle ne signe ni ne vérifie plus")
    )
    kretire.add_argument("kid")
    kretire.set_defaults(func=cmd_keys_retire)
    _ops_parsers(sub, with_db)
    return parser


def _ops(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """A command of `central.ops.<module>`, imported only when it runs."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        result: int = getattr(importlib.import_module(f"central.ops.{module}"), name)(args)
        return result

    return run


def _ops_parsers(sub: argparse._SubParsersAction, with_db: Callable[..., Any]) -> None:
    """The operations' commands (central/ops): backup, restore, purge."""
    backup = with_db(sub.add_parser("backup", help="sauvegarder la base (à chaud)"))
    backup.add_argument("--to", required=True, metavar="FICHIER")
    backup.set_defaults(func=_ops("backup", "cmd_backup"))
    restore = with_db(sub.add_parser("restore", help="restaurer une sauvegarde (service arrêté)"))
    restore.add_argument("--from", dest="source", required=True, metavar="FICHIER")
    restore.add_argument("--force", action="store_true", help="remplacer une base non vide")
    restore.set_defaults(func=_ops("backup", "cmd_restore"))
    purge = with_db(sub.add_parser("purge", help="effacer les données personnelles échues (RGPD)"))
    what = purge.add_mutually_exclusive_group(required=True)
    what.add_argument("--dry-run", action="store_true", help="compter seulement")
    what.add_argument("--apply", action="store_true", help="effacer")
    purge.add_argument("--retention-years", type=_years, default=3, metavar="ANS")
    purge.set_defaults(func=_ops("purge", "cmd_purge"))


def _scale_seed_arguments(seed: argparse.ArgumentParser) -> None:
    """`seed --scale` and its sizes (central/ops/scale_seed.py); `seed --demo` stays cmd_seed."""
    scale = _ops("scale_seed", "cmd_seed_scale")
    seed.set_defaults(func=lambda args: scale(args) if args.scale else cmd_seed(args))
    seed.add_argument("--scale", action="store_true", help="un jeu à la taille de la région")
    for name, default in (
        ("cards", 350_000),
        ("partners", 1_500),
        ("terminals", 3_000),
        ("transactions", 10_000_000),
        ("days", 730),
        ("random-seed", 2026),
    ):
        seed.add_argument(f"--{name}", type=_count, default=default, metavar="N")
    seed.add_argument("--force", action="store_true", help="remplacer une base non vide")


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise argparse.ArgumentTypeError("un nombre entier positif")
    return int(text)


def _years(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError("un nombre d'années entre 1 et 100")
    return int(text)


def _proxies_setting(text: str) -> str:
    from central.limits import trusted_proxies

    try:
        trusted_proxies(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"adresse ou réseau invalide : {exc}") from exc
    return text


def _clock_setting(text: str) -> str:
    from hdf_common.clock import ClockSettingError, parse_setting

    try:
        parse_setting(text)
    except ClockSettingError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "clock", None):
        from hdf_common import clock

        clock.set_clock(args.clock)
        os.environ[clock.ENV_VAR] = clock.setting() or ""  # uvicorn's workers read the same
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
