"""Open Referral (HSDS 3.x): what export and import share.

The tables and their columns, the taxonomies, the size limit and the errors. Writing is
in :mod:`atlas.io.hsds_export`, reading in :mod:`atlas.io.hsds_import`; :mod:`atlas.io.hsds`
offers both under one name.
"""

from __future__ import annotations

from collections.abc import Sequence

from atlas import models as m
from atlas.errors import AtlasError
from atlas.i18n import _
from atlas.limits import MAX_PACKAGE_BYTES

HSDS_VERSION = "3.1"

# The HSDS tables this program writes or reads, with their columns (HSDS 3.1 tabular).
TABLES: dict[str, tuple[str, ...]] = {
    "organization": (
        "id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id",
        "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id",
    ),
    "service": (
        "id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email",
        "status", "interpretation_services", "application_process", "fees_description", "wait_time", "fees",
        "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date",
        "assurer_email", "licenses", "alert", "last_modified",
    ),
    "location": (
        "id", "location_type", "url", "organization_id", "name", "alternate_name", "description",
        "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type",
    ),
    "service_at_location": ("id", "service_id", "location_id", "description"),
    "address": (
        "id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province",
        "postal_code", "country", "address_type",
    ),
    "phone": (
        "id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id",
        "number", "extension", "type", "description",
    ),
    "schedule": (
        "id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart",
        "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday",
        "byyearday", "description", "opens_at", "closes_at", "schedule_link", "attending_type", "notes",
    ),
    "language": ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
    "accessibility": ("id", "location_id", "description", "details", "url"),
    "taxonomy": ("id", "name", "description", "uri", "version"),
    "taxonomy_term": (
        "id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri",
    ),
    "attribute": ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label"),
    "unit": ("id", "name", "scheme", "identifier", "uri"),
    "service_capacity": ("id", "service_id", "unit_id", "available", "maximum", "description", "updated"),
    "contact": (
        "id", "organization_id", "service_id", "service_at_location_id", "location_id", "name", "title",
        "department", "email",
    ),
}  # fmt: skip
HSDS_NUMBERS = {
    "latitude", "longitude", "year_incorporated", "extension", "timezone", "count", "interval",
    "minimum_age", "maximum_age", "available", "maximum",
}  # fmt: skip
HSDS_VOCABULARIES: dict[str, tuple[m.Vocabulary, str, str]] = {
    # link_type: vocabulary, taxonomy name, description
    "category": (m.Vocabulary.CATEGORY, _("Kategorien"), _("Arten von Einrichtungen und Angeboten")),
    "target_group": (m.Vocabulary.TARGET_GROUP, _("Zielgruppen"), _("Für wen ein Angebot gedacht ist")),
    "sector": (m.Vocabulary.SECTOR, _("Sektoren"), _("Bereiche der Akteure im Netzwerk")),
}
__all__ = ["HSDS_VERSION", "MAX_PACKAGE_BYTES", "TABLES", "HsdsError", "HsdsRefused"]


class HsdsError(AtlasError):
    """The package cannot be written or read (German message); nothing was changed."""


class HsdsRefused(HsdsError):
    def __init__(self, problems: Sequence[str]) -> None:
        shown = "\n".join(problems[:20])
        more = _("\n… und {n} weitere.").format(n=len(problems) - 20) if len(problems) > 20 else ""
        super().__init__(
            _("Das Paket enthält {n} fehlerhafte Einträge; es wurde nichts importiert:\n").format(
                n=len(problems)
            )
            + shown
            + more
        )
        self.problems = list(problems)
