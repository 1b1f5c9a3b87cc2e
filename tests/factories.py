import datetime
import itertools

import factory
from django.contrib.auth import get_user_model

from core.roles import Role
from trainees.models import Branch, Department, District, Member, MemberGroup, Profile, Township
from trainees.validators import id_number_check_char

_id_seq = itertools.count(1)


def make_id_number(
    birth: datetime.date = datetime.date(1980, 5, 17), seq: int | None = None, *, female: bool | None = None
) -> str:
    """A valid ID number; with ``female`` given, the 17th digit carries the gender (odd = male)."""
    seq = next(_id_seq) if seq is None else seq
    if female is not None:
        seq = seq * 2 + (0 if female else 1)
    seq %= 1000
    first17 = f"371422{birth:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_char(first17)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"测试片区{n}")


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    code = factory.Sequence(lambda n: f"3714229{n:02d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    district = factory.SubFactory(DistrictFactory)
    party_school = factory.LazyAttribute(lambda o: f"{o.name}党校")


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试村{n}党支部")
    domain = Branch.Domain.RURAL


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"县测试局{n}")


class MemberGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberGroup
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"group{n}")
    name = factory.Sequence(lambda n: f"群体{n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    gender = Member.Gender.MALE
    birth_date = datetime.date(1980, 5, 17)
    id_number = factory.LazyAttribute(
        lambda o: make_id_number(o.birth_date, female=o.gender == Member.Gender.FEMALE)
    )
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    education = Member.Education.BACHELOR
    join_date = datetime.date(2005, 7, 1)
    full_date = datetime.date(2006, 7, 1)
    branch = factory.SubFactory(BranchFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Test-password-2026")


def make_user(role: str, *, township: Township | None = None, member: Member | None = None, **kwargs):
    user = UserFactory(**kwargs)
    Profile.objects.create(user=user, role=role, township=township)
    if member is not None:
        member.user = user
        member.save(update_fields=["user"])
    return user


def make_duty_user(duty: str, *, username: str):
    """An account holding one administrator duty (三员分立) and no working role."""
    from trainees.duties import grant_duty_permissions

    user = UserFactory(username=username)
    flag = {"system_admin": "is_system_admin", "security_admin": "is_security_admin"}.get(
        duty, "is_security_auditor"
    )
    Profile.objects.create(user=user, role="", **{flag: True})
    grant_duty_permissions(user)
    return user


__all__ = ["Role", "make_duty_user", "make_user"]
