"""Progress and cancel of the long core actions (atlas.progress): list export, Open Referral
export and import, quarter import. A cancel after N steps leaves nothing written: no target
file (or the old one), no temporary file beside it, no row in the database, no change announced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas import models as m
from atlas.changes import Change
from atlas.core import Atlas
from atlas.files import TMP_MARK
from atlas.io import hsds
from atlas.io.exporting import export
from atlas.progress import CANCELLED_MESSAGE, Cancelled, Steps, release

ROOT = Path(__file__).resolve().parents[1]


class CancelAfter:
    """``progress``/``cancelled`` as the window's busy dialog hands them over: the person
    presses "Abbrechen" once ``after`` steps were reported done."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.reports: list[tuple[int, int]] = []

    def progress(self, done: int, total: int) -> None:
        self.reports.append((done, total))

    def cancelled(self) -> bool:
        return bool(self.reports) and self.reports[-1][0] >= self.after


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if TMP_MARK in p.name or p.name.startswith(".")]


def counts(atlas: Atlas) -> tuple[int, ...]:
    return (
        atlas.institutions.count(),
        atlas.offers.count(),
        atlas.contacts.count(),
        atlas.quarters.count(),
        sum(len(atlas.taxonomy.terms(v)) for v in m.Vocabulary),
    )


def test_steps_report_and_raise_the_german_message() -> None:
    seen: list[tuple[int, int]] = []
    stop = [False]
    steps = Steps(lambda d, t: seen.append((d, t)), lambda: stop[0], total=10, every=3)
    for _ in range(4):
        steps.advance()
    assert seen == [(3, 10)]  # every third step
    stop[0] = True
    steps.advance()  # not yet due
    with pytest.raises(Cancelled) as raised:
        steps.advance()
    assert str(raised.value) == CANCELLED_MESSAGE == "Abgebrochen – nichts wurde geändert."
    Steps().finish_phase()  # without callables: never cancelled, reports nowhere


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".vcf"])
def test_a_list_export_reports_progress_and_a_cancel_writes_no_file(
    tmp_path: Path, demo: Atlas, suffix: str
) -> None:
    kind = "contact"
    ids = demo.contacts.list_ids()
    assert len(ids) > 100
    target = tmp_path / f"liste{suffix}"
    watch = CancelAfter(10**9)
    result = export(demo, kind, ids, target, progress=watch.progress, cancelled=watch.cancelled)
    assert result.count == len(ids)
    assert watch.reports[-1][0] == watch.reports[-1][1]  # ends at 100 %
    assert [d for d, _t in watch.reports] == sorted(d for d, _t in watch.reports)
    written = target.read_bytes()

    # cancelled half-way: the old file stays as it was, no temporary file beside it
    half = CancelAfter(len(ids) // 2)
    with pytest.raises(Cancelled):
        export(demo, kind, ids, target, progress=half.progress, cancelled=half.cancelled)
    assert target.read_bytes() == written
    assert leftovers(tmp_path) == []
    # a new target: no file at all
    other = tmp_path / f"neu{suffix}"
    # while reading; for CSV and XLSX also while writing the rows
    for after in (len(ids) // 2, len(ids) + 50) if suffix != ".vcf" else (len(ids) // 2,):
        late = CancelAfter(after)
        with pytest.raises(Cancelled):
            export(demo, kind, ids, other, progress=late.progress, cancelled=late.cancelled)
        assert not other.exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["paket.zip", "paket"])
def test_an_open_referral_export_cancelled_leaves_the_target_as_it_was(
    tmp_path: Path, demo: Atlas, name: str
) -> None:
    target = tmp_path / name
    watch = CancelAfter(10**9)
    exported = hsds.export_package(demo, target, progress=watch.progress, cancelled=watch.cancelled)
    done, total = watch.reports[-1]
    assert done == total and total > exported.organizations + exported.services
    before = sorted(p.name for p in tmp_path.rglob("*"))
    stamp = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    for after in (5, exported.organizations + 3, total - 1):  # institutions, offers, the last file
        cancel = CancelAfter(after)
        with pytest.raises(Cancelled):
            hsds.export_package(demo, target, progress=cancel.progress, cancelled=cancel.cancelled)
        assert sorted(p.name for p in tmp_path.rglob("*")) == before
        assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == stamp
    fresh = tmp_path / f"neu-{name}"
    cancel = CancelAfter(total - 1)
    with pytest.raises(Cancelled):
        hsds.export_package(demo, fresh, progress=cancel.progress, cancelled=cancel.cancelled)
    assert not fresh.exists()


def test_an_open_referral_import_cancelled_after_n_rows_rolls_back(
    tmp_path: Path, demo: Atlas, empty: Atlas
) -> None:
    package = tmp_path / "paket.zip"
    exported = hsds.export_package(demo, package)
    announced: list[Change] = []
    empty.changes.subscribe(announced.append)
    before = counts(empty)
    # after some institutions, after the institutions were flushed (in the offers), at the very end
    for after in (3, exported.organizations + 5, exported.organizations + exported.services):
        cancel = CancelAfter(after)
        with pytest.raises(Cancelled):
            hsds.import_package(empty, package, progress=cancel.progress, cancelled=cancel.cancelled)
        assert cancel.reports[-1][0] >= after
        assert counts(empty) == before
        assert empty.institutions.list_ids("a") == []  # no search entry either
    assert announced == []
    watch = CancelAfter(10**9)
    result = hsds.import_package(empty, package, progress=watch.progress, cancelled=watch.cancelled)
    assert result.institutions == exported.organizations
    assert watch.reports[-1] == (watch.reports[-1][1], watch.reports[-1][1])
    assert announced


def _quarters_file(tmp_path: Path) -> Path:
    def square(lon1: float, lat1: float, lon2: float, lat2: float) -> dict[str, object]:
        ring = [[lon1, lat1], [lon2, lat1], [lon2, lat2], [lon1, lat2], [lon1, lat1]]
        return {"type": "Polygon", "coordinates": [ring]}

    features = [
        {
            "type": "Feature",
            "properties": {"name": f"Viertel {n}"},
            "geometry": square(6.80 + n / 100, 51.45, 6.81 + n / 100, 51.50),
        }
        for n in range(8)
    ]
    path = tmp_path / "viertel.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_a_quarter_import_cancelled_half_way_changes_nothing(tmp_path: Path, atlas: Atlas) -> None:
    for n in range(30):
        atlas.institutions.save(None, {"name": f"Kita {n}", "lat": 51.47, "lon": 6.801 + n / 400})
    path = _quarters_file(tmp_path)
    announced: list[Change] = []
    atlas.changes.subscribe(announced.append)
    before = counts(atlas)
    for after in (1, 2, 6, 11):  # parsed, overlaps, some quarters written, institutions re-assigned
        cancel = CancelAfter(after)
        with pytest.raises(Cancelled):
            atlas.boundaries.import_geojson(
                path, "name", progress=cancel.progress, cancelled=cancel.cancelled
            )
        assert counts(atlas) == before
        assert {atlas.institutions.get(i).values["quarter_id"] for i in atlas.institutions.list_ids()} == {
            None
        }
    assert announced == []
    watch = CancelAfter(10**9)
    report = atlas.boundaries.import_geojson(path, "name", progress=watch.progress, cancelled=watch.cancelled)
    assert len(report.created) == 8 and report.reassigned.moved == 30
    done, total = watch.reports[-1]
    assert done == total >= 12


def test_release_empties_nested_containers() -> None:
    rows = [{"id": n} for n in range(1234)]
    tables = {"a": rows, "b": {"x": [1, 2]}, "c": 3}
    keep = tables["b"]
    release(tables, batch=100)
    assert tables == {} and rows == [] and keep == {}
    keys = {(n, str(n)) for n in range(1234)}
    release(keys, batch=100)
    assert keys == set()
