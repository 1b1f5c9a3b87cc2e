"""Shared pieces of the courses models: the catalog's read and write scopes."""

from __future__ import annotations

from core.roles import role_of
from trainees.scoping import ScopedQuerySet


class CatalogQuerySet(ScopedQuerySet):
    """Catalog rows (courses, instructors, bases) are readable by every portal role.

    ``managed_by`` (from :class:`ScopedQuerySet`) stays the write scope: county
    staff everything, a township admin the rows of their township.
    """

    def visible_to(self, user):
        if role_of(user) is None:
            return self.none()
        return self
