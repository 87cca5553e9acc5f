"""Resident memory of the central service after a burst of enrolments (argon2id, 19 MiB a hash).

    uv run python bench/enrol_memory.py [--terminals 50]

Starts a demo central service (SQLite), has N terminals enrol at once (as a shop opening with many
tills, or someone hammering the login), and prints the service's resident memory before and after
and its peak (VmRSS / VmHWM from /proc, Linux). The service bounds concurrent hashes to the number
of cores and keeps glibc from holding each freed hash in a thread's arena.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.central_server import start_central  # noqa: E402


def memory_mb(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=50)
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        print("needs Linux /proc: nothing measured")
        return 0
    with tempfile.TemporaryDirectory() as tmp, start_central(data_dir=Path(tmp)) as central:
        assert central.pid is not None
        before = memory_mb(central.pid)

        def enrol(i: int) -> int:
            body = {"partner_code": "E305", "password": "Demo-E305", "label": f"till {i}"}
            return requests.post(central.url + "/v1/terminals", json=body, timeout=120).status_code

        with cf.ThreadPoolExecutor(args.terminals) as pool:
            statuses = list(pool.map(enrol, range(args.terminals)))
        after = memory_mb(central.pid)
    ok = statuses.count(201)
    print(
        f"{args.terminals} enrolments at once ({ok} enrolled): resident {before['VmRSS']:.0f} MB "
        f"before, {after['VmRSS']:.0f} MB after, peak {after['VmHWM']:.0f} MB"
    )
    return 0 if ok == args.terminals else 1


if __name__ == "__main__":
    raise SystemExit(main())
