"""One broadcast per mutation: which entities changed (and which ids)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    """Who changed what in another program on the same team server, and when (the other
    program's clock); ``by`` may be empty when it did not say."""

    by: str
    at: dt.datetime | None


@dataclass(frozen=True)
class Change:
    """``entities`` may depend on the change; ``ids`` name records of the kind ``of`` when
    the announcer says so (``None``: the ids are a hint and may name records of any of the
    kinds, or be empty). A listener that can update a few rows in place uses ``of``.
    ``origin`` is set on a change another program made on the team server (``atlas.live``);
    ``None``: this program made it."""

    entities: frozenset[str]
    ids: tuple[int, ...] = ()
    of: str | None = None
    origin: Origin | None = None


class ChangeBus:
    """Plain observer list; the UI adapts it to a Qt signal on the GUI thread."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[Change], None]] = []

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def emit(self, entities: Iterable[str], ids: Iterable[int] = (), of: str | None = None) -> None:
        self.publish(Change(frozenset(entities), tuple(ids), of))

    def publish(self, change: Change) -> None:
        """Hand a change made elsewhere (another program on the team server) to every listener."""
        for listener in list(self._listeners):
            listener(change)
