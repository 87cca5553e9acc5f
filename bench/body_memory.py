"""Resident memory of the central service under oversized bodies (issue 13, finding 3).

    uv run python bench/body_memory.py [--clients 10] [--mb 30]

Starts a demo central service (SQLite), has N clients POST an unauthenticated body of M MB each
to `/v1/terminals` at once (half with a Content-Length, half chunked), and prints the answers and
the service's resident memory before and after, and its peak (VmRSS / VmHWM from /proc, Linux).
Run it from another checkout to measure that version (`python -m central` starts from the
current folder).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from enrol_memory import memory_mb  # noqa: E402  (bench/ is on the path of a bench script)
from support.central_server import start_central  # noqa: E402

MB = 1024 * 1024


def parts(total: int) -> Iterator[bytes]:
    piece = b"[" * (256 * 1024)
    for _ in range(total // len(piece)):
        yield piece


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--mb", type=int, default=30)
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        print("needs Linux /proc: nothing measured")
        return 0
    size = args.mb * MB
    with tempfile.TemporaryDirectory() as tmp, start_central(data_dir=Path(tmp)) as central:
        assert central.pid is not None
        before = memory_mb(central.pid)

        def send(i: int) -> str:
            url = central.url + "/v1/terminals"
            try:
                if i % 2:
                    resp = requests.post(url, data=b"[" * size, timeout=300)
                else:
                    resp = requests.post(url, data=parts(size), timeout=300)
            except requests.RequestException as exc:
                return type(exc).__name__
            return f"{resp.status_code} {resp.json().get('code')}"

        with cf.ThreadPoolExecutor(args.clients) as pool:
            answers = Counter(pool.map(send, range(args.clients)))
        after = memory_mb(central.pid)
    print(
        f"{args.clients} × {args.mb} MB bodies at once: answers {dict(answers)}; resident "
        f"{before['VmRSS']:.0f} MB before, {after['VmRSS']:.0f} MB after, "
        f"peak {after['VmHWM']:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
