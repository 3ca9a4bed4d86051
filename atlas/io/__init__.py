"""io"""

from __future__ import annotations

from atlas.io import exporting, hsds, importing
from atlas.io.exporting import export
from atlas.io.hsds_export import export_package
from atlas.io.hsds_import import import_package
from atlas.io.import_apply import CHOICES, Choice, ImportResult, apply
from atlas.io.import_duplicates import Duplicate
from atlas.io.import_fields import (
    KINDS,
    MappingStore,
    heading_key,
    import_fields,
    mapping_problems,
    suggest_mapping,
)
from atlas.io.import_plan import ImportPlan, prepare
from atlas.io.import_rejects import rejects_path, write_rejects
from atlas.io.import_rows import QUARTER, TERM_LABELS, NewTerm, RowError, term_key, term_keys
from atlas.io.tables import ENCODINGS, MAX_FILE_BYTES, SEPARATORS, ImportCancelled, RawTable, read_table

__all__ = [
    "CHOICES",
    "ENCODINGS",
    "KINDS",
    "MAX_FILE_BYTES",
    "QUARTER",
    "SEPARATORS",
    "TERM_LABELS",
    "Choice",
    "Duplicate",
    "ImportCancelled",
    "ImportPlan",
    "ImportResult",
    "MappingStore",
    "NewTerm",
    "RawTable",
    "RowError",
    "apply",
    "export",
    "export_package",
    "exporting",
    "heading_key",
    "hsds",
    "import_fields",
    "import_package",
    "importing",
    "mapping_problems",
    "prepare",
    "read_table",
    "rejects_path",
    "suggest_mapping",
    "term_key",
    "term_keys",
    "write_rejects",
]
