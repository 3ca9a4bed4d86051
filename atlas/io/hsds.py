"""Open Referral: the public directory as an HSDS 3.x Tabular Data Package, and back.

The export writes one CSV file per HSDS table plus ``datapackage.json`` (Frictionless
tabular data package), into a folder or a ``.zip`` file:

=====================  ==========================================================
Stadtteil-Atlas        HSDS
=====================  ==========================================================
institution (public)   ``organization`` + one ``location`` (lat/lon) + ``address``
                       (street, postcode, city; the quarter as ``region``),
                       ``phone``, ``schedule`` (opening hours as text),
                       ``accessibility``, ``language``
carrier (Träger)       an ``organization`` without location, the institution's
                       ``parent_organization_id``
offer                  ``service`` (title, description, cost as
                       ``fees_description``, status), ``service_at_location``
                       (place as its description), ``schedule`` (times as text,
                       valid from/to), ``language``, ``service_capacity`` + ``unit``
category, target       ``taxonomy`` + ``taxonomy_term``, linked by ``attribute``
group, sector          (``link_type`` category / target_group / sector)
contact (only asked)   ``contact`` + ``phone``
=====================  ==========================================================

Only public institutions (``is_public``) and their offers are exported; notes, check
dates and — unless ``include_contacts`` — personal contact data never are. An
organization, service, contact or taxonomy term has its record's own UUID as its id; rows
without a record of their own (locations, addresses, phones, …; carriers) have UUIDs
derived from their owner's UUID (the same in every export and every copy of the database).
A new record imported takes the package's id as its UUID when it is a proper UUID not yet
used (:func:`atlas.io.hsds_import.canonical_uuid`), so export then import keeps identities.

The import reads such a package (ours or another publisher's) into the database in one
transaction; missing quarters and taxonomy terms are created by name, records that are
already there (same name and postcode; same offer title at the same institution) are
skipped. Export, then import into an empty database, gives the same directory.

Writing is in :mod:`atlas.io.hsds_export`, reading in :mod:`atlas.io.hsds_import`, the shared table
definitions in :mod:`atlas.io.hsds_common`; this module re-exports their public names.
"""

from __future__ import annotations

from atlas.io.hsds_common import HSDS_VERSION, MAX_PACKAGE_BYTES, TABLES, HsdsError, HsdsRefused
from atlas.io.hsds_export import HsdsExport, build_package, export_package, package_files
from atlas.io.hsds_import import HsdsImport, import_package, read_package

__all__ = [
    "HSDS_VERSION",
    "MAX_PACKAGE_BYTES",
    "TABLES",
    "HsdsError",
    "HsdsExport",
    "HsdsImport",
    "HsdsRefused",
    "build_package",
    "export_package",
    "import_package",
    "package_files",
    "read_package",
]
