"""The offline copy in the window, the paths beside the straight one: an erasure after a
merge (Art. 17 reaches the undo history), an undo refused, a merge refused at apply, a
part taken with clicks, the review's keys, and the duplicates a merge brought in."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QRadioButton

from atlas.records import Matcher, Person
from tests.test_erasure import _all_text
from tests.travel_support import laptop
from tests.ui.conftest import Answers
from tests.ui.privacy_support import ErasureAnswer
from tests.ui.test_gestures import click_record, shown
from tests.ui.travel_ui_support import SHOTS, Scene, click, edit, radio, scene_fixture  # noqa: F401  (the fixture)
from ui.flows.travel import MergeBackCommand
from ui.travel_review import ReviewDialog
from ui.workers import Workers


# -- 1. Art. 17 reaches the offline copy's undo step ----------------------------------
def test_an_erasure_after_a_merge_leaves_nothing_of_her_in_the_undo_history(
    scene: Scene, answers: Answers, db_path: Path
) -> None:
    qtbot, office, atlas = scene.qtbot, scene.office, scene.atlas
    erika = scene.network["contact"].id
    record = atlas.contacts.get(erika)
    atlas.contacts.save(
        erika, {**record.values, "email": "erika.beispiel@example.org"}, expected_version=record.version
    )
    copy = scene.take()
    with laptop(copy) as lap:  # at the event: her number, and a note about her
        now = lap.contacts.get(erika)
        lap.contacts.save(
            erika, {**now.values, "phone": "0208 555 123", "notes": "Erika Beispiel kommt wieder"},
            expected_version=now.version,
        )  # fmt: skip
    scene.merged(scene.bring_back(copy))
    with laptop(copy) as lap:  # the copy used further, brought back again
        now = lap.contacts.get(erika)
        lap.contacts.save(erika, {**now.values, "function": "Leitung"}, expected_version=now.version)
    scene.merged(scene.bring_back(copy))
    assert atlas.contacts.get(erika).values["function"] == "Leitung"
    commands = [office.undo_stack.command(i) for i in range(office.undo_stack.count())]
    assert len(commands) == 2 and all(isinstance(c, MergeBackCommand) for c in commands)
    held = repr([(c.plan, c.applied) for c in commands])
    assert "erika.beispiel@example.org" in held and "Beispiel" in held  # what a step holds

    # she is erased through the window
    office.show_section(2)
    contacts = office.section("contact")
    qtbot.waitUntil(lambda: contacts.model.row_of(erika) is not None)
    click_record(contacts, erika)
    assert shown(contacts) == erika
    seen = ErasureAnswer(erase=True)
    summary = office.privacy_erase()
    assert seen.seen and summary and "der Verlauf wurde bereinigt" in summary
    answers.warnings.clear()

    person = Person(erika, "Erika", "Beispiel", "erika.beispiel@example.org", "0208 555 123")
    for command in commands:
        assert isinstance(command, MergeBackCommand)
        held = repr((command.plan, command.choices, command.applied))
        assert Matcher(person).spans(held) == [], held
        assert "Beispiel" not in held and "erika.beispiel" not in held and "555 123" not in held
        assert command.plan is None  # the redo would write her back: it is refused

    # Strg+Z: the second merge taken back puts the merge's base rows of the first one back,
    # without her (her own a stub, her name gone from the others)
    table = scene.keys_to_window()
    QTest.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    scene.status_says("rückgängig")
    assert not answers.warnings, answers.warnings
    assert atlas.contacts.count() == 0
    dump = _all_text(db_path)
    assert 'INSERT INTO "travel_base"' in dump
    assert Matcher(person).spans(dump) == [] and "beispiel" not in dump.lower()
    # and the first one too
    office.statusBar().clearMessage()
    QTest.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    scene.status_says("rückgängig")
    assert not answers.warnings, answers.warnings
    assert atlas.contacts.count() == 0
    dump = _all_text(db_path)
    assert Matcher(person).spans(dump) == [] and "beispiel" not in dump.lower()

    # Strg+Y: the merge cannot be written again without her plan: said, step dropped
    QTest.keyClick(table, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(answers.warnings), timeout=15000)
    assert "gelöscht (DSGVO)" in answers.warnings[0] and "nicht wiederholt" in answers.warnings[0]
    qtbot.waitUntil(lambda: office.undo_stack.count() == 1, timeout=15000)
    assert atlas.contacts.count() == 0


# -- 3. the same guest on both sides: offered for merging --------------------------------
def test_the_same_guest_added_on_both_sides_is_offered_for_merging(scene: Scene) -> None:
    from ui.duplicate_dialog import DuplicateDialog, MergeDialog
    from ui.travel_duplicates import DuplicatesOffer

    office, atlas = scene.office, scene.atlas
    copy = scene.take()
    guest = {"first_name": "Aylin", "institution_id": scene.network["inst"].id, "email": "aylin@example.org"}
    in_office = atlas.contacts.save(None, {**guest, "last_name": "Yıldırım"}).id
    with laptop(copy) as lap:
        lap.contacts.save(None, {**guest, "last_name": "Yildirim", "phone": "0208 4711"})
    scene.merged(scene.bring_back(copy))
    assert atlas.contacts.count() == 3
    new_id = next(i for i in atlas.contacts.list_ids("Yildirim") if i != in_office)

    offer: DuplicatesOffer = scene.dialog(DuplicatesOffer)
    office.resize(1366, 768)
    assert offer.list.count() == 1
    text = offer.list.item(0).text()
    assert text.startswith("Kontakt „Aylin Yildirim“ aus der Kopie\nvielleicht derselbe wie „Aylin Yıldırım“")
    assert "E-Mail" in text
    assert offer.compare_button.isDefault()
    offer.grab().save(str(SHOTS / "travel_duplicates.png"))
    click(offer.compare_button)

    question: DuplicateDialog = scene.dialog(DuplicateDialog)
    assert question.current().id == new_id  # the copy's record, beside the office's shown
    assert office.section("contact").shown_id() == in_office
    click(question.merge_button)
    merge: MergeDialog = scene.dialog(MergeDialog)
    merge.grab().save(str(SHOTS / "travel_duplicates_merge.png"))
    click(merge.merge_button)
    scene.qtbot.waitUntil(lambda: atlas.contacts.count() == 2, timeout=15000)
    kept = atlas.contacts.get(in_office).values
    assert kept["last_name"] == "Yıldırım" and kept["phone"] == "0208 4711"
    assert office.undo_stack.count() == 2  # the copy's merge, then this one


def test_no_offer_when_the_copy_brought_nothing_alike(scene: Scene, workers: Workers) -> None:
    from ui.travel_duplicates import DuplicatesOffer

    copy = scene.take()
    with laptop(copy) as lap:
        lap.contacts.save(None, {"first_name": "Jonas", "last_name": "Neu", "email": "jonas@example.org"})
    scene.merged(scene.bring_back(copy))
    workers.database.wait()  # the search for duplicates ran
    QApplication.processEvents()  # its answer delivered
    assert not any(d.isVisible() for d in scene.office.findChildren(DuplicatesOffer))


# -- 2. the paths beside the straight one ---------------------------------------------
def test_an_undo_refused_because_a_row_changed_after_the_merge_says_so_and_drops_the_step(
    scene: Scene, answers: Answers
) -> None:
    office, atlas = scene.office, scene.atlas
    copy = scene.take()
    inst = scene.network["inst"].id
    with laptop(copy) as lap:
        edit(lap, inst, phone="0208 222")
    scene.merged(scene.bring_back(copy))
    edit(atlas, inst, notes="Nach dem Zurückführen im Büro")  # a colleague, after the merge
    table = scene.keys_to_window()
    QTest.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    scene.qtbot.waitUntil(lambda: bool(answers.warnings), timeout=15000)
    assert "Einrichtung „Ärztehaus Mitte“" in answers.warnings[0]
    assert "Rückgängig nicht möglich" in answers.warnings[0]
    scene.qtbot.waitUntil(lambda: office.undo_stack.count() == 0, timeout=15000)  # the step is dropped
    now = atlas.institutions.get(inst).values
    assert now["phone"] == "0208 222" and now["notes"] == "Nach dem Zurückführen im Büro"


def test_a_merge_refused_at_apply_asks_again_with_the_answers_kept(scene: Scene, answers: Answers) -> None:
    atlas = scene.atlas
    copy = scene.take()
    inst = scene.network["inst"].id
    with laptop(copy) as lap:
        edit(lap, inst, phone="0208 222", notes="Unterwegs notiert")
    edit(atlas, inst, phone="0208 111")
    first = scene.bring_back(copy)
    assert first.conflicts.rowCount() == 1
    click(radio(first, 0, "Büro"))
    edit(atlas, inst, notes="Im Büro notiert")  # between the review and Übernehmen
    click(first.apply_button)
    scene.qtbot.waitUntil(lambda: bool(answers.warnings), timeout=15000)
    assert "Seit der Vorschau" in answers.warnings[0] and "nichts geändert" in answers.warnings[0]
    again: ReviewDialog = scene.dialog(ReviewDialog)
    table = again.conflicts
    assert table.rowCount() == 2
    fields = {table.item(r, 1).text(): r for r in range(2)}
    chosen = {
        name: next(b.text() for b in table.cellWidget(r, 5).findChildren(QRadioButton) if b.isChecked())
        for name, r in fields.items()
    }
    assert chosen == {"Telefon": "Büro", "Notizen": "Unterwegs"}  # the first answer kept
    assert scene.office.undo_stack.count() == 0
    assert atlas.institutions.get(inst).values["phone"] == "0208 111"  # nothing written
    again.grab().save(str(SHOTS / "travel_review_again.png"))
    again.reject()


def test_a_part_is_taken_with_the_checkboxes_clicked(scene: Scene) -> None:
    from ui.travel_dialog import TakeDialog

    office = scene.office
    target = scene.tmp_path / "teil.sqlite"
    office.actions_by_name["travel_take"].trigger()
    dialog: TakeDialog = scene.dialog(TakeDialog)
    assert not dialog.quarters.isEnabled()
    click(dialog.some)
    assert dialog.quarters.isEnabled() and not dialog.ok.isEnabled()  # nothing chosen yet
    item = dialog.quarters.item(0)
    assert item.text() == "Alt-Oberhausen"
    rect = dialog.quarters.visualItemRect(item)
    box = QPoint(rect.left() + rect.height() // 2, rect.center().y())  # the check box
    QTest.mouseClick(dialog.quarters.viewport(), Qt.MouseButton.LeftButton, pos=box)
    assert item.checkState() == Qt.CheckState.Checked and dialog.ok.isEnabled()
    dialog.target.clear()
    QTest.keyClicks(dialog.target, str(target))
    dialog.grab().save(str(SHOTS / "travel_take_part.png"))
    click(dialog.ok)
    scene.status_says("gespeichert", timeout=30000)
    assert "Alt-Oberhausen" in office.statusBar().currentMessage()
    with laptop(target) as lap:
        names = {lap.institutions.get(i).title for i in lap.institutions.list_ids("")}
    assert names == {"Ärztehaus Mitte"}  # Jobcenter lies in no chosen quarter


def test_enter_takes_and_escape_cancels_in_the_review(scene: Scene) -> None:
    qtbot, office, atlas = scene.qtbot, scene.office, scene.atlas
    copy = scene.take()
    inst = scene.network["inst"].id
    with laptop(copy) as lap:
        edit(lap, inst, phone="0208 222")
    dialog = scene.bring_back(copy)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    focus = dialog.focusWidget() or dialog
    QTest.keyClick(focus, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and office.undo_stack.count() == 0
    assert atlas.institutions.get(inst).values["phone"] in (None, "")

    dialog = scene.bring_back(copy)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.tree.setFocus()  # where a person who read the changes has it
    QTest.keyClick(dialog.tree, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: office.undo_stack.count() == 1, timeout=15000)
    assert atlas.institutions.get(inst).values["phone"] == "0208 222"
