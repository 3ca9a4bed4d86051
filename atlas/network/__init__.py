"""network"""

from __future__ import annotations

from atlas.network.activity import ActivityRule
from atlas.network.meetings import SheetRow
from atlas.network.service import (
    FUNNEL,
    STATUS_LABELS,
    Dashboard,
    NetworkService,
    TrendPoint,
    install,
    login_name,
)

__all__ = [
    "FUNNEL",
    "STATUS_LABELS",
    "ActivityRule",
    "Dashboard",
    "NetworkService",
    "SheetRow",
    "TrendPoint",
    "install",
    "login_name",
]
