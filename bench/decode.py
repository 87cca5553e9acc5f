"""Measure every decoder and the chain on the labelled photo set: codes read and time per image.

Usage: `uv run python bench/decode.py [DIR] [--sizes full,720p] [--decoders a,b] [--json OUT]`.
DIR defaults to shared/data/qr-photos in a parent folder of the repository (the photos are
never committed).
Scoring is the photo README's: a labelled code counts as read when a decoder returns a non-empty
text whose polygon centre lies inside the labelled quadrilateral, or the labelled centre inside the
decoder's polygon. Single-threaded (cv2.setNumThreads(1)), timed per image with perf_counter.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pos.scanner.chain import DecoderChain  # noqa: E402
from pos.scanner.codes import Code, point_in_polygon  # noqa: E402
from pos.scanner.decoders import (  # noqa: E402
    DECODER_NAMES,
    Decoder,
    DecoderUnavailable,
    make_decoder,
)
from pos.scanner.live import LiveScanner  # noqa: E402


def default_dir() -> Path:
    """The photo folder beside the repository (`../shared/data/qr-photos`), searched upwards."""
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data" / "qr-photos"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data" / "qr-photos"


FIT_720P = (1280, 720)


class LiveFrame:
    """What live scanning spends on one frame: the first pass plus one fallback in turn (no
    region of interest: the photos are unrelated)."""

    name = "live"

    def __init__(self) -> None:
        self.scanner = LiveScanner(interval_ms=0)

    def decode(self, gray: np.ndarray) -> list[Code]:
        self.scanner._roi = None
        return self.scanner.decode(gray)


def fit_scale(width: int, height: int, box: tuple[int, int]) -> float:
    """Scale that makes the image fit the box (never enlarges), like a 720p camera frame."""
    return min(1.0, box[0] / width, box[1] / height)


def is_read(label: list[list[float]], codes: list[Code]) -> bool:
    lc = (sum(p[0] for p in label) / 4.0, sum(p[1] for p in label) / 4.0)
    return any(
        c.text and (point_in_polygon(c.centre, label) or point_in_polygon(lc, c.polygon))
        for c in codes
    )


def pct(hit: int, total: int) -> str:
    return f"{100.0 * hit / total:5.1f}%" if total else "   - "


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95)) if values else 0.0


def run(folder: Path, sizes: list[str], names: list[str], out: Path | None, limit: int) -> None:
    entries = json.loads((folder / "labels.json").read_text())
    if limit:
        entries = entries[:limit]
    decoders: dict[str, Decoder] = {}
    for name in names:
        try:
            if name == "chain":
                decoders[name] = DecoderChain()
            elif name == "live":
                decoders[name] = LiveFrame()
            else:
                decoders[name] = make_decoder(name)
        except DecoderUnavailable as exc:
            print(f"skipped: {exc}")
    dump: dict[str, object] = {}
    for size in sizes:
        # per decoder, per image: list of read flags per code, and ms
        reads: dict[str, list[list[bool]]] = defaultdict(list)
        times: dict[str, list[float]] = defaultdict(list)
        cats: list[str] = []
        for entry in entries:
            img = cv2.imread(str(folder / entry["image"]), cv2.IMREAD_GRAYSCALE)
            labels = entry["codes"]
            if size == "720p":
                s = fit_scale(img.shape[1], img.shape[0], FIT_720P)
                if s < 1.0:
                    img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
                    labels = [[[x * s, y * s] for x, y in q] for q in labels]
            cats.append(entry["category"])
            for name, dec in decoders.items():
                t0 = time.perf_counter()
                codes = dec.decode(img)
                times[name].append((time.perf_counter() - t0) * 1000.0)
                reads[name].append([is_read(q, codes) for q in labels])
        print_table(size, cats, reads, times, [n for n in names if n in decoders])
        dump[size] = {"images": [e["image"] for e in entries], "reads": reads, "times": times}
    if out:
        out.write_text(json.dumps(dump))


def print_table(
    size: str,
    cats: list[str],
    reads: dict[str, list[list[bool]]],
    times: dict[str, list[float]],
    names: list[str],
) -> None:
    singles = [n for n in names if n in DECODER_NAMES]
    n_img = len(cats)
    union = [
        [any(reads[n][i][k] for n in singles) for k in range(len(reads[names[0]][i]))]
        for i in range(n_img)
    ]
    cols = [*names, "union"] if len(singles) > 1 else names
    title = "as stored (<=1920 px)" if size == "full" else "scaled to fit 1280x720"
    print(f"\n## {title}: codes read, median / p95 ms per image (one thread)\n")
    print("| category | codes | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 2) + "|")
    for cat in [*sorted(set(cats)), "ALL"]:
        idx = [i for i in range(n_img) if cat in ("ALL", cats[i])]
        total = sum(len(reads[names[0]][i]) for i in idx)
        cells = []
        for n in cols:
            src = union if n == "union" else reads[n]
            hit = sum(sum(src[i]) for i in idx)
            if n == "union":
                cells.append(pct(hit, total))
            else:
                ms = [times[n][i] for i in idx]
                cells.append(f"{pct(hit, total)} {statistics.median(ms):.1f}/{p95(ms):.0f}")
        name = f"**{cat}**" if cat == "ALL" else cat
        print(f"| {name} | {total} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", type=Path, default=None)
    ap.add_argument("--sizes", default="720p,full", help="comma list of 720p, full")
    ap.add_argument("--decoders", default=",".join([*DECODER_NAMES, "chain", "live"]))
    ap.add_argument("--json", type=Path, help="write the per-image results there")
    ap.add_argument("--limit", type=int, default=0, help="only the first N images")
    args = ap.parse_args(argv)
    if args.dir is None:
        args.dir = default_dir()
    if not (args.dir / "labels.json").is_file():
        print(f"no photo set at {args.dir} (labels.json absent): nothing to measure")
        return 0
    cv2.setNumThreads(1)
    run(args.dir, args.sizes.split(","), args.decoders.split(","), args.json, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
