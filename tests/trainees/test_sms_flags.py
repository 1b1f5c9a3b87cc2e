"""A member whose number a gateway refused for good is flagged on the roster and the member page."""

import pytest
from django.urls import reverse

from notifications.models import FlaggedPhone, NotificationPreference
from notifications.sms.outbox import phone_hash
from trainees.selectors import members_sms_flags

pytestmark = pytest.mark.django_db


def flag(phone: str, code="isv.MOBILE_NUMBER_ILLEGAL") -> FlaggedPhone:
    return FlaggedPhone.objects.create(
        phone_hash=phone_hash(phone),
        masked_phone=phone[:3] + "****" + phone[-4:],
        reason="x",
        error_code=code,
    )


def test_the_township_admin_sees_the_flag_on_the_roster_and_the_member_page(cast, client_as):
    flag(cast.member_a.phone)
    client = client_as("township_a")
    roster = client.get(reverse("trainees:member-list")).content.decode()
    assert roster.count("短信无法送达") == 1
    page = client.get(reverse("trainees:member-detail", args=[cast.member_a.pk])).content.decode()
    assert "短信网关已拒收号码" in page and "isv.MOBILE_NUMBER_ILLEGAL" in page
    assert cast.member_a.phone not in page  # still masked
    other = client.get(reverse("trainees:member-detail", args=[cast.trainee_member.pk])).content.decode()
    assert "短信网关已拒收号码" not in other


def test_a_flagged_number_of_the_members_own_choice_counts_too(cast):
    NotificationPreference.objects.create(user=cast.users["trainee"], by_sms=True, phone="13700001111")
    flag("13700001111", code="FailedOperation.PhoneNumberInBlacklist")
    flags = members_sms_flags([cast.trainee_member, cast.member_a])
    assert list(flags) == [cast.trainee_member.pk]
    assert flags[cast.trainee_member.pk].error_code == "FailedOperation.PhoneNumberInBlacklist"


def test_a_corrected_number_is_no_longer_flagged(cast):
    flag(cast.member_a.phone)
    cast.member_a.phone = "13911112222"
    cast.member_a.save()
    assert members_sms_flags([cast.member_a]) == {}
