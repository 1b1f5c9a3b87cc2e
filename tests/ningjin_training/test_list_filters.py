"""List filters live on their filter forms: a bad GET value is reported and ignored, the good ones still apply."""

import pytest
from django.urls import reverse

from courses.models import Instructor
from tests.factories_courses import InstructorFactory, SessionFactory
from tests.factories_evaluations import ImprovementItemFactory, QuarterlyReviewFactory

pytestmark = pytest.mark.django_db


def test_a_bad_township_in_the_session_filter_is_ignored_but_the_title_search_applies(client_as, cast):
    SessionFactory(township=cast.township_a, title="甲镇专题")
    SessionFactory(township=cast.township_b, title="乙镇月训")
    page = client_as("county").get(reverse("courses:session-list"), {"township": "abc", "q": "月训"})
    assert page.status_code == 200
    assert "乙镇月训" in page.text and "甲镇专题" not in page.text


def test_the_ledger_ignores_another_townships_branch_and_a_bad_year(client_as, cast):
    page = client_as("township_a").get(
        reverse("courses:ledger-township"), {"branch": cast.branch_b.pk, "year": "明年"}
    )
    assert page.status_code == 200
    names = {m.name for m in page.context["page"]}
    assert "学员本人" in names and "乙党员" not in names


def test_the_ledger_narrows_to_a_branch_of_the_township(client_as, cast):
    page = client_as("county").get(reverse("courses:ledger-township"), {"branch": cast.branch_b.pk})
    names = {m.name for m in page.context["page"]}
    assert names == {"乙党员"}


def test_a_forged_status_in_the_item_filter_is_ignored_and_the_township_applies(client_as, cast):
    review = QuarterlyReviewFactory(
        district=cast.township_a.district, townships=[cast.township_a, cast.township_b]
    )
    mine = ImprovementItemFactory(review=review, township=cast.township_a, created_by=cast.users["county"])
    theirs = ImprovementItemFactory(review=review, township=cast.township_b, created_by=cast.users["county"])
    page = client_as("county").get(
        reverse("evaluations:item-list"), {"status": "nonsense", "township": cast.township_b.pk}
    )
    assert page.status_code == 200
    assert list(page.context["page"]) == [theirs] and mine not in page.context["page"]


def test_the_instructor_list_filters_by_kind_and_ignores_an_unknown_one(client_as, cast):
    InstructorFactory(name="党校教师甲", kind=Instructor.Kind.SCHOOL_TEACHER)
    other_kind = next(k for k in Instructor.Kind.values if k != Instructor.Kind.SCHOOL_TEACHER)
    InstructorFactory(name="其他师资乙", kind=other_kind)
    client = client_as("township_a")
    narrowed = client.get(reverse("courses:instructor-list"), {"kind": other_kind}).text
    assert "其他师资乙" in narrowed and "党校教师甲" not in narrowed
    unknown = client.get(reverse("courses:instructor-list"), {"kind": "wizard"})
    assert unknown.status_code == 200 and "党校教师甲" in unknown.text and "其他师资乙" in unknown.text
