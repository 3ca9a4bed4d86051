"""privacy"""

from __future__ import annotations

from atlas.privacy.rights import PrivacyService, erase_within, erased_people

__all__ = ["PrivacyService", "erase_within", "erased_people"]
