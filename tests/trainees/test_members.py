import pytest
from django.urls import reverse

from tests.factories import MemberFactory, make_id_number
from trainees.models import Member

pytestmark = pytest.mark.django_db


def member_form(branch, **overrides):
    data = {
        "name": "新党员",
        "gender": "F",
        "ethnicity": "汉族",
        "birth_date": "1990-03-08",
        "id_number": make_id_number(__import__("datetime").date(1990, 3, 8), seq=77),
        "phone": "13800001111",
        "education": "bachelor",
        "category": "farmer",
        "join_date": "2015-07-01",
        "full_date": "2016-07-01",
        "status": "full",
        "branch": branch.pk,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_a_township_admin_adds_a_member_to_their_branch(cast, client_as):
    response = client_as("township_a").post(reverse("trainees:member-create"), member_form(cast.branch_a))
    member = Member.objects.get(name="新党员")
    assert response.status_code == 302
    assert response["Location"] == member.get_absolute_url()
    assert member.branch == cast.branch_a


def test_a_township_admin_cannot_add_a_member_to_another_township(cast, client_as):
    response = client_as("township_a").post(reverse("trainees:member-create"), member_form(cast.branch_b))
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.text
    assert not Member.objects.filter(name="新党员").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "371422199003080771"}, "校验位不正确"),
        ({"birth_date": "1991-03-08"}, "出生日期与公民身份号码中的出生日期不一致"),
        ({"phone": "12345"}, "联系电话格式不正确"),
        ({"join_date": "2005-01-01"}, "入党日期须在年满18周岁之后"),
        ({"full_date": "2014-01-01"}, "转正日期不能早于入党日期"),
        ({"name": ""}, "该字段是必填项"),
    ],
)
def test_bad_input_gets_a_chinese_message_and_saves_nothing(cast, client_as, overrides, message):
    response = client_as("county").post(
        reverse("trainees:member-create"), member_form(cast.branch_a, **overrides)
    )
    assert response.status_code == 200
    assert message in response.text
    assert not Member.objects.filter(name="新党员").exists()


def test_an_id_number_registered_twice_is_refused(cast, client_as):
    data = member_form(cast.branch_a, id_number=cast.member_b.id_number, birth_date="1980-05-17")
    response = client_as("county").post(reverse("trainees:member-create"), data)
    assert "该公民身份号码已登记在其他党员名下" in response.text
    assert Member.objects.filter(id_number=cast.member_b.id_number).count() == 1


def test_member_list_masks_id_and_phone_numbers(cast, client_as):
    response = client_as("county").get(reverse("trainees:member-list"))
    assert cast.member_a.masked_id_number in response.text
    assert cast.member_a.id_number not in response.text
    assert cast.member_a.phone not in response.text


def test_member_list_searches_and_paginates(cast, client_as):
    for i in range(30):
        MemberFactory(branch=cast.branch_a, name=f"批量{i:02d}")
    client = client_as("township_a")
    first = client.get(reverse("trainees:member-list"), {"q": "批量"})
    assert "共 30 名党员" in first.text
    assert "第 1 / 2 页" in first.text
    second = client.get(reverse("trainees:member-list"), {"q": "批量", "page": 2})
    assert "批量29" in second.text or "批量05" in second.text
    assert "甲党员" not in first.text


def test_member_list_query_count_does_not_grow_with_members(cast, client_as, django_assert_max_num_queries):
    client = client_as("county")
    with django_assert_max_num_queries(10):
        client.get(reverse("trainees:member-list"))
    for _ in range(60):
        MemberFactory(branch=cast.branch_b)
    with django_assert_max_num_queries(10):
        client.get(reverse("trainees:member-list"))


def test_member_list_rows_escape_names_and_mark_members_off_the_roll(cast, client_as):
    MemberFactory(branch=cast.branch_a, name="<b>王</b>", is_active=False)
    html = client_as("township_a").get(reverse("trainees:member-list")).text
    assert "<b>王</b>" not in html and "&lt;b&gt;王&lt;/b&gt;" in html
    row = next(r for r in html.split("<tr>") if "王" in r)
    assert "不在册" in row and "甲村党支部" in row and "甲镇" in row


def test_an_empty_member_list_says_so(cast, client_as):
    html = client_as("township_a").get(reverse("trainees:member-list"), {"q": "没有这个人"}).text
    assert "没有符合条件的党员。" in html
