"""privacy"""

from __future__ import annotations

from atlas.privacy.rights import PrivacyService

__all__ = ["PrivacyService"]
