"""Long lists (50,000 contacts) keep the GUI thread free: a section opens and refreshes on
the worker, its reference pickers are filled there, and a typed search narrows in memory.

The thresholds are lowered so that a small database takes the long-list paths; what is
checked is the thread a query runs on and what the person sees afterwards, never a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QStringListModel, Qt
from PySide6.QtTest import QTest

import ui.editors
import ui.form
import ui.section
import ui.section_query
from atlas.core import Atlas
from atlas.records import query as query_words
from tests.ui.conftest import office_window
from tests.ui.test_main_window import type_text
from ui.editors import ChoiceEditor, LineEditor
from ui.workers import Workers


def _threads_of(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[bool]:
    """Wrap ``owner.name``: each call notes whether it ran on the GUI (main) thread."""
    calls: list[bool] = []
    real: Callable[..., Any] = getattr(owner, name)

    def noted(*args: Any, **kwargs: Any) -> Any:
        calls.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, noted)
    return calls


def institutions_listed(qtbot, workers: Workers, atlas: Atlas, settings: QSettings, count: int) -> Any:  # type: ignore[no-untyped-def]
    """The window on its institutions, once the list shows ``count`` of them; the section."""
    window = office_window(qtbot, workers, atlas, settings)
    window.show_section(0)
    section = window.section("institution")
    qtbot.waitUntil(lambda: len(section.model.ids()) == count)
    return section


def test_a_long_list_opens_and_refreshes_after_a_save_on_the_worker(
    qtbot, workers: Workers, atlas: Atlas, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(ui.section, "LARGE_FROM", 2)
    ids = [atlas.institutions.save(None, {"name": n}).id for n in ["Kita Sonne", "Kita Mond", "Jugendtreff"]]
    on_gui = _threads_of(monkeypatch, atlas.institutions, "list_ids")
    window = office_window(qtbot, workers, atlas, settings)  # opens on the institutions
    window.show_section(0)
    section = window.section("institution")
    assert section.model.ids() == []  # not queried while the section was built
    qtbot.waitUntil(lambda: len(section.model.ids()) == 3)
    assert on_gui and not any(on_gui)
    assert section.count_label.text() == "3 Einrichtungen"

    # open a record, rename it in the form, save: the list shows the new name, re-queried
    # on the worker, and the saved record stays selected
    section.open(ids[2])
    name = section.form.editors["name"]
    assert isinstance(name, LineEditor)
    name.edit.clear()
    type_text(name.edit, "Abenteuerspielplatz")
    on_gui.clear()
    QTest.mouseClick(section.form.save_button, Qt.MouseButton.LeftButton)
    row_shows = lambda: section.model.index(0, 0).data() == "Abenteuerspielplatz"  # noqa: E731
    qtbot.waitUntil(row_shows)
    qtbot.waitUntil(lambda: not section.is_searching())
    assert on_gui and not any(on_gui)
    assert section.model.ids()[0] == ids[2]  # sorted by the new name
    assert section.current_id() == ids[2] and section.shown_id() == ids[2]


def test_a_long_reference_picker_is_filled_on_the_worker_and_keeps_its_value_meanwhile(
    qtbot, workers: Workers, atlas: Atlas, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(ui.form, "CHOICES_ON_WORKER_FROM", 2)
    home = atlas.institutions.save(None, {"name": "Stadtteilbüro"}).id
    people = [
        atlas.contacts.save(None, {"first_name": f, "last_name": "Yılmaz", "institution_id": home}).id
        for f in ["Ayşe", "Emre", "Deniz"]
    ]
    actor = (
        atlas.records["actor"]
        .save(None, {"name": "Deniz Yılmaz", "contact_id": people[2], "status": "aktiv"})
        .id
    )
    held, release = threading.Event(), threading.Event()
    contacts = atlas.records["contact"]
    real_choices = contacts.choices
    on_gui: list[bool] = []

    def choices() -> list[tuple[int, str]]:
        on_gui.append(threading.current_thread() is threading.main_thread())
        held.set()
        assert release.wait(10)
        return real_choices()

    monkeypatch.setattr(contacts, "choices", choices)
    window = office_window(qtbot, workers, atlas, settings)
    try:
        window.show_section(3)
        section = window.section("actor")
        picker = section.form.editors["contact_id"]
        assert isinstance(picker, ChoiceEditor)
        qtbot.waitUntil(held.is_set)  # the section is up; its people are read on the worker
        assert section.form.choices_pending() and not picker.combo.isEnabled()
        qtbot.waitUntil(lambda: section.model.ids() == [actor])
        # the record opens while its picker waits: the reference is kept, also when saved
        section.open(actor)
        assert picker.value() == people[2]
        name = section.form.editors["name"]
        assert isinstance(name, LineEditor)
        type_text(name.edit, " (Elternbeirat)")
        assert section.form.save()
        assert atlas.records["actor"].get(actor).values["contact_id"] == people[2]
    finally:
        release.set()
    qtbot.waitUntil(lambda: not section.form.choices_pending())
    assert on_gui and not any(on_gui)
    assert picker.combo.isEnabled()
    assert "Deniz" in picker.combo.currentText()
    assert picker.value() == people[2]
    labels = [picker.combo.itemText(i) for i in range(picker.combo.count())]
    assert labels[0] == "—" and len(labels) == 4

    # a person added elsewhere reaches the picker (again from the worker), the choice stays
    monkeypatch.setattr(contacts, "choices", real_choices)
    on_gui2 = _threads_of(monkeypatch, contacts, "choices")
    new = atlas.contacts.save(None, {"first_name": "Jana", "last_name": "Nowak"}).id
    listed = lambda: [picker.combo.itemText(i) for i in range(picker.combo.count())]  # noqa: E731
    qtbot.waitUntil(lambda: any("Nowak" in label for label in listed()))
    qtbot.waitUntil(lambda: not section.form.choices_pending())
    assert on_gui2 and not any(on_gui2)
    assert picker.value() == people[2] and not section.form.is_dirty()
    # picked from the list, the new person is the value
    picker.combo.setCurrentIndex(next(i for i, label in enumerate(listed()) if "Nowak" in label))
    assert picker.value() == new and section.form.is_dirty()
    section.form.revert()
    assert picker.value() == people[2]


@pytest.mark.parametrize("narrow_up_to", [5000, 0], ids=["narrowing", "bigrams"])
def test_typing_on_narrows_in_memory_with_the_same_answers_as_the_index(
    qtbot,
    workers: Workers,
    atlas: Atlas,
    settings: QSettings,
    monkeypatch: pytest.MonkeyPatch,
    narrow_up_to: int,
) -> None:  # type: ignore[no-untyped-def]
    """A long list (its index texts prefetched) answers every keystroke in memory, also
    words of three letters and more, with the index's answers: folding, ß/ss, umlaut
    spellings, a literal %, and the filters -- by looking at the last matches (typing on,
    few left) and through the texts' bigrams alike."""
    monkeypatch.setattr(ui.section_query, "NARROW_UP_TO", narrow_up_to)
    monkeypatch.setattr(ui.section_query, "PREFETCH_FROM", 2)
    monkeypatch.setattr(ui.section, "LARGE_FROM", 2)
    names = [
        "Ärztehaus Marktstraße",
        "Aerztezentrum Süd",
        "Kita 100% Sonne",
        "Kita Straßenkinder",
        "Jugendtreff",
    ]
    for n in names:
        atlas.institutions.save(None, {"name": n})
    window = office_window(qtbot, workers, atlas, settings)
    window.show_section(0)
    section = window.section("institution")
    qtbot.waitUntil(lambda: len(section.model.ids()) == len(names) and section._bodies is not None)
    asked = _threads_of(monkeypatch, atlas.institutions, "matching_ids")
    section.search.setFocus()
    for query in ["ärzte", "strasse", "kita stra", "100%", "kita 1"]:
        section.search.clear()
        qtbot.waitUntil(lambda: not section.is_searching())
        for i in range(len(query)):
            text = query[: i + 1]
            with qtbot.waitSignal(section.listed, check_params_cb=lambda t, q=text: t == q, timeout=5000):
                type_text(section.search, query[i])
            assert section.model.ids() == atlas.institutions.list_ids(text), text
    assert asked == []  # never the index: all in memory


def test_narrowing_is_only_used_when_the_new_words_imply_the_old() -> None:
    t = query_words.memory_terms
    assert query_words.narrows(t("bri"), t("br"))
    assert query_words.narrows(t("kita m"), t("kita"))
    assert query_words.narrows(t("ärzte"), t("ärzt"))  # both spellings lie inside the longer word
    assert not query_words.narrows(t("b"), t("br"))
    assert not query_words.narrows(t("kita"), t("kita m"))
    assert query_words.narrows(t("arzte"), t("ärzt"))  # "arzte" holds "arzt"
    assert not query_words.narrows(t("arzt"), t("ärzte"))  # shorter: a wider answer
    texts = query_words.Texts({1: "bjorn kuhlmann bjoern kuhlmann 0301 0301", 2: "x\u00b4y"})
    assert texts.compact[1] == "bjorn kuhlmann bjoern 0301"
    assert query_words.Texts.compact_answers(t("kuhl"))
    assert not query_words.Texts.compact_answers([("x y", None)])


def test_a_long_pickers_labels_become_qt_strings_on_the_worker(
    qtbot, workers: Workers, atlas: Atlas, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """50,000 labels take 15 ms to become a model's Qt strings: made on the worker, the GUI
    thread only takes the model (and owns it: it goes with the picker)."""
    monkeypatch.setattr(ui.form, "CHOICES_ON_WORKER_FROM", 2)
    made_on_gui: list[bool] = []
    models: list[QStringListModel] = []

    def noted(*args: Any) -> QStringListModel:
        made_on_gui.append(threading.current_thread() is threading.main_thread())
        models.append(QStringListModel(*args))
        return models[-1]

    monkeypatch.setattr(ui.editors, "QStringListModel", noted)
    people = [
        atlas.contacts.save(None, {"first_name": f, "last_name": "Yılmaz"}).id for f in ["Ayşe", "Emre"]
    ]
    window = office_window(qtbot, workers, atlas, settings)
    window.show_section(3)
    section = window.section("actor")
    picker = section.form.editors["contact_id"]
    assert isinstance(picker, ChoiceEditor)
    qtbot.waitUntil(lambda: not section.form.choices_pending())
    assert made_on_gui and not any(made_on_gui)
    model = picker.combo.model()
    assert model is models[-1] and model.parent() is picker.combo
    assert model.thread() is picker.combo.thread()
    labels = [picker.combo.itemText(i) for i in range(picker.combo.count())]
    assert labels[0] == "—" and len(labels) == 3 and "Yılmaz" in labels[1]
    assert picker._value_at(2) in people  # the values stay with the picker, row by row


def test_columns_are_fitted_to_the_first_rows_as_qt_would(
    qtbot, workers: Workers, atlas: Atlas, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The columns are measured from the rows at hand with the list's font (not by laying
    out every cell: 30-140 ms), and come out as Qt's own fitting would make them."""
    for name, city in [("Familienzentrum Stadtteilbüro Nord", "Oberhausen"), ("Kita", "Bottrop-Kirchhellen")]:
        atlas.institutions.save(None, {"name": name, "city": city})
    section = institutions_listed(qtbot, workers, atlas, settings, 2)
    laid_out = _threads_of(monkeypatch, section.table, "resizeColumnsToContents")
    section.fit_columns()
    assert laid_out == []
    ours = [section.table.columnWidth(c) for c in range(section.model.columnCount())]
    section.table.resizeColumnsToContents()
    limits = [240 if c == 0 else 320 for c in range(section.model.columnCount())]
    qts = [max(90, min(section.table.columnWidth(c) + 12, top)) for c, top in enumerate(limits)]
    assert all(abs(a - b) <= 4 for a, b in zip(ours, qts, strict=True)), (ours, qts)
    assert ours[0] > 200  # the long name has the room it needs


def test_a_record_opened_while_the_saved_one_is_listed_again_stays_open(
    qtbot, workers: Workers, atlas: Atlas, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """After a save the long list is queried again on the worker, maybe behind other work;
    a record the person opens meanwhile stays in the form when the new list arrives (the
    saved one was selected again and pulled the form back: the next input went to it)."""
    monkeypatch.setattr(ui.section, "LARGE_FROM", 2)
    ids = [atlas.institutions.save(None, {"name": n}).id for n in ["Kita Sonne", "Kita Mond", "Jugendtreff"]]
    section = institutions_listed(qtbot, workers, atlas, settings, 3)
    section.open(ids[0])
    name = section.form.editors["name"]
    assert isinstance(name, LineEditor)
    type_text(name.edit, "Neue ")
    new_name = name.edit.text()
    busy, release = threading.Event(), threading.Event()
    section.tasks.run(lambda: (busy.set(), release.wait(10)), lambda _r: None, owner=section)
    qtbot.waitUntil(busy.is_set)  # the worker is busy: the refresh after the save waits
    QTest.mouseClick(section.form.save_button, Qt.MouseButton.LeftButton)
    section.open(ids[1])  # the person goes on to the next record
    release.set()
    names = lambda: [section.model.index(r, 0).data() for r in range(section.model.rowCount())]  # noqa: E731
    qtbot.waitUntil(lambda: not section.is_searching() and new_name in names(), timeout=8000)
    assert atlas.institutions.get(ids[0]).values["name"] == new_name
    assert section.shown_id() == ids[1] and section.current_id() == ids[1]


def test_a_short_list_that_grew_long_elsewhere_is_queried_again_on_the_worker(
    qtbot, workers: Workers, atlas: Atlas, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """An import elsewhere (Open Referral into an empty list: 10,000 institutions) makes a
    short list long: its next query runs on the worker (on the GUI thread it took 240-580 ms)."""
    monkeypatch.setattr(ui.section, "LARGE_FROM", 5)
    for name in ["Kita Sonne", "Kita Mond"]:
        atlas.institutions.save(None, {"name": name})
    section = institutions_listed(qtbot, workers, atlas, settings, 2)
    on_gui = _threads_of(monkeypatch, atlas.institutions, "list_ids")
    for n in range(6):  # saved outside the window: the window hears the change
        atlas.institutions.save(None, {"name": f"Treff {n}"})
    qtbot.waitUntil(lambda: len(section.model.ids()) == 8, timeout=10000)
    assert on_gui and not any(on_gui)
    assert section.count_label.text() == "8 Einrichtungen"


def test_a_list_paints_with_one_call_into_python_per_cell(
    qtbot, workers: Workers, atlas: Atlas, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Every call from Qt into Python must take the interpreter back from a worker that
    computes; Qt's delegate asks seven roles per cell. The model answers them in one
    ``multiData`` call: a repaint of the list calls ``data`` not once."""
    from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan

    from ui.table_model import RecordTableModel

    calls = {"data": 0, "multiData": 0}
    for method in calls:
        real = getattr(RecordTableModel, method)

        def counted(self: RecordTableModel, *args: Any, _real: Any = real, _name: str = method) -> Any:
            calls[_name] += 1
            return _real(self, *args)

        monkeypatch.setattr(RecordTableModel, method, counted)
    for name in ["Kita <b>Sonne</b>", "Treff & Co"]:
        atlas.institutions.save(None, {"name": name})
    section = institutions_listed(qtbot, workers, atlas, settings, 2)
    calls.update(data=0, multiData=0)
    section.table.viewport().grab()  # painted as on the screen
    shown = [c for c in range(section.model.columnCount()) if not section.table.isColumnHidden(c)]
    assert calls["multiData"] >= 2 and calls["data"] == 0, calls  # two rows, at least a column
    assert calls["multiData"] <= 2 * len(shown)

    # the same answers as data(): the text, and the tool tip escaped (shown letter for letter)
    first = section.model.index(0, 0)
    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
        wanted = QModelRoleData(role.value)
        section.model.multiData(first, QModelRoleDataSpan(wanted))
        assert wanted.data() == section.model.data(first, role.value)
    names = {section.model.data(section.model.index(r, 0), Qt.ItemDataRole.ToolTipRole.value) for r in (0, 1)}
    assert "<p style='white-space:pre-wrap'>Kita &lt;b&gt;Sonne&lt;/b&gt;</p>" in names


def test_a_change_elsewhere_fetches_a_long_lists_rows_on_the_worker_only(
    qtbot, workers: Workers, atlas: Atlas, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A geocoding batch announces changes in rounds: a long list keeps its rows until the
    worker's answer brings the new ones (dropped at once, the repaint fetched them again on
    the GUI thread in every round)."""
    monkeypatch.setattr(ui.section, "LARGE_FROM", 2)
    ids = [atlas.institutions.save(None, {"name": n}).id for n in ["Kita Sonne", "Kita Mond", "Jugendtreff"]]
    section = institutions_listed(qtbot, workers, atlas, settings, 3)
    on_gui = _threads_of(monkeypatch, atlas.institutions, "rows")
    record = atlas.institutions.get(ids[0])
    atlas.institutions.save(
        ids[0], {**record.values, "name": "Abenteuerspielplatz"}, expected_version=record.version
    )
    shows = lambda: any(section.model.index(r, 0).data() == "Abenteuerspielplatz" for r in range(3))  # noqa: E731
    qtbot.waitUntil(shows, timeout=10000)
    section.table.viewport().grab()  # painted as on the screen
    assert on_gui and not any(on_gui)


def test_a_saved_row_shows_its_new_text_while_the_long_list_is_still_on_its_way(
    qtbot, workers: Workers, atlas: Atlas, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Saving in a list of 50,000 contacts: the new order comes from the worker 1-2 s later;
    the saved row shows what was saved at once (before: after the worker's answer)."""
    import threading

    monkeypatch.setattr(ui.section, "LARGE_FROM", 2)
    ids = [atlas.institutions.save(None, {"name": n}).id for n in ["Kita Sonne", "Kita Mond", "Jugendtreff"]]
    section = institutions_listed(qtbot, workers, atlas, settings, 3)
    section.open(ids[2])
    name = section.form.editors["name"]
    assert isinstance(name, LineEditor)
    name.edit.clear()
    type_text(name.edit, "Zirkuszelt")
    gate = threading.Event()
    workers.database.run(lambda: gate.wait(20), lambda _result: None, owner=None)  # the worker is busy
    try:
        QTest.mouseClick(section.form.save_button, Qt.MouseButton.LeftButton)
        row = section.model.row_of(ids[2])
        assert row is not None and section.is_searching()  # the new list is still on its way
        qtbot.waitUntil(lambda: section.model.index(row, 0).data() == "Zirkuszelt", timeout=5000)
        assert section.is_searching()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not section.is_searching(), timeout=10000)
    assert section.model.index(section.model.row_of(ids[2]) or 0, 0).data() == "Zirkuszelt"
