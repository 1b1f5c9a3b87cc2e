"""实践锻炼: practice tasks members take after training, their outcomes and verification."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.workflow import TransitionEvent, Workflow
from trainees.models import Member
from trainees.scoping import ScopedQuerySet


class PracticeTaskQuerySet(ScopedQuerySet):
    township_path = "member__branch__township"
    member_path = "member"

    def in_year(self, year: int):
        return self.filter(due_date__year=year)


class PracticeTask(Workflow):
    """A practice task a member takes; the outcome is verified by the branch/township (双向印证)."""

    class Kind(models.TextChoices):
        MEDIATION = "mediation", _("矛盾纠纷调解")
        INDUSTRY_HELP = "industry_help", _("产业帮扶")
        COMMUNITY_COUNCIL = "community_council", _("社区议事协商")
        PIONEER_POST = "pioneer_post", _("亮身份、当先锋")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        TAKEN = "taken", _("进行中")
        REPORTED = "reported", _("已报成效待核实")
        RETURNED = "returned", _("退回补充")
        VERIFIED = "verified", _("已核实")
        CANCELLED = "cancelled", _("已撤销")

    TRANSITIONS = {
        "taken": {"reported", "cancelled"},
        "reported": {"verified", "returned"},
        "returned": {"reported", "cancelled"},
        "verified": set(),
        "cancelled": set(),
    }
    REASON_REQUIRED = frozenset({"returned", "cancelled"})
    VERIFIER_MOVES = frozenset({"verified", "returned"})

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="practice_tasks", verbose_name=_("党员")
    )
    kind = models.CharField(_("实践类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("任务名称"), max_length=150)
    description = models.TextField(_("任务内容"), blank=True)
    due_date = models.DateField(_("完成时限"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.TAKEN)
    satisfaction_pct = models.DecimalField(
        _("群众满意度（%）"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    problem_solved = models.BooleanField(_("问题是否解决"), null=True, blank=True)
    innovations = models.TextField(_("创新举措"), blank=True)
    outcome = models.TextField(_("成效说明"), blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    reported_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = PracticeTaskQuerySet.as_manager()

    class Meta:
        ordering = ["-due_date", "pk"]
        verbose_name = _("实践任务")
        verbose_name_plural = _("实践任务")
        indexes = [models.Index(fields=["member", "status"], name="practicetask_member_status_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluations:task-detail", args=[self.pk])

    def apply_transition(self, from_state: str, to: str, note: str) -> list[str]:
        if to == self.Status.REPORTED:
            self.reported_at = timezone.now()
            return ["reported_at", "satisfaction_pct", "problem_solved", "innovations", "outcome"]
        if to == self.Status.VERIFIED:
            self.verified_at = timezone.now()
            return ["verified_at"]
        if to in (self.Status.RETURNED, self.Status.CANCELLED):
            self.return_reason = note
            return ["return_reason"]
        return []


class PracticeTaskEvent(TransitionEvent):
    task = models.ForeignKey(
        PracticeTask, on_delete=models.CASCADE, related_name="events", verbose_name=_("实践任务")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("实践任务记录")
        verbose_name_plural = _("实践任务记录")
