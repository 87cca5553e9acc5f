"""Tell a keyboard-wedge scanner's burst of keys from a person typing, and turn it into a `Scan`.

A scanner types a few milliseconds per key and ends with Enter, Tab or nothing; a person types a
key every 100 ms or more. The window feeds every key with its timestamp (`key`) and calls `tick`
from a timer; what comes back is either a scan, or keys a person typed that the window should
give back to the focused field. Plain Python: the window adapts Qt key events to it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from pos.scan import AZERTY_DIGITS, Scan, parse_scan

TERMINATORS = frozenset({"\r", "\n", "\t"})
_AZERTY_ROW = frozenset("&é\"'(-è_çà")


@dataclass(frozen=True)
class WedgeConfig:
    # The longest gap between two keys of one scanner burst. Scanners measured at 2-15 ms a key;
    # the fastest people rarely go under 60 ms between two keys.
    max_gap_ms: float = 40.0
    # Once the held keys are a burst (`min_length` keys within `max_gap_ms`), a gap up to this
    # long still continues it: a busy machine or a wireless scanner may hiccup in a long QR.
    burst_gap_ms: float = 100.0
    # Shorter bursts are people (or a key held down): a card number has 8 digits.
    min_length: int = 6
    # A burst without terminator ends after this pause.
    end_pause_ms: float = 150.0
    # Enter or Tab up to this long after the last character still belongs to the burst (some
    # scanners send the suffix late, and a late Enter must not validate a dialog on its own).
    late_terminator_ms: float = 200.0
    terminators: frozenset[str] = TERMINATORS
    # A QWERTY-programmed scanner on an AZERTY keyboard types "&é\"'(" for "12345".
    azerty_digits: bool = True


@dataclass(frozen=True)
class WedgeScan:
    """A scanner burst, and what parse_scan made of it."""

    text: str
    scan: Scan
    terminator: str | None  # the Enter/Tab that ended it (None: ended on a pause)


@dataclass(frozen=True)
class Typed:
    """Keys a person typed: give them back to the focused field, in order."""

    text: str


WedgeEvent = WedgeScan | Typed


def _azerty(text: str) -> str:
    # Only a string made entirely of digit-row keys is a mistyped number: "-" and "_" are also
    # base64url characters of a signed QR token, which must stay untouched.
    if text and set(text) <= _AZERTY_ROW | set("0123456789"):
        return text.translate(AZERTY_DIGITS)
    return text


def as_scanned(text: str) -> str:
    """What a burst of these keys is read as: digits when typed on the AZERTY digit row."""
    return _azerty(text)


@dataclass
class WedgeReader:
    config: WedgeConfig = field(default_factory=WedgeConfig)
    _keys: list[tuple[str, float]] = field(default_factory=list)
    _last_scan_at: float | None = None  # last key of the last burst, for a late terminator

    @property
    def pending(self) -> bool:
        """Keys held back while deciding (call `tick` until it is False)."""
        return bool(self._keys)

    def key(self, text: str, at_ms: float, *, auto_repeat: bool = False) -> list[WedgeEvent]:
        """One key press: its text ("" for Shift and the like, ignored) and when (ms).

        Keys held back (`pending`) all came within `max_gap_ms` of each other: a longer gap ends
        them, as a scan if there are enough of them, else as typed text.
        """
        if not text:
            return []
        events: list[WedgeEvent] = []
        cfg = self.config
        if auto_repeat:  # a key held down repeats as fast as a scanner types
            if self._keys:
                events.append(self._flush_typed())
            return [*events, Typed(text)]
        if text in cfg.terminators:
            if self._keys:
                last = self._keys[-1][1]
                if self._is_burst() and at_ms - last <= cfg.late_terminator_ms:
                    events.append(self._emit_scan(terminator=text))
                    return events
                events.append(self._flush_typed())
                events.append(Typed(text))
                return events
            if self._last_scan_at is not None and at_ms - self._last_scan_at <= (
                cfg.late_terminator_ms
            ):
                self._last_scan_at = None  # the late suffix of a burst already reported
                return []
            return [Typed(text)]
        gap_limit = cfg.burst_gap_ms if self._is_burst() else cfg.max_gap_ms
        if self._keys and at_ms - self._keys[-1][1] > gap_limit:
            events.append(self._end())
        self._last_scan_at = None
        self._keys.append((text, at_ms))
        return events

    def tick(self, now_ms: float) -> list[WedgeEvent]:
        """Call every ~20 ms: ends a burst on a pause and hands back a person's keys quickly."""
        if not self._keys:
            return []
        since = now_ms - self._keys[-1][1]
        if since <= self.config.max_gap_ms:
            return []
        if self._is_burst():
            if since < self.config.end_pause_ms:
                return []  # a terminator may still come
            return [self._emit_scan(terminator=None)]
        return [self._flush_typed()]

    def _end(self) -> WedgeEvent:
        """The held keys are over (a new key came after a pause)."""
        return self._emit_scan(terminator=None) if self._is_burst() else self._flush_typed()

    def _is_burst(self) -> bool:
        return len(self._keys) >= self.config.min_length

    def _emit_scan(self, *, terminator: str | None) -> WedgeScan:
        text = "".join(k for k, _ in self._keys)
        self._last_scan_at = None if terminator else self._keys[-1][1]
        self._reset()
        text = _azerty(text) if self.config.azerty_digits else text
        return WedgeScan(text, parse_scan(text), terminator)

    def _flush_typed(self) -> Typed:
        text = "".join(k for k, _ in self._keys)
        self._reset()
        return Typed(text)

    def _reset(self) -> None:
        self._keys = []


class BurstTracker:
    """The same rules for a key filter that never holds keys back (it lets them land in the
    field and takes a burst back out once Enter or Tab says it was a scan). Times in seconds.

    Verbs: `key(char, now)`, `enter(now) -> text | None`, `idle_since_last(now)`.
    """

    def __init__(self, config: WedgeConfig | None = None) -> None:
        self.config = config or WedgeConfig()
        self._chars: list[str] = []
        self._last = -1e9

    def idle_since_last(self, now: float) -> bool:
        """True when the next key would start a new burst (a scanner never pauses this long)."""
        return (now - self._last) * 1000.0 > self.config.max_gap_ms

    def key(self, char: str, now: float) -> None:
        if not char:
            return
        if self.idle_since_last(now):
            self._chars = []
        self._chars.append(char)
        self._last = now

    def enter(self, now: float) -> str | None:
        """The scanned text if the keys before this Enter were a burst, else None (the Enter is
        the cashier's); digits typed on the AZERTY digit row come back as digits."""
        text = "".join(self._chars)
        self._chars = []
        late_ms = (now - self._last) * 1000.0
        if len(text) >= self.config.min_length and late_ms <= self.config.late_terminator_ms:
            return _azerty(text) if self.config.azerty_digits else text
        return None


class KeyClock:
    """Key times from the key events' own timestamps, not from when the window handled them.

    A busy GUI thread handles keys late and in a heap: timed on arrival, a scanner's burst is
    split by the pause and a person's keys look as fast as a scanner's. The window system stamps
    each key when it is pressed (ms, its own origin): `key_time` returns that stamp and learns the
    offset to the local clock (the smallest lag seen over the last keys, as handling only ever
    adds delay); `now` is the local time in the stamps' clock, for `WedgeReader.tick`. A key
    without a stamp (0: synthesized events) is timed on arrival. Times in ms.
    """

    WINDOW = 32  # keys the offset is learnt over
    _JUMP_MS = 60_000.0  # a stamp clock that jumps this far (or goes back) is learnt afresh

    def __init__(self) -> None:
        self._lags: deque[float] = deque(maxlen=self.WINDOW)
        self._last_stamp: float | None = None

    @property
    def offset(self) -> float:
        """Local time minus stamp time (0 until a stamped key has been seen)."""
        return min(self._lags) if self._lags else 0.0

    def key_time(self, stamp: float, local_now: float) -> float:
        if stamp <= 0:
            return local_now - self.offset
        lag = local_now - stamp
        went_back = self._last_stamp is not None and stamp < self._last_stamp - 1000
        if went_back or (self._lags and abs(lag - self.offset) > self._JUMP_MS):
            self._lags.clear()
        self._lags.append(lag)
        self._last_stamp = stamp
        return stamp

    def now(self, local_now: float) -> float:
        return local_now - self.offset
