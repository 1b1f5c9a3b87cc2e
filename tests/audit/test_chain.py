"""The audit trail is a hash chain: a row edited, removed or slipped in is found by audit_verify."""

import datetime
import io
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

import audit
from audit.models import AuditAction, AuditChainHead, AuditEntry
from trainees.models import Member

pytestmark = pytest.mark.django_db


def verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def raw(sql: str, params=()):
    """SQL straight to the database, past the model and (on PostgreSQL) past the append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What only a database superuser can do: switch triggers off for this session.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def trail(cast):
    """Rows from every writing path: a signal, record, record_bulk and record_bulk_summary."""
    cast.member_a.name = "甲党员（改）"
    cast.member_a.save()
    audit.record(AuditAction.REVEAL, cast.member_a, changes={"field": "id_number"})
    audit.record_bulk(
        Member, [cast.member_a.pk, cast.member_b.pk], AuditAction.BULK_UPDATE, {"status": [1, 2]}
    )
    audit.record_bulk_summary(Member, {"bulk_create": [cast.member_b.pk]})
    audit.record(AuditAction.EXPORT, Member, changes={"rows": 2, "at": timezone.now()})
    return list(AuditEntry.objects.order_by("pk"))


def test_every_writing_path_chains_its_rows_and_the_chain_verifies(trail):
    assert len(trail) > 5
    for before, after in zip(trail, trail[1:], strict=False):
        assert after.prev_hash == before.entry_hash and len(after.entry_hash) == 64
    assert AuditChainHead.objects.get().last_hash == trail[-1].entry_hash
    assert f"{len(trail)} 条记录" in verify()


def test_a_row_edited_in_the_database_is_named_by_audit_verify(trail):
    victim = trail[3]
    raw("UPDATE audit_auditentry SET actor_name = %s WHERE id = %s", ["someone_else", victim.pk])
    with pytest.raises(CommandError, match=f"第 {victim.pk} 号记录.*内容与哈希不符"):
        verify()


def test_a_row_deleted_in_the_database_breaks_the_link_of_the_next_one(trail):
    raw("DELETE FROM audit_auditentry WHERE id = %s", [trail[2].pk])
    with pytest.raises(CommandError, match=f"第 {trail[3].pk} 号记录.*上一条记录的哈希不符"):
        verify()


def test_the_newest_row_deleted_is_found_from_the_chain_head(trail):
    raw("DELETE FROM audit_auditentry WHERE id = %s", [trail[-1].pk])
    with pytest.raises(CommandError, match="链尾与链头记录不符"):
        verify()


def test_the_model_refuses_to_rewrite_a_row(trail):
    trail[0].actor_name = "x"
    with pytest.raises(PermissionError):
        trail[0].save()


def test_pruning_re_anchors_the_chain_so_it_still_verifies(db):
    member = Member(pk=1, name="甲")
    for days in (500, 400, 10):
        AuditEntry.objects.create(
            action=AuditAction.REVEAL,
            model_label="trainees.Member",
            object_pk="1",
            object_repr=str(member),
            at=timezone.now() - datetime.timedelta(days=days),
        )
    call_command("prune_audit", days=365, stdout=io.StringIO())
    left = list(AuditEntry.objects.order_by("pk"))
    assert [e.action for e in left] == [AuditAction.REVEAL, AuditAction.PRUNE]
    assert left[1].changes["deleted"] == 2
    assert AuditChainHead.objects.get().anchor_hash == left[0].prev_hash
    verify()


def test_the_export_carries_the_chain_verifies_offline_and_is_itself_audited(trail, tmp_path):
    path = tmp_path / "audit.jsonl"
    call_command("audit_export", output=str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "ningjin-audit-chain/1"
    assert [json.loads(line)["entry_hash"] for line in lines[1:]] == [e.entry_hash for e in trail]
    out = io.StringIO()
    call_command("audit_verify", file=str(path), stdout=out)
    assert f"{len(trail)} 条记录" in out.getvalue()
    exported = AuditEntry.objects.order_by("pk").last()
    assert exported.action == AuditAction.EXPORT and exported.changes["rows"] == [len(trail)]
    verify()

    tampered = json.loads(lines[2])
    tampered["object_repr"] = "别人"
    lines[2] = json.dumps(tampered, ensure_ascii=False)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match=f"第 {tampered['pk']} 号记录"):
        call_command("audit_verify", file=str(path))


@pytest.mark.services
def test_the_portal_database_user_cannot_update_or_delete_audit_rows_on_postgresql(trail):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test-services)")
    for sql in (
        "UPDATE audit_auditentry SET actor_name = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="cannot be"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [trail[0].pk])
    # The prune switch lets through rows older than 180 days only.
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL audit.prune = 'on'")
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [trail[0].pk])
    assert AuditEntry.objects.filter(pk=trail[0].pk, actor_name=trail[0].actor_name).exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test-services)")
    start = threading.Barrier(4)

    def write(n):
        try:
            start.wait()
            for i in range(10):
                with transaction.atomic():
                    audit.record(AuditAction.REVEAL, Member, changes={"writer": n, "i": i})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert AuditEntry.objects.count() == 40
    verify()
