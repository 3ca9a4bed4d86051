"""Start-up: process start to a shown, usable main window (offscreen).

Prints cold and warm figures for the demo database and for a synthetic database of
10,000 institutions, 20,000 offers and 50,000 contacts (benchmarks/synth.py), plus the
peak memory of the process. "Cold" drops the OS page cache first when that is allowed
(root on a normal machine); otherwise it says so and the first run is only
"first in this benchmark".

    python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def start_once(args: list[str], home: Path) -> tuple[float, float]:
    """(wall seconds to the probe line, seconds the app measured from main.py's start)."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QTWEBENGINE_DISABLE_SANDBOX": "1",
        "STADTTEIL_ATLAS_STARTUP_PROBE": "1",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
    }
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = None
    for out in proc.stdout:  # the moment the window reports itself shown, not the exit
        if out.startswith("STARTUP_PROBE"):
            line = out
            break
    wall = time.perf_counter() - t0
    proc.wait(timeout=300)
    if proc.returncode != 0 or line is None or "shown=True" not in line:
        raise SystemExit(f"start failed: {proc.returncode}")
    inner = float(line.split("seconds=")[1])
    return wall, inner


def measure(label: str, args: list[str], runs: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="atlas-bench-home-"))
    cold_ok = drop_caches()
    cold_wall, cold_inner = start_once(args, home)
    warm = [start_once(args, home) for _ in range(runs)]
    walls = [w for w, _ in warm]
    inners = [i for _, i in warm]
    kind = "cold (page cache dropped)" if cold_ok else "first (page cache NOT dropped: not permitted)"
    print(f"{label}")
    print(f"  {kind}: {cold_wall:.3f} s wall, {cold_inner:.3f} s from main.py start")
    print(
        f"  warm, {runs} runs: median {statistics.median(walls):.3f} s wall "
        f"(min {min(walls):.3f}, max {max(walls):.3f}); "
        f"median {statistics.median(inners):.3f} s from main.py start"
    )
    shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    measure("demo database (--demo)", ["--demo"], args.runs)
    sys.path.insert(0, str(ROOT))
    from benchmarks.synth import build_synthetic

    OUT.mkdir(parents=True, exist_ok=True)
    big = OUT / "synthetic-10k.sqlite"
    if not big.exists():
        t = time.perf_counter()
        build_synthetic(big)
        print(f"(built {big.name} in {time.perf_counter() - t:.1f} s)")
    work = Path(tempfile.mkdtemp()) / "big.sqlite"
    shutil.copyfile(big, work)
    measure("10,000 institutions / 20,000 offers / 50,000 contacts (--db)", ["--db", str(work)], args.runs)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of a started program: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
