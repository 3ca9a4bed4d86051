"""What the logged-in role may do on a team server (``Atlas.rights``).

On PostgreSQL the database enforces the roles of ``docs/team-server.sql`` (GRANTs per
table, a row rule on ``app_setting``); the program asks once at start what the current
role may do, so the window can grey out what would be refused and say why. The answer
comes from the privileges themselves (``has_table_privilege``, ``row_security_active``
and the policies), not from group names, so renamed groups work the same. A file
(SQLite) has no roles: everything is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from atlas.errors import not_allowed_message
from atlas.i18n import _

#: One query: the privileges of the current role on the tables that stand for each right.
#: The activity rule lives in ``app_setting`` under a row rule: allowed when row security
#: does not apply to the role (the owner, a superuser) or a policy lets it write any row.
_QUERY = text(
    """
    SELECT current_user,
           has_table_privilege('public.institution', 'INSERT')
             AND has_table_privilege('public.institution', 'UPDATE'),
           has_table_privilege('public.institution', 'DELETE'),
           has_table_privilege('public.app_setting', 'INSERT')
             AND has_table_privilege('public.app_setting', 'UPDATE')
             AND (NOT row_security_active('public.app_setting')
                  OR EXISTS (SELECT 1 FROM pg_policies p
                              WHERE p.schemaname = 'public' AND p.tablename = 'app_setting'
                                AND p.cmd IN ('ALL', 'UPDATE') AND p.with_check = 'true'
                                AND EXISTS (SELECT 1 FROM unnest(p.roles) AS r(name)
                                             WHERE r.name = 'public'
                                                OR pg_has_role(current_user, r.name, 'MEMBER')))),
           has_table_privilege('public.term', 'INSERT')
             AND has_table_privilege('public.term', 'UPDATE')
             AND has_table_privilege('public.term', 'DELETE'),
           has_table_privilege('public.quarter', 'INSERT')
             AND has_table_privilege('public.quarter', 'UPDATE')
             AND has_table_privilege('public.quarter', 'DELETE')
    """
)


@dataclass(frozen=True)
class Rights:
    """What the current login may do; every field True on a file."""

    user: str = ""
    can_write: bool = True
    can_delete: bool = True
    can_change_rule: bool = True
    can_change_terms: bool = True
    can_change_quarters: bool = True

    @property
    def everything(self) -> bool:
        return self.can_write and self.can_delete and self.can_change_rule and self.can_change_terms

    @property
    def role(self) -> str:
        """The role in a coach's words: Projektleitung, Netzwerkcoach or nur lesen."""
        if self.everything:
            return _("Projektleitung")
        if self.can_write:
            return _("Netzwerkcoach")
        return _("nur lesen")

    @property
    def role_text(self) -> str:
        """ "anna, Netzwerkcoach" (the login and the role), for messages."""
        return f"{self.user}, {self.role}" if self.user else self.role

    def why_not(self) -> str:
        """The sentence a greyed-out action's tooltip gives."""
        return not_allowed_message(self.role_text)


ALL_RIGHTS = Rights()


def read_rights(sessions: sessionmaker[Session]) -> Rights:
    """The current role's rights (one query on PostgreSQL; all True on SQLite)."""
    bind = sessions.kw.get("bind")
    if bind is None or bind.dialect.name != "postgresql":
        return ALL_RIGHTS
    with sessions() as session:
        row = session.execute(_QUERY).one()
    user, write, delete, rule, terms, quarters = row
    return Rights(str(user), bool(write), bool(delete), bool(rule), bool(terms), bool(quarters))
