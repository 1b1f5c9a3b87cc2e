"""The ledger: exactly once, only to the enrolled, recomputed when a session moves, through the chosen channels."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from courses.models import Enrollment, Session
from courses.notices import session_changed
from courses.reminders import session_reminders_plan
from notifications import services, tasks
from notifications.models import Kind, Notification, NotificationPreference, Reminder, ReminderRule
from notifications.sms import MemorySmsBackend
from notifications.tasks import dispatch_reminders, scan_due_reminders, send_reminders
from tests.factories import MemberFactory, UserFactory
from tests.factories_courses import InstructorFactory, SessionFactory

pytestmark = pytest.mark.django_db


def published_session(cast, *, hours_ahead=30):
    starts_at = timezone.now() + datetime.timedelta(hours=hours_ahead)
    session = SessionFactory(
        township=cast.township_a,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=Session.Status.PUBLISHED,
        venue="甲镇党群服务中心",
    )
    Enrollment.objects.create(session=session, member=cast.trainee_member)
    return session


def due_reminder(cast, kind=Kind.SESSION_UPCOMING, **kwargs):
    """A pending session reminder that is due now (the session starts in 2 hours)."""
    session = published_session(cast, hours_ahead=2)
    rows = services.reminder_rows(
        kind=kind,
        recipient_ids=[cast.users["trainee"].pk],
        obj=session,
        due_at=session.starts_at - datetime.timedelta(hours=2),
        expires_at=session.starts_at,
    )
    services.reminders_plan(rows)
    return Reminder.objects.get(object_id=session.pk, kind=kind)


def test_sending_the_same_chunk_twice_makes_one_notification(cast):
    reminder = due_reminder(cast)
    send_reminders.delay([reminder.pk])
    send_reminders.delay([reminder.pk])
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert Notification.objects.filter(recipient=cast.users["trainee"]).count() == 1


def test_planning_the_same_reminder_twice_keeps_one_row(cast):
    reminder = due_reminder(cast)
    again = services.reminder_rows(
        kind=reminder.kind,
        recipient_ids=[reminder.recipient_id],
        obj=reminder.subject,
        due_at=reminder.due_at,
    )
    services.reminders_plan(again)
    assert Reminder.objects.count() == 1


def test_scanning_twice_sends_once(cast, django_capture_on_commit_callbacks):
    due_reminder(cast)
    with django_capture_on_commit_callbacks(execute=True):
        scan_due_reminders.delay()
    with django_capture_on_commit_callbacks(execute=True):
        scan_due_reminders.delay()
    assert Notification.objects.count() == 1


def test_only_enrolled_trainees_are_reminded_never_the_waitlisted_or_withdrawn(cast):
    session = published_session(cast)
    waitlisted = MemberFactory(branch=cast.branch_a, user=UserFactory())
    withdrawn = MemberFactory(branch=cast.branch_a, user=UserFactory())
    Enrollment.objects.create(session=session, member=waitlisted, status=Enrollment.Status.WAITLISTED)
    Enrollment.objects.create(session=session, member=withdrawn, status=Enrollment.Status.WITHDRAWN)
    session_reminders_plan()
    recipients = set(Reminder.objects.values_list("recipient_id", flat=True))
    assert recipients == {cast.users["trainee"].pk}


def test_a_trainee_who_withdraws_after_planning_gets_nothing(cast, django_capture_on_commit_callbacks):
    reminder = due_reminder(cast)
    Enrollment.objects.filter(member=cast.trainee_member).update(status=Enrollment.Status.WITHDRAWN)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_reminders.delay()
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED
    assert not Notification.objects.exists()


def test_a_new_rule_covers_only_reminder_times_still_ahead(cast):
    published_session(cast, hours_ahead=30)
    ReminderRule.objects.create(audience=ReminderRule.Audience.TRAINEES, minutes_before=3 * 24 * 60)
    session_reminders_plan()
    lead_times = sorted(r.expires_at - r.due_at for r in Reminder.objects.filter(kind=Kind.SESSION_UPCOMING))
    # 30 hours ahead: the 2-hour and 1-day reminders are planned, the 3-day one is already past.
    assert lead_times == [datetime.timedelta(hours=2), datetime.timedelta(days=1)]


def test_instructors_are_reminded_the_day_before(cast):
    session = published_session(cast)
    session.instructors.add(InstructorFactory(user=cast.users["instructor"]))
    InstructorFactory(user=None)  # an instructor without a login gets no row
    session_reminders_plan()
    row = Reminder.objects.get(kind=Kind.INSTRUCTOR_SESSION)
    assert row.recipient == cast.users["instructor"]
    assert row.due_at == session.starts_at - datetime.timedelta(days=1)


def test_a_moved_session_gets_new_reminder_times_and_a_notice(cast, django_capture_on_commit_callbacks):
    session = published_session(cast, hours_ahead=30)
    session_reminders_plan()
    old_dues = set(Reminder.objects.filter(kind=Kind.SESSION_UPCOMING).values_list("due_at", flat=True))
    session.starts_at += datetime.timedelta(days=1)
    session.ends_at += datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        session.save()
        session_changed(session_id=session.pk, change="moved")
    upcoming = Reminder.objects.filter(kind=Kind.SESSION_UPCOMING)
    assert set(upcoming.filter(status=Reminder.Status.CANCELLED).values_list("due_at", flat=True)) == old_dues
    assert set(upcoming.filter(status=Reminder.Status.PENDING).values_list("due_at", flat=True)) == {
        session.starts_at - datetime.timedelta(days=1),
        session.starts_at - datetime.timedelta(hours=2),
    }
    notice = Notification.objects.get(recipient=cast.users["trainee"])
    assert notice.kind == Kind.SESSION_MOVED
    assert timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M") in notice.body


def test_a_move_notice_survives_a_later_edit_but_not_a_later_move(cast, django_capture_on_commit_callbacks):
    session = published_session(cast, hours_ahead=30)
    session.starts_at += datetime.timedelta(hours=1)
    session.ends_at += datetime.timedelta(hours=1)
    session.save()
    session_changed(session_id=session.pk, change="moved")  # the broker is slow: not sent yet
    session.venue = "新的地点"
    session.save()
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_reminders.delay()
    assert Notification.objects.get(kind=Kind.SESSION_MOVED).body.count("新的地点") == 1

    session.starts_at += datetime.timedelta(hours=1)
    session.ends_at += datetime.timedelta(hours=1)
    session.save()
    stale = Reminder.objects.create(
        kind=Kind.SESSION_MOVED,
        recipient=cast.users["trainee"],
        content_type=Reminder.objects.get(kind=Kind.SESSION_MOVED).content_type,
        object_id=session.pk,
        due_at=timezone.now() - datetime.timedelta(minutes=1),
        context={"starts_at": (session.starts_at - datetime.timedelta(hours=1)).isoformat()},
    )
    send_reminders.delay([stale.pk])
    stale.refresh_from_db()
    assert stale.status == Reminder.Status.CANCELLED


def test_a_cancelled_session_notifies_the_enrolled_once_and_cancels_its_reminders(
    cast, django_capture_on_commit_callbacks
):
    session = published_session(cast)
    session_reminders_plan()
    session.transition(Session.Status.CANCELLED, by=cast.users["township_a"], note="场地维修")
    with django_capture_on_commit_callbacks(execute=True):
        session_changed(session_id=session.pk, change="cancelled")
    with django_capture_on_commit_callbacks(execute=True):
        session_changed(session_id=session.pk, change="cancelled")
    notice = Notification.objects.get(recipient=cast.users["trainee"])
    assert notice.kind == Kind.SESSION_CANCELLED
    assert "场地维修" in notice.body
    assert not Reminder.objects.filter(kind=Kind.SESSION_UPCOMING, status=Reminder.Status.PENDING).exists()


def test_a_rolled_back_change_sends_nothing(cast, django_capture_on_commit_callbacks):
    from django.db import transaction

    session = published_session(cast)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                session_changed(session_id=session.pk, change="cancelled")
                raise RuntimeError("the cancel failed")
        except RuntimeError:
            pass
    assert not callbacks
    assert not Reminder.objects.filter(kind=Kind.SESSION_CANCELLED).exists()


def test_the_chosen_channels_get_the_message_too(cast, settings):
    settings.SMS_BACKEND = "notifications.sms.MemorySmsBackend"
    MemorySmsBackend.clear()
    trainee = cast.users["trainee"]
    trainee.email = "trainee@example.cn"
    trainee.save()
    NotificationPreference.objects.create(user=trainee, by_email=True, by_sms=True)
    reminder = due_reminder(cast)
    send_reminders.delay([reminder.pk])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("培训提醒")
    assert MemorySmsBackend.outbox == [(cast.trainee_member.phone, MemorySmsBackend.outbox[0][1])]


def test_messages_are_rendered_in_the_recipients_language_chinese_by_default(cast, monkeypatch):
    from django.utils import translation

    from notifications import messages

    languages = []
    real_render = messages.render_to_string

    def spy(*args, **kwargs):
        languages.append(translation.get_language())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(messages, "render_to_string", spy)
    send_reminders.delay([due_reminder(cast).pk])
    NotificationPreference.objects.create(user=cast.users["trainee"], language="en", by_email=False)
    send_reminders.delay([due_reminder(cast).pk])
    assert languages == ["zh-hans", "en"]
    assert Notification.objects.filter(title__startswith="培训提醒").exists()


class FlakySms:
    calls = 0

    def send(self, phone, text):
        FlakySms.calls += 1
        raise ConnectionError("gateway down")


def test_a_failing_channel_is_retried_then_marked_failed_with_the_inbox_kept(cast, settings, monkeypatch):
    monkeypatch.setattr(services, "get_sms_backend", FlakySms)
    NotificationPreference.objects.create(user=cast.users["trainee"], by_email=False, by_sms=True)
    reminder = due_reminder(cast)
    for _ in range(services.MAX_ATTEMPTS):
        send_reminders.delay([reminder.pk])
    send_reminders.delay([reminder.pk])
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.FAILED
    assert reminder.attempts == services.MAX_ATTEMPTS
    assert "gateway down" in reminder.last_error
    assert FlakySms.calls == services.MAX_ATTEMPTS
    assert Notification.objects.count() == 1


def test_an_expired_reminder_is_cancelled_not_sent(cast):
    reminder = due_reminder(cast)
    Reminder.objects.filter(pk=reminder.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    send_reminders.delay([reminder.pk])
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED
    assert not Notification.objects.exists()


def test_fan_out_goes_in_chunks(cast, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)
    session = published_session(cast, hours_ahead=2)
    users = UserFactory.create_batch(5)
    services.reminders_plan(
        services.reminder_rows(
            kind=Kind.SESSION_CANCELLED,
            recipient_ids=[u.pk for u in users],
            obj=session,
            due_at=timezone.now(),
        )
    )
    chunks = []
    monkeypatch.setattr(send_reminders, "apply_async", lambda args, **kw: chunks.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reminders_dispatch_due() == 5
    assert [len(c) for c in chunks] == [2, 2, 1]
    # Queued chunks are not queued again by the next scan while they are in flight.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reminders_dispatch_due() == 0


def test_an_unknown_change_is_refused(cast):
    session = published_session(cast)
    with pytest.raises(ValueError):
        session_changed(session_id=session.pk, change="renamed")
