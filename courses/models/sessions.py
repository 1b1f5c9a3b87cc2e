"""The monthly cycle (一月一训): plans, lesson preparation, sessions, enrolment, attendance, hours."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.periods import month_bounds
from core.roles import Role, role_of
from core.workflow import TransitionEvent, Workflow
from trainees.models import Branch, Member, MemberGroup, Township
from trainees.scoping import ScopedQuerySet, township_id_of

from .catalog import Course, Instructor, TeachingBase, TeachingRoute, Theme

# Study hours: one bound per kind of row, met by every path (forms, import, admin, API, a
# plain UPDATE) — the validators for forms, the check constraint for the rest. A session may
# be a training class of several days (up to a week, 40 hours); a manual entry is one day's study.
HOURS_MIN = Decimal("0.5")
SESSION_HOURS_MAX, ENTRY_HOURS_MAX = Decimal("40"), Decimal("16")
_HOURS_TEXTS = {
    SESSION_HOURS_MAX: (_("学时须在 0.5 到 40 之间。"), _("0.5 到 40 学时，最多一位小数。")),
    ENTRY_HOURS_MAX: (_("学时须在 0.5 到 16 之间。"), _("0.5 到 16 学时，最多一位小数。")),
}


def hours_validators(maximum: Decimal) -> list:
    message = _HOURS_TEXTS[maximum][0]
    return [MinValueValidator(HOURS_MIN, message), MaxValueValidator(maximum, message)]


def hours_help(maximum: Decimal):
    return _HOURS_TEXTS[maximum][1]


def hours_in_range(maximum: Decimal) -> Q:
    return Q(hours__gte=HOURS_MIN, hours__lte=maximum)


class MonthlyPlanQuerySet(ScopedQuerySet):
    township_path = "township"


class MonthlyPlan(Workflow):
    """A township's plan for one month: the session it owes on the month's theme."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待安排")
        SCHEDULED = "scheduled", _("已排课")
        HELD = "held", _("已举办")
        MISSED = "missed", _("未举办")

    TRANSITIONS = {
        "planned": {"scheduled", "missed"},
        "scheduled": {"held", "planned", "missed"},
        "held": set(),
        "missed": {"scheduled"},
    }

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="monthly_plans", verbose_name=_("乡镇（街道）")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="monthly_plans",
        verbose_name=_("月度主题"),
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED)

    objects = MonthlyPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "township__code"]
        verbose_name = _("月度计划")
        verbose_name_plural = _("月度计划")
        constraints = [
            models.UniqueConstraint(fields=["township", "month"], name="monthlyplan_unique_township_month")
        ]

    def __str__(self) -> str:
        return f"{self.township} · {self.month:%Y-%m}"


class MonthlyPlanEvent(TransitionEvent):
    plan = models.ForeignKey(
        MonthlyPlan, on_delete=models.CASCADE, related_name="events", verbose_name=_("月度计划")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("月度计划记录")
        verbose_name_plural = _("月度计划记录")


class LessonPreparationQuerySet(ScopedQuerySet):
    township_path = "plan__township"


class LessonPreparation(models.Model):
    """集体备课: the township's collective lesson preparation for a monthly plan."""

    plan = models.ForeignKey(
        MonthlyPlan, on_delete=models.CASCADE, related_name="preparations", verbose_name=_("月度计划")
    )
    date = models.DateField(_("备课日期"))
    participants = models.TextField(_("参加人员"), blank=True)
    notes = models.TextField(_("备课记录"), blank=True)
    instructors = models.ManyToManyField(
        Instructor, blank=True, related_name="lesson_preparations", verbose_name=_("参与师资")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )

    objects = LessonPreparationQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "pk"]
        verbose_name = _("集体备课")
        verbose_name_plural = _("集体备课")

    def __str__(self) -> str:
        return f"{self.plan} · {self.date}"


class SessionQuerySet(ScopedQuerySet):
    township_path = "township"
    member_path = "enrollments__member"
    instructor_user_path = "instructors__user"

    def published(self):
        return self.filter(status__in=[Session.Status.PUBLISHED, Session.Status.HELD, Session.Status.CLOSED])

    def with_enrolled(self):
        """Annotate ``enrolled``: the session's enrolled (not waitlisted or withdrawn) members.

        A correlated subquery rather than a join and GROUP BY: it is evaluated only for the
        rows a page shows, and ``count()`` for the paginator drops it altogether.
        """
        enrolled = (
            Enrollment.objects.filter(session=OuterRef("pk"), status=Enrollment.Status.ENROLLED)
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(enrolled=Coalesce(Subquery(enrolled, output_field=IntegerField()), 0))

    def in_month(self, year: int, month: int):
        """Sessions starting in a local (Asia/Shanghai) calendar month."""
        start, end = month_bounds(datetime.date(year, month, 1))
        return self.filter(starts_at__gte=start, starts_at__lt=end)

    def visible_to(self, user):
        """The read scope: the common township/member/instructor scope, and for a township admin
        also the county-wide sessions past the draft stage — to open, never to change (``managed_by``)."""
        township_id = township_id_of(user) if role_of(user) == Role.TOWNSHIP else None
        if township_id is None:
            return super().visible_to(user)
        county_wide = Q(township__isnull=True) & ~Q(status=Session.Status.DRAFT)
        return self.filter(Q(township_id=township_id) | county_wide)


class Session(Workflow):
    """A scheduled class: a monthly session, a delivery, a lecture-sharing event or a special one."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("月训")
        DELIVERY = "delivery", _("精准送教")
        LECTURE_SHARING = "lecture_sharing", _("说课交流")
        SPECIAL = "special", _("专题培训")

    class VenueKind(models.TextChoices):
        CLASSROOM = "classroom", _("课堂")
        BASE = "base", _("教学基地")
        ROUTE = "route", _("教学路线")
        FIELD = "field", _("田间地头")
        COMMUNITY = "community", _("社区")
        WORKSHOP = "workshop", _("企业车间")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        HELD = "held", _("已举办")
        CLOSED = "closed", _("已结束")
        CANCELLED = "cancelled", _("已取消")

    TRANSITIONS = {
        "draft": {"published", "cancelled"},
        "published": {"held", "cancelled", "draft"},
        "held": {"closed"},
        "closed": set(),
        "cancelled": set(),
    }
    REASON_REQUIRED = frozenset({"cancelled"})

    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("乡镇（街道）"),
        help_text=_("留空表示全县性培训。"),
    )
    plan = models.ForeignKey(
        MonthlyPlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("月度计划"),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("课程"),
    )
    title = models.CharField(_("培训名称"), max_length=150)
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("月度主题"),
    )
    kind = models.CharField(_("培训类型"), max_length=20, choices=Kind.choices, default=Kind.MONTHLY)
    venue_kind = models.CharField(
        _("场地类型"), max_length=12, choices=VenueKind.choices, default=VenueKind.CLASSROOM
    )
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    base = models.ForeignKey(
        TeachingBase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("教学基地"),
    )
    route = models.ForeignKey(
        TeachingRoute,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("教学路线"),
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    hours = models.DecimalField(
        _("学时"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=hours_validators(SESSION_HOURS_MAX),
        help_text=hours_help(SESSION_HOURS_MAX),
    )
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True, help_text=_("留空表示不限。"))
    open_signup = models.BooleanField(_("开放报名"), default=False)
    audience_branches = models.ManyToManyField(
        Branch, blank=True, related_name="targeted_sessions", verbose_name=_("面向支部")
    )
    audience_domains = models.JSONField(_("面向领域"), default=list, blank=True)
    audience_groups = models.ManyToManyField(
        MemberGroup, blank=True, related_name="targeted_sessions", verbose_name=_("面向党员群体")
    )
    instructors = models.ManyToManyField(
        Instructor, blank=True, related_name="sessions", verbose_name=_("授课师资")
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    series = models.UUIDField(_("系列编号"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = _("培训场次")
        verbose_name_plural = _("培训场次")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(
                condition=hours_in_range(SESSION_HOURS_MAX), name="session_hours_in_range"
            ),
        ]
        indexes = [
            models.Index(fields=["township", "starts_at"], name="session_township_start_idx"),
            models.Index(fields=["status", "starts_at"], name="session_status_start_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:session-detail", args=[self.pk])

    # The session list draws 25 rows with two labels each: an enum lookup, where
    # get_…_display() rebuilds the field's choices on every call.
    @property
    def kind_label(self) -> str:
        return self.Kind(self.kind).label

    @property
    def status_label(self) -> str:
        return self.Status(self.status).label

    @property
    def local_month(self) -> datetime.date:
        return timezone.localtime(self.starts_at).date().replace(day=1)

    def has_started(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    def apply_transition(self, from_state: str, to: str, note: str) -> list[str]:
        if to == self.Status.CANCELLED:
            self.cancel_reason = note
            return ["cancel_reason", "updated_at"]
        return ["updated_at"]


class SessionEvent(TransitionEvent):
    """A status move of a session, or a note (from = to) such as a move or a notice sent."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="events", verbose_name=_("培训场次")
    )
    # System notes (the change notice) have no human author.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("培训场次记录")
        verbose_name_plural = _("培训场次记录")


class SessionMemberQuerySet(ScopedQuerySet):
    township_path = "session__township"
    member_path = "member"
    instructor_user_path = "session__instructors__user"


class Enrollment(models.Model):
    """A member's place in a session (or in its waiting list, queued by ``created_at``)."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("已报名")
        WAITLISTED = "waitlisted", _("候补")
        WITHDRAWN = "withdrawn", _("已退出")

    class Source(models.TextChoices):
        INVITED = "invited", _("组织安排")
        SELF = "self", _("自主报名")
        REQUEST = "request", _("点单送教")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("培训场次")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("党员")
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ENROLLED)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.INVITED)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SessionMemberQuerySet.as_manager()

    class Meta:
        ordering = ["session", "created_at", "pk"]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="enrollment_unique_member")]
        indexes = [
            models.Index(fields=["session", "status", "created_at"], name="enrollment_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.session}"


class Attendance(models.Model):
    """签到 and attendance of one member at one session; ``version`` guards concurrent edits."""

    class Status(models.TextChoices):
        PRESENT = "present", _("出勤")
        LATE = "late", _("迟到")
        EXCUSED = "excused", _("请假")
        ABSENT = "absent", _("缺勤")

    class Method(models.TextChoices):
        QR = "qr", _("扫码签到")
        MANUAL = "manual", _("手工登记")
        CLOSE = "close", _("结束时自动补记")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("培训场次")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("党员")
    )
    status = models.CharField(_("出勤情况"), max_length=10, choices=Status.choices)
    leave_reason = models.CharField(_("请假事由"), max_length=200, blank=True)
    method = models.CharField(_("登记方式"), max_length=10, choices=Method.choices, default=Method.MANUAL)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = SessionMemberQuerySet.as_manager()

    class Meta:
        ordering = ["session", "member"]
        verbose_name = _("考勤")
        verbose_name_plural = _("考勤")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="attendance_unique_member")]
        indexes = [models.Index(fields=["member", "status"], name="attendance_member_status_idx")]

    def __str__(self) -> str:
        return f"{self.member} · {self.session} · {self.get_status_display()}"


class AttendanceChange(models.Model):
    """Audit history of an attendance record."""

    attendance = models.ForeignKey(
        Attendance, on_delete=models.CASCADE, related_name="changes", verbose_name=_("考勤")
    )
    from_status = models.CharField(_("原状态"), max_length=10, choices=Attendance.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=Attendance.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
        help_text=_("扫码签到等由本人完成时为学员账号；系统自动补记时为空。"),
    )
    at = models.DateTimeField(_("操作时间"), auto_now_add=True)

    class Meta:
        ordering = ["attendance", "at", "pk"]
        verbose_name = _("考勤变更记录")
        verbose_name_plural = _("考勤变更记录")

    def __str__(self) -> str:
        return f"{self.attendance_id}: {self.from_status} → {self.to_status}"


class StudyHoursEntryQuerySet(ScopedQuerySet):
    township_path = "member__branch__township"
    member_path = "member"


class StudyHoursEntry(models.Model):
    """Study hours recorded by hand (branch meetings, online study, theme party days)."""

    class Source(models.TextChoices):
        BRANCH_MEETING = "branch_meeting", _("三会一课")
        ONLINE = "online", _("网络学习")
        THEME_DAY = "theme_day", _("主题党日")
        OTHER = "other", _("其他")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="study_hours_entries", verbose_name=_("党员")
    )
    date = models.DateField(_("日期"))
    hours = models.DecimalField(
        _("学时"),
        max_digits=4,
        decimal_places=1,
        validators=hours_validators(ENTRY_HOURS_MAX),
        help_text=hours_help(ENTRY_HOURS_MAX),
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = StudyHoursEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "pk"]
        verbose_name = _("学时登记")
        verbose_name_plural = _("学时登记")
        indexes = [models.Index(fields=["member", "date"], name="studyhours_member_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=hours_in_range(ENTRY_HOURS_MAX), name="studyhours_hours_in_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.date} · {self.hours}"


class StudyHoursTarget(models.Model):
    """A yearly study-hours requirement as data: per year (or any) and per group (or everyone)."""

    year = models.PositiveSmallIntegerField(
        _("年份"), null=True, blank=True, help_text=_("留空表示各年通用。")
    )
    group = models.ForeignKey(
        MemberGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="study_hours_targets",
        verbose_name=_("党员群体"),
        help_text=_("留空表示全体党员。"),
    )
    hours = models.DecimalField(_("年度学时要求"), max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["year", "group"]
        verbose_name = _("年度学时要求")
        verbose_name_plural = _("年度学时要求")
        constraints = [
            models.UniqueConstraint(fields=["year", "group"], name="studyhourstarget_unique_year_group"),
            models.UniqueConstraint(
                fields=["group"], condition=Q(year__isnull=True), name="studyhourstarget_unique_any_year"
            ),
            models.UniqueConstraint(
                fields=["year"], condition=Q(group__isnull=True), name="studyhourstarget_unique_everyone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year or '*'} · {self.group or '*'} · {self.hours}"
