"""What every `hdf-pos` command shares: exit codes, the French error, output, dates, opening the
terminal."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from pos.domain import PARIS, business_day
from pos.terminal import Terminal

EXIT_ONLINE = 0
EXIT_OTHER = 1
EXIT_REFUSED = 2
EXIT_QUEUED = 3


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


def out(text: str = "") -> None:
    print(text, flush=True)


def out_err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def local_time(at: datetime | None) -> str:
    return at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S") if at else "—"


def parse_date(text: str | None) -> date:
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


def open_terminal(args: argparse.Namespace) -> Terminal:
    return Terminal.open(Path(args.data_dir) if args.data_dir else None)
