"""One broadcast per mutation: which entities changed (and which ids)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    entities: frozenset[str]
    ids: tuple[int, ...] = ()


class ChangeBus:
    """Plain observer list; the UI adapts it to a Qt signal on the GUI thread."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[Change], None]] = []

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def emit(self, entities: Iterable[str], ids: Iterable[int] = ()) -> None:
        change = Change(frozenset(entities), tuple(ids))
        for listener in list(self._listeners):
            listener(change)
