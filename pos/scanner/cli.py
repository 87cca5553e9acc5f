"""The scanner's sub-commands of `hdf-pos`: `decode FILE…` and `scan [--camera N | --source PATH]`.

`pos/cli.py` calls `register(subparsers)`; `python -m pos.scanner.cli …` runs them on their own.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any, TextIO

from hdf_common import clock
from pos.scanner.chain import DecoderChain
from pos.scanner.codes import Code
from pos.scanner.decoders import DecoderUnavailable
from pos.scanner.live import LiveScanner, Seen
from pos.scanner.sources import (
    FrameSource,
    SourceError,
    enumerate_cameras,
    open_source,
    read_image,
    read_video,
)

EXIT_OK = 0
EXIT_NO_CODE = 1  # decode: a file without any code
EXIT_UNREADABLE = 2  # decode: a file that is no image nor video; scan: source unavailable


def register(subparsers: Any) -> None:
    """Add `decode` and `scan` to the `hdf-pos` sub-commands."""
    p = subparsers.add_parser(
        "decode",
        help="lit les codes (QR, Code 128, EAN-13) d'images ou de vidéos",
        description=(
            "Lit les codes de chaque fichier (image ou vidéo), chacun pour lui-même. Sortie : "
            "0 si chaque fichier a au moins un code, 1 si un fichier n'en a aucun, "
            "2 si un fichier est illisible."
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="une ligne JSON par fichier")
    p.set_defaults(func=cmd_decode)

    s = subparsers.add_parser(
        "scan",
        help="lit les codes présentés à une caméra (ou une vidéo) et les affiche",
        description="Affiche chaque code lu, analysé, une fois (pas de répétition sous 2 s).",
    )
    where = s.add_mutually_exclusive_group()
    where.add_argument("--camera", type=int, metavar="N", help="n° de caméra (défaut : 0)")
    where.add_argument(
        "--source", metavar="PATH", help="vidéo, dossier d'images ou URL de caméra IP"
    )
    where.add_argument("--list-cameras", action="store_true", help="liste les caméras")
    s.add_argument("--width", type=int, default=1280)
    s.add_argument("--height", type=int, default=720)
    s.add_argument("--fps", type=float, default=30.0)
    s.add_argument("--interval-ms", type=float, default=100.0, help="au plus un décodage par …")
    s.add_argument("--loop", action="store_true", help="rejoue la vidéo en boucle")
    s.add_argument("--once", action="store_true", help="s'arrête après le premier code")
    s.add_argument("--json", action="store_true", help="une ligne JSON par code")
    s.set_defaults(func=cmd_scan)


# --- decode ---------------------------------------------------------------------------------


def decode_file(chain: DecoderChain, path: str) -> dict[str, Any]:
    """One file on its own: its codes in its own pixel coordinates, and the time it took."""
    image = read_image(path)
    codes: list[Code] = []
    started = time.perf_counter()
    if image is not None:
        codes = chain.decode(image)
    else:
        frames = 0
        for frame in read_video(path):
            frames += 1
            for code in chain.decode(frame):
                if all(code.text != seen.text for seen in codes):  # a video shows a code often
                    codes.append(code)
        if frames == 0:
            return {"file": path, "codes": [], "ms": 0.0, "error": "fichier illisible"}
    ms = (time.perf_counter() - started) * 1000.0
    return {"file": path, "codes": [c.as_json() for c in codes], "ms": round(ms, 1)}


def cmd_decode(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        chain = DecoderChain()
    except DecoderUnavailable as exc:
        print(exc, file=sys.stderr)
        return EXIT_UNREADABLE
    for name, reason in chain.missing.items():  # the others still read; say what is lost
        print(f"Attention : décodeur {name} indisponible ({reason}).", file=sys.stderr)
    status = EXIT_OK
    for path in args.files:
        result = decode_file(chain, path)
        if "error" in result:
            status = max(status, EXIT_UNREADABLE)
            print(f"{path} : {result['error']}", file=sys.stderr)
        elif not result["codes"]:
            status = max(status, EXIT_NO_CODE)
        if args.json:
            print(json.dumps(result, ensure_ascii=False), file=out, flush=True)
        elif "error" not in result:
            if not result["codes"]:
                print(f"{path} : aucun code ({result['ms']:.0f} ms)", file=out)
            for code in result["codes"]:
                print(f"{path} : [{code['format']}] {code['text']}", file=out)
    return status


# --- scan -----------------------------------------------------------------------------------


def _describe(seen: Seen) -> str:
    scan = seen.scan
    what = scan.card_number or scan.ticket_number or ""
    detail = f"{what} " if what else ""
    if not scan.is_valid:
        detail = f"({scan.reason}) "
    text = seen.code.text if len(seen.code.text) <= 60 else seen.code.text[:57] + "…"
    stamp = clock.now().astimezone().strftime("%H:%M:%S")
    return f"{stamp} [{seen.code.symbology.value}] {scan.kind.value} {detail}{text}"


def _as_json(seen: Seen) -> str:
    scan = seen.scan
    return json.dumps(
        {
            **seen.code.as_json(),
            "kind": scan.kind.value,
            "card_number": scan.card_number,
            "ticket_number": scan.ticket_number,
            "reason": scan.reason,
        },
        ensure_ascii=False,
    )


def cmd_scan(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.list_cameras:
        cameras = enumerate_cameras()
        if not cameras:
            print("Aucune caméra trouvée.", file=out)
        for cam in cameras:
            print(f"{cam.index}\t{cam.width}×{cam.height}\t{cam.fps:g} i/s", file=out)
        return EXIT_OK
    spec: str | int = args.source if args.source is not None else (args.camera or 0)
    options: dict[str, object] = {"width": args.width, "height": args.height, "fps": args.fps}
    if isinstance(spec, str) and not spec.isdigit():
        options["loop"] = args.loop
    try:
        source: FrameSource = open_source(spec, **options).start()
        scanner = LiveScanner(interval_ms=args.interval_ms)
    except (SourceError, DecoderUnavailable) as exc:
        print(exc, file=sys.stderr)
        return EXIT_UNREADABLE
    info = source.info
    granted = f"{info.granted[0]}×{info.granted[1]} à {info.granted[2]:g} i/s"
    asked = ""
    if info.requested:
        asked = f" (demandé {info.requested[0]}×{info.requested[1]} à {info.requested[2]:g})"
    print(f"{info.description} : {granted}{asked}", file=sys.stderr)
    stop = threading.Event()

    def on_seen(seen: Seen) -> None:
        print(_as_json(seen) if args.json else _describe(seen), file=out, flush=True)
        if args.once:
            stop.set()

    try:
        scanner.run(source, on_seen, stop)
    except KeyboardInterrupt:
        pass
    finally:
        source.stop()
    if source.error:
        print(source.error, file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pos.scanner.cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
