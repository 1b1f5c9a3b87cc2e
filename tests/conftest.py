"""The fixed cast every scoped view is tested against."""

from dataclasses import dataclass

import pytest

from trainees.scoping import Role

from .factories import BranchFactory, MemberFactory, TownshipFactory, make_user


@dataclass
class Cast:
    township_a: object
    township_b: object
    branch_a: object
    branch_b: object
    member_a: object
    member_b: object
    trainee_member: object
    users: dict


@pytest.fixture
def cast(db):
    township_a = TownshipFactory(name="甲镇")
    township_b = TownshipFactory(name="乙镇")
    branch_a = BranchFactory(township=township_a, name="甲村党支部")
    branch_b = BranchFactory(township=township_b, name="乙村党支部")
    member_a = MemberFactory(branch=branch_a, name="甲党员")
    member_b = MemberFactory(branch=branch_b, name="乙党员")
    trainee_member = MemberFactory(branch=branch_a, name="学员本人")
    users = {
        "county": make_user(Role.COUNTY, username="county", is_staff=True),
        "township_a": make_user(Role.TOWNSHIP, township=township_a, username="township_a"),
        "township_b": make_user(Role.TOWNSHIP, township=township_b, username="township_b"),
        "instructor": make_user(Role.INSTRUCTOR, username="instructor"),
        "trainee": make_user(Role.TRAINEE, member=trainee_member, username="trainee"),
    }
    return Cast(township_a, township_b, branch_a, branch_b, member_a, member_b, trainee_member, users)


@pytest.fixture
def client_as(client, cast):
    """``client_as("township_a")`` — a test client logged in as one of the cast."""

    def login(role_name: str):
        client.force_login(cast.users[role_name])
        return client

    return login
