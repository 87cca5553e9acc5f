"""Generate the two counter sounds (success, refusal) as tiny WAV files in resources/sounds/."""

import math
import wave
from pathlib import Path

RATE = 16000
OUT = Path(__file__).resolve().parents[1] / "resources" / "sounds"


def tone(freq: float, ms: int, volume: float = 0.6) -> list[float]:
    n = RATE * ms // 1000
    fade = RATE // 200  # 5 ms fade in/out: no click
    return [
        volume * math.sin(2 * math.pi * freq * i / RATE) * min(1, i / fade, (n - i) / fade)
        for i in range(n)
    ]


def write(name: str, samples: list[float]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with wave.open(str(OUT / name), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(RATE)
        w.writeframes(bytes(int(128 + 127 * s) for s in samples))


if __name__ == "__main__":
    silence = [0.0] * (RATE // 50)
    write("success.wav", tone(880, 90) + silence + tone(1320, 140))
    write("refusal.wav", tone(220, 160, 0.8) + silence * 2 + tone(180, 260, 0.8))
