"""Each role × each scoped model: which rows are visible, and which pages answer 404/403."""

import pytest
from django.urls import reverse

from evaluations.models import QuarterlyReview, TeachingPlan
from tests.factories_evaluations import QuarterlyReviewFactory, make_survey
from trainees.models import Branch, Member, Township

pytestmark = pytest.mark.django_db


def visible(model, user):
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


def test_county_staff_see_every_township_branch_and_member(cast):
    user = cast.users["county"]
    assert visible(Township, user) >= {cast.township_a.pk, cast.township_b.pk}
    assert visible(Branch, user) >= {cast.branch_a.pk, cast.branch_b.pk}
    assert visible(Member, user) >= {cast.member_a.pk, cast.member_b.pk, cast.trainee_member.pk}


def test_a_township_admin_sees_only_their_own_township(cast):
    user = cast.users["township_a"]
    assert visible(Township, user) == {cast.township_a.pk}
    assert visible(Branch, user) == {cast.branch_a.pk}
    assert visible(Member, user) == {cast.member_a.pk, cast.trainee_member.pk}


def test_a_trainee_sees_only_their_own_member_record(cast):
    user = cast.users["trainee"]
    assert visible(Township, user) == set()
    assert visible(Branch, user) == set()
    assert visible(Member, user) == {cast.trainee_member.pk}


def test_an_instructor_and_a_user_without_role_see_no_member(cast, django_user_model):
    assert visible(Member, cast.users["instructor"]) == set()
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert visible(Member, nobody) == set()


@pytest.mark.parametrize(
    ("role", "status_a", "status_b"),
    [
        ("county", 200, 200),
        ("township_a", 200, 404),
        ("township_b", 404, 200),
        ("instructor", 403, 403),
        ("trainee", 403, 403),
    ],
)
@pytest.mark.parametrize("url_name", ["trainees:member-detail", "trainees:member-edit"])
def test_member_pages_answer_per_role(cast, client_as, role, status_a, status_b, url_name):
    client = client_as(role)
    assert client.get(reverse(url_name, args=[cast.member_a.pk])).status_code == status_a
    assert client.get(reverse(url_name, args=[cast.member_b.pk])).status_code == status_b


@pytest.mark.parametrize(
    ("role", "status_a", "status_b"),
    [
        ("county", 200, 200),
        ("township_a", 200, 404),
        ("township_b", 404, 200),
        ("instructor", 403, 403),
        ("trainee", 403, 403),
    ],
)
def test_township_detail_answers_per_role(cast, client_as, role, status_a, status_b):
    client = client_as(role)
    assert client.get(cast.township_a.get_absolute_url()).status_code == status_a
    assert client.get(cast.township_b.get_absolute_url()).status_code == status_b


def test_member_list_of_a_township_admin_never_shows_another_township(cast, client_as):
    response = client_as("township_a").get(reverse("trainees:member-list"))
    assert "甲党员" in response.text
    assert "乙党员" not in response.text
    response = client_as("township_a").get(reverse("trainees:member-list"), {"township": cast.township_b.pk})
    assert "乙党员" not in response.text


def test_anonymous_visitors_are_sent_to_login(client, cast):
    response = client.get(reverse("trainees:member-list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_county_owned_rows_are_read_and_changed_by_county_staff_only(cast):
    review = QuarterlyReviewFactory(district=cast.township_a.district)
    survey = make_survey(by=cast.users["county"])
    draft = TeachingPlan.objects.create(survey=survey, domain="rural", title="草稿计划")
    approved = TeachingPlan.objects.create(survey=survey, domain="rural", title="审定计划", status="approved")
    assert list(QuarterlyReview.objects.managed_by(cast.users["county"])) == [review]
    assert not QuarterlyReview.objects.visible_to(cast.users["township_a"]).exists()
    assert visible(TeachingPlan, cast.users["county"]) == {draft.pk, approved.pk}
    assert visible(TeachingPlan, cast.users["township_a"]) == {approved.pk}
    assert not TeachingPlan.objects.managed_by(cast.users["township_a"]).exists()
    assert not TeachingPlan.objects.visible_to(cast.users["instructor"]).exists()
