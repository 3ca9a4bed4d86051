"""Command-line actions on the core (no Qt). Each returns the line it prints."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from atlas.cli.resolve import pick_id
from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.geo import standalone_html, write_text_atomically
from atlas.i18n import _
from atlas.limits import EARLIEST_YEAR, LATEST_YEAR
from atlas.models import Vocabulary
from atlas.text import check_date_range


def export_map(atlas: Atlas, target: Path, quarter: str | None = None, category: str | None = None) -> str:
    """Write the map as one self-contained HTML file (opens offline in any browser)."""
    if target.suffix.lower() not in (".html", ".htm"):
        raise ValidationError({"file": _("Die Karte wird als .html-Datei gespeichert.")})
    quarter_id = pick_id(atlas.quarters.choices(), quarter, "quarter") if quarter else None
    category_id = (
        pick_id([(t.id, t.name) for t in atlas.taxonomy.terms(Vocabulary.CATEGORY)], category, "category")
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


def geocode(
    atlas: Atlas,
    *,
    missing: bool = False,
    dry_run: bool = False,
    url: str | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[list[str], bool]:
    """Geocode the institutions' addresses; the lines to print, and whether any address
    failed for a reason other than 'not found' (then the command exits non-zero).

    Without ``missing``: every institution with an address whose pin was not set by
    hand (cached addresses cost no request). With ``missing``: only those without a pin
    or whose address changed.
    """
    from atlas.geo import GeocoderSettings, summary_lines

    if url is not None:
        atlas.geocoding.configure(GeocoderSettings(url=url))
    report = atlas.geocoding.geocode_missing(
        progress=progress, cancelled=cancelled, dry_run=dry_run, only_missing=missing
    )
    header = _("Geokodierung über {url}").format(url=atlas.geocoding.settings.url)
    return [header, *summary_lines(report)], bool(report.failures)


def import_quarters(
    atlas: Atlas, path: Path, name_property: str | None = None, replace: bool = False
) -> list[str]:
    """Import quarter boundaries from a GeoJSON file; the lines to print."""
    from atlas.geo import suggest_name_property

    if name_property is None:
        infos = atlas.boundaries.property_names(path)
        name_property = suggest_name_property(infos)
        if name_property is None:
            names = ", ".join(i.name for i in infos) or "–"
            raise ValidationError(
                {
                    "name_property": _(
                        "Keine Eigenschaft benennt jedes Quartier eindeutig. Bitte mit --name-property "
                        "angeben, welche den Namen enthält. Vorhanden: {names}"
                    ).format(names=names)
                }
            )
    report = atlas.boundaries.import_geojson(path, name_property, replace=replace)
    lines = [_("Namen aus der Eigenschaft „{prop}“.").format(prop=name_property)]
    lines += list(report.repaired) + list(report.warnings)
    lines.append(report.summary())
    return lines


def network_stats(atlas: Atlas, at: str | None = None) -> dict[str, object]:
    """The counts plus the funnel (computed status: overall, by sector, by quarter) on a day."""
    import datetime as dt

    day = atlas.clock.today()
    if at:
        try:
            day = check_date_range(dt.date.fromisoformat(at), at)
        except ValueError as err:
            raise ValidationError(
                {
                    "at": _(
                        "„{at}“ ist kein Datum zwischen {first} und {last}; bitte JJJJ-MM-TT angeben, "
                        "z. B. 2026-06-30."
                    ).format(at=at, first=EARLIEST_YEAR, last=LATEST_YEAR)
                }
            ) from err
    figures: dict[str, object] = dict(atlas.stats())
    figures["funnel"] = atlas.network.funnel(day).as_dict()
    return figures
