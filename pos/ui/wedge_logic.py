"""Adapter between the Qt key filter and the scanner's Qt-free keyboard-wedge logic.

The filter speaks three verbs: `key(char, t)`, `enter(t) -> text | None`, `idle_since_last(t)`.
"""

from __future__ import annotations

# A scanner types a key every few ms; a person every 100 ms or more.
MAX_GAP_S = 0.05
# The Enter that ends a burst may come late (a slow USB hub, a busy machine): still one scan.
MAX_ENTER_DELAY_S = 0.2
MIN_LENGTH = 8


class BurstLogic:
    """Keys closer than MAX_GAP_S form a burst; Enter within MAX_ENTER_DELAY_S closes a scan."""

    def __init__(self) -> None:
        self._chars: list[str] = []
        self._last = -1e9

    def idle_since_last(self, now: float) -> bool:
        return now - self._last > MAX_GAP_S

    def key(self, char: str, now: float) -> None:
        if self.idle_since_last(now):
            self._chars = []
        self._chars.append(char)
        self._last = now

    def enter(self, now: float) -> str | None:
        text = "".join(self._chars)
        self._chars = []
        if len(text) >= MIN_LENGTH and now - self._last <= MAX_ENTER_DELAY_S:
            return text
        return None


def make() -> BurstLogic:
    return BurstLogic()
