"""The editable taxonomies: categories, target groups, sectors."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.errors import ConflictError, NotFoundError, ValidationError
from atlas.i18n import _
from atlas.text import clean, fold

VOCABULARY_LABELS = {
    m.Vocabulary.CATEGORY: _("Kategorien"),
    m.Vocabulary.TARGET_GROUP: _("Zielgruppen"),
    m.Vocabulary.SECTOR: _("Sektoren"),
}


@dataclass(frozen=True)
class TermData:
    id: int
    vocabulary: str
    name: str
    color: str | None
    usage: int
    version: int = 0  # pass to ``save``/``delete``: a change made meanwhile is not overwritten


class TaxonomyService:
    def __init__(self, sessions: sessionmaker[Session], changes: ChangeBus) -> None:
        self._sessions = sessions
        self._changes = changes

    def terms(self, vocabulary: m.Vocabulary) -> list[TermData]:
        with self._sessions() as session:
            rows = session.execute(
                select(m.Term.id, m.Term.name, m.Term.color, m.Term.version).where(
                    m.Term.vocabulary == vocabulary.value
                )
            ).all()
            usage = self._usage(session, vocabulary)
        out = [TermData(i, vocabulary.value, n, c, usage.get(i, 0), v) for i, n, c, v in rows]
        out.sort(key=lambda t: fold(t.name))
        return out

    def choices(self, vocabulary: m.Vocabulary) -> list[tuple[int, str]]:
        """(id, name) of the terms, in the order of ``terms``, for pickers and filters: without
        counting their use (which reads every institution, offer and actor)."""
        with self._sessions() as session:
            rows = session.execute(
                select(m.Term.id, m.Term.name).where(m.Term.vocabulary == vocabulary.value)
            ).all()
        return sorted(((i, n) for i, n in rows), key=lambda t: fold(t[1]))

    def _usage(self, session: Session, vocabulary: m.Vocabulary) -> dict[int, int]:
        if vocabulary is m.Vocabulary.TARGET_GROUP:
            stmt = select(m.offer_target_group.c.term_id, func.count()).group_by(
                m.offer_target_group.c.term_id
            )
            return {term_id: n for term_id, n in session.execute(stmt)}
        counts: dict[int, int] = {}
        cols = (
            [m.Institution.category_id, m.Offer.category_id]
            if vocabulary is m.Vocabulary.CATEGORY
            else [m.Institution.sector_id, m.Actor.sector_id]
        )
        for col in cols:
            stmt = select(col, func.count()).where(col.is_not(None)).group_by(col)
            for k, v in session.execute(stmt):
                if k is not None:
                    counts[k] = counts.get(k, 0) + v
        return counts

    def save(
        self,
        vocabulary: m.Vocabulary,
        term_id: int | None,
        name: str,
        color: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Create or rename a term. With ``expected_version`` (the version the user saw),
        a term someone renamed or removed meanwhile is not overwritten: ConflictError
        naming both names, or NotFoundError."""
        value = clean(name)
        if not value:
            raise ValidationError({"name": _("Bitte einen Namen angeben.")})
        if len(value) > 120:
            raise ValidationError({"name": _("Der Name ist zu lang (höchstens 120 Zeichen).")})
        with self._sessions() as session:
            if term_id is None:
                term = m.Term(vocabulary=vocabulary.value, name=value, color=color)
                session.add(term)
            else:
                found = session.get(m.Term, term_id)
                if found is None:
                    raise NotFoundError(_("Der Eintrag wurde inzwischen gelöscht."))
                term = found
                if expected_version is not None and term.version != expected_version:
                    raise ConflictError(_renamed(term.name, value))
                term.name = value
                term.color = color
            try:
                session.commit()
            except StaleDataError as err:
                session.rollback()
                raise ConflictError(_renamed("", value)) from err
            except IntegrityError as err:
                raise ValidationError({"name": _("„{name}“ gibt es schon.").format(name=value)}) from err
            new_id = term.id
        self._changes.emit({"term", "institution", "offer", "actor"}, [new_id])
        return new_id

    def delete(self, term_id: int, expected_version: int | None = None) -> None:
        """Remove a term; records that used it keep everything else. With
        ``expected_version``: refused (ConflictError) when it was renamed meanwhile."""
        with self._sessions() as session:
            term = session.get(m.Term, term_id)
            if term is None:
                return
            if expected_version is not None and term.version != expected_version:
                raise ConflictError(
                    _(
                        "Der Eintrag heißt inzwischen „{theirs}“ (an anderer Stelle geändert). "
                        "Er wurde nicht entfernt; bitte noch einmal ansehen."
                    ).format(theirs=term.name)
                )
            session.delete(term)
            try:
                session.commit()
            except StaleDataError as err:
                session.rollback()
                raise ConflictError(
                    _("Der Eintrag wurde gerade an anderer Stelle geändert. Er wurde nicht entfernt.")
                ) from err
        self._changes.emit({"term", "institution", "offer", "actor"}, [term_id])


def _renamed(theirs: str, mine: str) -> str:
    """The conflict of a rename, with both names: the one stored meanwhile and the user's."""
    if theirs:
        return _(
            "Der Eintrag wurde inzwischen an anderer Stelle geändert: er heißt jetzt „{theirs}“. "
            "Ihre Eingabe „{mine}“ wurde nicht gespeichert."
        ).format(theirs=theirs, mine=mine)
    return _(
        "Der Eintrag wurde gerade an anderer Stelle geändert. Ihre Eingabe „{mine}“ wurde nicht gespeichert."
    ).format(mine=mine)
