"""Cold start to the usable counter: process launch → counter window shown, laid out and painted.

Compares the built bundle (dist/hdf-pos/hdf-pos) with `uv run hdf-pos` (what a developer types)
and with the venv's own `hdf-pos` script (the same Python code without uv's start-up check).
Each is a terminal enrolled against a demo central service started here (from the source tree),
so the counter opens directly; the app says when it is usable (HDF_POS_READY=1, pos/ui/ready.py)
and quits. Runs alternate between the variants so machine load hits them alike; the figures are
medians. "Cold" is a new process each time; the files are in the page cache after the first run
(dropping the cache would slow every other user of this machine), so a shop PC's first start
after boot is slower than these figures.

    uv run python bench/cold_start.py [--runs 7] [--bundle dist/hdf-pos] [--platform offscreen|xcb]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pos.ui.demo import DemoCentral

ROOT = Path(__file__).resolve().parents[1]
READY_LINE = "hdf-pos: counter ready"


def environment(work: Path, platform: str, display: str | None) -> dict[str, str]:
    """A keyring in the work folder (a file backend keyring loads from its own configuration:
    the bundle and the source tree both read it) and the readiness signal."""
    config = work / "config"
    (config / "python_keyring").mkdir(parents=True, exist_ok=True)
    (work / "keyring").mkdir(exist_ok=True)
    shutil.copy(ROOT / "packaging" / "testdata" / "bundle_test_keyring.py", work / "keyring")
    (config / "python_keyring" / "keyringrc.cfg").write_text(
        "[backend]\ndefault-keyring=bundle_test_keyring.FileKeyring\n"
        f"keyring-path={work / 'keyring'}\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_KEYRING_BACKEND",)}
    env.update(
        XDG_CONFIG_HOME=str(config),
        HDF_POS_ALLOW_INSECURE_KEYRING="1",
        HDF_POS_READY="1",
        HDF_POS_READY_QUIT="1",
        QT_QPA_PLATFORM=platform,
    )
    if display:
        env["DISPLAY"] = display
    return env


def enroll(cmd: list[str], data: Path, url: str, env: dict[str, str]) -> None:
    subprocess.run(
        [
            *cmd,
            "--data-dir",
            str(data),
            "enroll",
            "--server",
            url,
            "--partner",
            "L212",
            "--label",
            f"Bench {data.name}",
            "--password-stdin",
        ],
        input="Demo-L212\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


def time_to_counter(cmd: list[str], data: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == READY_LINE:
            elapsed = time.perf_counter() - started
            break
    else:
        proc.wait()
        raise SystemExit(f"{cmd[0]}: exited {proc.returncode} before the counter was ready")
    proc.wait(60)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description="cold start to the usable counter")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "hdf-pos")
    parser.add_argument("--platform", choices=["offscreen", "xcb"], default="offscreen")
    args = parser.parse_args()
    exe = args.bundle / ("hdf-pos.exe" if sys.platform == "win32" else "hdf-pos")
    uv = shutil.which("uv")
    variants: dict[str, list[str]] = {}
    if exe.is_file():
        variants["bundle"] = [str(exe)]
    else:
        print(f"no bundle at {exe} (scripts/build-terminal.sh): measuring the source tree only")
    if uv:
        variants["uv run hdf-pos"] = [uv, "run", "--frozen", "--quiet", "hdf-pos"]
    venv_script = Path(sys.executable).parent / "hdf-pos"
    if venv_script.is_file():
        variants[".venv/bin/hdf-pos"] = [str(venv_script)]

    with tempfile.TemporaryDirectory(prefix="hdf-cold-start-") as tmp:
        work = Path(tmp)
        xvfb = None
        display = None
        if args.platform == "xcb":
            read, write = os.pipe()  # Xvfb picks a free display and writes its number here
            xvfb = subprocess.Popen(
                [
                    "Xvfb",
                    "-displayfd",
                    str(write),
                    "-screen",
                    "0",
                    "1280x800x24",
                    "-nolisten",
                    "tcp",
                ],
                pass_fds=(write,),
                stderr=subprocess.DEVNULL,
            )
            os.close(write)
            display = ":" + os.read(read, 16).decode().strip()
        central = DemoCentral.start(timeout=60)  # the demo data set, in its own temp folder
        url = central.url
        try:
            env = environment(work, args.platform, display)
            data = {}
            for i, (name, cmd) in enumerate(variants.items()):
                data[name] = work / f"terminal{i}"
                enroll(cmd, data[name], url, env)
            times: dict[str, list[float]] = {name: [] for name in variants}
            for _ in range(args.runs):
                for name, cmd in variants.items():
                    times[name].append(time_to_counter(cmd, data[name], env))
        finally:
            central.stop()
            if xvfb is not None:
                xvfb.terminate()
    print(f"cold start to the usable counter ({args.platform}, {args.runs} runs each, seconds)")
    for name, values in times.items():
        print(
            f"  {name:<20} median {statistics.median(values):.2f}  "
            f"min {min(values):.2f}  max {max(values):.2f}  first {values[0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
