"""An instructor's ratings: county staff see averages and comments; the instructor only anonymous averages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory
from tests.factories_courses import InstructorFactory, SessionFactory
from tests.factories_evaluations import SessionFeedbackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(cast):
    """The cast's instructor with two rated sessions (one comment) and another instructor's rating."""
    teacher = InstructorFactory(name="王老师", user=cast.users["instructor"])
    start = timezone.now() - datetime.timedelta(days=3)
    sessions = [
        SessionFactory(
            township=cast.township_a,
            status="held",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
        )
        for _ in range(2)
    ]
    for session in sessions:
        session.instructors.set([teacher])
    rater = MemberFactory(branch=cast.branch_a, name="评价人甲")
    SessionFeedbackFactory(
        session=sessions[0], member=rater, content=5, instructor=4, usefulness=3, comment="案例很贴近村里实际"
    )
    SessionFeedbackFactory(session=sessions[1], content=3, instructor=2, usefulness=5)
    other = SessionFactory(township=cast.township_a, status="held")
    other.instructors.set([InstructorFactory()])
    SessionFeedbackFactory(session=other, content=1, instructor=1, usefulness=1, comment="别人的课")
    return teacher


def _url(instructor):
    return reverse("evaluations:instructor-ratings", args=[instructor.pk])


def test_county_staff_see_averages_per_dimension_the_count_and_the_comments(client_as, rated):
    page = client_as("county").get(_url(rated)).text
    assert "共 2 条评价" in page
    for average in ("4.0", "3.0", "4.0", "3.67"):  # content, instructor, usefulness, overall
        assert average in page
    assert "案例很贴近村里实际" in page
    assert "别人的课" not in page
    assert "评价人甲" not in page


def test_the_instructor_sees_their_own_averages_but_no_comments(client_as, rated):
    page = client_as("instructor").get(_url(rated)).text
    assert "共 2 条评价" in page and "3.67" in page
    assert "案例很贴近村里实际" not in page
    assert "评价人甲" not in page
    assert 'id="rating-comments"' not in page


@pytest.mark.parametrize("role", ["township_a", "township_b", "trainee"])
def test_everyone_else_is_refused(client_as, rated, role):
    assert client_as(role).get(_url(rated)).status_code == 403


def test_an_instructor_cannot_see_another_instructors_ratings(client_as, rated):
    assert client_as("instructor").get(_url(InstructorFactory())).status_code == 403


def test_an_instructor_without_ratings_sees_an_empty_page(client_as, cast):
    teacher = InstructorFactory(user=cast.users["instructor"])
    assert "尚无学员评价" in client_as("instructor").get(_url(teacher)).text


def test_the_instructor_profile_links_to_the_ratings_for_county_staff_and_the_instructor_only(
    client_as, rated
):
    profile = reverse("courses:instructor-detail", args=[rated.pk])
    assert _url(rated) in client_as("county").get(profile).text
    assert _url(rated) in client_as("instructor").get(profile).text
    assert _url(rated) not in client_as("trainee").get(profile).text
    assert _url(rated) not in client_as("township_a").get(profile).text


def test_the_instructor_reaches_their_own_ratings_from_home_and_the_menu(client_as, rated):
    from tests.html_parse import elements

    client = client_as("instructor")
    home = client.get(reverse("home")).text
    mine = reverse("evaluations:my-ratings")
    assert elements(home, "a", id="my-ratings-link", href=mine)
    assert home.count(f'href="{mine}"') >= 2  # the home button and the menu entry
    page = client.get(mine)
    assert page.status_code == 200
    assert "共 2 条评价" in page.text and "3.67" in page.text
    assert "案例很贴近村里实际" not in page.text
    # Its breadcrumb leads back to the instructor's home, not to pages they may not manage.
    assert reverse("courses:instructor-list") not in page.text.split("</nav>", 2)[1]


def test_an_instructor_login_without_an_instructor_record_is_told_not_refused(client_as):
    page = client_as("instructor").get(reverse("evaluations:my-ratings"))
    assert page.status_code == 200 and "尚未关联师资库" in page.text


@pytest.mark.parametrize("role", ["county", "township_a", "trainee"])
def test_only_instructors_have_a_my_ratings_page(client_as, role):
    assert client_as(role).get(reverse("evaluations:my-ratings")).status_code == 403
