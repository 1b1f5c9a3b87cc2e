import pytest
from django.core.management import call_command
from django.db.models import Count

from courses.models import Attendance
from evaluations.models import (
    AnnualReport,
    ImprovementItem,
    NeedsSurvey,
    PracticeTask,
    QuarterlyReview,
    SessionFeedback,
)
from trainees.models import Member

pytestmark = pytest.mark.django_db

MODELS = (QuarterlyReview, ImprovementItem, AnnualReport, PracticeTask, SessionFeedback, NeedsSurvey)


def test_the_demo_has_reviews_items_in_every_status_and_reports_and_runs_twice(capsys):
    call_command("seed_demo", members=80)
    counts = [m.objects.count() for m in MODELS]
    call_command("seed_demo", members=80)
    assert [m.objects.count() for m in MODELS] == counts
    assert set(ImprovementItem.objects.values_list("status", flat=True)) == set(ImprovementItem.Status.values)
    assert QuarterlyReview.objects.values("district").distinct().count() == 4
    by_status = dict(AnnualReport.objects.values_list("status").annotate(n=Count("pk")).order_by())
    assert by_status == {"approved": 12, "draft": 12}
    approved = AnnualReport.objects.filter(status="approved").first()
    assert approved.metrics["sessions_held"] > 0
    assert SessionFeedback.objects.exists() and PracticeTask.objects.filter(status="verified").exists()
    closed = NeedsSurvey.objects.get(status="closed")
    assert closed.responses.count() == 79  # every active member but the demo trainee, up to 360
    assert closed.plans.filter(status="approved").exists()
    assert NeedsSurvey.objects.filter(status="open").exists()
    trainee = Member.objects.get(user__username="trainee")
    assert Attendance.objects.filter(member=trainee, status="present", session__status="closed").exists()
