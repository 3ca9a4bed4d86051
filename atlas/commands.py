"""Command-line actions on the core (no Qt). Each returns the line it prints."""

from __future__ import annotations

from pathlib import Path

from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.i18n import _
from atlas.mappage import standalone_html, write_text_atomically
from atlas.models import Vocabulary
from atlas.text import fold


def _pick(choices: list[tuple[int, str]], wanted: str, what: str) -> int:
    """An id from a name (case- and umlaut-insensitive) or a number."""
    if wanted.strip().isdigit() and any(i == int(wanted) for i, _n in choices):
        return int(wanted)
    target = fold(wanted.strip())
    for record_id, name in choices:
        if fold(name) == target:
            return record_id
    names = ", ".join(n for _i, n in choices) or "–"
    raise ValidationError(
        {what: _("„{wanted}“ gibt es nicht. Vorhanden: {names}").format(wanted=wanted, names=names)}
    )


def export_map(atlas: Atlas, target: Path, quarter: str | None = None, category: str | None = None) -> str:
    """Write the map as one self-contained HTML file (opens offline in any browser)."""
    if target.suffix.lower() not in (".html", ".htm"):
        raise ValidationError({"file": _("Die Karte wird als .html-Datei gespeichert.")})
    quarter_id = _pick(atlas.quarters.choices(), quarter, "quarter") if quarter else None
    category_id = (
        _pick([(t.id, t.name) for t in atlas.taxonomy.terms(Vocabulary.CATEGORY)], category, "category")
        if category
        else None
    )
    data = atlas.maps.data(quarter_id=quarter_id, category_id=category_id)
    try:
        write_text_atomically(target, standalone_html(data))
    except OSError as err:
        raise AtlasError(
            _("Die Datei {path} konnte nicht geschrieben werden: {reason}").format(
                path=target, reason=err.strerror
            )
        ) from err
    return _("Karte gespeichert: {path} ({n} Einrichtungen, {q} Quartiere)").format(
        path=target, n=len(data.places), q=len(data.quarters["features"])
    )
