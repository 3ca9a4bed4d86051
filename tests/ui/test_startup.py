"""`main.py --demo` as a real process: the window comes up on the demo data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_window_comes_up(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QTWEBENGINE_DISABLE_SANDBOX": "1",
        "STADTTEIL_ATLAS_STARTUP_PROBE": "1",
        "HOME": str(tmp_path),  # settings and caches of this run stay in the temp folder
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "STARTUP_PROBE shown=True" in result.stdout
    assert "frozen=True" in result.stdout  # the start-up objects are out of the GC's full passes
