"""Factories for the courses app."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from courses.models import (
    Course,
    CourseRequest,
    Instructor,
    MonthlyPlan,
    RouteStop,
    Session,
    Tag,
    TeachingBase,
    TeachingRoute,
    Theme,
)
from tests.factories import TownshipFactory, UserFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"标签{n}")


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    year = 2026
    month = factory.Sequence(lambda n: n % 12 + 1)
    title = factory.Sequence(lambda n: f"月度主题{n}")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"测试课程{n}")
    summary = "课程简介"
    category = Course.Category.THEORY
    format = Course.Format.CLASSROOM
    level = Course.Level.COUNTY
    hours = Decimal("2.0")


class InstructorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instructor

    name = factory.Sequence(lambda n: f"教师{n}")
    kind = Instructor.Kind.SCHOOL_TEACHER


class TeachingBaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeachingBase

    name = factory.Sequence(lambda n: f"教学基地{n}")
    kind = TeachingBase.Kind.RED_SITE
    township = factory.SubFactory(TownshipFactory)


class TeachingRouteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeachingRoute

    name = factory.Sequence(lambda n: f"教学路线{n}")
    theme = "红色教育"


class RouteStopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RouteStop

    route = factory.SubFactory(TeachingRouteFactory)
    base = factory.SubFactory(TeachingBaseFactory)
    order = factory.Sequence(lambda n: n + 1)
    duration_hours = Decimal("1.5")


class CourseRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseRequest

    township = factory.SubFactory(TownshipFactory)
    course = factory.SubFactory(CourseFactory)
    preferred_month = datetime.date(2026, 6, 1)
    audience = "全体党员"
    expected_size = 40
    requested_by = factory.SubFactory(UserFactory)


class MonthlyPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyPlan

    township = factory.SubFactory(TownshipFactory)
    month = datetime.date(2026, 6, 1)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    township = factory.SubFactory(TownshipFactory)
    title = factory.Sequence(lambda n: f"培训场次{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    hours = Decimal("2.0")
