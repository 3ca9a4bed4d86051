"""Bring lists in: CSV and XLSX (and our own GeoJSON and vCard) in stages a wizard can show.

1. :func:`read_table` (:mod:`atlas.io.tables`) reads the file into a :class:`RawTable`
   (headings, rows of text with their row numbers), detecting encoding and separator the
   way German Excel writes them; both can be overridden. Oversized files, zip bombs and XML
   entity bombs are refused before any parsing.
2. :func:`suggest_mapping` maps columns to fields by their headings (German and English),
   after the mapping the user saved last time (:class:`MappingStore`).
3. :func:`prepare` turns the rows into an :class:`ImportPlan`: cleaned values per row,
   errors per row (row, column heading, German reason), duplicates within the file and
   against the database, and the categories, target groups, sectors and quarters the list
   names that do not exist yet (:class:`NewTerm`; with ``create_terms=False`` they are
   errors instead). Nothing is written.
4. :func:`apply` writes the plan in one transaction: all or nothing — the new terms too
   (each created, or mapped to an existing term the user chose in ``term_choices``).
5. :func:`write_rejects` writes the rejected rows with their reasons as a CSV report;
   :func:`rejects_path` says where (beside the list if that folder takes a file).

This module is the import's one place to start: every stage's public names are re-exported
here. The stages live in their own modules: reading in :mod:`atlas.io.tables`, the fields
and the mapping in :mod:`atlas.io.import_fields`, one row in :mod:`atlas.io.import_rows`,
the plan in :mod:`atlas.io.import_plan` with duplicate detection in
:mod:`atlas.io.import_duplicates`, writing in :mod:`atlas.io.import_apply` with the new terms
in :mod:`atlas.io.import_terms`, and the rejects report in :mod:`atlas.io.import_rejects`.

Validation uses the entity specs (:mod:`atlas.records.schema`) and ``RecordService.validate``, so an
imported row obeys exactly the rules of the forms.
"""

from __future__ import annotations

from atlas.io.import_apply import CHOICES, Choice, ImportRefused, ImportResult, apply
from atlas.io.import_duplicates import DUPLICATE_THRESHOLD, Duplicate, normalise_name, similarity
from atlas.io.import_fields import (
    IMPORT_FIELDS,
    KINDS,
    ImportField,
    MappingStore,
    heading_key,
    import_fields,
    mapping_problems,
    suggest_mapping,
)
from atlas.io.import_plan import ImportPlan, PlannedRow, Timings, prepare
from atlas.io.import_rejects import rejects_path, writable_folder, write_rejects
from atlas.io.import_rows import (
    TERM_LABELS,
    TERM_VOCABULARIES,
    NewTerm,
    RowError,
    close_names,
    split_person_name,
    term_key,
)
from atlas.io.import_terms import TermChoices, remembered_choices
from atlas.io.tables import (
    ENCODINGS,
    MAX_FILE_BYTES,
    SEPARATORS,
    FileRefused,
    ImportCancelled,
    ImportFailed,
    RawTable,
    detect_encoding,
    detect_separator,
    read_table,
)

__all__ = [
    "CHOICES",
    "DUPLICATE_THRESHOLD",
    "ENCODINGS",
    "IMPORT_FIELDS",
    "KINDS",
    "MAX_FILE_BYTES",
    "SEPARATORS",
    "TERM_LABELS",
    "TERM_VOCABULARIES",
    "Choice",
    "Duplicate",
    "FileRefused",
    "ImportCancelled",
    "ImportFailed",
    "ImportField",
    "ImportPlan",
    "ImportRefused",
    "ImportResult",
    "MappingStore",
    "NewTerm",
    "PlannedRow",
    "RawTable",
    "RowError",
    "TermChoices",
    "Timings",
    "apply",
    "close_names",
    "detect_encoding",
    "detect_separator",
    "heading_key",
    "import_fields",
    "mapping_problems",
    "normalise_name",
    "prepare",
    "read_table",
    "rejects_path",
    "remembered_choices",
    "similarity",
    "split_person_name",
    "suggest_mapping",
    "term_key",
    "writable_folder",
    "write_rejects",
]
