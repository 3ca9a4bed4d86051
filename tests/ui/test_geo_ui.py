"""Addresses to places through the window: settings, the batch with progress and cancel,
confirming an ambiguous answer, placing after save, quarter import and re-assignment."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from atlas.core import Atlas
from atlas.geo.geocoding import GeocoderSettings
from tests.fake_nominatim import closed_url, found, running
from tests.ui.conftest import Answers
from ui.geo_dialogs import BatchDialog, GeocoderSettingsDialog, QuarterImportDialog, reassign_all
from ui.main_window import MainWindow

AGENT = "Stadtteil-Atlas-Tests/1.0 (Testlauf)"


def use(atlas: Atlas, url: str, delay: float = 0.05) -> None:
    atlas.geocoding.configure(GeocoderSettings(url=url, user_agent=AGENT, min_delay=delay, timeout=2.0))


def test_settings_dialog_refuses_a_bad_address_and_keeps_a_good_one(
    qtbot, atlas: Atlas, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    dialog = GeocoderSettingsDialog(atlas, settings)
    qtbot.addWidget(dialog)
    dialog.url.setText("nominatim ohne schema")
    assert dialog.save() is False
    assert not dialog.errors["url"].isHidden() and "http" in dialog.errors["url"].text()
    dialog.url.setText("https://geo.stadt.example.org")
    dialog.user_agent.setText("Stadtteil-Atlas Oberhausen (netzwerk@stadt.example.org)")
    dialog.provider.setCurrentIndex(dialog.provider.findData("photon"))
    assert dialog.save() is True
    assert settings.value("geocoder/url") == "https://geo.stadt.example.org"
    assert atlas.geocoding.settings.provider == "photon"


def test_batch_runs_in_the_background_and_asks_about_ambiguous_answers(qtbot, workers, demo: Atlas) -> None:  # type: ignore[no-untyped-def]
    missing = demo.geocoding.missing_count()
    assert missing >= 2
    with running() as server:
        # Every address is found twice, 5 km apart: a person has to decide.
        server.default = found((51.49, 6.86), (51.53, 6.90))
        use(demo, server.url)
        dialog = BatchDialog(demo, workers=workers)
        qtbot.addWidget(dialog)
        dialog.show()
        with qtbot.waitSignal(dialog.finished_report, timeout=30000):
            dialog.start()
        report = dialog.report
        assert report is not None and report.total == missing
        assert dialog.progress.value() == dialog.progress.maximum()
        assert len(report.to_confirm) == missing
        assert dialog.confirm_button.isVisible()
        dialog.table.setCurrentCell(0, 0)
        outcome = dialog.table.item(0, 0).data(0x0100)
        assert dialog.confirm_selected(choice=0)
        placed = demo.institutions.get(outcome.institution_id)
        assert (placed.values["lat"], placed.values["lon"]) == (51.49, 6.86)
        assert demo.geocoding.missing_count() == missing - 1


def test_batch_can_be_cancelled_and_keeps_what_was_done(qtbot, workers, demo: Atlas) -> None:  # type: ignore[no-untyped-def]
    with running() as server:
        server.default = found((51.49, 6.86))
        use(demo, server.url, delay=0.3)
        dialog = BatchDialog(demo, workers=workers)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.start()
        qtbot.waitUntil(lambda: dialog.progress.value() >= 1, timeout=10000)
        dialog.cancel()
        qtbot.waitUntil(lambda: dialog.report is not None, timeout=10000)
        report = dialog.report
        assert report is not None and report.cancelled
        done = len(report.changed_ids)
        assert 1 <= done < report.total
        assert "Abgebrochen" in dialog.summary.text()


def test_batch_without_network_shows_nothing_tried(qtbot, workers, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    use(atlas, closed_url())
    for n in (1, 2):
        atlas.institutions.save(
            None, {"name": f"Treff {n}", "street": f"Marktstraße {n}", "city": "Oberhausen"}
        )
    dialog = BatchDialog(atlas, workers=workers)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.finished_report, timeout=30000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert (dialog.progress.value(), dialog.progress.maximum()) == (0, 2)
    assert dialog.progress.text() == "0%"
    host = atlas.geocoding.settings.host
    assert dialog.summary.text().startswith(
        f"Keine Verbindung zum Geokodierungsdienst {host} – 0 von 2 versucht."
    )
    assert dialog.start_button.isEnabled()  # try again once the network is back


def test_saving_an_address_places_the_institution_in_the_background(
    qtbot, workers, demo: Atlas, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    with running() as server:
        server.default = found((51.4801, 6.8605))
        settings.setValue("geocoder/url", server.url)
        settings.setValue("geocoder/user_agent", AGENT)
        window = MainWindow(demo, "demo.sqlite", settings, workers=workers)
        qtbot.addWidget(window)
        window.show()
        section = window.section("institution")
        window.actions_by_name["new"].trigger()
        form = section.form
        form.editors["name"].edit.setText("Neue Beratungsstelle am Markt")
        form.editors["street"].edit.setText("Marktstraße 99")
        form.editors["postcode"].edit.setText("46045")
        form.editors["city"].edit.setText("Oberhausen")
        form._set_dirty(True)
        assert form.save()
        new_id = form.record.id  # type: ignore[union-attr]
        qtbot.waitUntil(lambda: demo.institutions.get(new_id).values["lat"] is not None, timeout=15000)
        assert demo.institutions.get(new_id).values["quarter_id"] is not None
        # the open form follows: its place line says where the pin came from
        qtbot.waitUntil(lambda: form.place.text() == "verortet (aus der Adresse)", timeout=5000)  # type: ignore[union-attr]
        assert server.count == 1
        assert "Marktstraße 99" in server.requests[0].q


def test_saving_without_network_keeps_the_record_pending(
    qtbot, workers, demo: Atlas, settings: QSettings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(
        demo, "demo.sqlite", settings, workers=workers
    )  # the fixture's geocoder is a closed port
    qtbot.addWidget(window)
    window.show()
    section = window.section("institution")
    window.actions_by_name["new"].trigger()
    form = section.form
    assert form.place is not None and not form.place.isHidden()
    assert form.place.text() == "noch nicht verortet – wird nach dem Speichern aus der Adresse ermittelt"
    form.editors["name"].edit.setText("Treffpunkt ohne Netz")
    form.editors["street"].edit.setText("Bahnhofstraße 1")
    form.editors["city"].edit.setText("Oberhausen")
    form._set_dirty(True)
    assert form.save()
    qtbot.waitUntil(
        lambda: (
            "Netz" in window.statusBar().currentMessage() or "erreich" in window.statusBar().currentMessage()
        ),
        timeout=15000,
    )
    record = demo.institutions.get(form.record.id)  # type: ignore[union-attr]
    assert record.values["lat"] is None  # saved, not placed: "noch nicht verortet"
    assert demo.geocoding.missing_count() >= 1
    # ... and the form says so, as plain text
    assert form.place.textFormat() == Qt.TextFormat.PlainText
    assert form.place.text() == "noch nicht verortet – wird ermittelt, sobald eine Verbindung besteht"
    form.grab().save(str(tmp_path / "form.png"))
    # A pin typed by hand is kept from the geocoder, and the form says that too.
    form.editors["lat"].edit.setText("51,4712")
    form.editors["lon"].edit.setText("6,8523")
    form._set_dirty(True)
    assert form.save()
    assert form.place.text() == "Standort von Hand gesetzt"
    # an institution of the demo placed from its address
    placed = next(i for i in demo.institutions.list_ids() if demo.geocoding.place_of(i).status == "ok")
    form.show_record(placed)
    assert form.place.text() == "verortet (aus der Adresse)"


def test_quarter_import_dialog_and_reassignment(
    qtbot, atlas: Atlas, tmp_path: Path, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    square = [[6.80, 51.40], [6.90, 51.40], [6.90, 51.50], [6.80, 51.50], [6.80, 51.40]]
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"STADTTEIL": "Testviertel", "nr": 7},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }
    path = tmp_path / "grenzen.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    inside = atlas.institutions.save(None, {"name": "Mittendrin", "lat": 51.45, "lon": 6.85})
    dialog = QuarterImportDialog(atlas, None, str(path))
    qtbot.addWidget(dialog)
    assert dialog.name_property.currentData() == "STADTTEIL"
    assert dialog.run_import()
    assert [n for _i, n in atlas.quarters.choices()] == ["Testviertel"]
    assert atlas.institutions.get(inside.id).values["quarter_id"] is not None
    broken = tmp_path / "kaputt.geojson"
    broken.write_text("{ kein json", encoding="utf-8")
    dialog2 = QuarterImportDialog(atlas, None, str(broken))
    qtbot.addWidget(dialog2)
    assert not dialog2.import_button.isEnabled()
    assert dialog2.message.text()
    summary = reassign_all(atlas, dialog)
    assert "neu zugeordnet" in summary
