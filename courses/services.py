"""Write workflows of the courses app: pipeline steps, materials, routes, delivery.

Every function is keyword-only and atomic. Permission rules that belong to the
workflow itself (who may approve, who may accept) are enforced here, so a view
cannot forget them; scoping (which rows a user may touch at all) is done by the
views through ``visible_to``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core.roles import Role, role_of
from core.workflow import IllegalTransition
from trainees.models import Branch, Department, Township
from trainees.scoping import township_id_of

from .models import (
    Course,
    CourseMaterial,
    CourseRequest,
    CourseStageRecord,
    Instructor,
    RouteStop,
    Session,
    TeachingRoute,
)

# ---------------------------------------------------------------------------
# Development pipeline


def course_stage_may_change(*, course: Course, user) -> bool:
    """County staff move any course; a township admin county courses and their own township's, never another's."""
    role = role_of(user)
    if role == Role.COUNTY:
        return True
    return role == Role.TOWNSHIP and course.township_id in (None, township_id_of(user))


def course_stage_allowed_targets(*, course: Course, user) -> list[str]:
    """Pipeline moves ``user`` may make now: county staff all; a township admin only 基层选题."""
    if not course_stage_may_change(course=course, user=user):
        return []
    targets = course.allowed_transitions()
    if role_of(user) == Role.COUNTY:
        return targets
    return [t for t in targets if t == Course.Stage.SELECTED]


@transaction.atomic
def course_stage_change(
    *,
    course: Course,
    to: str,
    by,
    date: datetime.date | None = None,
    participants: str = "",
    instructors: Iterable[Instructor] = (),
    notes: str = "",
) -> CourseStageRecord:
    """Move ``course`` one pipeline step and keep the dated record of that step."""
    if not course_stage_may_change(course=course, user=by):
        raise PermissionDenied(_("不能变更其他乡镇（街道）课程的开发阶段。"))
    if to not in course_stage_allowed_targets(course=course, user=by) and course.can_transition(to):
        raise PermissionDenied(_("只有县委组织部工作人员可以进行此操作。"))
    record = course.transition(to, by=by, note=notes)
    if date is not None:
        record.date = date
    record.participants = participants
    record.save(update_fields=["date", "participants"])
    record.instructors.set(instructors)
    return record


# ---------------------------------------------------------------------------
# Materials


@transaction.atomic
def course_material_add(*, course: Course, kind: str, title: str, file, by) -> CourseMaterial:
    """Store an uploaded file already checked by ``CourseMaterialForm``."""
    material = CourseMaterial(
        course=course, kind=kind, title=title, file=file, size=file.size, uploaded_by=by
    )
    try:
        material.save()
    except Exception:
        # The file is written before the row; do not leave it behind on failure.
        if material.file.name:
            material.file.storage.delete(material.file.name)
        raise
    return material


@transaction.atomic
def course_material_delete(*, material: CourseMaterial) -> None:
    # Remove the file only once the row is gone for good.
    storage, name = material.file.storage, material.file.name
    material.delete()
    transaction.on_commit(lambda: storage.delete(name))


# ---------------------------------------------------------------------------
# Teaching routes


@transaction.atomic
def teaching_route_save(
    *,
    route: TeachingRoute | None = None,
    name: str,
    theme: str = "",
    is_premium: bool = False,
    description: str = "",
    stops: list[dict],
) -> TeachingRoute:
    """Save a route (a new one when ``route`` is None) and replace its stops with ``stops``.

    Each stop is a dict with ``order``, ``base``, ``duration_hours`` and ``note``.
    Replacing the stops as a whole lets an edit swap two order numbers without
    tripping the unique (route, order) constraint half-way.
    """
    route = route or TeachingRoute()
    route.name, route.theme, route.is_premium, route.description = name, theme, is_premium, description
    route.save()
    route.stops.all().delete()
    RouteStop.objects.bulk_create(
        RouteStop(
            route=route,
            order=stop["order"],
            base=stop["base"],
            duration_hours=stop["duration_hours"],
            note=stop.get("note", ""),
        )
        for stop in stops
    )
    return route


# ---------------------------------------------------------------------------
# On-demand delivery (点单 → 派单 → 接单 → 排课 → 送教 → 办结)

# Which roles may make each move; scoping narrows a township admin to their
# township and an instructor to the requests dispatched to them.
REQUEST_MOVES: dict[str, frozenset[str]] = {
    CourseRequest.Status.DISPATCHED: frozenset({Role.COUNTY}),
    CourseRequest.Status.ACCEPTED: frozenset({Role.COUNTY, Role.INSTRUCTOR}),
    CourseRequest.Status.DECLINED: frozenset({Role.COUNTY, Role.INSTRUCTOR}),
    CourseRequest.Status.SCHEDULED: frozenset({Role.COUNTY, Role.TOWNSHIP}),
    CourseRequest.Status.DELIVERED: frozenset({Role.COUNTY, Role.TOWNSHIP, Role.INSTRUCTOR}),
    CourseRequest.Status.CLOSED: frozenset({Role.COUNTY, Role.TOWNSHIP}),
    CourseRequest.Status.CANCELLED: frozenset({Role.COUNTY, Role.TOWNSHIP}),
}


def course_request_allowed_targets(*, request: CourseRequest, user) -> list[str]:
    """The moves ``user`` may make on ``request`` now (drives buttons and checks)."""
    role = role_of(user)
    return [t for t in request.allowed_transitions() if role in REQUEST_MOVES.get(t, ())]


def _check_move(request: CourseRequest, to: str, by) -> None:
    if request.can_transition(to) and to not in course_request_allowed_targets(request=request, user=by):
        raise PermissionDenied(_("您无权进行此操作。"))


@transaction.atomic
def course_request_create(
    *,
    township: Township,
    course: Course,
    preferred_month: datetime.date,
    audience: str,
    expected_size: int,
    by,
    branch: Branch | None = None,
) -> CourseRequest:
    """基层点单: a township orders a catalog course for itself or one of its branches."""
    if branch is not None and branch.township_id != township.pk:
        raise PermissionDenied(_("只能为本乡镇的党支部点单。"))
    return CourseRequest.objects.create(
        township=township,
        branch=branch,
        course=course,
        preferred_month=preferred_month.replace(day=1),
        audience=audience,
        expected_size=expected_size,
        requested_by=by,
    )


@transaction.atomic
def course_request_dispatch(
    *, request: CourseRequest, department: Department, instructor: Instructor | None, by, note: str = ""
) -> CourseRequest:
    """组织派单: county staff send the request to a department and (usually) an instructor."""
    _check_move(request, CourseRequest.Status.DISPATCHED, by)
    request.transition(CourseRequest.Status.DISPATCHED, by=by, note=note)
    request.department = department
    request.instructor = instructor
    request.decline_reason = ""
    request.save(update_fields=["department", "instructor", "decline_reason"])
    return request


@transaction.atomic
def course_request_accept(*, request: CourseRequest, by, note: str = "") -> CourseRequest:
    """部门接单: the dispatched instructor (or county staff on the department's behalf) accepts."""
    _check_move(request, CourseRequest.Status.ACCEPTED, by)
    request.transition(CourseRequest.Status.ACCEPTED, by=by, note=note)
    return request


@transaction.atomic
def course_request_decline(*, request: CourseRequest, by, reason: str) -> CourseRequest:
    """The department/instructor declines with a reason; county staff can dispatch again."""
    _check_move(request, CourseRequest.Status.DECLINED, by)
    request.transition(CourseRequest.Status.DECLINED, by=by, note=reason)
    return request


@transaction.atomic
def course_request_schedule(
    *,
    request: CourseRequest,
    by,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    hours: Decimal,
    venue: str = "",
    title: str = "",
) -> Session:
    """排课: turn an accepted request into a published delivery session."""
    _check_move(request, CourseRequest.Status.SCHEDULED, by)
    if ends_at <= starts_at:
        raise IllegalTransition(_("结束时间须晚于开始时间。"))
    request.transition(CourseRequest.Status.SCHEDULED, by=by)
    session = Session.objects.create(
        township=request.township,
        course=request.course,
        title=title or _("送教：%(course)s") % {"course": request.course.title},
        kind=Session.Kind.DELIVERY,
        venue=venue,
        starts_at=starts_at,
        ends_at=ends_at,
        hours=hours,
        capacity=request.expected_size,
        created_by=by,
    )
    if request.instructor_id:
        session.instructors.add(request.instructor_id)
    if request.branch_id:
        session.audience_branches.add(request.branch_id)
    session.transition(Session.Status.PUBLISHED, by=by, note=_("由送教点单排课生成"))
    request.session = session
    request.save(update_fields=["session"])
    return session


@transaction.atomic
def course_request_deliver(*, request: CourseRequest, by, note: str = "") -> CourseRequest:
    """送教完成: the course was taught; its session is marked held."""
    _check_move(request, CourseRequest.Status.DELIVERED, by)
    request.transition(CourseRequest.Status.DELIVERED, by=by, note=note)
    session = request.session
    if session is not None and session.can_transition(Session.Status.HELD):
        session.transition(Session.Status.HELD, by=by, note=note)
    return request


@transaction.atomic
def course_request_close(*, request: CourseRequest, by, note: str = "") -> CourseRequest:
    _check_move(request, CourseRequest.Status.CLOSED, by)
    request.transition(CourseRequest.Status.CLOSED, by=by, note=note)
    return request


@transaction.atomic
def course_request_cancel(*, request: CourseRequest, by, note: str = "") -> CourseRequest:
    _check_move(request, CourseRequest.Status.CANCELLED, by)
    request.transition(CourseRequest.Status.CANCELLED, by=by, note=note)
    return request
