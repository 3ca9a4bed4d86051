"""How long the GUI thread stalls, and how fast a typed search shows its answer.

A 10 ms heartbeat QTimer runs on the GUI thread of the real main window (1366×768, on
a virtual X screen when Xvfb is installed, else offscreen: see ``_screen``) on the
synthetic database of bench_search.py (10,000 institutions, 20,000 offers, 50,000
contacts). The longest gap between two beats, less 10 ms, is the longest
stall: the time the window could not paint or take a key. Measured while

- typing words letter by letter into the contacts search (a key every 150 ms, as a
  person types; the last word selected, so the first letter replaces it), with the list
  shown;
- switching sections (institutions → offers → contacts → actors → institutions);
- setting and clearing a filter of the contacts list (consent) and of the institutions
  list (quarter; the map pane follows).

- saving a contact in its form (the list and the other sections refresh after it).

Per keystroke: the latency from the key to the list *showing* the ids of that text or a
later one: the section says which text its new list answers (``listed``), and the time
counted is the end of the list's next paint after that (a debounce, where the code has
one, is included). Switching sections opens each for the first time: its stall is the
section-open stall.

    python benchmarks/bench_stall.py [--code DIR] [--rebuild] [--cadence MS]

``--code DIR`` runs another checkout's program (e.g. an export of main) on the same
database, for a before/after in one sitting.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _screen() -> None:
    """A window system for the window: a virtual X screen (Xvfb) when there is one and no
    display is set, else Qt's offscreen platform. Offscreen, Qt repaints the whole window
    when a dialog opens over it (measured: the list's 336 ``data()`` calls while a worker
    computes), which an X server does not: a progress dialog appearing cost 100-350 ms
    there and 0 here. ``BENCH_SCREEN=offscreen`` keeps the offscreen platform. The X
    server is started once; the runs of ``--runs`` (child processes) inherit DISPLAY."""
    import atexit
    import shutil

    if "QT_QPA_PLATFORM" in os.environ:
        return
    xvfb = shutil.which("Xvfb")
    if os.environ.get("BENCH_SCREEN") == "offscreen" or (xvfb is None and not os.environ.get("DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    if not os.environ.get("DISPLAY") and xvfb is not None:
        read, write = os.pipe()  # Xvfb writes its display number here once it listens
        server = subprocess.Popen(
            [xvfb, "-displayfd", str(write), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as answer:
            number = answer.readline().strip()
        atexit.register(server.terminate)
        os.environ["DISPLAY"] = f":{number}"
    os.environ["QT_QPA_PLATFORM"] = "xcb"


_screen()
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def _code_root(argv: list[str]) -> Path:
    if "--code" in argv:
        return Path(argv[argv.index("--code") + 1]).resolve()
    return HERE.parent


ROOT = _code_root(sys.argv)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from PySide6 import QtWebEngineWidgets  # noqa: E402,F401
from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QKeyEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = HERE / "out"
DB = OUT / "synth-10k.sqlite"
WORDS = ["brinkmann", "öztürk", "schmidt", "strasse", "46049", "anna"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Heartbeat:
    """Beats every 10 ms on the GUI thread; ``worst()`` is the longest gap less 10 ms."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)
        self.gaps: list[float] = []
        self._last = 0.0

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000 - 10)
        self._last = now

    def start(self) -> None:
        self.gaps = []
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._beat()

    def worst(self) -> float:
        return max(self.gaps, default=0.0)

    def over(self, ms: float) -> int:
        return sum(1 for g in self.gaps if g > ms)


class Painted(QObject):
    """Notes when a widget's paint ended (a zero timer started in its Paint event fires
    after the paint is done)."""

    def __init__(self) -> None:
        super().__init__()
        self.ends: list[float] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, lambda: self.ends.append(time.perf_counter()))
        return False


def run_steps(
    steps: list[tuple[float, Callable[[], None]]], settle: Callable[[], bool], limit_s: float = 120
) -> None:
    """Run each step at its time (ms from now) from the event loop, then until ``settle()``."""
    loop = QEventLoop()
    start = time.perf_counter()
    timers: list[QTimer] = []
    for at, step in steps:
        # precise: a coarse timer fires up to 5 % early, and a key pressed 40 ms before the
        # time it is counted from took the answer to the next key for its own
        timer = QTimer()
        timer.setSingleShot(True)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(step)
        timer.start(int(at))
        timers.append(timer)
    end = steps[-1][0] if steps else 0

    def check() -> None:
        elapsed = (time.perf_counter() - start) * 1000
        if (elapsed > end + 50 and settle()) or elapsed > limit_s * 1000:
            loop.quit()
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(int(end) + 50, check)
    loop.exec()


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--code", help="the checkout whose program is measured (default: this one)")
    parser.add_argument("--rebuild", action="store_true", help="build the synthetic database again")
    parser.add_argument("--cadence", type=int, default=150, help="ms between two keys")
    args = parser.parse_args(argv)

    from atlas.core import Atlas
    from atlas.records.schema import FilterKind
    from db.engine import make_sessions
    from db.migrate import open_database
    from ui.main_window import MainWindow

    if args.rebuild or not DB.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "synth.py"), str(DB)], check=True)

    app = QApplication.instance() or QApplication([])
    result = open_database(DB, full_check=False)
    atlas = Atlas(make_sessions(result.engine))
    settings_dir = tempfile.mkdtemp(prefix="bench-stall-")
    settings = QSettings(str(Path(settings_dir) / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("geocoder/url", "http://127.0.0.1:9")
    settings.setValue("map/base", "none")
    try:
        from ui.workers import Workers
    except ImportError:  # an older checkout (--code): its window builds its own runners
        window = MainWindow(atlas, DB.name, settings)
    else:  # this program's wiring place: the one worker layer, as ui.app builds it
        window = MainWindow(atlas, DB.name, settings, workers=Workers(app))
    window.resize(1366, 768)
    window.show()
    if "gc.freeze()" in (ROOT / "ui" / "app.py").read_text(encoding="utf-8"):
        gc.freeze()  # as that code's ui.app.run_gui does once the window is shown
    wait(1500)  # the window and its map pane settle
    beat = Heartbeat()
    import ui.section

    print(f"code: {Path(ui.section.__file__).parent.parent}")
    print(f"database: {atlas.institutions.count()} institutions, {atlas.contacts.count()} contacts")

    # -- switching sections --------------------------------------------------------------
    switches: list[tuple[str, float]] = []
    for index in (1, 2, 3, 0, 2):
        beat.start()
        window.show_section(index)
        wait(800)
        beat.stop()
        label = window.nav.item(index).text()
        switches.append((label, beat.worst()))

    # -- typing into the contacts search -------------------------------------------------------
    window.show_section(2)
    wait(500)
    section = window.section("contact")
    applied: list[tuple[float, str]] = []

    def on_reset() -> None:
        applied.append((time.perf_counter(), section.search.text()))

    listed = getattr(section, "listed", None)
    if listed is not None:  # the query's own text (the box may already say more)
        listed.connect(lambda text: applied.append((time.perf_counter(), text)))
    else:  # the list was queried on the GUI thread: the box says what was queried
        section.model.modelReset.connect(on_reset)

    keys: list[tuple[float, str]] = []
    painted = Painted()
    section.table.viewport().installEventFilter(painted)
    if os.environ.get("BENCH_DEBUG"):
        import threading

        real = section.service.list_ids

        def logged(text: str = "", *a: object, **k: object) -> list[int]:
            t0 = time.perf_counter()
            out = real(text, *a, **k)  # type: ignore[arg-type]
            print(
                f"  list_ids({text!r}) {len(out)} in {(time.perf_counter() - t0) * 1000:.0f} ms on {threading.current_thread().name}"
            )
            return out

        section.service.list_ids = logged  # type: ignore[method-assign]
        for name in ("_apply", "refresh", "_list_changed"):
            owner = window if name == "_list_changed" else section
            original = getattr(owner, name, None)
            if original is None:
                continue

            def timed(*a: object, _f: Callable[..., None] = original, _n: str = name, **k: object) -> None:
                t0 = time.perf_counter()
                _f(*a, **k)
                print(f"  {_n} {(time.perf_counter() - t0) * 1000:.0f} ms")

            setattr(owner, name, timed)

    def press(ch: str, due: float) -> Callable[[], None]:
        def go() -> None:
            widget = section.search
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
            # timed from when the person pressed it, not from when a busy window took it
            keys.append((start + due / 1000, widget.text()))

        return go

    all_latencies: list[float] = []
    typing_stalls: list[float] = []
    over_50 = 0
    beats = 0
    section.search.setFocus()
    for word in WORDS:
        section.search.selectAll()  # Strg+A: the first letter replaces the last word
        wait(1000)
        applied.clear()
        keys.clear()
        painted.ends.clear()
        beat.start()
        start = time.perf_counter()
        steps = [(i * args.cadence, press(ch, i * args.cadence)) for i, ch in enumerate(word)]
        run_steps(steps, lambda w=word: bool(applied) and applied[-1][1] == w)
        wait(100)
        beat.stop()
        typing_stalls.append(beat.worst())
        over_50 += beat.over(50)
        beats += len(beat.gaps)
        for t, text in keys:  # the first answer for this text or a longer one, painted
            after = [a for a, shown in applied if a >= t and len(shown) >= len(text)]
            if after:
                paint = [e for e in painted.ends if e >= after[0]]
                shown_at = paint[0] if paint else after[0]
                all_latencies.append((shown_at - t) * 1000)
                if os.environ.get("BENCH_DEBUG"):
                    print(
                        f"  key {text!r}: listed {(after[0] - t) * 1000:.0f} ms, "
                        f"painted {(shown_at - t) * 1000:.0f} ms"
                    )
    section.search.clear()
    section.refresh()
    wait(500)

    # -- filtering the contacts by consent, and cleared -------------------------------------
    consent = section.filters[FilterKind.CONSENT]
    consent_stalls = []
    for value in ("erteilt", None):
        beat.start()
        consent.setCurrentIndex(max(consent.findData(value), 0))
        wait(1500)
        beat.stop()
        consent_stalls.append(beat.worst())

    # -- filtering the institutions (the map pane follows) --------------------------------------
    window.show_section(0)
    wait(800)
    institutions = window.section("institution")
    quarters = [value for value, _label in atlas.quarters.choices()][:3]
    filter_stalls = []
    for quarter in [*quarters, None]:
        beat.start()
        institutions.set_filter(FilterKind.QUARTER, quarter)
        wait(800)
        beat.stop()
        filter_stalls.append(beat.worst())

    # -- saving a contact: the list (and every open section) refreshes ------------------------
    window.show_section(2)
    wait(500)
    section.search.clear()
    wait(1500)
    save_stalls: list[float] = []
    save_shown: list[float] = []
    for n in range(3):
        record_id = section.model.id_at(n)
        assert record_id is not None
        section.open(record_id)
        wait(300)
        editor = section.form.editors["function"]
        new_value = f"Bench {n} {time.perf_counter():.0f}"
        beat.start()
        t0 = time.perf_counter()
        editor.edit.setText(new_value)  # type: ignore[attr-defined]
        editor.edited.emit()
        section.form.save()
        column = (
            [c.key for c in section.spec.columns].index("function")
            if any(c.key == "function" for c in section.spec.columns)
            else None
        )
        shown = None
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            wait(10)
            row = section.model.row_of(record_id)
            if column is None or (row is not None and section.model.index(row, column).data() == new_value):
                shown = time.perf_counter()
                break
        wait(1000)
        beat.stop()
        save_stalls.append(beat.worst())
        if shown is not None:
            save_shown.append((shown - t0) * 1000)

    print(
        f"\nsections opened/switched (longest stall each): {', '.join(f'{n} {s:.0f} ms' for n, s in switches)}"
    )
    print(
        f"typing {len(WORDS)} words into the contacts search, a key every {args.cadence} ms "
        f"({len(all_latencies)} keys):"
    )
    if all_latencies:
        print(
            f"  key → ids shown: p50 {statistics.median(all_latencies):.0f} ms, "
            f"p95 {percentile(all_latencies, 95):.0f} ms, max {max(all_latencies):.0f} ms "
            "(from the key event to the end of the list's paint)"
        )
    print(
        f"  longest GUI stall while typing: {max(typing_stalls):.0f} ms "
        f"(per word: {', '.join(f'{s:.0f}' for s in typing_stalls)}; {over_50} of {beats} beats late > 50 ms)"
    )
    print(f"filter of the contacts by consent, and cleared: longest stall {max(consent_stalls):.0f} ms")
    print(f"filter of the institutions by quarter, and cleared: longest stall {max(filter_stalls):.0f} ms")
    print(
        f"saving a contact (3 times): longest stall {max(save_stalls):.0f} ms "
        f"(each: {', '.join(f'{s:.0f}' for s in save_stalls)}); the list shows the new value after "
        f"{', '.join(f'{s:.0f}' for s in save_shown)} ms"
    )
    window.close()
    result.engine.dispose()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
