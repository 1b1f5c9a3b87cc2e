"""Calendar links: one tap to subscribe, a copy button and a QR; revocable; waitlisted is tentative; HEAD."""

import re

import icalendar
import pytest
from django.urls import reverse

from audit.models import AuditEntry
from courses.cycle.views import _feed_token
from courses.models import Enrollment
from tests.cycle_fixtures import enrol, live_session

pytestmark = pytest.mark.django_db


def _feed_path(html: str, kind: str) -> str:
    match = re.search(r'value="https?://[^/"]+(/courses/feeds/' + kind + r'/[^"]+\.ics)"', html)
    assert match, f"no {kind} feed link on the page"
    return match.group(1)


def test_the_member_subscription_offers_webcal_a_copy_button_and_a_qr(client_as, cast):
    html = client_as("trainee").get(reverse("courses:my-schedule")).content.decode()
    path = _feed_path(html, "member")
    assert f'href="webcal://testserver{path}"' in html
    assert 'data-copy-target="feed-url-member"' in html
    assert "js/copy.js" in html
    assert '<svg width="' in html and 'class="segno"' in html
    # CSP: no inline script on the page.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_the_township_subscription_is_on_the_session_list(client_as, cast):
    html = client_as("township_a").get(reverse("courses:session-list")).content.decode()
    path = _feed_path(html, "township")
    assert f'href="webcal://testserver{path}"' in html
    assert reverse("courses:feed-township-reset") in html


def test_a_member_resets_the_link_and_the_old_one_is_404_at_once(client, client_as, cast):
    enrol(live_session(cast.township_a, title="甲镇月训"), cast.trainee_member)
    trainee = client_as("trainee")
    old = _feed_path(trainee.get(reverse("courses:my-schedule")).content.decode(), "member")

    confirm = trainee.get(reverse("courses:feed-member-reset"))
    assert "原来的日历订阅链接立即失效" in confirm.content.decode()
    assert client.get(old).status_code == 200, "asking for confirmation changes nothing"

    response = trainee.post(reverse("courses:feed-member-reset"), follow=True)
    assert "已重置日历订阅链接" in response.content.decode()
    new = _feed_path(response.content.decode(), "member")
    assert new != old
    client.logout()
    assert client.get(old).status_code == 404
    assert "甲镇月训" in client.get(new).content.decode()
    assert AuditEntry.objects.filter(
        model_label="trainees.Member", object_pk=str(cast.trainee_member.pk), action="update"
    ).exists()


def test_a_township_admin_resets_the_township_link_only(client, client_as, cast):
    old_a = reverse("courses:feed-township", args=[_feed_token("township", cast.township_a.pk)])
    old_b = reverse("courses:feed-township", args=[_feed_token("township", cast.township_b.pk)])
    member_feed = reverse("courses:feed-member", args=[_feed_token("member", cast.trainee_member.pk)])
    assert client_as("township_a").post(reverse("courses:feed-township-reset")).status_code == 302
    client.logout()
    assert client.get(old_a).status_code == 404
    assert client.get(old_b).status_code == 200
    assert client.get(member_feed).status_code == 200
    cast.township_a.refresh_from_db()
    new_a = reverse(
        "courses:feed-township",
        args=[_feed_token("township", cast.township_a.pk, cast.township_a.calendar_feed_version)],
    )
    assert client.get(new_a).status_code == 200


def test_a_waitlisted_session_is_tentative_in_the_feed(client, cast):
    confirmed = live_session(cast.township_a, title="已报名的课")
    waiting = live_session(cast.township_a, title="候补中的课", minutes_from_now=60)
    enrol(confirmed, cast.trainee_member)
    enrol(waiting, cast.trainee_member, status=Enrollment.Status.WAITLISTED)
    response = client.get(
        reverse("courses:feed-member", args=[_feed_token("member", cast.trainee_member.pk)])
    )
    statuses = {
        str(event["summary"]): str(event["status"])
        for event in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    }
    assert statuses == {"已报名的课": "CONFIRMED", "候补中的课": "TENTATIVE"}


@pytest.mark.parametrize("kind", ["member", "township"])
def test_head_on_a_feed_answers_with_the_headers_and_no_body(client, cast, kind):
    enrol(live_session(cast.township_a), cast.trainee_member)
    pk = cast.trainee_member.pk if kind == "member" else cast.township_a.pk
    url = reverse(f"courses:feed-{kind}", args=[_feed_token(kind, pk)])
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head["Content-Type"].startswith("text/calendar")
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))
