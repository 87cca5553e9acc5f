"""The one clock the terminal and the central service read: the real one, or one set to an instant.

Everything that needs the current date or time (operations' instants, business days, token
checks, the demo's validity windows, the Date header, the status line) asks `now()` or
`timestamp()` here, never `datetime.now()` or `time.time()`; durations keep `time.monotonic()`.

A set clock reads `instant` at the real epoch `anchor`, then ticks in real time:

    set_clock("2026-12-31T23:30:00+01:00")    # in this process, from now on
    reset_clock()                             # the real clock again

A process started by another one takes the setting from the environment, read at import:

    HDF_CLOCK=2026-12-31T23:30:00+01:00                      # as read when this process started
    HDF_CLOCK=2026-12-31T23:30:00+01:00@1798756200.123456    # as read at that real Unix epoch

`setting()` gives the anchored form, so a parent and its children agree to the millisecond
(`hdf-central serve --clock INSTANT` sets it for its workers).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

ENV_VAR = "HDF_CLOCK"
PARIS = ZoneInfo("Europe/Paris")


class ClockSettingError(ValueError):
    """A clock setting that is not an RFC 3339 instant with an offset (and an optional @epoch)."""


_instant: datetime | None = None  # what the set clock read at `_anchor` (None: the real clock)
_anchor = 0.0  # the real Unix epoch at which it read `_instant`
_offset_s = 0.0  # the set clock's reading minus the real one, in seconds


def timestamp() -> float:
    """Seconds since the Unix epoch, by this clock (what `time.time()` would say)."""
    return time.time() + _offset_s


def now() -> datetime:
    """The current instant by this clock, an aware UTC datetime."""
    return datetime.fromtimestamp(timestamp(), UTC)


def business_day(at: datetime | None = None) -> date:
    """The business day (the Europe/Paris calendar day) of `at`, by default of now.

    An instant without a time zone is taken as UTC.
    """
    at = now() if at is None else at
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(PARIS).date()


def today() -> date:
    """Today's business day (Europe/Paris) by this clock."""
    return business_day(now())


def parse_setting(text: str) -> tuple[datetime, float | None]:
    """`INSTANT[@EPOCH]` → (aware instant, real epoch or None). Raises ClockSettingError."""
    instant_text, sep, anchor_text = text.strip().partition("@")
    try:
        instant = datetime.fromisoformat(instant_text.strip().replace("Z", "+00:00"))
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise ClockSettingError(
            f"réglage d'horloge non valable : « {text} » (attendu un instant RFC 3339 avec son "
            "décalage, par exemple 2026-12-31T23:30:00+01:00, suivi s'il le faut de @EPOCH)"
        )
    if not sep:
        return instant, None
    try:
        anchor = float(anchor_text)
    except ValueError:
        anchor = float("nan")
    if anchor != anchor or anchor <= 0:  # NaN or not an epoch
        raise ClockSettingError(
            f"réglage d'horloge non valable : « {text} » (après @, l'instant réel en secondes "
            "depuis l'époque Unix, par exemple @1798756200.5)"
        )
    return instant, anchor


def set_clock(instant: datetime | str, *, anchor: float | None = None) -> None:
    """From now on, this process's clock reads `instant` at the real epoch `anchor` (by default
    now) and ticks in real time. A string is a setting as in HDF_CLOCK."""
    global _instant, _anchor, _offset_s
    if isinstance(instant, str):
        instant, parsed_anchor = parse_setting(instant)
        anchor = parsed_anchor if anchor is None else anchor
    if instant.tzinfo is None:
        raise ClockSettingError(f"instant sans fuseau horaire : {instant.isoformat()}")
    _anchor = round(time.time() if anchor is None else anchor, 6)  # as setting() writes it
    _instant = instant
    _offset_s = instant.timestamp() - _anchor


def reset_clock() -> None:
    """The real clock again."""
    global _instant, _anchor, _offset_s
    _instant, _anchor, _offset_s = None, 0.0, 0.0


def is_set() -> bool:
    return _instant is not None


def setting() -> str | None:
    """The anchored setting for HDF_CLOCK that makes a child agree with this process, or None
    when this process reads the real clock."""
    if _instant is None:
        return None
    return f"{_instant.isoformat()}@{_anchor:.6f}"


def _from_environment() -> None:
    text = os.environ.get(ENV_VAR, "").strip()
    if text:
        set_clock(text)


_from_environment()
