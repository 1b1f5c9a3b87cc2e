"""Instructors, bases and routes pages."""

import pytest
from django.urls import reverse

from courses.models import Instructor, Session
from tests.factories_courses import InstructorFactory, RouteStopFactory, SessionFactory, TeachingRouteFactory

pytestmark = pytest.mark.django_db


def test_an_instructor_profile_lists_sessions_taught_including_lecture_sharing(client_as, cast):
    teacher = InstructorFactory(name="赵明星", is_star=True)
    SessionFactory(township=None, title="说课交流会", kind=Session.Kind.LECTURE_SHARING).instructors.add(
        teacher
    )
    page = client_as("trainee").get(teacher.get_absolute_url()).text
    assert "说课交流会" in page and "明星师资" in page


def test_only_county_staff_maintain_instructors(client_as):
    assert client_as("township_a").get(reverse("courses:instructor-create")).status_code == 403
    response = client_as("county").post(
        reverse("courses:instructor-create"), {"name": "新教师", "kind": "expert", "is_active": "on"}
    )
    assert response.status_code == 302
    assert Instructor.objects.filter(name="新教师").exists()


def test_star_filter(client_as):
    InstructorFactory(name="甲星", is_star=True)
    InstructorFactory(name="乙普")
    names = [
        i.name
        for i in client_as("county").get(reverse("courses:instructor-list"), {"star": "1"}).context["page"]
    ]
    assert names == ["甲星"]


def test_routes_show_ordered_stops_and_total_hours(client_as):
    route = TeachingRouteFactory(name="红色路线", is_premium=True)
    RouteStopFactory(route=route, order=2, base__name="第二站")
    RouteStopFactory(route=route, order=1, base__name="第一站")
    page = client_as("trainee").get(reverse("courses:route-detail", args=[route.pk])).text
    assert page.index("第一站") < page.index("第二站")
    assert "3.0" in page
    assert "红色路线" in client_as("trainee").get(reverse("courses:base-list")).text
