"""On-demand delivery (精准送教): grassroots order → county dispatch → department accepts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.workflow import TransitionEvent, Workflow
from trainees.models import Branch, Department, Township
from trainees.scoping import ScopedQuerySet

from .catalog import Course, Instructor


class CourseRequestQuerySet(ScopedQuerySet):
    township_path = "township"
    instructor_user_path = "instructor__user"

    def open(self):
        return self.exclude(status__in=[CourseRequest.Status.CLOSED, CourseRequest.Status.CANCELLED])


class CourseRequest(Workflow):
    """基层点单: a township orders a catalog course for a branch or the whole township."""

    class Status(models.TextChoices):
        ORDERED = "ordered", _("已点单")
        DISPATCHED = "dispatched", _("已派单")
        ACCEPTED = "accepted", _("已接单")
        DECLINED = "declined", _("已拒单")
        SCHEDULED = "scheduled", _("已排课")
        DELIVERED = "delivered", _("已送教")
        CLOSED = "closed", _("已办结")
        CANCELLED = "cancelled", _("已取消")

    TRANSITIONS = {
        "ordered": {"dispatched", "cancelled"},
        "dispatched": {"accepted", "declined"},
        "declined": {"dispatched", "cancelled"},
        "accepted": {"scheduled"},
        "scheduled": {"delivered"},
        "delivered": {"closed"},
        "closed": set(),
        "cancelled": set(),
    }
    REASON_REQUIRED = frozenset({"declined"})

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="course_requests", verbose_name=_("乡镇（街道）")
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="course_requests",
        verbose_name=_("党支部"),
        help_text=_("为某个支部点单时填写；留空表示全乡镇。"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="requests", verbose_name=_("课程")
    )
    preferred_month = models.DateField(_("期望月份"), help_text=_("该月第一天。"))
    audience = models.CharField(_("培训对象"), max_length=200)
    expected_size = models.PositiveIntegerField(_("预计人数"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ORDERED)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="course_requests",
        verbose_name=_("承接部门"),
    )
    instructor = models.ForeignKey(
        Instructor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="course_requests",
        verbose_name=_("授课师资"),
    )
    decline_reason = models.TextField(_("拒单原因"), blank=True)
    session = models.ForeignKey(
        "courses.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="course_requests",
        verbose_name=_("送教场次"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("点单人")
    )
    created_at = models.DateTimeField(_("点单时间"), auto_now_add=True)

    objects = CourseRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("送教点单")
        verbose_name_plural = _("送教点单")
        indexes = [
            models.Index(fields=["status", "created_at"], name="courserequest_status_idx"),
            models.Index(fields=["township", "status"], name="courserequest_township_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.township} · {self.course} · {self.preferred_month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("courses:request-detail", args=[self.pk])

    FINISHED = (Status.DELIVERED, Status.CLOSED, Status.CANCELLED)

    @property
    def is_overdue(self) -> bool:
        """Past its expected month (Asia/Shanghai) and not yet delivered, closed or cancelled."""
        this_month = timezone.localdate().replace(day=1)
        return self.status not in self.FINISHED and self.preferred_month < this_month

    def apply_transition(self, from_state: str, to: str, note: str) -> list[str]:
        if to == self.Status.DECLINED:
            self.decline_reason = note
            return ["decline_reason"]
        return []


class CourseRequestEvent(TransitionEvent):
    request = models.ForeignKey(
        CourseRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("送教点单")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("送教点单记录")
        verbose_name_plural = _("送教点单记录")
