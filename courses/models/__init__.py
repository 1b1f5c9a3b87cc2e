"""Models of the courses app, re-exported so ``from courses.models import Course`` works."""

from .base import CatalogQuerySet
from .catalog import (
    Course,
    CourseLink,
    CourseMaterial,
    CourseStageRecord,
    Instructor,
    RouteStop,
    Tag,
    TeachingBase,
    TeachingRoute,
    Theme,
)
from .delivery import CourseRequest, CourseRequestEvent
from .sessions import (
    Attendance,
    AttendanceChange,
    Enrollment,
    LessonPreparation,
    MonthlyPlan,
    MonthlyPlanEvent,
    Session,
    SessionEvent,
    StudyHoursEntry,
    StudyHoursTarget,
)

__all__ = [
    "Attendance",
    "AttendanceChange",
    "CatalogQuerySet",
    "Course",
    "CourseLink",
    "CourseMaterial",
    "CourseRequest",
    "CourseRequestEvent",
    "CourseStageRecord",
    "Enrollment",
    "Instructor",
    "LessonPreparation",
    "MonthlyPlan",
    "MonthlyPlanEvent",
    "RouteStop",
    "Session",
    "SessionEvent",
    "StudyHoursEntry",
    "StudyHoursTarget",
    "Tag",
    "TeachingBase",
    "TeachingRoute",
    "Theme",
]
