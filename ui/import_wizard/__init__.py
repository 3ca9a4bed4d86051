"""Datei → Importieren …: a list from Excel or CSV in four or five steps, every long step on a worker.

1. **Datei** – file and kind of records; the file is read on the worker (``read_table``),
   the detected encoding and separator are shown and can be overridden (the file is read
   again), an Excel workbook with several sheets offers a choice; the first rows are shown.
2. **Spalten** – one line per column of the file: heading, example values and the field
   it goes into (the mapping saved last time first, then the headings); a required field
   without a column keeps *Weiter* disabled.
3. **Prüfung** – ``prepare`` on the worker with progress and cancel: counts, the invalid
   rows with row, column and reason, the possible duplicates with a choice each, the
   rejects report. Nothing is imported while invalid rows are in unless the user leaves
   them out. This is the commit page (its button says *Importieren*) unless step 3a follows.
3a. **Neue Begriffe** – only when the rows to import name categories, target groups,
   sectors or quarters the database does not know: one line per value with "neu anlegen"
   (the default) or "zuordnen zu …" an existing one (close names, found with rapidfuzz,
   first and named in their own column; never chosen by themselves). A choice is
   remembered for the next import, like the column mapping. The commit page then.
4. **Import** – ``apply`` on the worker with progress and cancel (cancel: nothing is
   written), the result, and the confirmed mapping is saved for next time.

The wizard only shows what :mod:`atlas.io.importing` decides. Progress reaches the GUI
thread through a signal of a QObject living there (docs/ARCHITECTURE.md, threading
rules); the change broadcast of ``apply`` is held back on the worker and sent from the
GUI thread, because the window's listeners start Qt timers.

Methods for tests and scripts (no modal dialog needed): :meth:`ImportWizard.load_file`,
``set_encoding``, ``set_separator``, ``set_sheet``, ``mapping``,
``set_mapping``, ``run_check``, ``set_duplicate_choice``,
``term_choice``, ``set_term_choice``, ``save_rejects``, ``report_start_path``, ``run_import``,
``cancel_import``; signals ``file_read``, ``checked``,
``imported``, ``import_failed``.
"""

from ui.import_wizard.common import CHECK, COLUMNS, FILE, IMPORT, TERMS
from ui.import_wizard.wizard import ImportWizard

__all__ = ["CHECK", "COLUMNS", "FILE", "IMPORT", "TERMS", "ImportWizard"]
