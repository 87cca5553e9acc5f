"""From the light at the counter to a parsed scan: frame sources, decoders, wedge scanners.

Qt-free. The pieces, each importable on its own:
- `codes`: `Code` (text, `Symbology`, polygon in frame pixels).
- `decoders`: `decode(gray) -> list[Code]` for zxing-cpp, pyzbar, OpenCV's two QR detectors;
  `DecoderUnavailable` names a missing library.
- `chain`: `DecoderChain`, the measured sequence of passes (see bench/decode.py).
- `sources`: camera / video file / URL (`CaptureSource`), looping images (`ImageLoopSource`),
  `enumerate_cameras`; a reader thread keeps only the newest frame.
- `live`: `LiveScanner` (pacing, skip while busy, region of the last hit, 2 s de-duplication).
- `wedge`: keyboard-wedge bursts (`WedgeReader` holds keys back, `BurstTracker` for a filter
  that lets keys land), AZERTY digit row, handed to `pos.scan.parse_scan`.
- `cli`: `hdf-pos decode` and `hdf-pos scan`.
"""
