"""一季一研 and 一年一述: quarterly reviews, their improvement items, annual township reports."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.workflow import TransitionEvent, Workflow
from trainees.models import District, Township
from trainees.scoping import CountyQuerySet, ScopedQuerySet


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


class QuarterlyReview(models.Model):
    """一季一研: the county's effectiveness seminar for one district in one quarter."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="quarterly_reviews", verbose_name=_("片区")
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"),
        choices=[(q, q) for q in range(1, 5)],
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    held_on = models.DateField(_("研讨日期"))
    venue = models.CharField(_("地点"), max_length=200)
    townships = models.ManyToManyField(
        Township, related_name="quarterly_reviews", verbose_name=_("参加乡镇（街道）")
    )
    agenda = models.TextField(_("议程"), blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    difficulties = models.TextField(_("发现的困难和问题"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = CountyQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter", "district__sort_order", "pk"]
        verbose_name = _("季度研讨")
        verbose_name_plural = _("季度研讨")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "quarter"], name="quarterlyreview_unique_district_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="quarterlyreview_quarter_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} · {self.year}Q{self.quarter}"

    def get_absolute_url(self) -> str:
        return reverse("evaluations:review-detail", args=[self.pk])


class ImprovementItemQuerySet(ScopedQuerySet):
    # County-level items (no township) match no township admin: only county staff see them.
    township_path = "township"

    def open(self):
        return self.filter(status__in=ImprovementItem.OPEN_STATES)

    def overdue(self, today: datetime.date | None = None):
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def due_in_year(self, year: int):
        return self.filter(due_date__year=year)


class ImprovementItem(Workflow):
    """改进清单 item: a problem a review found, tracked through rectification (整改) to verification."""

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        IN_PROGRESS = "in_progress", _("整改中")
        RECTIFIED = "rectified", _("已整改待核验")
        RETURNED = "returned", _("退回重新整改")
        VERIFIED = "verified", _("已核验销号")

    TRANSITIONS = {
        "open": {"in_progress", "rectified"},
        "in_progress": {"rectified"},
        "rectified": {"verified", "returned"},
        "returned": {"in_progress", "rectified"},
        "verified": set(),
    }
    REASON_REQUIRED = frozenset({"returned"})
    # Moves made by the county when it checks the evidence; the others belong to
    # whoever owns the item (the township admin, or county staff for county items).
    COUNTY_MOVES = frozenset({"verified", "returned"})
    OPEN_STATES = ("open", "in_progress", "returned")

    review = models.ForeignKey(
        QuarterlyReview, on_delete=models.CASCADE, related_name="items", verbose_name=_("季度研讨")
    )
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="improvement_items",
        verbose_name=_("责任乡镇（街道）"),
        help_text=_("留空表示由县委组织部负责整改。"),
    )
    problem = models.CharField(_("问题"), max_length=200)
    measure = models.TextField(_("整改措施"), blank=True)
    owner = models.CharField(_("责任人"), max_length=50)
    due_date = models.DateField(_("整改时限"))
    evidence_required = models.CharField(_("须提交的佐证材料"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    return_reason = models.TextField(_("退回原因"), blank=True)
    rectified_at = models.DateTimeField(_("提交整改时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = ImprovementItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("改进清单事项")
        verbose_name_plural = _("改进清单事项")
        indexes = [
            models.Index(fields=["township", "status"], name="impitem_township_status_idx"),
            models.Index(fields=["status", "due_date"], name="impitem_status_due_idx"),
        ]

    def __str__(self) -> str:
        return self.problem

    def get_absolute_url(self) -> str:
        return reverse("evaluations:item-detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.status in self.OPEN_STATES and self.due_date < timezone.localdate()

    @property
    def rectified_on_time(self) -> bool:
        return (
            self.status == self.Status.VERIFIED
            and self.rectified_at is not None
            and timezone.localdate(self.rectified_at) <= self.due_date
        )

    def apply_transition(self, from_state: str, to: str, note: str) -> list[str]:
        now = timezone.now()
        if to == self.Status.RECTIFIED:
            self.rectified_at = now
            return ["rectified_at"]
        if to == self.Status.VERIFIED:
            self.verified_at = now
            return ["verified_at"]
        if to == self.Status.RETURNED:
            self.return_reason = note
            return ["return_reason"]
        return []


class ImprovementItemEvent(TransitionEvent):
    item = models.ForeignKey(
        ImprovementItem, on_delete=models.CASCADE, related_name="events", verbose_name=_("改进清单事项")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")


class ImprovementEvidence(models.Model):
    """One submission of rectification evidence: a description and any number of files."""

    item = models.ForeignKey(
        ImprovementItem, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("改进清单事项")
    )
    text = models.TextField(_("整改情况说明"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("整改佐证")
        verbose_name_plural = _("整改佐证")

    def __str__(self) -> str:
        return f"{self.item} · {self.submitted_at:%Y-%m-%d}"


class EvidenceFileQuerySet(ScopedQuerySet):
    township_path = "evidence__item__township"


class EvidenceFile(models.Model):
    evidence = models.ForeignKey(
        ImprovementEvidence, on_delete=models.CASCADE, related_name="files", verbose_name=_("整改佐证")
    )
    file = models.FileField(_("文件"), upload_to="evaluations/evidence/%Y/%m/", max_length=255)
    name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"))

    objects = EvidenceFileQuerySet.as_manager()

    class Meta:
        ordering = ["evidence", "pk"]
        verbose_name = _("佐证文件")
        verbose_name_plural = _("佐证文件")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The scope-checked download (never MEDIA_URL)."""
        return reverse("evaluations:evidence-file", args=[self.pk])


class AnnualReportQuerySet(ScopedQuerySet):
    township_path = "township"

    def in_year(self, year: int):
        return self.filter(year=year)


class AnnualReport(Workflow):
    """一年一述 (述职): a township party school's results report for one year.

    The metrics are compiled from the data while the report is a draft and
    frozen into ``metrics`` when it is submitted.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交待审核")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("审核通过")

    TRANSITIONS = {
        "draft": {"submitted"},
        "submitted": {"approved", "returned"},
        "returned": {"submitted"},
        "approved": set(),
    }
    REASON_REQUIRED = frozenset({"returned"})
    COUNTY_MOVES = frozenset({"approved", "returned"})
    EDITABLE_STATES = ("draft", "returned")

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="annual_reports", verbose_name=_("乡镇（街道）")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    capability_gains = models.TextField(_("党员能力提升情况"), blank=True)
    problems_solved = models.TextField(_("解决的实际问题"), blank=True)
    next_year_plan = models.TextField(_("下一年度改进措施"), blank=True)
    metrics = models.JSONField(_("指标快照"), null=True, blank=True, editable=False)
    return_reason = models.TextField(_("退回原因"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "township__code"]
        verbose_name = _("年度述职报告")
        verbose_name_plural = _("年度述职报告")
        constraints = [
            models.UniqueConstraint(fields=["township", "year"], name="annualreport_unique_township_year")
        ]

    def __str__(self) -> str:
        return f"{self.township} · {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("evaluations:report-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATES

    @property
    def is_frozen(self) -> bool:
        return self.metrics is not None and not self.is_editable

    def apply_transition(self, from_state: str, to: str, note: str) -> list[str]:
        now = timezone.now()
        if to == self.Status.SUBMITTED:
            self.submitted_at = now
            return ["submitted_at", "metrics", "updated_at"]
        if to == self.Status.APPROVED:
            self.approved_at = now
            return ["approved_at", "updated_at"]
        if to == self.Status.RETURNED:
            self.return_reason = note
            return ["return_reason", "updated_at"]
        return ["updated_at"]


class AnnualReportEvent(TransitionEvent):
    report = models.ForeignKey(
        AnnualReport, on_delete=models.CASCADE, related_name="events", verbose_name=_("年度述职报告")
    )

    class Meta(TransitionEvent.Meta):
        verbose_name = _("述职审核记录")
        verbose_name_plural = _("述职审核记录")
