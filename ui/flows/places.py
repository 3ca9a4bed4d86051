"""Places from the window: geocoding (all missing, or one saved institution in the background), quarter import."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from atlas.errors import AtlasError
from atlas.geo import Outcome
from ui.geo_dialogs import BatchDialog, QuarterImportDialog

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def geocode_missing(window: MainWindow) -> BatchDialog:
    dialog = BatchDialog(window.atlas, window, workers=window.workers)
    dialog.setModal(False)
    dialog.show()
    return dialog


def import_quarters(window: MainWindow) -> None:
    QuarterImportDialog(window.atlas, window, runner=window.tasks).exec()


def institution_saved(window: MainWindow, record_id: int) -> None:
    """A saved institution without a pin is looked up in the background; no network: later."""
    try:
        record = window.atlas.institutions.get(record_id)
    except AtlasError:
        return
    if record.values.get("lat") is not None or not (record.values.get("street") or record.values.get("city")):
        return
    geocoding = window.atlas.geocoding
    window.statusBar().showMessage(window.tr("„{name}“ wird verortet …").format(name=record.title), 5000)
    window.network_tasks.run(
        lambda: geocoding.place_institution(record_id),
        partial(placed, window),
        partial(place_failed, window),
        owner=window,
    )


def placed(window: MainWindow, outcome: Outcome) -> None:
    """Lists, map and an open form reload on the change the service announced itself."""
    window.statusBar().showMessage(f"{outcome.name}: {outcome.message}", 10000)


def place_failed(window: MainWindow, error: BaseException) -> None:
    window.statusBar().showMessage(str(error), 10000)
