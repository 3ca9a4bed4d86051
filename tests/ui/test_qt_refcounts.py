"""Guard against a Qt binding that miscounts references (PySide6 6.12.0 did).

That release took one reference from True on every Signal.emit() and one from None on
every call of a Qt method without a result; after some thousand calls the interpreter
aborted ("bool_dealloc"/"none_dealloc"). A coach's session makes far more than that.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel


class _Emitter(QObject):
    ping = Signal()
    value = Signal(int)


def test_signals_and_void_calls_keep_reference_counts(qapp) -> None:  # type: ignore[no-untyped-def]
    emitter, label = _Emitter(), QLabel()
    received: list[int] = []
    emitter.value.connect(lambda v: received.append(v))
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(3000):
        label.setText("x")
        emitter.ping.emit()
        emitter.value.emit(i)
    assert len(received) == 3000
    assert abs(sys.getrefcount(True) - true_before) < 50
    assert abs(sys.getrefcount(None) - none_before) < 50
