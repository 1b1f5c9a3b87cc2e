"""Read logic of the courses app that is more than one queryset."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from core.roles import Role, role_of

from .models import Course, CourseRequest, Instructor, Session


def county_course_counts() -> dict[str, int]:
    """Counts for the county dashboard: premium courses, star instructors, deliveries this year."""
    year = timezone.localdate().year
    courses = Course.objects.aggregate(
        premium_courses=Count("pk", filter=Q(stage=Course.Stage.PREMIUM)),
        courses_in_development=Count("pk", filter=Q(stage__in=Course.DEVELOPMENT_STAGES)),
    )
    instructors = Instructor.objects.aggregate(
        star_instructors=Count("pk", filter=Q(is_star=True, is_active=True))
    )
    requests = CourseRequest.objects.aggregate(
        deliveries_this_year=Count(
            "pk",
            filter=Q(
                status__in=[CourseRequest.Status.DELIVERED, CourseRequest.Status.CLOSED],
                session__starts_at__year=year,
            ),
        ),
        requests_open=Count(
            "pk", filter=~Q(status__in=[CourseRequest.Status.CLOSED, CourseRequest.Status.CANCELLED])
        ),
    )
    return {**courses, **instructors, **requests}


def course_list_queryset(user) -> QuerySet[Course]:
    """Catalog rows with everything a list row shows, in a fixed number of queries."""
    return (
        Course.objects.visible_to(user)
        .select_related("owner_department", "township")
        .prefetch_related("tags")
        .annotate(session_count=Count("sessions", filter=~Q(sessions__status=Session.Status.CANCELLED)))
        .order_by("title", "pk")
    )


def course_sessions(course: Course) -> QuerySet[Session]:
    """Where, when and by whom a course was taught."""
    return (
        course.sessions.exclude(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
        .select_related("township", "base", "route")
        .prefetch_related(Prefetch("instructors", queryset=Instructor.objects.only("pk", "name")))
        .order_by("-starts_at")
    )


def instructor_sessions(instructor: Instructor) -> QuerySet[Session]:
    return (
        instructor.sessions.exclude(status=Session.Status.CANCELLED)
        .select_related("township", "course")
        .order_by("-starts_at")
    )


def requests_waiting_on(user) -> QuerySet[CourseRequest]:
    """The requests whose next move belongs to ``user``'s role (already scoped)."""
    role = role_of(user)
    waiting = {
        Role.COUNTY: [
            CourseRequest.Status.ORDERED,
            CourseRequest.Status.DECLINED,
            CourseRequest.Status.DELIVERED,
        ],
        Role.TOWNSHIP: [CourseRequest.Status.ACCEPTED, CourseRequest.Status.SCHEDULED],
        Role.INSTRUCTOR: [CourseRequest.Status.DISPATCHED, CourseRequest.Status.SCHEDULED],
    }.get(role, [])
    return (
        CourseRequest.objects.visible_to(user)
        .filter(status__in=waiting)
        .select_related("township", "branch", "course", "department", "instructor", "session")
    )
