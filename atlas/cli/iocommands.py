"""The command line's import and export of lists and of Open Referral packages (no Qt).

Each function returns an :class:`Outcome`: the exit code and the lines for stdout and
stderr, so ``main.py`` only prints them and the tests can call them directly.

Exit codes: 0 done; 1 the file has invalid rows and nothing was imported (or a dry run
found some); 2 the file or the database refused (AtlasError).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas.cli.resolve import pick_id
from atlas.core import Atlas
from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.io import exporting, hsds, importing
from atlas.models import Vocabulary
from atlas.records import ENTITIES, FilterKind

# Command-line words for the kinds of records.
KIND_WORDS: dict[str, str] = {
    "institutions": "institution",
    "offers": "offer",
    "contacts": "contact",
    "actors": "actor",
}
MAX_LISTED_ERRORS = 50


@dataclass
class Outcome:
    code: int = 0
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)


def list_filters(atlas: Atlas, kind: str, quarter: str | None, category: str | None) -> dict[FilterKind, Any]:
    """The list filters named on the command line (by name or number)."""
    filters: dict[FilterKind, Any] = {}
    spec = ENTITIES[kind]
    if quarter:
        if FilterKind.QUARTER not in spec.filters:
            raise ValidationError({"quarter": _("Diese Liste lässt sich nicht nach Quartier filtern.")})
        filters[FilterKind.QUARTER] = pick_id(atlas.quarters.choices(), quarter, "quarter")
    if category:
        if FilterKind.CATEGORY not in spec.filters:
            raise ValidationError({"category": _("Diese Liste lässt sich nicht nach Kategorie filtern.")})
        terms = [(t.id, t.name) for t in atlas.taxonomy.terms(Vocabulary.CATEGORY)]
        filters[FilterKind.CATEGORY] = pick_id(terms, category, "category")
    return filters


def export_list(
    atlas: Atlas,
    what: str,
    target: Path,
    quarter: str | None = None,
    category: str | None = None,
    search: str = "",
) -> Outcome:
    """``export institutions|offers|contacts|actors FILE.(csv|xlsx|geojson|vcf)`` with the
    list's filters (quarter, category, search text) and its order."""
    kind = KIND_WORDS[what]
    filters = list_filters(atlas, kind, quarter, category)
    ids = atlas.records[kind].list_ids(search, filters)
    result = exporting.export(atlas, kind, ids, target)
    return Outcome(0, [result.summary()])


def export_hsds(atlas: Atlas, target: Path, include_contacts: bool = False) -> Outcome:
    result = hsds.export_package(atlas, target, include_contacts=include_contacts)
    return Outcome(0, [result.summary()])


def import_hsds(atlas: Atlas, source: Path, skip_invalid: bool = False) -> Outcome:
    try:
        result = hsds.import_package(atlas, source, skip_invalid=skip_invalid)
    except hsds.HsdsRefused as err:
        return Outcome(1, [], [str(err)])
    outcome = Outcome(0, [result.summary()])
    outcome.err += [_("Übersprungen: {p}").format(p=p) for p in result.skipped_invalid]
    return outcome


def _errors(plan: importing.ImportPlan) -> list[str]:
    errors = [str(e) for e in plan.errors]
    if len(errors) > MAX_LISTED_ERRORS:
        rest = len(errors) - MAX_LISTED_ERRORS
        errors = [*errors[:MAX_LISTED_ERRORS], _("… und {n} weitere Fehler.").format(n=rest)]
    return errors


def default_report_path(source: Path, documents: Path | None = None) -> Path:
    """Beside the list if its folder takes a file, else in the documents folder."""
    return importing.rejects_path(source, documents)


def import_list(
    atlas: Atlas,
    what: str,
    source: Path,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    encoding: str | None = None,
    separator: str | None = None,
    sheet: str | None = None,
    duplicates: importing.Choice = "skip",
    report: Path | None = None,
    mappings: importing.MappingStore | None = None,
    new_terms: bool = True,
    documents: Path | None = None,
) -> Outcome:
    """``import institutions|offers|contacts|actors FILE``: read, check, write in one
    transaction; a one-line summary (imported, skipped, duplicates, new terms) on stdout,
    the errors on stderr. The column mapping saved by the window's import is used here too,
    and so are the window's "zuordnen zu …" choices for a list's own term names; other
    unknown categories, target groups, sectors and quarters are created (never matched
    by similarity), or with ``new_terms=False`` (``--no-new-terms``) refused.
    The rejects report goes beside the list, or into ``documents`` (default: the user's
    documents folder) when the list's folder takes no file."""
    kind = KIND_WORDS[what]
    if separator == "\\t" or (separator or "").lower() in ("tab", "tabulator"):
        separator = "\t"
    table = importing.read_table(source, encoding=encoding, separator=separator, sheet=sheet)
    store = mappings or importing.MappingStore()
    saved: Mapping[str, str] = {}
    remembered: Mapping[tuple[str, str], str] = {}
    try:
        saved = store.load(kind)
        remembered = store.load_terms()
    except OSError:
        saved, remembered = {}, {}
    mapping = importing.suggest_mapping(kind, table.headers, saved=saved)
    outcome = Outcome()
    read_as = (
        _("{n} Zeilen gelesen ({enc}, Trennzeichen „{sep}“).").format(
            n=len(table), enc=table.encoding, sep="Tab" if table.separator == "\t" else table.separator
        )
        if table.format == "csv"
        else _("{n} Zeilen gelesen ({fmt}).").format(n=len(table), fmt=table.format.upper())
    )
    outcome.out.append(read_as)
    ignored = [h for i, h in enumerate(table.headers) if i not in mapping]
    if ignored:
        outcome.err.append(_("Nicht zugeordnete Spalten (ignoriert): {cols}").format(cols=", ".join(ignored)))
    plan = importing.prepare(atlas, kind, table, mapping, create_terms=new_terms)
    for dup in plan.duplicates:
        outcome.out.append(_("Dublette: {what}").format(what=dup.describe()))
    choices = importing.remembered_choices(atlas, plan, remembered)
    outcome.out += _new_term_lines(plan, choices, remembered, dry_run)
    for note in plan.notes:
        outcome.out.append(_("Hinweis: {what}").format(what=note))
    outcome.err += _errors(plan)
    if dry_run:
        outcome.out.append(
            _("Probelauf: {summary} Es wurde nichts gespeichert.").format(summary=plan.summary())
        )
        outcome.code = 1 if plan.invalid_rows and not skip_invalid else 0
        return outcome
    if plan.invalid_rows and not skip_invalid:
        outcome.err.append(
            _(
                "Es wurde nichts importiert: {n} Zeile(n) sind fehlerhaft. Bitte korrigieren oder mit "
                "--skip-invalid nur die gültigen Zeilen importieren."
            ).format(n=len(plan.invalid_rows))
        )
        outcome.code = 1
        return outcome
    result = importing.apply(
        atlas, plan, skip_invalid=skip_invalid, default_choice=duplicates, term_choices=choices
    )
    if plan.invalid_rows:
        target = report or default_report_path(source, documents)
        importing.write_rejects(plan, target)
        line = _("{n} fehlerhafte Zeile(n) nicht importiert; Bericht: {path}").format(
            n=len(plan.invalid_rows), path=target
        )
        if report is None and target.parent != source.parent:
            line += " " + _("(im Ordner der Liste lässt sich nichts speichern)")
        outcome.err.append(line)
    outcome.out.append(result.summary())
    if result.quarters_without_boundary:
        outcome.out.append(
            _(
                "Noch ohne Grenze (nicht auf der Karte): {names}. Grenzen einlesen mit "
                "„import quarters DATEI.geojson“ oder im Fenster unter Orte → Quartiersgrenzen importieren."
            ).format(names=", ".join(result.quarters_without_boundary))
        )
    return outcome


def _new_term_lines(
    plan: importing.ImportPlan,
    choices: Mapping[tuple[str, str], int],
    remembered: Mapping[tuple[str, str], str],
    dry_run: bool,
) -> list[str]:
    """One line per name the database does not know: mapped as the window remembered, or
    new (with the similar existing names as a hint; nothing is matched by similarity)."""
    lines = []
    for term in plan.new_terms:
        key = (term.vocabulary, term.key)
        if key in choices:
            lines.append(
                _("{term} → „{name}“ (Zuordnung aus dem Fenster)").format(
                    term=term.label, name=remembered[key]
                )
            )
            continue
        line = (_("Würde neu angelegt: {term}") if dry_run else _("Neu: {term}")).format(term=term.label)
        if term.suggestions:
            line += " " + _(
                "(ähnlich: {names} – zuordnen lässt sich im Fenster: Datei → Importieren)"
            ).format(names=", ".join(f"„{n}“" for n in term.suggestions))
        lines.append(line)
    return lines
