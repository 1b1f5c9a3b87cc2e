"""The login backend loads the role profile and member link with the user."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.roles import role_of
from trainees.backends import PortalModelBackend
from trainees.scoping import member_id_of, township_id_of


def test_the_user_comes_with_role_township_and_member_in_one_query(cast):
    trainee = cast.users["trainee"]
    with CaptureQueriesContext(connection) as queries:
        user = PortalModelBackend().get_user(trainee.pk)
        facts = (role_of(user), township_id_of(user), member_id_of(user))
    assert len(queries) == 1
    assert facts == (role_of(trainee), None, cast.trainee_member.pk)


def test_an_inactive_user_is_not_signed_in(cast):
    user = cast.users["township_a"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert PortalModelBackend().get_user(user.pk) is None


def test_a_session_signed_in_before_the_portal_backend_stays_signed_in(cast, client):
    client.force_login(cast.users["township_a"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("courses:session-list"))
    assert response.status_code == 200
    assert response.context["user"] == cast.users["township_a"]
