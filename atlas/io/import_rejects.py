"""Import stage 5: the report of rejected rows (CSV, Excel-ready) and where it goes."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from atlas.files import atomic_write, csv_bytes
from atlas.i18n import _
from atlas.io.import_plan import ImportPlan


def writable_folder(folder: Path) -> bool:
    """Whether a file can be created in ``folder``: tried for real (``os.access`` says yes to
    root everywhere and knows nothing of read-only mounts or network shares)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".stadtteil-atlas-probe-"):
            return True
    except OSError:
        return False


def rejects_path(source: Path | str, fallback: Path | None = None) -> Path:
    """Where the rejects report of ``source`` goes: beside it ("liste-abgelehnt.csv") when
    that folder takes a file, otherwise into ``fallback`` (the window passes the documents
    folder Qt knows; default: ``platformdirs.user_documents_path()``)."""
    source = Path(source)
    name = f"{source.stem}-abgelehnt.csv"
    if writable_folder(source.parent):
        return source.with_name(name)
    if fallback is None:
        from platformdirs import user_documents_path

        fallback = user_documents_path()
    return Path(fallback) / name


def write_rejects(plan: ImportPlan, path: Path | str) -> int:
    """Write the invalid rows, their row numbers and reasons as CSV (Excel-ready).

    The original columns come first, so the file can be corrected and imported again
    (the two added columns "Zeile" and "Fehler" are not mapped). Returns the row count.
    """
    width = len(plan.headers)
    header = [*plan.headers, _("Zeile"), _("Fehler")]
    rows = [
        [
            *(list(r.cells[:width]) + [""] * (width - len(r.cells))),
            str(r.row),
            "; ".join(f"{e.column}: {e.message}" for e in r.errors),
        ]
        for r in plan.invalid_rows
    ]
    data = csv_bytes(header, rows)
    with contextlib.suppress(OSError):  # the documents folder may not exist yet
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(Path(path), lambda out: out.write(data))
    return len(rows)
