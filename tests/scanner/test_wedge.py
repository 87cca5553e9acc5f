"""Keyboard-wedge bursts told from typing, with key timings of scanners and of people."""

from __future__ import annotations

import itertools

import pytest

from pos.scan import ScanKind
from pos.scanner.wedge import BurstTracker, Typed, WedgeConfig, WedgeReader, WedgeScan

# Gaps in ms between consecutive keys. A USB scanner: 3-9 ms, one 25 ms hiccup (a busy bus).
SCANNER_GAPS = [0, 5, 4, 6, 5, 25, 4, 7, 5, 6, 4, 5, 9, 3]
# A person typing a card number: 90-260 ms; a fast typist's rolled pair can be 60 ms.
PERSON_GAPS = [0, 180, 140, 260, 90, 60, 210, 150]


def times(gaps: list[float], start: float = 1000.0) -> list[float]:
    return list(itertools.accumulate(gaps, initial=start))[1:]


def feed(
    reader: WedgeReader, text: str, gaps: list[float], start: float = 1000.0
) -> tuple[list, float]:
    """Feed keys then ticks every 20 ms for half a second, as the window's timer would."""
    events = []
    at = start
    for ch, at in zip(text, times(gaps, start), strict=False):
        events += reader.key(ch, at)
    end = at
    for t in range(1, 26):
        events += reader.tick(end + 20 * t)
    return events, end


def scans(events: list) -> list[WedgeScan]:
    return [e for e in events if isinstance(e, WedgeScan)]


def typed(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, Typed))


def test_scanner_burst_with_enter_is_one_card_scan() -> None:
    r2 = WedgeReader()
    evs = []
    for ch, at in zip("23166621\r", times(SCANNER_GAPS), strict=False):
        evs += r2.key(ch, at)
    [scan] = scans(evs)
    assert scan.scan.kind is ScanKind.CARD_NUMBER and scan.scan.card_number == "23166621"
    assert scan.terminator == "\r" and typed(evs) == "" and not r2.pending


def test_burst_without_terminator_ends_on_the_pause() -> None:
    r = WedgeReader()
    events, _ = feed(r, "202611220042", SCANNER_GAPS)
    [scan] = scans(events)
    assert scan.scan.kind is ScanKind.TICKET_NUMBER and scan.terminator is None
    assert typed(events) == ""


def test_enter_200_ms_late_still_belongs_to_the_burst() -> None:
    r = WedgeReader()
    evs = []
    ts = times(SCANNER_GAPS)
    for ch, at in zip("23166621", ts, strict=False):
        evs += r.key(ch, at)
    last = ts[7]
    for t in range(20, 200, 20):  # the window's timer runs meanwhile
        evs += r.tick(last + t)
    evs += r.key("\r", last + 200)
    [scan] = scans(evs)
    assert scan.text == "23166621"
    assert typed(evs) == ""  # the late Enter validated nothing on its own


def test_enter_after_the_pause_ended_the_burst_is_swallowed_too() -> None:
    # A reader configured to end bursts fast (80 ms): the scan is out before the late Enter.
    r = WedgeReader(WedgeConfig(end_pause_ms=80))
    evs = []
    ts = times(SCANNER_GAPS)
    for ch, at in zip("23166621", ts, strict=False):
        evs += r.key(ch, at)
    evs += r.tick(ts[7] + 100)
    assert len(scans(evs)) == 1
    evs += r.key("\r", ts[7] + 190)
    assert typed(evs) == ""
    # ...but an Enter a second later is the cashier's.
    assert r.key("\r", ts[7] + 1190) == [Typed("\r")]


def test_enter_too_late_is_the_cashiers_own() -> None:
    r = WedgeReader(WedgeConfig(end_pause_ms=1000))
    ts = times(SCANNER_GAPS)
    for ch, at in zip("23166621", ts, strict=False):
        r.key(ch, at)
    evs = r.key("\r", ts[7] + 450)
    assert scans(evs) == [] and typed(evs) == "23166621\r"


def test_a_person_typing_is_given_back_as_typed_keys() -> None:
    r = WedgeReader()
    events, _ = feed(r, "23166621", PERSON_GAPS)
    assert scans(events) == []
    assert typed(events) == "23166621"
    assert not r.pending


def test_person_keys_come_back_quickly() -> None:
    r = WedgeReader()
    assert r.key("4", 1000.0) == []  # held: it could be a scanner's first key
    assert r.tick(1030.0) == []
    assert r.tick(1060.0) == [Typed("4")]  # after the 40 ms gap limit, it was a person


def test_short_fast_burst_is_not_a_scan() -> None:
    # Two keys rolled together by a person ("12" in 15 ms) is below the minimum length.
    r = WedgeReader()
    events, _ = feed(r, "12", [0, 15])
    assert scans(events) == [] and typed(events) == "12"


def test_person_enter_passes_through() -> None:
    r = WedgeReader()
    events, end = feed(r, "150", [0, 200, 180])
    assert r.key("\r", end + 400) == [Typed("\r")]
    assert typed(events) == "150"


def test_azerty_digit_row_becomes_digits() -> None:
    r = WedgeReader()
    evs = []
    for ch, at in zip("é&'((çé&\r", times(SCANNER_GAPS), strict=False):
        evs += r.key(ch, at)
    [scan] = scans(evs)
    assert scan.text == "21455921"
    assert scan.scan.kind is ScanKind.CARD_NUMBER and scan.scan.card_number == "21455921"


def test_token_keeps_its_dashes_and_underscores() -> None:
    # base64url uses "-" and "_", which are also AZERTY digit-row keys: a token stays untouched.
    token = "HDF1:eyJhbGciOiJFZERTQSJ9.eyJjYXJkIjoiMjMxNjY2MjEifQ.ab-_cd"
    r = WedgeReader()
    evs = []
    for i, ch in enumerate(token + "\r"):
        evs += r.key(ch, 1000.0 + 4 * i)
    [scan] = scans(evs)
    assert scan.text == token


def test_tab_terminator_and_shift_keys() -> None:
    r = WedgeReader()
    evs = []
    at = 1000.0
    for ch in "2316662":
        evs += r.key("", at)  # Shift pressed by the scanner: no text, ignored
        evs += r.key(ch, at + 2)
        at += 6
    evs += r.key("1", at)
    evs += r.key("\t", at + 5)
    [scan] = scans(evs)
    assert scan.text == "23166621" and scan.terminator == "\t"


def test_held_key_auto_repeat_is_typing() -> None:
    r = WedgeReader()
    evs = r.key("a", 1000.0)
    for i in range(1, 12):
        evs += r.key("a", 1000.0 + 500 + 33 * i, auto_repeat=True)
    evs += r.tick(2000.0)
    assert scans(evs) == [] and typed(evs) == "a" * 12


def test_two_scans_back_to_back() -> None:
    r = WedgeReader()
    evs = []
    at = 1000.0
    for text in ("23166621\r", "202611220042\r"):
        for ch in text:
            evs += r.key(ch, at)
            at += 5
        at += 700  # the cashier presents the next card
    assert [s.text for s in scans(evs)] == ["23166621", "202611220042"]


@pytest.mark.parametrize("gap", [50.0, 70.0])
def test_gap_threshold_is_configurable(gap: float) -> None:
    slow_scanner = [0] + [gap - 5] * 7  # a Bluetooth scanner a little slower than USB
    assert scans(feed(WedgeReader(), "23166621", slow_scanner)[0]) == []
    config = WedgeConfig(max_gap_ms=gap, end_pause_ms=gap + 100)
    [scan] = scans(feed(WedgeReader(config), "23166621", slow_scanner)[0])
    assert scan.text == "23166621"


def test_burst_tracker_for_a_filter_that_lets_keys_land() -> None:
    # The same rules through the verbs of the window's key filter (seconds).
    tracker = BurstTracker()
    for ch, at in zip("é&'((çé&", times(SCANNER_GAPS, 10_000.0), strict=False):
        tracker.key(ch, at / 1000.0)
    last = times(SCANNER_GAPS, 10_000.0)[7] / 1000.0
    assert tracker.enter(last + 0.2) == "21455921"  # AZERTY digit row, Enter 200 ms late
    for ch, at in zip("23166621", times(PERSON_GAPS, 20_000.0), strict=False):
        assert tracker.idle_since_last(at / 1000.0)  # every key of a person starts afresh
        tracker.key(ch, at / 1000.0)
    assert tracker.enter(times(PERSON_GAPS, 20_000.0)[7] / 1000.0 + 0.1) is None
    for ch, at in zip("23166621", times(SCANNER_GAPS, 30_000.0), strict=False):
        tracker.key(ch, at / 1000.0)
    assert tracker.enter(times(SCANNER_GAPS, 30_000.0)[7] / 1000.0 + 0.45) is None  # too late
