"""Calendar feeds need no login: the signed token in the URL is the whole secret."""

import pytest
from django.core import signing
from django.urls import reverse

from courses.cycle.views import _feed_token
from tests.cycle_fixtures import enrol, live_session

pytestmark = pytest.mark.django_db


def _feed(client, kind, token):
    return client.get(reverse(f"courses:feed-{kind}", args=[token]))


def test_a_genuine_token_gives_the_calendar_without_a_login(client, cast):
    enrol(live_session(cast.township_a, title="甲镇月训"), cast.trainee_member)
    for kind, pk in (("member", cast.trainee_member.pk), ("township", cast.township_a.pk)):
        response = _feed(client, kind, _feed_token(kind, pk))
        assert response.status_code == 200 and "甲镇月训" in response.content.decode()
        # Sessions only: never a member's name or numbers.
        assert cast.trainee_member.name not in response.content.decode()


@pytest.mark.parametrize("kind", ["member", "township"])
def test_forged_tampered_and_borrowed_tokens_are_404(client, cast, kind):
    pk = cast.trainee_member.pk if kind == "member" else cast.township_a.pk
    other_kind = "township" if kind == "member" else "member"
    forged = [
        str(pk),  # no signature at all
        f"{pk}:forged",  # a made-up signature
        _feed_token(kind, pk)[:-1] + ("A" if _feed_token(kind, pk)[-1] != "A" else "B"),  # tampered
        _feed_token(other_kind, pk),  # the other feed's token for the same number
        signing.Signer(salt="something.else").sign(str(pk)),  # signed for another purpose
        _feed_token(kind, pk).replace(str(pk), str(pk + 1), 1),  # someone else's number, same signature
    ]
    for token in forged:
        assert _feed(client, kind, token).status_code == 404, token


def test_a_deactivated_members_feed_stops(client, cast):
    token = _feed_token("member", cast.trainee_member.pk)
    cast.trainee_member.is_active = False
    cast.trainee_member.save()
    assert _feed(client, "member", token).status_code == 404
