"""Who sees what: the one helper every scoped fetch in the portal goes through.

Roles:
- county staff (县委组织部) see everything;
- a township admin (乡镇党校管理员) sees the rows of one township;
- an instructor sees the rows that name them;
- a trainee (学员) sees only rows about their own member record.

A QuerySet declares *where* its township, member or instructor is
(``township_path`` …); :func:`scope_queryset` decides *which rows* each role
gets. Two words, no others: ``visible_to(user)`` is what a user may read,
``managed_by(user)`` what they may change. Views fetch through one of them,
``get_object_or_404(Model.objects.visible_to(user), pk=…)``, so an object outside
the user's scope is a 404, never a leak.
"""

from __future__ import annotations

from django.db import models

from core.roles import STAFF_ROLES, Role, profile_of, role_of


def township_id_of(user) -> int | None:
    profile = profile_of(user)
    return profile.township_id if profile is not None else None


def member_id_of(user) -> int | None:
    """The pk of the member record linked to this login, if any."""
    if not hasattr(user, "_portal_member_id"):
        try:
            user._portal_member_id = user.member.pk
        except models.ObjectDoesNotExist:
            user._portal_member_id = None
    return user._portal_member_id


def scope_queryset(
    queryset: models.QuerySet,
    user,
    *,
    township_path: str | None,
    member_path: str | None = None,
    instructor_user_path: str | None = None,
) -> models.QuerySet:
    """Restrict ``queryset`` to the rows ``user`` may see (none when unsure)."""
    role = role_of(user)
    if role == Role.COUNTY:
        return queryset
    if role == Role.TOWNSHIP and township_path:
        township_id = township_id_of(user)
        if township_id is not None:
            return queryset.filter(**{township_path: township_id})
    if role == Role.TRAINEE and member_path:
        member_id = member_id_of(user)
        if member_id is not None:
            return queryset.filter(**{member_path: member_id})
    if role == Role.INSTRUCTOR and instructor_user_path:
        return queryset.filter(**{instructor_user_path: user.pk})
    return queryset.none()


class ScopedQuerySet(models.QuerySet):
    """Base for every township-owned model's QuerySet."""

    township_path: str | None = None
    member_path: str | None = None
    instructor_user_path: str | None = None

    def visible_to(self, user):
        return scope_queryset(
            self,
            user,
            township_path=self.township_path,
            member_path=self.member_path,
            instructor_user_path=self.instructor_user_path,
        )

    def managed_by(self, user):
        """The write scope: county staff every row, a township admin their township's, nobody else."""
        return scope_queryset(self, user, township_path=self.township_path)


class CountyQuerySet(models.QuerySet):
    """Base for rows the county organization department owns and alone changes (monthly themes,
    quarterly reviews, needs surveys, teaching plans): others get a 404. A subclass widens
    ``visible_to`` where other roles read them."""

    def visible_to(self, user):
        return self if role_of(user) == Role.COUNTY else self.none()

    def managed_by(self, user):
        return self if role_of(user) == Role.COUNTY else self.none()


def can_see_personal_data(user) -> bool:
    """Full ID and phone numbers: county staff and township admins only."""
    return role_of(user) in STAFF_ROLES
