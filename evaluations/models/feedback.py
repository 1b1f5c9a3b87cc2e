"""Session feedback: a checked-in participant's rating of one session."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.models import Session
from trainees.models import Member
from trainees.scoping import ScopedQuerySet

RATING_CHOICES = [(i, str(i)) for i in range(1, 6)]
RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class SessionFeedbackQuerySet(ScopedQuerySet):
    # No instructor path: feedback is anonymous to instructors, who only see averages.
    township_path = "session__township"
    member_path = "member"


class SessionFeedback(models.Model):
    """培训评价: content, instructor and usefulness rated 1–5, once per member and session."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("培训场次")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="session_feedback", verbose_name=_("党员")
    )
    content = models.PositiveSmallIntegerField(
        _("内容评分"), choices=RATING_CHOICES, validators=RATING_VALIDATORS
    )
    instructor = models.PositiveSmallIntegerField(
        _("授课评分"), choices=RATING_CHOICES, validators=RATING_VALIDATORS
    )
    usefulness = models.PositiveSmallIntegerField(
        _("实用性评分"), choices=RATING_CHOICES, validators=RATING_VALIDATORS
    )
    comment = models.TextField(_("意见建议"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)

    objects = SessionFeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("培训评价")
        verbose_name_plural = _("培训评价")
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="sessionfeedback_once_per_member"),
            models.CheckConstraint(
                condition=Q(content__gte=1, content__lte=5)
                & Q(instructor__gte=1, instructor__lte=5)
                & Q(usefulness__gte=1, usefulness__lte=5),
                name="sessionfeedback_ratings_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.member}"

    @property
    def score(self) -> float:
        return (self.content + self.instructor + self.usefulness) / 3
