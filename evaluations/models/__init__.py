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
from .surveys import (
    NeedsSurvey,
    NeedsSurveyEvent,
    PlannedSession,
    PointsWeight,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    TeachingPlan,
    TeachingPlanEvent,
    TeachingPlanItem,
)

__all__ = [
    "NeedsSurvey",
    "NeedsSurveyEvent",
    "PlannedSession",
    "PointsWeight",
    "SurveyAnswer",
    "SurveyOption",
    "SurveyQuestion",
    "SurveyResponse",
    "TeachingPlan",
    "TeachingPlanEvent",
    "TeachingPlanItem",
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
