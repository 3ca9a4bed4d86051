"""cli"""

from __future__ import annotations

from atlas.cli import iocommands
from atlas.cli.commands import export_map, geocode, import_quarters, network_stats

__all__ = ["export_map", "geocode", "import_quarters", "iocommands", "network_stats"]
