"""Models of the evaluations app, re-exported so ``from evaluations.models import AnnualReport`` works."""

from .feedback import SessionFeedback
from .practice import PracticeTask, PracticeTaskEvent
from .reviews import (
    AnnualReport,
    AnnualReportEvent,
    EvidenceFile,
    ImprovementEvidence,
    ImprovementItem,
    ImprovementItemEvent,
    QuarterlyReview,
)

__all__ = [
    "AnnualReport",
    "AnnualReportEvent",
    "EvidenceFile",
    "ImprovementEvidence",
    "ImprovementItem",
    "ImprovementItemEvent",
    "PracticeTask",
    "PracticeTaskEvent",
    "QuarterlyReview",
    "SessionFeedback",
]
