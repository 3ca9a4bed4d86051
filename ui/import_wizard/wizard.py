"""The import wizard's controller: state, workers, and the methods tests and scripts call."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import QWidget, QWizard

from atlas.core import Atlas
from atlas.errors import AtlasError
from atlas.io import (
    CHOICES,
    KINDS,
    MAX_FILE_BYTES,
    QUARTER,
    Choice,
    ImportCancelled,
    ImportPlan,
    ImportResult,
    MappingStore,
    NewTerm,
    RawTable,
    apply,
    heading_key,
    import_fields,
    mapping_problems,
    prepare,
    read_table,
    rejects_path,
    suggest_mapping,
    term_key,
    term_keys,
    write_rejects,
)
from atlas.limits import MAX_UNPACKED_BYTES
from atlas.models import Vocabulary
from ui.collector import holding_collections
from ui.import_wizard.check_page import CheckPage
from ui.import_wizard.columns_page import ColumnsPage
from ui.import_wizard.common import (
    CHECK,
    COLUMNS,
    ERROR_STYLE,
    FILE,
    IMPORT,
    TERMS,
    select_data,
    thousands,
)
from ui.import_wizard.file_page import FilePage
from ui.import_wizard.import_page import ImportPage
from ui.import_wizard.terms_page import TermsPage
from ui.workers import Workers


class ImportWizard(QWizard):
    """Datei → Importieren …: file, columns, check, import.

    ``kind`` presets the kind of records ("institution", "offer", "contact", "actor");
    ``path`` starts reading that file at once; ``mapping_folder`` is where the confirmed
    mappings are kept (default: the user's configuration folder, shared with the command
    line). ``imported`` carries the :class:`ImportResult` after a successful import.
    """

    file_read = Signal(object)  # RawTable, or None when the file was refused
    checked = Signal(object)  # ImportPlan, or None (failed or cancelled)
    imported = Signal(object)  # ImportResult
    import_failed = Signal(str)  # German message (cancelled: nothing was written)

    def __init__(
        self,
        atlas: Atlas,
        kind: str | None = None,
        path: str | None = None,
        mapping_folder: Path | None = None,
        parent: QWidget | None = None,
        *,
        workers: Workers,
    ) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.mapping_store = MappingStore(mapping_folder)
        self.setWindowTitle(self.tr("Liste importieren"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        # Limits of the file check (tests lower them).
        self.max_bytes = MAX_FILE_BYTES
        self.max_unpacked = MAX_UNPACKED_BYTES

        # State, plain data only.
        self.kind: str = kind if kind in KINDS else KINDS[0]
        self.path: str | None = None
        self.encoding: str | None = None  # chosen by the user (None: detect)
        self.separator: str | None = None
        self.sheet: str | None = None
        self.table: RawTable | None = None
        self.refusal: str = ""
        self.reading = False
        self.table_serial = 0
        self._mapping: dict[int, str] = {}
        self._mapping_key: tuple[Any, ...] | None = None
        self.saved_mapping_used = False
        self.plan: ImportPlan | None = None
        self.checked_key: tuple[Any, ...] | None = None
        self.checking = False
        self.check_message = ""
        self._choices: dict[int, str] = {}
        self.default_choice: str = "skip"
        self._term_choices: dict[tuple[str, str], int | None] = {}  # None: neu anlegen
        self._existing_terms: dict[str, list[tuple[int, str]]] | None = None
        self.result: ImportResult | None = None  # type: ignore[assignment]  # replaces QDialog.result()
        self.importing = False
        self.import_message = ""
        self.rejects_written: int | None = None

        self._read_serial = 0
        self._check_serial = 0
        self._import_serial = 0
        self._read_cancel = threading.Event()
        self._check_cancel = threading.Event()
        self._import_cancel = threading.Event()
        self.workers = workers
        self.tasks = workers.database  # the check and the import: reads and writes in order
        self._check_reporter = self.tasks.reporter(self._check_step, owner=self)
        self._import_reporter = self.tasks.reporter(self._import_step, owner=self)

        self.file_page = FilePage(self)
        self.columns_page = ColumnsPage(self)
        self.check_page = CheckPage(self)
        self.terms_page = TermsPage(self)
        self.import_page = ImportPage(self)
        self.setPage(FILE, self.file_page)
        self.setPage(COLUMNS, self.columns_page)
        self.setPage(CHECK, self.check_page)
        self.setPage(TERMS, self.terms_page)
        self.setPage(IMPORT, self.import_page)
        self.file_page.kind_combo.setCurrentIndex(KINDS.index(self.kind))
        self.setMinimumSize(760, 520)
        self.resize(900, 600)
        if path:
            self.load_file(path)

    # -- 1. reading ------------------------------------------------------------------
    def load_file(self, path: str | Path) -> None:
        """Read a new file (encoding, separator and sheet detected); emits ``file_read``."""
        self.path = str(path)
        self.encoding = self.separator = self.sheet = None
        self._read()

    def set_encoding(self, encoding: str) -> None:
        """Read the file again with this encoding (one of ``ENCODINGS``)."""
        self.encoding = encoding
        select_data(self.file_page.encoding_combo, encoding)
        self._read()

    def set_separator(self, separator: str) -> None:
        self.separator = separator
        select_data(self.file_page.separator_combo, separator)
        self._read()

    def set_sheet(self, sheet: str) -> None:
        self.sheet = sheet
        self._read()

    def _read(self) -> None:
        if not self.path:
            return
        self._read_cancel.set()  # a read still running is no longer wanted
        self._read_cancel = cancel = threading.Event()
        self._read_serial += 1
        serial = self._read_serial
        self.table = None
        self.reading = True
        self.file_page.reading(self.path)
        path, encoding, separator, sheet = self.path, self.encoding, self.separator, self.sheet
        max_bytes, max_unpacked = self.max_bytes, self.max_unpacked
        cancelled = self.workers.cancelled(cancel)
        self.workers.background.run(  # a file, not the database: never waits behind a search
            lambda: read_table(
                path,
                encoding,
                separator,
                sheet=sheet,
                max_bytes=max_bytes,
                max_unpacked=max_unpacked,
                cancelled=cancelled,
            ),
            lambda table: self._read_done(serial, table),
            lambda error: self._read_failed(serial, error),
            owner=self,
        )

    def _read_done(self, serial: int, table: RawTable) -> None:
        if serial != self._read_serial:
            return
        self.reading = False
        self.table = table
        self.refusal = ""
        self.table_serial += 1
        self.file_page.show_table(table)
        self.file_read.emit(table)

    def _read_failed(self, serial: int, error: BaseException) -> None:
        if serial != self._read_serial:
            return
        self.reading = False
        self.table = None
        self.refusal = self._message(error)
        self.file_page.show_refusal(self.refusal)
        self.file_read.emit(None)

    def _message(self, error: BaseException) -> str:
        if isinstance(error, AtlasError):
            return str(error)
        # never the driver's text: it holds SQL and the row's values
        return self.tr("Unerwarteter Fehler ({kind}). Es wurde nichts importiert.").format(
            kind=type(error).__name__
        )

    # -- 2. mapping ------------------------------------------------------------------
    def ensure_mapping(self) -> tuple[Any, ...] | None:
        """The suggested mapping for this file and kind, unless the user already chose."""
        if self.table is None:
            return None
        key = (self.table.headers, self.kind)
        if key != self._mapping_key:
            saved = self.mapping_store.load(self.kind)
            self._mapping = suggest_mapping(self.kind, self.table.headers, saved=saved)
            self.saved_mapping_used = any(heading_key(h) in saved for h in self.table.headers)
            self._mapping_key = key
        return key

    def mapping(self) -> dict[int, str]:
        """Column index -> field name of the columns taken over."""
        self.ensure_mapping()
        return dict(self._mapping)

    def set_mapping(self, column: int | str, field: str | None) -> None:
        """Map a column (index or heading) to a field; ``None`` or "" leaves it out."""
        self.ensure_mapping()
        if isinstance(column, str):
            assert self.table is not None
            column = self.table.headers.index(column)
        if field:
            if field not in {f.name for f in import_fields(self.kind)}:
                raise ValueError(field)
            self._mapping[column] = field
        else:
            self._mapping.pop(column, None)
        self.columns_page.refresh()

    def mapping_problems(self) -> list[str]:
        """German sentences for what keeps the mapping from being used (the core's rule)."""
        if self.table is None:
            return []
        self.ensure_mapping()
        return mapping_problems(self.kind, self.table.headers, self._mapping)

    # -- 3. check --------------------------------------------------------------------
    def plan_key(self) -> tuple[Any, ...]:
        return (self.table_serial, self.kind, tuple(sorted(self._mapping.items())))

    def _go_to(self, page_id: int) -> bool:
        while self.currentId() < page_id:
            if self.currentId() == -1 or not self.currentPage().isComplete():
                return False
            self.next()
        return self.currentId() == page_id

    def run_check(self) -> bool:
        """Go to the check page and check the rows on the worker; emits ``checked``."""
        if self.currentId() < CHECK:
            return self._go_to(CHECK)  # the page starts the check when it is shown
        if self.table is None or self.importing:
            return False
        self._check_cancel.set()
        self._check_cancel = cancel = threading.Event()
        self._check_serial += 1
        serial = self._check_serial
        self.plan = None
        self.checked_key = self.plan_key()
        self.checking = True
        self.check_message = ""
        self._choices = {}
        self.check_page.show_running()
        atlas, kind, table, mapping = self.atlas, self.kind, self.table, dict(self._mapping)
        step, cancelled = self._check_reporter, self.workers.cancelled(cancel)

        def work() -> ImportPlan:
            return prepare(
                atlas,
                kind,
                table,
                mapping,
                progress=lambda done, total: step(serial, done, total),
                cancelled=cancelled,
            ).warm()  # its passes over all rows here, not on the GUI thread

        self.tasks.run(
            holding_collections(work),  # a full collection on the worker would stall the window
            lambda plan: self._check_done(serial, plan),
            lambda error: self._check_failed(serial, error),
            owner=self,
        )
        return True

    def cancel_check(self) -> None:
        if self.checking:
            self._check_cancel.set()

    def _check_step(self, serial: int, done: int, total: int) -> None:
        if serial == self._check_serial and self.checking:
            self.check_page.step(done, total)

    def _check_done(self, serial: int, plan: ImportPlan) -> None:
        if serial != self._check_serial:
            return
        self.checking = False
        self.plan = plan
        self._existing_terms = None
        # Remembered from the last import; this session's choices (before a new check) win.
        self._term_choices = {**self._remembered_term_choices(plan), **self._term_choices}
        self.check_page.show_plan(plan)
        self.checked.emit(plan)

    def _check_failed(self, serial: int, error: BaseException) -> None:
        if serial != self._check_serial:
            return
        self.checking = False
        if isinstance(error, ImportCancelled):
            self.check_message = self.tr(
                "Die Prüfung wurde abgebrochen. Mit „Neu prüfen“ beginnt sie von vorn."
            )
        else:
            self.check_message = self._message(error)
        self.check_page.show_failure(self.check_message)
        self.checked.emit(None)

    @property
    def skip_invalid(self) -> bool:
        return self.check_page.skip_invalid.isChecked()

    def duplicate_choice(self, row: int) -> str:
        return self._choices.get(row, self.default_choice)

    def set_duplicate_choice(self, row: int, choice: str) -> None:
        """'skip', 'merge' or 'import' for the duplicate in this row of the file."""
        if choice not in CHOICES:
            raise ValueError(choice)
        self._choices[row] = choice
        self.check_page.choice_changed(row)

    def set_default_choice(self, choice: str) -> None:
        """The choice for every duplicate (the single choices are reset to it)."""
        if choice not in CHOICES:
            raise ValueError(choice)
        self.default_choice = choice
        self._choices = {}
        page = self.check_page
        page.all_choice.setCurrentIndex(page.all_choice.findData(choice))
        page.choice_changed(None)

    # -- 3a. new terms -----------------------------------------------------------------
    def terms_to_decide(self) -> tuple[NewTerm, ...]:
        """The new terms that rows to import use (a name only broken rows use is not created)."""
        plan = self.plan
        if plan is None or not plan.new_terms:
            return ()
        used: set[int] = set()
        for row in plan.valid_rows:
            values = row.values
            used.update(
                v
                for f in ("category_id", "sector_id", "quarter_id")
                if isinstance(v := values.get(f), int) and v < 0
            )
            used.update(t for t in values.get("target_groups") or () if t < 0)
        return tuple(t for t in plan.new_terms if t.placeholder in used)

    def existing_terms(self) -> dict[str, list[tuple[int, str]]]:
        """Per vocabulary (and "quarter") the existing (id, name), sorted (one short query each)."""
        if self._existing_terms is None:
            found = {v.value: [(t.id, t.name) for t in self.atlas.taxonomy.terms(v)] for v in Vocabulary}
            found[QUARTER] = [(qid, name) for qid, name in self.atlas.quarters.choices()]
            self._existing_terms = found
        return self._existing_terms

    def _remembered_term_choices(self, plan: ImportPlan) -> dict[tuple[str, str], int | None]:
        if not plan.new_terms:
            return {}
        try:
            remembered = self.mapping_store.load_terms()
        except OSError:
            return {}
        choices: dict[tuple[str, str], int | None] = {}
        for term in plan.new_terms:
            name = remembered.get((term.vocabulary, term.key))
            if not name:
                continue
            wanted = set(term_keys(name))
            for record_id, existing in self.existing_terms().get(term.vocabulary, []):
                if wanted & set(term_keys(existing)):
                    choices[(term.vocabulary, term.key)] = record_id
                    break
        return choices

    def term_choice(self, vocabulary: str, key_or_name: str) -> int | None:
        """The existing id chosen for this new term, or None: created."""
        return self._term_choices.get((vocabulary, term_key(key_or_name)))

    def set_term_choice(self, vocabulary: str, key_or_name: str, record_id: int | None) -> None:
        """Map a new term (by its name or key) to an existing term or quarter; None: create it."""
        key = (vocabulary, term_key(key_or_name))
        self._term_choices[key] = record_id
        combo = self.terms_page.combos.get(key)
        if combo is not None and combo.currentData() != record_id:
            combo.setCurrentIndex(max(combo.findData(record_id), 0))
        self.terms_page.refresh()

    def set_commit_page(self) -> None:
        """The page before the import commits: the new terms' page if it is shown."""
        terms = bool(self.terms_to_decide())
        self.check_page.setCommitPage(not terms)
        self.terms_page.setCommitPage(terms)

    def report_start_path(self) -> Path:
        """Where "Fehlerbericht speichern …" proposes to write: beside the list if its folder
        takes a file, else in the documents folder."""
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        source = Path(self.path or "liste.csv")
        return rejects_path(source, Path(documents) if documents else Path.home())

    def save_rejects(self, path: str | Path) -> int | None:
        """The rejects report (rows, reasons) as CSV; the page says where it went."""
        if self.plan is None:
            return None
        note = self.check_page.report_note
        try:
            self.rejects_written = write_rejects(self.plan, path)
        except AtlasError as err:
            note.setText(str(err))
            note.setStyleSheet(ERROR_STYLE)
            note.show()
            return None
        note.setStyleSheet("")
        note.setText(
            self.tr("Fehlerbericht gespeichert: {path} ({n} Zeilen)").format(
                path=path, n=thousands(self.rejects_written)
            )
        )
        note.show()
        return self.rejects_written

    # -- 4. import -------------------------------------------------------------------
    def run_import(self) -> bool:
        """Like pressing Importieren: from the check page (through the new terms' page with
        the choices made) starts ``apply`` on the worker."""
        if self.currentId() == CHECK:
            if not self.check_page.isComplete():
                return False
            self.next()
        if self.currentId() == TERMS:
            self.next()
        return self.importing

    def start_import(self) -> None:
        plan = self.plan
        if plan is None or self.importing:
            return
        self._import_cancel = cancel = threading.Event()
        self._import_serial += 1
        serial = self._import_serial
        self.result = None
        self.import_message = ""
        self.importing = True
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        skip_invalid = self.skip_invalid
        choices = cast(dict[int, Choice], dict(self._choices))
        term_choices = {k: v for k, v in self._term_choices.items() if v is not None}
        default = cast(Choice, self.default_choice)
        atlas, step, cancelled = self.atlas, self._import_reporter, self.workers.cancelled(cancel)
        self.import_page.show_running()

        def work() -> ImportResult:
            # apply announces its changes on atlas.changes from here; the window's relay
            # takes them to the GUI thread
            return apply(
                atlas,
                plan,
                skip_invalid=skip_invalid,
                duplicate_choices=choices,
                default_choice=default,
                progress=lambda done, total: step(serial, done, total),
                cancelled=cancelled,
                term_choices=term_choices,
            )

        self.tasks.run(
            holding_collections(work),  # a full collection on the worker would stall the window
            lambda result: self._import_done(serial, result),
            lambda error: self._import_failed(serial, error),
            owner=self,
        )

    def cancel_import(self) -> None:
        """Stop the import: the transaction is rolled back, nothing is written."""
        if self.importing:
            self._import_cancel.set()
            self.import_page.cancelling()

    def _import_step(self, serial: int, done: int, total: int) -> None:
        if serial == self._import_serial and self.importing:
            self.import_page.step(done, total)

    def _import_done(self, serial: int, result: ImportResult) -> None:
        if serial != self._import_serial:
            return
        self.importing = False
        self.result = result
        notes = []
        assert self.table is not None
        try:
            self.mapping_store.save(self.kind, self.table.headers, self._mapping)
        except AtlasError as err:
            notes.append(
                self.tr("Die Zuordnung der Spalten konnte nicht gespeichert werden: {reason}").format(
                    reason=err
                )
            )
        else:
            notes.append(
                self.tr("Die Zuordnung der Spalten wird beim nächsten Import dieser Art vorgeschlagen.")
            )
        decided = self.terms_to_decide()
        if decided:
            names = {(v, i): n for v, pairs in self.existing_terms().items() for i, n in pairs}
            with contextlib.suppress(AtlasError):  # the note above already says so
                self.mapping_store.save_terms(
                    {
                        (t.vocabulary, t.key): names.get(
                            (t.vocabulary, self.term_choice(t.vocabulary, t.key) or 0)
                        )
                        for t in decided
                    }
                )
        if result.quarters_without_boundary:
            notes.append(
                self.tr(
                    "Noch ohne Grenze und darum nicht auf der Karte: {names}. "
                    "Grenzen über „Orte → Quartiersgrenzen importieren …“."
                ).format(names=", ".join(result.quarters_without_boundary))
            )
        if self.kind == "institution" and result.created:
            notes.append(
                self.tr(
                    "Neue Einrichtungen mit Adresse, aber ohne Koordinaten kommen über "
                    "„Orte → Fehlende Koordinaten ermitteln …“ auf die Karte."
                )
            )
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.import_page.show_result(result, notes)
        self.imported.emit(result)

    def _import_failed(self, serial: int, error: BaseException) -> None:
        if serial != self._import_serial:
            return
        self.importing = False
        self.import_message = self._message(error)
        self.check_page.setCommitPage(False)  # Zurück to try again (nothing was written)
        self.terms_page.setCommitPage(False)
        self.import_page.show_failure(self.import_message, isinstance(error, ImportCancelled))
        self.import_failed.emit(self.import_message)

    # -- closing ---------------------------------------------------------------------
    def reject(self) -> None:
        """Abbrechen, Esc, closing the window: during the import it cancels the import
        (the wizard stays open to say so); otherwise reading and checking stop."""
        if self.importing:
            self.cancel_import()
            return
        self._read_cancel.set()
        self._check_cancel.set()
        super().reject()
