"""Audit trail: every change to members, roles and accounts leaves a row; rows are read-only."""

import datetime

import pytest
from django.contrib.admin.sites import site
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

import audit
from audit.models import AuditAction, AuditEntry
from core.roles import Role
from tests.factories import MemberFactory
from tests.trainees.test_members import member_form
from trainees.models import Member, MemberGroup, Profile

pytestmark = pytest.mark.django_db


def backdated(action, target, actor, *, days):
    """An entry written ``days`` ago (audit rows cannot be updated afterwards: the chain and the trigger)."""
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        model_label=target._meta.label,
        object_pk=str(target.pk),
        object_repr=str(target),
        at=timezone.now() - datetime.timedelta(days=days),
    )


def entries_for(obj, action=None):
    rows = AuditEntry.objects.filter(model_label=obj._meta.label, object_pk=str(obj.pk))
    return rows.filter(action=action) if action else rows


def test_creating_a_member_through_the_portal_is_audited_with_who_and_where(cast, client_as):
    client_as("township_a").post(
        reverse("trainees:member-create"), member_form(cast.branch_a), REMOTE_ADDR="192.0.2.10"
    )
    member = Member.objects.get(name="新党员")
    entry = entries_for(member, AuditAction.CREATE).get()
    assert entry.actor == cast.users["township_a"]
    assert entry.actor_name == "township_a"
    assert entry.ip == "192.0.2.10"
    assert entry.object_repr == "新党员"
    assert entry.changes["name"] == [None, "新党员"]
    assert entry.changes["branch"] == [None, cast.branch_a.pk]
    # Personal identifiers only masked; the ID number as its stored mask and a hash prefix, no ciphertext.
    assert entry.changes["id_number_masked"] == [None, member.masked_id_number]
    assert entry.changes["id_number_hash"] == [None, member.id_number_hash[:8] + "…"]
    assert "id_number_encrypted" not in entry.changes
    assert entry.changes["phone"] == [None, "138****1111"]
    assert member.id_number not in str(entry.changes)
    assert member.id_number_hash not in str(entry.changes)


def test_an_edit_records_only_what_changed_old_and_new(cast, client_as):
    member = cast.member_a
    data = member_form(
        cast.branch_a,
        name=member.name,
        birth_date="1980-05-17",
        id_number=member.id_number,
        phone="13600002222",
        category=member.category,
        join_date="2005-07-01",
        full_date="2006-07-01",
        education=member.education,
        gender=member.gender,
    )
    old_phone = member.phone
    client_as("county").post(reverse("trainees:member-edit", args=[member.pk]), data)
    entry = entries_for(member, AuditAction.UPDATE).get()
    assert set(entry.changes) == {"phone"}
    assert entry.changes["phone"] == [old_phone[:3] + "****" + old_phone[-4:], "136****2222"]


def test_saving_without_changes_writes_no_row(cast):
    cast.member_a.save()
    assert not entries_for(cast.member_a, AuditAction.UPDATE).exists()


def test_deleting_a_member_is_audited(cast):
    member = MemberFactory(branch=cast.branch_a, name="将删除")
    pk = member.pk
    member.delete()
    entry = AuditEntry.objects.get(
        action=AuditAction.DELETE, model_label="trainees.Member", object_pk=str(pk)
    )
    assert entry.changes["name"] == ["将删除", None]
    assert "*" in entry.changes["id_number_masked"][0]


def test_group_membership_changes_are_audited(cast):
    group = MemberGroup.objects.create(code="young", name="青年党员")
    cast.member_a.groups.add(group)
    entry = entries_for(cast.member_a, AuditAction.UPDATE).get()
    assert entry.changes == {"groups": [[], [group.pk]]}


def test_a_role_change_is_audited(cast):
    profile = Profile.objects.get(user=cast.users["instructor"])
    profile.role = Role.TOWNSHIP
    profile.township = cast.township_b
    profile.save()
    entry = entries_for(profile, AuditAction.UPDATE).get()
    assert entry.changes["role"] == [Role.INSTRUCTOR, Role.TOWNSHIP]
    assert entry.changes["township"] == [None, cast.township_b.pk]


def test_a_password_change_is_audited_without_the_hash(cast):
    user = cast.users["county"]
    user.set_password("Another-pass-2027")
    user.save()
    entry = entries_for(user, AuditAction.UPDATE).get()
    assert entry.changes["password"] == ["******", "******"]


def test_bulk_operations_record_one_row_per_object(cast):
    pks = [cast.member_a.pk, cast.member_b.pk]
    Member.objects.filter(pk__in=pks).update(is_active=False)
    written = audit.record_bulk(Member, pks, AuditAction.BULK_UPDATE, changes={"is_active": [True, False]})
    assert written == 2
    rows = AuditEntry.objects.filter(action=AuditAction.BULK_UPDATE)
    assert sorted(rows.values_list("object_pk", flat=True)) == sorted(str(pk) for pk in pks)
    assert rows.first().changes == {"is_active": [True, False]}


def test_bulk_changes_mask_personal_fields():
    audit.record_bulk(Member, [1], AuditAction.BULK_UPDATE, changes={"phone": ["13912345678", "13887654321"]})
    assert AuditEntry.objects.get().changes == {"phone": ["139****5678", "138****4321"]}


def test_free_text_is_scrubbed_of_id_and_phone_numbers(cast):
    entry = audit.record(
        AuditAction.UPDATE, Member, changes={"note": ["call 13912345678 about 371422198005170011"]}
    )
    assert entry.changes["note"] == ["call 139****5678 about 3714**********0011"]


def test_an_audit_entry_cannot_be_changed(cast):
    entry = audit.record(AuditAction.REVEAL, cast.member_a)
    entry.object_repr = "forged"
    with pytest.raises(PermissionError):
        entry.save()


def test_the_admin_is_read_only_even_for_superusers(cast, admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = site._registry[AuditEntry]
    entry = audit.record(AuditAction.REVEAL, cast.member_a)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_the_security_auditor_browses_and_filters_the_audit_log(cast, client_as):
    audit.record(AuditAction.REVEAL, cast.member_a, actor=cast.users["township_a"])
    old = backdated(AuditAction.UPDATE, cast.member_b, cast.users["township_b"], days=40)
    client = client_as("auditor")
    everything = client.get(reverse("audit-log"))
    assert everything.status_code == 200
    assert "甲党员" in everything.text and "乙党员" in everything.text

    def shown(**params):
        page = client.get(reverse("audit-log"), params)
        assert page.status_code == 200
        return {e.pk for e in page.context["page"]}

    assert old.pk not in shown(actor="township_a")
    assert shown(action="update") == {old.pk} | set(
        AuditEntry.objects.filter(action="update").values_list("pk", flat=True)
    )
    assert old.pk in shown(model="trainees.Member")
    recent = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert old.pk not in shown(date_from=recent)
    assert old.pk in shown(date_to=recent)


def test_the_audit_log_paginates(cast, client_as):
    audit.record_bulk(Member, range(120), AuditAction.BULK_CREATE)
    page = client_as("auditor").get(reverse("audit-log"), {"action": "bulk_create", "page": 3})
    assert len(page.context["page"]) == 20


@pytest.mark.parametrize(
    "role", ["trainee", "instructor", "township_a", "township_b", "county", "sysadmin", "secadmin"]
)
def test_only_the_security_auditor_sees_the_audit_log(cast, client_as, role):
    assert client_as(role).get(reverse("audit-log")).status_code == 403


def test_the_audit_log_has_no_way_to_change_entries(cast, client_as):
    # The auditor's POSTs are refused before any view (AuditorReadOnlyMiddleware); the view takes GET only.
    assert client_as("auditor").post(reverse("audit-log"), {}).status_code == 403


def test_prune_keeps_at_least_180_days(db):
    # Rows are chained in the order written, so the ancient row is written first (as in real life).
    with pytest.raises(CommandError):
        call_command("prune_audit", days=179)
    member = MemberFactory.build(pk=1)
    backdated(AuditAction.REVEAL, member, None, days=400)
    recent = audit.record(AuditAction.REVEAL, member)
    call_command("prune_audit", days=365)
    assert list(AuditEntry.objects.filter(action=AuditAction.REVEAL)) == [recent]
