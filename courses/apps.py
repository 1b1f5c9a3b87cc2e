from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

import audit


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("课程与培训")

    def ready(self):
        from . import reminders  # noqa: F401  (registers the courses reminders with notifications)
        from .models import Attendance, CourseRequest, Enrollment, MonthlyPlan, Session

        # Sessions, enrolments, attendance, requests and plans are audited on every
        # single-row change (docs/security.md); the bulk paths in cycle/services.py
        # call audit.record_bulk themselves.
        audit.register(Session, exclude=["created_at", "updated_at"])
        audit.register(Enrollment, exclude=["updated_at"])
        audit.register(Attendance, exclude=["updated_at"])
        audit.register(CourseRequest, exclude=["created_at"])
        audit.register(MonthlyPlan)
