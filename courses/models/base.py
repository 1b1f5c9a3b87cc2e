"""Shared pieces of the courses models: the catalog's read and write scopes."""

from __future__ import annotations

from core.roles import role_of
from trainees.scoping import ScopedQuerySet, scope_queryset


class CatalogQuerySet(ScopedQuerySet):
    """Catalog rows (courses, instructors, bases) are readable by every portal role.

    ``managed_by`` is the write scope: county staff everything, a township
    admin the rows of their township.
    """

    def visible_to(self, user):
        if role_of(user) is None:
            return self.none()
        return self

    def managed_by(self, user):
        return scope_queryset(self, user, township_path=self.township_path)
