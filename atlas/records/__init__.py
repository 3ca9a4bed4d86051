"""records"""

from __future__ import annotations

from atlas.records import query, search, snapshot
from atlas.records.consent import ConsentService, ReviewRow, parse_state
from atlas.records.duplicates import (
    THRESHOLD,
    Candidate,
    Keys,
    Match,
    compare,
    keys,
    match_key,
    name_numbers,
    normalise_name,
    phone_tail,
    similarity,
    title_of,
)
from atlas.records.mentions import (
    PLACEHOLDER,
    Matcher,
    Mention,
    Person,
    find,
    fingerprints,
    own_identifiers,
    replace,
)
from atlas.records.merging import MergedRecords, MergeService
from atlas.records.schema import (
    CONSENT_CHOICES,
    ENTITIES,
    FILTER_LABELS,
    MEETING_KIND_CHOICES,
    STATUS_CHOICES,
    EntitySpec,
    Field,
    FilterKind,
    Kind,
)
from atlas.records.service import DeletedRecord, RecordData, RecordService
from atlas.records.taxonomy import VOCABULARY_LABELS, TaxonomyService

__all__ = [
    "CONSENT_CHOICES",
    "ENTITIES",
    "FILTER_LABELS",
    "MEETING_KIND_CHOICES",
    "PLACEHOLDER",
    "STATUS_CHOICES",
    "THRESHOLD",
    "VOCABULARY_LABELS",
    "Candidate",
    "ConsentService",
    "DeletedRecord",
    "EntitySpec",
    "Field",
    "FilterKind",
    "Keys",
    "Kind",
    "Match",
    "Matcher",
    "Mention",
    "MergeService",
    "MergedRecords",
    "Person",
    "RecordData",
    "RecordService",
    "ReviewRow",
    "TaxonomyService",
    "compare",
    "find",
    "fingerprints",
    "keys",
    "match_key",
    "name_numbers",
    "normalise_name",
    "own_identifiers",
    "parse_state",
    "phone_tail",
    "query",
    "replace",
    "search",
    "similarity",
    "snapshot",
    "title_of",
]
