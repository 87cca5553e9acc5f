"""Instants (UTC, RFC 3339) and business days (Europe/Paris): the two notions of time in the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

# The service reads the shared, settable clock (`hdf-central serve --clock`, HDF_CLOCK).
from hdf_common.clock import PARIS as PARIS
from hdf_common.clock import business_day as business_day
from hdf_common.clock import now as now
from hdf_common.clock import today as today


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Paris business day, as UTC instants (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)
    return start, end


def fmt_instant(instant: datetime | None) -> str | None:
    """RFC 3339 UTC with a Z; fractions of a second only when there are some (milliseconds)."""
    if instant is None:
        return None
    instant = instant.astimezone(UTC)
    if instant.microsecond:
        return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


# Instants the service computes with (a Paris day, an age window) stay inside datetime's range.
MIN_INSTANT = datetime(2, 1, 1, tzinfo=UTC)
MAX_INSTANT = datetime(9998, 12, 31, tzinfo=UTC)


def parse_instant(text: object) -> datetime:
    """Parse an RFC 3339 instant (untrusted input); anything else raises ValueError: not a
    string, no offset, or out of range (`9999-12-31T23:59:59-23:59` is past datetime's end in
    UTC)."""
    if not isinstance(text, str) or len(text) > 64:
        raise ValueError("not an RFC 3339 instant")
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("instant without a time zone offset")
    try:
        value = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("instant out of range") from exc
    if not MIN_INSTANT <= value <= MAX_INSTANT:
        raise ValueError("instant out of range")
    return value


def school_year(day: date) -> tuple[date, date]:
    """The school year (1 July → 30 June) containing `day`."""
    start_year = day.year if day.month >= 7 else day.year - 1
    return date(start_year, 7, 1), date(start_year + 1, 6, 30)
