"""A sound on success and another on refusal, without blocking the counter.

PySide6-Essentials has no QtMultimedia, so the WAV is handed to the system's player (aplay,
paplay, pw-play, afplay, or winsound on Windows) in the background; with none, Qt's beep.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

from PySide6.QtWidgets import QApplication

from pos.ui import resources

_PLAYERS = ("pw-play", "paplay", "aplay", "afplay")


class Sounds:
    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.played: list[str] = []  # what was played, in order (tests read it)
        self._player = next((p for p in _PLAYERS if shutil.which(p)), None)

    def success(self) -> None:
        self._play("success")

    def refusal(self) -> None:
        self._play("refusal")

    def _play(self, name: str) -> None:
        self.played.append(name)
        if not self.enabled:
            return
        wav = str(resources.sound(name))
        if sys.platform == "win32":
            import winsound

            winsound.PlaySound(wav, winsound.SND_FILENAME | winsound.SND_ASYNC)
        elif self._player:
            player = self._player
            threading.Thread(
                target=subprocess.run,
                args=([player, wav],),
                kwargs={"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL},
                daemon=True,
            ).start()
        else:
            QApplication.beep()
