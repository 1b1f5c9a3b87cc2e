"""培训需求问卷 → 分类教学计划: needs surveys, their answers, and the teaching plans drafted from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import Role, role_of
from core.workflow import TransitionEvent, Workflow
from courses.models import Course, Session, Tag
from trainees.models import Branch, Member, MemberGroup, Township
from trainees.scoping import CountyQuerySet, ScopedQuerySet


class NeedsSurveyQuerySet(CountyQuerySet):
    def open(self):
        return self.filter(status=NeedsSurvey.Status.OPEN)

    def for_member(self, member: Member):
        """Open surveys aimed at ``member`` (an empty target list means everyone)."""
        return (
            self.open()
            .filter(Q(target_townships__isnull=True) | Q(target_townships=member.branch.township_id))
            .filter(Q(target_groups__isnull=True) | Q(target_groups__members=member))
            .distinct()
        )


class NeedsSurvey(Workflow):
    """A training-needs questionnaire (培训需求问卷) built by county staff."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("答卷中")
        CLOSED = "closed", _("已结束")

    TRANSITIONS = {"draft": {"open"}, "open": {"closed"}, "closed": set()}

    title = models.CharField(_("问卷名称"), max_length=120)
    intro = models.TextField(_("说明"), blank=True)
    target_townships = models.ManyToManyField(
        Township,
        blank=True,
        related_name="needs_surveys",
        verbose_name=_("面向乡镇"),
        help_text=_("不选表示全县。"),
    )
    target_domains = models.JSONField(
        _("面向领域"), default=list, blank=True, help_text=_("不选表示全部领域。")
    )
    target_groups = models.ManyToManyField(
        MemberGroup,
        blank=True,
        related_name="needs_surveys",
        verbose_name=_("面向党员群体"),
        help_text=_("不选表示全体党员。"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = NeedsSurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("需求问卷")
        verbose_name_plural = _("需求问卷")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluations:survey-detail", args=[self.pk])

    def targets_member(self, member: Member) -> bool:
        """Whether ``member`` is asked (domains are checked here: JSON lookups differ per database)."""
        return (
            member.is_active
            and (not self.target_domains or member.branch.domain in self.target_domains)
            and NeedsSurvey.objects.for_member(member).filter(pk=self.pk).exists()
        )

    def apply_transition(self, from_state: str, to: str, note: str) -> list[str]:
        if to == self.Status.OPEN:
            self.opened_at = timezone.now()
            return ["opened_at"]
        if to == self.Status.CLOSED:
            self.closed_at = timezone.now()
            return ["closed_at"]
        return []


class NeedsSurveyEvent(TransitionEvent):
    survey = models.ForeignKey(
        NeedsSurvey, on_delete=models.CASCADE, related_name="events", verbose_name=_("需求问卷")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("问卷记录")
        verbose_name_plural = _("问卷记录")


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("单选")
        MULTIPLE = "multiple", _("多选")
        RATING = "rating", _("1–5 分评分")
        TEXT = "text", _("文字填写")

    survey = models.ForeignKey(
        NeedsSurvey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("需求问卷")
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    text = models.CharField(_("题目"), max_length=200)
    kind = models.CharField(_("题型"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("必答"), default=True)

    class Meta:
        ordering = ["survey", "order", "pk"]
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")

    def __str__(self) -> str:
        return self.text

    @property
    def has_options(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


class SurveyOption(models.Model):
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.CASCADE, related_name="options", verbose_name=_("题目")
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    text = models.CharField(_("选项"), max_length=120)
    tags = models.ManyToManyField(Tag, blank=True, related_name="survey_options", verbose_name=_("专题标签"))

    class Meta:
        ordering = ["question", "order", "pk"]
        verbose_name = _("选项")
        verbose_name_plural = _("选项")

    def __str__(self) -> str:
        return self.text


class SurveyResponseQuerySet(ScopedQuerySet):
    township_path = "township"
    member_path = "member"


class SurveyResponse(models.Model):
    """One member's answers; township and domain are kept as they were when answering."""

    survey = models.ForeignKey(
        NeedsSurvey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("需求问卷")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="survey_responses", verbose_name=_("党员")
    )
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）")
    )
    domain = models.CharField(_("领域"), max_length=20, choices=Branch.Domain.choices)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    objects = SurveyResponseQuerySet.as_manager()

    class Meta:
        ordering = ["survey", "submitted_at", "pk"]
        verbose_name = _("问卷答卷")
        verbose_name_plural = _("问卷答卷")
        constraints = [
            models.UniqueConstraint(fields=["survey", "member"], name="surveyresponse_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {self.member}"


class SurveyAnswer(models.Model):
    """One answer: an option (one row per chosen option), a rating or a text."""

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("答卷")
    )
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.CASCADE, related_name="answers", verbose_name=_("题目")
    )
    option = models.ForeignKey(
        SurveyOption,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="answers",
        verbose_name=_("选项"),
    )
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    text = models.TextField(_("文字"), blank=True)

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        indexes = [models.Index(fields=["question", "option"], name="surveyanswer_question_opt_idx")]

    def __str__(self) -> str:
        return f"{self.response_id} · {self.question_id}"


class TeachingPlanQuerySet(CountyQuerySet):
    def visible_to(self, user):
        """County staff every plan; a township admin the approved ones, to schedule from."""
        if role_of(user) == Role.TOWNSHIP:
            return self.filter(status=TeachingPlan.Status.APPROVED)
        return super().visible_to(user)


class TeachingPlan(Workflow):
    """分类教学计划: proposed courses for one domain × member group over the coming months."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已审定")

    TRANSITIONS = {"draft": {"approved"}, "approved": {"draft"}}

    survey = models.ForeignKey(
        NeedsSurvey, on_delete=models.PROTECT, related_name="plans", verbose_name=_("依据问卷")
    )
    domain = models.CharField(_("领域"), max_length=20, choices=Branch.Domain.choices)
    group = models.ForeignKey(
        MemberGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teaching_plans",
        verbose_name=_("党员群体"),
        help_text=_("留空表示该领域全体党员。"),
    )
    title = models.CharField(_("计划名称"), max_length=150)
    top_needs = models.JSONField(_("主要需求"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = TeachingPlanQuerySet.as_manager()

    class Meta:
        # No join in the default ordering: Workflow.transition() locks the row with
        # SELECT … FOR UPDATE, which PostgreSQL refuses on the nullable side of an outer join.
        ordering = ["survey", "domain", "group_id", "pk"]
        verbose_name = _("分类教学计划")
        verbose_name_plural = _("分类教学计划")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluations:plan-detail", args=[self.pk])

    def apply_transition(self, from_state: str, to: str, note: str) -> list[str]:
        self.approved_at = timezone.now() if to == self.Status.APPROVED else None
        return ["approved_at"]


class TeachingPlanEvent(TransitionEvent):
    plan = models.ForeignKey(
        TeachingPlan, on_delete=models.CASCADE, related_name="events", verbose_name=_("教学计划")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("教学计划记录")
        verbose_name_plural = _("教学计划记录")


class TeachingPlanItem(models.Model):
    plan = models.ForeignKey(
        TeachingPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("教学计划")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="plan_items", verbose_name=_("课程")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["plan", "month", "pk"]
        verbose_name = _("教学计划课程")
        verbose_name_plural = _("教学计划课程")

    def __str__(self) -> str:
        return f"{self.plan} · {self.month:%Y-%m} · {self.course}"


class PlannedSessionQuerySet(ScopedQuerySet):
    township_path = "township"


class PlannedSession(models.Model):
    """A township's draft session made from an approved plan item (once per item and township)."""

    item = models.ForeignKey(
        TeachingPlanItem, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("计划课程")
    )
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）")
    )
    session = models.OneToOneField(
        Session, on_delete=models.CASCADE, related_name="+", verbose_name=_("培训场次")
    )

    objects = PlannedSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("计划转场次")
        verbose_name_plural = _("计划转场次")
        constraints = [
            models.UniqueConstraint(fields=["item", "township"], name="plannedsession_once_per_township")
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.township}"


class PointsWeight(models.Model):
    """积分权重: points per unit of one learning or practice measure — data county staff edit."""

    class Measure(models.TextChoices):
        HOURS = "hours", _("每认定学时")
        SESSIONS = "sessions", _("每参加一场培训")
        FEEDBACK = "feedback", _("每提交一次培训评价")
        TASKS = "tasks", _("每完成（核实）一项实践任务")
        SATISFACTION = "satisfaction", _("实践任务平均群众满意度每 1%")
        SOLVED = "solved", _("每解决一个问题")

    measure = models.CharField(_("计分项"), max_length=20, choices=Measure.choices, unique=True)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["measure"]
        verbose_name = _("积分权重")
        verbose_name_plural = _("积分权重")

    def __str__(self) -> str:
        return f"{self.get_measure_display()}: {self.points}"
