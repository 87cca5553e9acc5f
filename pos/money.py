"""Money for the terminal: integer cents, French amounts parsed with a reason and formatted back.

Cashiers type `12,50`, `12.50`, `12,50 €` or `1 234,00 €`; anything else is refused with a French
sentence saying why, so the screen and the command line can show it as is.
"""

from __future__ import annotations

import re

# Far above any wallet (a few hundred euros): a bigger figure is a typing slip, not a purchase.
MAX_AMOUNT_CENTS = 1_000_000
_SPACES = "\u0020\u00a0\u202f\u2009\t"
_GROUPED = re.compile(r"^\d{1,3}(?: \d{3})+$")

# Why an amount is refused, in French; `{typed}` and `{max}` are filled in. The windows translate
# the template (registered by `python -m pos.ui.i18n update`) before filling it.
AMOUNT_MESSAGES: dict[str, str] = {
    "missing": "Montant absent : saisissez un montant en euros, par exemple 12,50.",
    "negative": "Un montant négatif n'est pas accepté.",
    "separators": "Montant illisible : une seule virgule pour les centimes (ex. 1 234,50).",
    "grouping": "Montant illisible : milliers par groupes de 3 (ex. 1 234,50).",
    "not_a_number": "Montant illisible : « {typed} » n'est pas un nombre.",
    "incomplete": "Montant incomplet : des chiffres sont attendus après la virgule.",
    "decimals": "Pas plus de 2 chiffres après la virgule (centimes).",
    "too_high": "Montant trop élevé : au plus {max}.",
    "zero": "Le montant doit être supérieur à zéro.",
}


class AmountError(ValueError):
    """An amount the cashier typed that cannot be used; `reason` is a French sentence, built
    from `template` (one of AMOUNT_MESSAGES) and `params`."""

    def __init__(self, code: str, text: str = "", **params: str) -> None:
        self.code = code
        self.template = AMOUNT_MESSAGES[code]
        self.params = params
        self.reason = self.template.format(**params)
        super().__init__(self.reason)
        self.text = text


def parse_amount(text: object, *, max_cents: int = MAX_AMOUNT_CENTS) -> int:
    """Return the amount in cents or raise `AmountError` with the reason."""
    if not isinstance(text, str):
        raise AmountError("missing")
    raw = text.strip()
    for space in _SPACES:
        raw = raw.replace(space, " ")
    raw = raw.strip()
    if raw.endswith("€"):
        raw = raw[:-1].strip()
    elif raw.upper().endswith("EUR"):
        raw = raw[:-3].strip()
    if raw.startswith("€"):
        raw = raw[1:].strip()
    if not raw:
        raise AmountError("missing", text)
    if raw[0] in "-−":
        raise AmountError("negative", text)
    if raw[0] == "+":
        raw = raw[1:].strip()
    if raw.count(",") + raw.count(".") > 1:
        raise AmountError("separators", text)
    integer, sep, decimals = raw.replace(".", ",").partition(",")
    if " " in integer:
        if not _GROUPED.match(integer):
            raise AmountError("grouping", text)
        integer = integer.replace(" ", "")
    if sep and not integer:
        integer = "0"
    if not (integer.isascii() and integer.isdigit()):
        raise AmountError("not_a_number", text, typed=text.strip()[:20])
    if sep and not decimals:
        raise AmountError("incomplete", text)
    if decimals and not (decimals.isascii() and decimals.isdigit()):
        raise AmountError("not_a_number", text, typed=text.strip()[:20])
    if len(decimals) > 2:
        raise AmountError("decimals", text)
    if len(integer) > 9:
        raise AmountError("too_high", text, max=format_amount(max_cents))
    cents = int(integer) * 100 + int((decimals or "0").ljust(2, "0"))
    if cents == 0:
        raise AmountError("zero", text)
    if cents > max_cents:
        raise AmountError("too_high", text, max=format_amount(max_cents))
    return cents


def format_amount(cents: int, *, symbol: bool = True, nbsp: bool = False) -> str:
    """French display: `1 234,50 €` (`nbsp` uses non-breaking spaces, for labels that wrap)."""
    space = "\u00a0" if nbsp else " "
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    grouped = f"{euros:,}".replace(",", space)
    text = f"{sign}{grouped},{rest:02d}"
    return f"{text}{space}€" if symbol else text
