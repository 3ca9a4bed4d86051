"""The filter boxes above a list: a label beside each box, wrapping onto a second line when narrow.

Inside the box stands only the value ("alle", "Alt-Oberhausen"), so a narrow list still
reads "Kategorie [Gesundheit]" instead of "Kategorie: a".
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QSizePolicy, QWidget

from ui.flow_layout import FlowLayout
from ui.plain import plain_label


def filter_bar() -> tuple[QWidget, FlowLayout]:
    bar = QWidget()
    bar.setObjectName("filters")
    flow = FlowLayout(bar, spacing=8)
    return bar, flow


def filter_combo(label: str, flow: FlowLayout) -> QComboBox:
    """A filter box with its label, added to ``flow``."""
    combo = QComboBox()
    combo.setToolTip(label)
    combo.setAccessibleName(label)
    combo.setMinimumContentsLength(8)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    text = plain_label(label)
    text.setBuddy(combo)
    pair = QWidget()
    pair.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    row = QHBoxLayout(pair)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    row.addWidget(text)
    row.addWidget(combo, 1)
    flow.addWidget(pair)
    return combo
