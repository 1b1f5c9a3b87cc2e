"""Inbox, mark read, channel preferences, the county's reminder log, the header badge."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification, NotificationPreference, Reminder

pytestmark = pytest.mark.django_db


def notify(user, title="培训提醒：测试", **kwargs):
    return Notification.objects.create(recipient=user, kind=Kind.SESSION_UPCOMING, title=title, **kwargs)


def test_the_inbox_lists_only_my_messages_and_the_header_counts_unread(cast, client_as):
    notify(cast.users["trainee"], title="给学员的消息")
    notify(cast.users["trainee"], title="已读的消息", read_at=timezone.now())
    notify(cast.users["township_a"], title="给乡镇的消息")
    response = client_as("trainee").get(reverse("notifications:inbox"))
    assert response.status_code == 200
    assert "给学员的消息" in response.text and "已读的消息" in response.text
    assert "给乡镇的消息" not in response.text
    assert '<span class="badge text-bg-warning">1<span class="visually-hidden">' in response.text


def test_marking_one_message_read(cast, client_as):
    mine = notify(cast.users["trainee"])
    response = client_as("trainee").post(reverse("notifications:mark-read", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_opening_a_message_marks_it_read_and_follows_its_link(cast, client_as):
    mine = notify(cast.users["trainee"], link="/org/members/")
    response = client_as("trainee").post(reverse("notifications:mark-read", args=[mine.pk]), {"open": "1"})
    assert response.headers["Location"] == "/org/members/"


def test_someone_elses_message_is_a_404(cast, client_as):
    theirs = notify(cast.users["township_a"])
    response = client_as("trainee").post(reverse("notifications:mark-read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_my_messages(cast, client_as):
    notify(cast.users["trainee"])
    notify(cast.users["trainee"])
    theirs = notify(cast.users["township_a"])
    client_as("trainee").post(reverse("notifications:mark-all-read"))
    assert not Notification.objects.filter(recipient=cast.users["trainee"], read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_changes_need_post(cast, client_as):
    mine = notify(cast.users["trainee"])
    client = client_as("trainee")
    assert client.get(reverse("notifications:mark-read", args=[mine.pk])).status_code == 405
    assert client.get(reverse("notifications:mark-all-read")).status_code == 405


def test_a_trainee_chooses_sms_and_english(cast, client_as):
    client = client_as("trainee")
    assert client.get(reverse("notifications:preferences")).status_code == 200
    response = client.post(
        reverse("notifications:preferences"), {"by_sms": "on", "phone": "13912345678", "language": "en"}
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=cast.users["trainee"])
    assert (preference.by_email, preference.by_sms, preference.language) == (False, True, "en")


def test_a_bad_phone_number_changes_nothing(cast, client_as):
    response = client_as("trainee").post(
        reverse("notifications:preferences"), {"by_sms": "on", "phone": "12345", "language": "zh-hans"}
    )
    assert response.status_code == 200
    assert not NotificationPreference.objects.exists()


def reminder(user, obj, status, kind=Kind.SESSION_UPCOMING, days_ago=0):
    from django.contrib.contenttypes.models import ContentType

    return Reminder.objects.create(
        kind=kind,
        recipient=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        due_at=timezone.now() - datetime.timedelta(days=days_ago),
        status=status,
        last_error="sms: ConnectionError: gateway down" if status == Reminder.Status.FAILED else "",
    )


@pytest.mark.parametrize("role", ["township_a", "instructor", "trainee"])
def test_the_reminder_log_is_for_county_staff_only(cast, client_as, role):
    assert client_as(role).get(reverse("notifications:reminder-list")).status_code == 403


def test_the_county_filters_the_reminder_log_by_status_kind_and_date(cast, client_as):
    reminder(cast.users["trainee"], cast.township_a, Reminder.Status.SENT)
    reminder(cast.users["township_b"], cast.township_b, Reminder.Status.FAILED, kind=Kind.PLAN_NO_SESSION)
    reminder(cast.users["township_a"], cast.township_a, Reminder.Status.FAILED, days_ago=40)
    client = client_as("county")
    url = reverse("notifications:reminder-list")
    response = client.get(url)
    assert response.status_code == 200
    assert "共 3 条提醒" in response.text
    assert "共 2 条提醒" in client.get(url, {"status": "failed"}).text
    assert "共 1 条提醒" in client.get(url, {"status": "failed", "kind": "plan_no_session"}).text
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    filtered = client.get(url, {"status": "failed", "due_from": since})
    assert "共 1 条提醒" in filtered.text
    assert "gateway down" in filtered.text


def test_the_inbox_and_log_queries_stay_flat_as_they_grow(cast, client_as, django_assert_max_num_queries):
    client = client_as("county")
    for n in range(3):
        notify(cast.users["county"], title=f"消息{n}")
        reminder(cast.users["trainee"], cast.township_a, Reminder.Status.SENT, days_ago=n)
    for url in (reverse("notifications:inbox"), reverse("notifications:reminder-list")):
        with django_assert_max_num_queries(8):
            client.get(url)
    for n in range(3, 60):
        notify(cast.users["county"], title=f"消息{n}")
        reminder(cast.users["trainee"], cast.township_a, Reminder.Status.SENT, days_ago=n)
    for url in (reverse("notifications:inbox"), reverse("notifications:reminder-list")):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
