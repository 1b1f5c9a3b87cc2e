"""Bad input is harmless: fuzzed form posts never give a server error."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.trainees.test_members import member_form
from trainees.models import Member

pytestmark = pytest.mark.django_db

ACCEPTABLE = (200, 302, 400, 403, 404)
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Every kind of nasty text: any unicode (NUL, surrogates excluded by UTF-8), huge strings,
# digit soup that looks like ID and phone numbers, dates that are not dates.
nasty_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
    st.text(alphabet="\x00\r\n\t<>'\"&%;\\", max_size=20),
    st.builds(lambda ch, n: ch * n, st.characters(codec="utf-8"), st.integers(1000, 100_000)),
    st.from_regex(r"\d{17}[\dXx]", fullmatch=True),
    st.from_regex(r"[0-9\-]{1,30}", fullmatch=True),
    st.sampled_from(["", " ", "2024-02-30", "0000-00-00", "9999-99-99", "-1", "1e309", "NaN", "null"]),
)
MEMBER_FIELDS = [
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "category",
    "position",
    "join_date",
    "full_date",
    "status",
    "branch",
    "groups",
]


@given(overrides=st.dictionaries(st.sampled_from(MEMBER_FIELDS), nasty_text, min_size=1, max_size=6))
@FUZZ
def test_fuzzed_member_create_never_errors(cast, client_as, overrides):
    response = client_as("township_a").post(
        reverse("trainees:member-create"), {**member_form(cast.branch_a), **overrides}
    )
    assert response.status_code in ACCEPTABLE


@given(overrides=st.dictionaries(st.sampled_from(MEMBER_FIELDS), nasty_text, min_size=1, max_size=6))
@FUZZ
def test_fuzzed_member_edit_never_errors(cast, client_as, overrides):
    before = Member.objects.get(pk=cast.member_b.pk)
    response = client_as("county").post(
        reverse("trainees:member-edit", args=[cast.member_b.pk]), {**member_form(cast.branch_b), **overrides}
    )
    assert response.status_code in ACCEPTABLE
    if response.status_code == 200:  # the form came back with errors: nothing saved
        assert Member.objects.get(pk=cast.member_b.pk).updated_at == before.updated_at


@given(username=nasty_text, password=nasty_text, extra=st.dictionaries(nasty_text, nasty_text, max_size=3))
@FUZZ
def test_fuzzed_login_never_errors(client, username, password, extra):
    # Each example starts unlocked: this fuzzes the form, the lockout has its own tests.
    AccessAttempt.objects.all().delete()
    response = client.post(reverse("login"), {**extra, "login": username, "password": password})
    assert response.status_code in ACCEPTABLE


@pytest.mark.parametrize("choice", ["10000000000000000000", "-10000000000000000000", "99999999"])
def test_a_group_id_no_column_can_hold_is_an_invalid_choice_not_a_server_error(cast, client_as, choice):
    """Found by the member-edit fuzzer: on SQLite a 20-digit id raised OverflowError (a 500)."""
    before = Member.objects.get(pk=cast.member_b.pk)
    response = client_as("county").post(
        reverse("trainees:member-edit", args=[cast.member_b.pk]),
        {**member_form(cast.branch_b), "groups": choice},
    )
    assert response.status_code == 200
    assert "groups" in response.context["form"].errors
    assert Member.objects.get(pk=cast.member_b.pk).updated_at == before.updated_at
