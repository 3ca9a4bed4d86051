"""The check page of a long list builds its duplicates' choice boxes a slice per turn of the
event loop (500 built in one go stalled the window 750 ms at 10,000 rows)."""

from __future__ import annotations

from pathlib import Path

from atlas.core import Atlas
from tests.test_importing import write_csv
from ui.import_wizard import ImportWizard
from ui.import_wizard.check_page import COMBOS_PER_TURN


def test_many_duplicates_get_their_choice_boxes_slice_by_slice(  # type: ignore[no-untyped-def]
    qtbot, workers, atlas: Atlas, tmp_path: Path
) -> None:
    rows = [
        [
            f"Familienzentrum Nord {n % 60}",
            "",
            "Lange Straße",
            str(n % 60 + 1),
            "46045",
            "Oberhausen",
            "",
            "",
            "",
        ]
        for n in range(180)
    ]  # every name three times: 120 duplicates within the file
    wizard = ImportWizard(atlas, kind="institution", mapping_folder=tmp_path / "config", workers=workers)
    qtbot.addWidget(wizard)
    wizard.show()
    with qtbot.waitSignal(wizard.file_read, timeout=20000):
        wizard.load_file(write_csv(tmp_path / "liste.csv", rows))
    with qtbot.waitSignal(wizard.checked, timeout=30000) as blocker:
        assert wizard.run_check()
    plan = blocker.args[0]
    # the passes over all rows were made on the worker: the page only read them
    assert {"valid_rows", "invalid_rows", "errors", "notes"} <= set(vars(plan))
    page = wizard.check_page
    shown = [d.row for d in plan.duplicates]
    assert len(shown) > 2 * COMBOS_PER_TURN
    assert len(page.duplicate_combos) == COMBOS_PER_TURN and page.combos_pending  # the first screenful
    last = shown[-1]
    wizard.set_duplicate_choice(last, "import")  # chosen before its box exists
    qtbot.waitUntil(lambda: not page.combos_pending, timeout=10000)
    assert set(page.duplicate_combos) == set(shown)
    assert page.duplicate_combos[last].currentData() == "import"
    assert page.duplicates.cellWidget(len(shown) - 1, 3) is page.duplicate_combos[last]
    wizard.set_default_choice("skip")
    assert {c.currentData() for c in page.duplicate_combos.values()} == {"skip"}
