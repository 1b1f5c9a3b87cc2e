"""Session feedback: only after checking in, only once; averages roll up in the database."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Attendance
from evaluations.models import SessionFeedback
from evaluations.selectors import (
    feedback_by_course,
    feedback_by_instructor,
    feedback_by_township,
    instructor_feedback,
)
from tests.factories import MemberFactory
from tests.factories_courses import CourseFactory, InstructorFactory, SessionFactory
from tests.factories_evaluations import SessionFeedbackFactory

pytestmark = pytest.mark.django_db


def held(township, **kwargs):
    start = timezone.now() - datetime.timedelta(days=2)
    return SessionFactory(
        township=township,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status="held",
        **kwargs,
    )


@pytest.fixture
def session(cast):
    s = held(cast.township_a)
    Attendance.objects.create(session=s, member=cast.trainee_member, status="late")
    return s


RATING = {"content": 5, "instructor": 4, "usefulness": 3, "comment": "很实用"}


def test_a_checked_in_trainee_rates_once(cast, client_as, session):
    client = client_as("trainee")
    assert session.title in client.get(reverse("evaluations:feedback-mine")).text
    url = reverse("evaluations:feedback-create", args=[session.pk])
    assert client.post(url, RATING).status_code == 302
    feedback = SessionFeedback.objects.get()
    assert (feedback.member, feedback.score) == (cast.trainee_member, 4)
    again = client.post(url, {**RATING, "content": 1}, follow=True)
    assert "已经评价过" in again.text
    assert SessionFeedback.objects.count() == 1 and SessionFeedback.objects.get().content == 5


@pytest.mark.parametrize("status", [None, "absent", "excused"])
def test_a_trainee_who_did_not_check_in_cannot_rate(cast, client_as, status):
    s = held(cast.township_a)
    if status:
        Attendance.objects.create(session=s, member=cast.trainee_member, status=status)
    response = client_as("trainee").post(reverse("evaluations:feedback-create", args=[s.pk]), RATING)
    assert response.status_code == 403
    assert not SessionFeedback.objects.exists()


def test_a_session_not_yet_held_cannot_be_rated(cast, client_as):
    s = SessionFactory(township=cast.township_a, status="published")
    Attendance.objects.create(session=s, member=cast.trainee_member, status="present")
    assert client_as("trainee").get(reverse("evaluations:feedback-create", args=[s.pk])).status_code == 403


def test_ratings_outside_one_to_five_are_refused(cast, client_as, session):
    response = client_as("trainee").post(
        reverse("evaluations:feedback-create", args=[session.pk]), {**RATING, "content": 6}
    )
    assert response.status_code == 200 and not SessionFeedback.objects.exists()


def test_feedback_is_hidden_from_instructors_and_summarised_for_county_staff(cast, client_as, session):
    SessionFeedbackFactory(session=session, member=cast.trainee_member)
    assert SessionFeedback.objects.visible_to(cast.users["instructor"]).count() == 0
    assert client_as("instructor").get(reverse("evaluations:feedback-summary")).status_code == 403
    assert client_as("county").get(reverse("evaluations:feedback-summary")).status_code == 200


def test_averages_equal_independent_computation(cast):
    course, other_course = CourseFactory(), CourseFactory()
    teacher, guest = InstructorFactory(), InstructorFactory()
    s1 = held(cast.township_a, course=course)
    s1.instructors.set([teacher, guest])
    s2 = held(cast.township_b, course=course)
    s2.instructors.set([teacher])
    s3 = held(cast.township_b, course=other_course)
    ratings = [(s1, 5, 4, 4), (s1, 3, 3, 2), (s2, 4, 5, 5), (s3, 2, 2, 1), (s3, 5, 5, 4)]
    for s, c, i, u in ratings:
        SessionFeedbackFactory(session=s, member=MemberFactory(), content=c, instructor=i, usefulness=u)

    def expect(sessions):
        rows = [r for r in ratings if r[0] in sessions]
        n = len(rows)
        return {
            "n": n,
            "content_avg": round(sum(r[1] for r in rows) / n, 2),
            "instructor_avg": round(sum(r[2] for r in rows) / n, 2),
            "usefulness_avg": round(sum(r[3] for r in rows) / n, 2),
            "overall": round(sum(r[1] + r[2] + r[3] for r in rows) / 3 / n, 2),
        }

    def pick(rows, key, value):
        row = next(r for r in rows if r[key] == value)
        return {k: row[k] for k in ("n", "content_avg", "instructor_avg", "usefulness_avg", "overall")}

    assert pick(feedback_by_course(), "session__course_id", course.pk) == expect([s1, s2])
    assert pick(feedback_by_course(), "session__course_id", other_course.pk) == expect([s3])
    assert pick(feedback_by_instructor(), "session__instructors__id", teacher.pk) == expect([s1, s2])
    assert pick(feedback_by_instructor(), "session__instructors__id", guest.pk) == expect([s1])
    assert pick(feedback_by_township(), "session__township_id", cast.township_b.pk) == expect([s2, s3])
    assert instructor_feedback(teacher.pk)["overall"] == expect([s1, s2])["overall"]
    assert instructor_feedback(InstructorFactory().pk) == {"n": 0, "overall": None}


def test_the_rating_scale_has_words_nothing_preselected_and_no_blank_choice(client_as, session):
    from tests.html_parse import elements

    page = client_as("trainee").get(reverse("evaluations:feedback-create", args=[session.pk])).text
    for name in ("content", "instructor", "usefulness"):
        radios = elements(page, "input", type="radio", name=name)
        assert [r["value"] for r in radios] == ["1", "2", "3", "4", "5"]
        assert not any("checked" in r for r in radios)
    assert "---------" not in page
    for word in ("很不满意", "不满意", "一般", "满意", "很满意"):
        assert f'<span class="rating-word">{word}</span>' in page
    # Each choice is a whole button (a label styled as a large button), not a bare 16 px radio.
    assert len(elements(page, "label", class_="rating-option")) == 15


def test_submitting_without_choosing_says_so_on_each_unrated_field(client_as, session):
    from tests.html_parse import elements

    url = reverse("evaluations:feedback-create", args=[session.pk])
    response = client_as("trainee").post(url, {"content": 4, "comment": ""})
    assert response.status_code == 200 and not SessionFeedback.objects.exists()
    page = response.text
    assert "该字段是必填项" not in page and "这个字段是必填项" not in page  # no generic required message
    for name in ("instructor", "usefulness"):
        fieldset = elements(page, "fieldset", id=f"id_{name}")[0]
        assert "is-invalid" in fieldset["class"]
        error = elements(page, "p", id=f"id_{name}-error")
        assert error and fieldset["aria-describedby"] == f"id_{name}-error"
    assert page.count("请选择一个评分") == 2
    assert not elements(page, "p", id="id_content-error")
    # The choice already made is kept.
    assert "checked" in elements(page, "input", name="content", value="4")[0]
