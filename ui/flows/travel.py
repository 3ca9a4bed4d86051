"""The offline copy in the window (issue 14): take it along, bring it back, undo the merge.

- "Für unterwegs mitnehmen …": the names of quarters and round tables are read on the
  database worker, ``ui.travel_dialog.TakeDialog`` asks for the part and the file, and the
  copy is written on the background worker (``db.travel.make_copy`` with
  ``TravelService.prepare``) behind a busy dialog that shows the transfer's lines.
- "Unterwegs-Kopie zurückführen …": the copy is opened and compared on the database
  worker, ``ui.travel_review.ReviewDialog`` shows what will change and asks the
  conflicts; "Übernehmen" writes on the database worker (one transaction) and puts the
  merge on the window's undo stack as one step (``MergeBackCommand``), whose undo runs
  ``TravelService.undo`` on the database worker.
- The title bar says "Unterwegs-Kopie vom …" when the open database is a copy.

The files are opened by ``db.travel``; ui never imports db, so main.py hands the two
functions in as a ``TravelFiles`` (``ui.app.run_gui`` binds it to the database's address).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QFileDialog, QLabel, QProgressDialog, QWidget

from atlas.errors import AtlasError
from atlas.i18n import _
from atlas.records import Matcher, Person, snapshot
from atlas.text import fold, format_date
from atlas.travel import Applied, Choices, CopyInfo, Plan, TravelError, counted
from ui.plain import inform, plain_label, warn
from ui.travel_dialog import TakeDialog
from ui.travel_duplicates import DuplicatesOffer, Pair
from ui.travel_review import ReviewDialog, taken_counts

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class MakeCopy(Protocol):
    """``db.travel.make_copy``: a new copy file of the database ``source`` at ``target``."""

    def __call__(
        self,
        source: str,
        target: Path,
        prepare: Callable[[Any], CopyInfo],
        progress: Callable[[str], None] | None = ...,
    ) -> CopyInfo: ...


@dataclass(frozen=True)
class TravelFiles:
    """The copy's files, from ``db.travel`` (main.py wires it): ``source`` is the address of
    the database the window has open (set by ``ui.app``, never shown)."""

    make_copy: MakeCopy
    open_copy: Callable[[Path], Any]  # → an SQLAlchemy Engine; disposed by the caller
    source: str = ""

    def review(self, window: MainWindow, path: Path) -> Plan:
        engine = self.open_copy(path)
        try:
            return window.atlas.travel.review(engine)
        finally:
            engine.dispose()

    def merge(self, window: MainWindow, path: Path, plan: Plan, choices: Choices) -> Applied:
        engine = self.open_copy(path)
        try:
            return window.atlas.travel.merge(engine, plan, choices)
        finally:
            engine.dispose()


def default_name(window: MainWindow) -> str:
    return f"Unterwegs-Kopie-{window.atlas.clock.today().isoformat()}.sqlite"


def _busy(window: QWidget, title: str, text: str) -> QProgressDialog:
    """A busy dialog (no cancel: one transaction), shown only after 400 ms."""
    busy = QProgressDialog(window)
    busy.setObjectName("travelBusy")
    label = plain_label(text, wrap=True)  # the transfer's lines name tables and files
    label.setObjectName("travelBusyLabel")
    busy.setLabel(label)
    busy.setRange(0, 0)
    busy.setWindowTitle(title)
    busy.setCancelButton(None)  # type: ignore[arg-type]
    busy.setWindowModality(Qt.WindowModality.WindowModal)
    busy.setMinimumDuration(400)
    busy.setAutoClose(False)
    busy.setMinimumWidth(420)
    return busy


def _done_busy(busy: QProgressDialog) -> None:
    busy.reset()
    busy.deleteLater()


def _unavailable(window: MainWindow, title: str) -> bool:
    if window.travel_files is None:
        inform(window, title, _("In diesem Fenster (Demo, Teamserver) gibt es keine Unterwegs-Kopie."))
        return True
    return False


# -- taking a copy along ---------------------------------------------------------------
def take_copy(window: MainWindow) -> None:
    """Datei → "Für unterwegs mitnehmen …": the names first (worker), then the dialog."""
    title = _("Für unterwegs mitnehmen")
    if _unavailable(window, title):
        return
    atlas = window.atlas

    def names() -> tuple[list[str], list[str]]:
        quarters = [name for _id, name in atlas.quarters.choices()]
        tables = [name for _id, name in atlas.records["round_table"].choices()]
        return quarters, tables

    def failed(err: BaseException) -> None:
        if not isinstance(err, AtlasError):
            raise err
        warn(window, title, str(err))

    window.tasks.run(names, lambda found: _ask_take(window, *found), failed, owner=window)


def _ask_take(window: MainWindow, quarters: list[str], tables: list[str]) -> None:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    dialog = TakeDialog(quarters, tables, Path(folder or Path.home()) / default_name(window), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: _write_copy(window, dialog.path(), dialog.scope()))
    dialog.open()


def _write_copy(window: MainWindow, target: Path, scope: Any) -> None:
    files = window.travel_files
    assert files is not None
    title = _("Für unterwegs mitnehmen")
    atlas = window.atlas
    taken_by = atlas.rights.user or None
    busy = _busy(window, title, _("Die Unterwegs-Kopie „{file}“ wird geschrieben …").format(file=target.name))
    busy_label = busy.findChild(QLabel, "travelBusyLabel")
    say = window.network_tasks.reporter(
        lambda line: busy_label.setText(line) if busy_label is not None else None, owner=busy
    )

    def write() -> CopyInfo:
        return files.make_copy(
            files.source, target, lambda engine: atlas.travel.prepare(engine, scope, taken_by), say
        )

    def done(info: CopyInfo) -> None:
        _done_busy(busy)
        window.statusBar().showMessage(
            _(
                "Unterwegs-Kopie „{file}“ gespeichert ({part}): {counts}. Sie öffnet sich im selben "
                "Programm; zurück mit „Datei → Unterwegs-Kopie zurückführen …“."
            ).format(file=target.name, part=scope.describe(), counts=taken_counts(info.counts)),
            30000,
        )

    def failed(err: BaseException) -> None:
        _done_busy(busy)
        if not isinstance(err, AtlasError | OSError):
            raise err
        warn(window, title, str(err))

    window.network_tasks.run(write, done, failed, owner=window)


# -- bringing it back ------------------------------------------------------------------
def bring_back(window: MainWindow, path: str | None = None) -> None:
    """Datei → "Unterwegs-Kopie zurückführen …": the file, the review (worker), the dialog."""
    title = _("Unterwegs-Kopie zurückführen")
    if _unavailable(window, title):
        return
    chosen = (
        path
        or QFileDialog.getOpenFileName(
            window, title, "", _("Stadtteil-Atlas-Datenbank (*.sqlite);;Alle Dateien (*)")
        )[0]
    )
    if chosen:
        _review(window, Path(chosen), None)


def _review(window: MainWindow, path: Path, preset: Choices | None) -> None:
    files = window.travel_files
    assert files is not None
    title = _("Unterwegs-Kopie zurückführen")
    busy = _busy(window, title, _("„{file}“ wird mit dem Büro verglichen …").format(file=path.name))

    def done(plan: Plan) -> None:
        _done_busy(busy)
        dialog = ReviewDialog(plan, path.name, window, preset=preset)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applyRequested.connect(lambda choices: _merge(window, dialog, path, plan, choices))
        dialog.open()

    def failed(err: BaseException) -> None:
        _done_busy(busy)
        if not isinstance(err, AtlasError | OSError):
            raise err
        warn(window, title, str(err))

    window.tasks.run(lambda: files.review(window, path), done, failed, owner=window)


def _merge(window: MainWindow, dialog: ReviewDialog, path: Path, plan: Plan, choices: Choices) -> None:
    files = window.travel_files
    assert files is not None
    title = _("Unterwegs-Kopie zurückführen")
    dialog.busy(True)

    def done(applied: Applied) -> None:
        dialog.busy(False)
        dialog.accept()
        window.undo_stack.push(MergeBackCommand(window, path, plan, choices, applied))
        window.statusBar().showMessage(
            _("„{file}“ zurückgeführt: {counts} – Rückgängig mit Strg+Z.").format(
                file=path.name, counts=applied_counts(applied)
            ),
            30000,
        )
        _offer_duplicates(window, applied)

    def failed(err: BaseException) -> None:
        if not isinstance(err, AtlasError | OSError):
            dialog.busy(False)
            raise err
        dialog.busy(False)
        warn(dialog, title, str(err) + "\n\n" + _("Im Büro wurde nichts geändert."))
        if isinstance(err, TravelError):  # things changed since the review: look again
            dialog.reject()
            _review(window, path, choices)

    window.tasks.run(lambda: files.merge(window, path, plan, choices), done, failed, owner=dialog)


def _offer_duplicates(window: MainWindow, applied: Applied) -> None:
    """After a merge: its notes, then the records it brought in that the duplicate rule
    calls possibly the same as one already there (asked on the database worker), offered
    for comparing and merging (``ui.travel_duplicates``)."""
    title = _("Unterwegs-Kopie zurückführen")
    atlas = window.atlas

    def find() -> list[Pair]:
        pairs: list[Pair] = []
        for kind, new_id, candidate in atlas.travel.possible_duplicates(applied):
            try:
                pairs.append((kind, new_id, atlas.records[kind].get(new_id).title, candidate))
            except AtlasError:
                continue  # gone meanwhile
        return pairs

    def found(pairs: list[Pair]) -> None:
        if applied.notes:
            inform(window, title, "\n".join(applied.notes))
        if not pairs:
            return
        offer = DuplicatesOffer(pairs, window)
        offer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        offer.compare.connect(lambda kind, new_id, office_id: compare_pair(window, kind, new_id, office_id))
        offer.open()

    def failed(err: BaseException) -> None:
        if not isinstance(err, AtlasError):
            raise err
        if applied.notes:
            inform(window, title, "\n".join(applied.notes))

    window.tasks.run(find, found, failed, owner=window)


def compare_pair(window: MainWindow, kind: str, new_id: int, office_id: int) -> None:
    """The program's own duplicate question for the office's record, the copy's record
    chosen in it: "Zusammenführen …" opens the merge dialog (the office's record is kept,
    the merge is one step on the undo stack)."""
    window.open_record(kind, office_id)
    form = window.section(kind).form
    if form.record is None or form.record.id != office_id or not form.find_duplicates():
        window.statusBar().showMessage(_("Keine möglichen Duplikate mehr gefunden."), 8000)
        return
    question = form.duplicate_dialog
    if question is not None:
        ids = [c.id for c in question.candidates]
        if new_id in ids:
            question.list.setCurrentRow(ids.index(new_id))


def applied_counts(applied: Applied) -> str:
    """ "2 Einrichtungen neu, 1 Einrichtung geändert …" of a merge; "nichts" when it did nothing."""
    words = {"insert": _("neu"), "update": _("geändert"), "delete": _("gelöscht")}
    parts = []
    for kind, per in applied.counts.items():
        for action, n in per.items():
            parts.append(f"{counted(kind, n)} {words.get(action, action)}")
    return ", ".join(parts) or _("nichts geändert")


class MergeBackCommand(QUndoCommand):
    """A merge of a copy, pushed after it was written: the first redo does nothing.

    Undo runs ``TravelService.undo`` on the database worker; redo writes the same reviewed
    plan again (``TravelService.merge`` refuses if anything changed since). The stack moves
    at once; if the worker refuses (someone changed the rows since: ``ConflictError``), the
    German message is shown and the step is dropped where it stands — what is in the
    database is what the stack says."""

    def __init__(
        self, window: MainWindow, path: Path, plan: Plan, choices: Choices, applied: Applied
    ) -> None:
        super().__init__(_("Unterwegs-Kopie „{file}“ zurückführen").format(file=path.name))
        self.window = window
        self.path = path
        self.plan: Plan | None = plan  # None after an erasure: the redo is refused
        self.choices: Choices | None = choices
        self.applied = applied
        self._first = True
        self._drop = False  # the last step failed: the next call from the stack drops this one

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        if self._drop:
            self._drop = False
            self.setObsolete(True)
            return
        window, files = self.window, self.window.travel_files
        assert files is not None

        def done(applied: Applied) -> None:
            self.applied = applied
            window.statusBar().showMessage(
                _("„{file}“ wieder zurückgeführt.").format(file=self.path.name), 10000
            )

        def failed(err: BaseException) -> None:
            self._refused(err)
            if (
                window.undo_stack.index() > 0
                and window.undo_stack.command(window.undo_stack.index() - 1) is self
            ):
                self._drop = True
                window.undo_stack.undo()

        plan, choices = self.plan, self.choices

        def merge_again() -> Applied:
            if plan is None or choices is None:
                raise TravelError(
                    _(
                        "Das Zurückführen von „{file}“ kann nicht wiederholt werden: eine Person darin "
                        "wurde inzwischen gelöscht (DSGVO). Bitte die Kopie noch einmal zurückführen."
                    ).format(file=self.path.name)
                )
            return files.merge(window, self.path, plan, choices)

        window.tasks.run(merge_again, done, failed, owner=window)

    def undo(self) -> None:
        if self._drop:
            self._drop = False
            self.setObsolete(True)
            return
        window = self.window
        done_undo = self.applied.undo

        def done(_result: object) -> None:
            window.statusBar().showMessage(
                _("Zurückführen von „{file}“ rückgängig gemacht.").format(file=self.path.name), 10000
            )

        def failed(err: BaseException) -> None:
            self._refused(err)
            stack = window.undo_stack
            if stack.index() < stack.count() and stack.command(stack.index()) is self:
                self._drop = True
                stack.redo()

        window.tasks.run(lambda: window.atlas.travel.undo(done_undo), done, failed, owner=window)

    def _refused(self, err: BaseException) -> None:
        if not isinstance(err, AtlasError):
            raise err
        warn(self.window, _("Rückgängig"), str(err))

    def purge(self, person: Person) -> bool:
        """Forget an erased person (Art. 17) in everything an undo or redo would write back
        (``ui.undo.purge`` calls it after an erasure). The reviewed plan holds the copy's
        rows: it goes, so a redo is refused (the copy can be brought back again, where the
        office's erasure wins). The undo keeps what it needs without her: the deleted rows'
        snapshots purged, the replaced values and the base rows' texts scrubbed, references
        to her cleared, her own row's replaced values dropped and her base row a stub
        ("{}", as the erasure left the office's base)."""
        matcher = Matcher(person)
        held = self.plan is not None and _plan_holds(self.plan, person, matcher)
        if held:
            self.plan = self.choices = None
        her = person.contact_id

        def clean(values: Mapping[str, object]) -> dict[str, object]:
            out = {k: matcher.scrub(v) if isinstance(v, str) else v for k, v in values.items()}
            if her is not None and out.get("contact_id") == her:
                out["contact_id"] = None
            return out

        done = self.applied.undo
        updated = [
            (table, row_id, clean(old), after)
            for table, row_id, old, after in done.updated
            if not (table == "contact" and row_id == her)  # her row is gone: nothing to put back
        ]
        base_before = [_purged_base_row(row, person, matcher) for row in done.base_before]
        undo = replace(
            done,
            inserted=[(t, i, clean(v)) for t, i, v in done.inserted],
            unlinked=[(t, clean(v)) for t, v in done.unlinked],
            updated=updated,
            deleted=[snapshot.purge(snap, person) for snap in done.deleted],
            base_before=base_before,
        )
        notes = [matcher.scrub(note) for note in self.applied.notes]
        held = held or undo != done or notes != self.applied.notes
        self.applied = replace(self.applied, undo=undo, notes=notes)
        return held


def _is_her(row: Mapping[str, object], data: Mapping[str, object], person: Person) -> bool:
    """Is this contact base row the erased person's own? Her office id (a contact taken
    out keeps its id in the copy) with her name, e-mail or phone in it, or her name and
    e-mail both."""

    def same(a: object, b: str) -> bool:
        return bool(b) and isinstance(a, str) and fold(a.strip()) == fold(b)

    name = same(data.get("first_name"), person.first_name) and same(data.get("last_name"), person.last_name)
    email = same(data.get("email"), person.email)
    if person.contact_id is not None and row.get("row_id") == person.contact_id:
        return not data or name or email or same(data.get("phone"), person.phone)
    return name and email


def _plan_holds(plan: Plan, person: Person, matcher: Matcher) -> bool:
    """Does the reviewed plan hold the erased person: her row, or her name in a text?"""
    texts: list[str] = []

    def collect(row: Mapping[str, object] | None) -> None:
        if row:
            texts.extend(v for v in row.values() if isinstance(v, str))

    for (kind, _key), (_version, row_id, row) in plan.copy_rows.items():
        if kind == "contact" and row and _is_her({"row_id": row_id}, row, person):
            return True
        collect(row)
    for d in plan.decisions:
        rows: tuple[Mapping[str, object] | None, ...] = (d.base, d.office, d.copy, d.values)
        for each in rows:
            if d.kind == "contact" and each and _is_her({}, each, person):
                return True
            collect(each)
        for c in d.conflicts:
            texts.extend(v for v in (c.base, c.office, c.copy) if isinstance(v, str))
    return any(matcher.spans(texts[i]) for i in matcher.candidates(texts))


def _purged_base_row(row: Mapping[str, object], person: Person, matcher: Matcher) -> dict[str, object]:
    """A ``travel_base`` row an undo would put back, without the erased person."""
    out = dict(row)
    text = row.get("data")
    if not isinstance(text, str) or text in ("", "{}"):
        return out
    data = json.loads(text)
    if not isinstance(data, dict):
        return out
    if row.get("kind") == "contact" and _is_her(row, data, person):
        out["data"] = "{}"
        return out
    cleaned = {k: matcher.scrub(v) if isinstance(v, str) else v for k, v in data.items()}
    if cleaned != data:
        out["data"] = json.dumps(cleaned, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return out


# -- the title bar ---------------------------------------------------------------------
def copy_title(info: CopyInfo) -> str:
    """ "Unterwegs-Kopie vom 16.11.2026" (the local day it was taken; stored in UTC)."""
    local = info.taken_at.replace(tzinfo=dt.UTC).astimezone()
    return _("Unterwegs-Kopie vom {day}").format(day=format_date(local.date()))


def mark_title(window: MainWindow) -> None:
    """Asked on the database worker once the window is built: a copy says so in the title."""

    def done(info: CopyInfo | None) -> None:
        if info is not None:
            window.setWindowTitle(f"{window.windowTitle()} – {copy_title(info)}")

    def failed(err: BaseException) -> None:
        if not isinstance(err, AtlasError):
            raise err  # a server that is gone says so elsewhere (ui.live)

    window.tasks.run(window.atlas.travel.this_copy, done, failed, owner=window)
