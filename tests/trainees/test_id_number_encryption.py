"""ID numbers at rest: encrypted (AES-256-GCM), found through a keyed hash, masked without decrypting.

Runs on SQLite (make test) and PostgreSQL (make test-services).
"""

import base64
import datetime
import hashlib
import hmac
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from tests.factories import MemberFactory, make_id_number
from tests.rosters import private_media, roster_row, upload, xlsx_bytes  # noqa: F401
from tests.trainees.test_members import member_form
from trainees import idcrypto
from trainees.checks import check_id_number_keys
from trainees.exporting import member_export
from trainees.models import Member
from trainees.services import member_import_commit, member_import_preview

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

KEY_1 = base64.b64encode(bytes(range(32))).decode()
KEY_2 = base64.b64encode(bytes(range(1, 33))).decode()
HASH_KEY = base64.b64encode(b"h" * 32).decode()
ID_PATTERN = re.compile(r"\d{17}[\dXx]")
# An ID number standing on its own: a hex hash can hold 18 decimal digits in a row, about
# once in a hundred rows, but never without letters or digits on either side.
ID_IN_TEXT = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")


def raw_member_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Member._meta.db_table}")
        return cursor.fetchall()


def every_table_as_text() -> dict[str, str]:
    """Every row of every table, as text: where a plaintext number could hide."""
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            tables[table] = repr(cursor.fetchall())
    return tables


def test_the_database_holds_no_plaintext_id_number(cast, client_as):
    """Members from the factory, the portal form and a roster import: no table shows a number."""
    client_as("township_a").post(reverse("trainees:member-create"), member_form(cast.branch_a))
    rows = [roster_row(n, "甲村党支部") for n in range(1, 4)]
    member_import_commit(
        user=cast.users["county"],
        batch=member_import_preview(user=cast.users["county"], uploaded_file=upload(xlsx_bytes(rows))),
    )
    numbers = [m.id_number for m in Member.objects.all()]
    assert len(numbers) == 3 + 1 + 3 and all(ID_PATTERN.fullmatch(n) for n in numbers)

    member_columns = [c.name for c in connection.introspection.get_table_description(
        connection.cursor(), Member._meta.db_table
    )]  # fmt: skip
    assert "id_number" not in member_columns
    assert not ID_IN_TEXT.search(repr(raw_member_rows()))
    for table, text in every_table_as_text().items():
        assert not any(number in text for number in numbers), f"{table} holds an ID number in clear"
        assert not ID_IN_TEXT.search(text), table


def test_each_number_is_ciphertext_hash_and_mask():
    number = make_id_number(datetime.date(1975, 3, 9), seq=5)
    member = Member(id_number=number.lower())  # normalised: the check character upper-cased
    assert member.id_number == number.upper()
    assert member.id_number_encrypted.startswith("v1:")
    assert number not in member.id_number_encrypted
    assert idcrypto.decrypt(member.id_number_encrypted) == number.upper()
    assert re.fullmatch(r"[0-9a-f]{64}", member.id_number_hash)
    assert member.id_number_masked == member.masked_id_number == number[:4] + "*" * 10 + number[-4:].upper()
    # A random nonce: the same number never encrypts to the same text twice; the hash is stable.
    again = Member(id_number=number)
    assert again.id_number_encrypted != member.id_number_encrypted
    assert again.id_number_hash == member.id_number_hash


@override_settings(ID_NUMBER_KEY=KEY_1, ID_NUMBER_HASH_KEY=HASH_KEY)
def test_the_hash_is_an_hmac_under_its_own_key_and_finds_the_member(cast):
    member = MemberFactory(branch=cast.branch_a)
    expected = hmac.new(b"h" * 32, member.id_number.encode(), hashlib.sha256).hexdigest()
    assert member.id_number_hash == expected
    assert Member.objects.get(id_number=member.id_number) == member
    assert Member.objects.get(id_number=member.id_number.lower()) == member
    assert list(Member.objects.filter(id_number__in=[member.id_number, "nothing"])) == [member]
    assert not Member.objects.exclude(pk=cast.member_a.pk).filter(id_number=cast.member_a.id_number).exists()
    # The encryption key plays no part in the hash.
    with override_settings(ID_NUMBER_KEY=KEY_2):
        assert idcrypto.blind_index(member.id_number) == expected


def test_a_wrong_key_cannot_decrypt(cast):
    with override_settings(ID_NUMBER_KEY=KEY_1, ID_NUMBER_HASH_KEY=HASH_KEY):
        member = MemberFactory(branch=cast.branch_a)
        number = member.id_number
    with override_settings(ID_NUMBER_KEY=KEY_2, ID_NUMBER_HASH_KEY=HASH_KEY):
        stored = Member.objects.get(pk=member.pk)
        with pytest.raises(idcrypto.IdNumberDecryptionError):
            stored.id_number  # noqa: B018
        # The hash key is unchanged: lookups and the stored mask still work.
        assert Member.objects.get(id_number=number) == stored
        assert stored.masked_id_number == number[:4] + "*" * 10 + number[-4:]
    with override_settings(ID_NUMBER_KEY=KEY_1, ID_NUMBER_HASH_KEY=HASH_KEY):
        assert Member.objects.get(pk=member.pk).id_number == number
        token = member.id_number_encrypted
        tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
        with pytest.raises(idcrypto.IdNumberDecryptionError):
            idcrypto.decrypt(tampered)


def test_development_keys_are_derived_from_secret_key_and_differ_from_each_other():
    number = make_id_number(datetime.date(1975, 3, 9), seq=5)
    with override_settings(ID_NUMBER_KEY="", ID_NUMBER_HASH_KEY="", SECRET_KEY="one-" + "x" * 50):
        token, digest = idcrypto.encrypt(number), idcrypto.blind_index(number)
        assert idcrypto.decrypt(token) == number
        # Distinct HKDF info strings: the encryption key is not the hash key.
        assert idcrypto._derived(idcrypto._ENCRYPTION_INFO) != idcrypto._derived(idcrypto._HASH_INFO)
        assert idcrypto._keys().hash_key == idcrypto._derived(idcrypto._HASH_INFO)
    with override_settings(ID_NUMBER_KEY="", ID_NUMBER_HASH_KEY="", SECRET_KEY="two-" + "x" * 50):
        assert idcrypto.blind_index(number) != digest
        with pytest.raises(idcrypto.IdNumberDecryptionError):
            idcrypto.decrypt(token)


def test_lists_and_masked_exports_never_decrypt(cast, client_as, monkeypatch):
    def refuse(token):
        raise AssertionError("decrypted for a masked view")

    monkeypatch.setattr(idcrypto, "decrypt", refuse)
    response = client_as("county").get(reverse("trainees:member-list"))
    assert response.status_code == 200
    assert cast.member_a.id_number_masked in response.text
    detail = client_as("county").get(reverse("trainees:member-detail", args=[cast.member_a.pk]))
    assert cast.member_a.id_number_masked in detail.text
    export = member_export(members=Member.objects.all())
    assert export.status_code == 200


def test_the_reveal_decrypts_for_a_role_with_the_right(cast, client_as):
    response = client_as("township_a").post(reverse("trainees:member-reveal", args=[cast.member_a.pk]))
    assert cast.member_a.id_number in response.text


def test_editing_without_changing_the_number_keeps_the_ciphertext(cast, client_as):
    member = cast.member_a
    data = member_form(
        cast.branch_a,
        name="甲党员改名",
        birth_date="1980-05-17",
        gender=member.gender,
        id_number=member.id_number,
        join_date="2005-07-01",
        full_date="2006-07-01",
    )
    response = client_as("county").post(reverse("trainees:member-edit", args=[member.pk]), data)
    assert response.status_code == 302
    stored = Member.objects.get(pk=member.pk)
    assert stored.name == "甲党员改名"
    assert stored.id_number_encrypted == member.id_number_encrypted

    # An even sequence: the factory's male members always have odd ones, so this number is new.
    new_number = make_id_number(datetime.date(1980, 5, 17), seq=900)
    assert new_number != member.id_number
    client_as("county").post(
        reverse("trainees:member-edit", args=[member.pk]), {**data, "id_number": new_number}
    )
    stored = Member.objects.get(pk=member.pk)
    assert (stored.id_number, stored.id_number_hash) == (new_number, idcrypto.blind_index(new_number))
    assert stored.id_number_encrypted != member.id_number_encrypted


def test_a_number_registered_twice_is_refused_through_the_hash(cast, client_as):
    data = member_form(cast.branch_a, id_number=cast.member_b.id_number.lower(), birth_date="1980-05-17")
    response = client_as("county").post(reverse("trainees:member-create"), data)
    assert response.status_code == 200
    assert "该公民身份号码已登记在其他党员名下。" in response.text
    assert Member.objects.filter(id_number=cast.member_b.id_number).count() == 1


def test_a_reimport_writes_nothing_and_a_changed_row_keeps_its_ciphertext(cast):
    county = cast.users["county"]
    rows = [roster_row(n, "甲村党支部") for n in range(1, 6)]
    member_import_commit(
        user=county, batch=member_import_preview(user=county, uploaded_file=upload(xlsx_bytes(rows)))
    )

    def stored():
        return {
            m.id_number: (m.id_number_encrypted, m.id_number_hash, m.id_number_masked, m.updated_at, m.phone)
            for m in Member.objects.filter(branch=cast.branch_a, name__startswith="导入党员")
        }

    first = stored()
    assert set(first) == {r["公民身份号码"] for r in rows}

    again = member_import_preview(user=county, uploaded_file=upload(xlsx_bytes(rows)))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 5)
    member_import_commit(user=county, batch=again)
    assert stored() == first  # not one row rewritten, no fresh ciphertext

    rows[2]["联系电话"] = "13912345678"
    rows.append(roster_row(6, "甲村党支部"))
    batch = member_import_preview(user=county, uploaded_file=upload(xlsx_bytes(rows)))
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (1, 1, 4)
    member_import_commit(user=county, batch=batch)
    after = stored()
    changed = rows[2]["公民身份号码"]
    assert after[changed][4] == "13912345678"
    assert after[changed][:3] == first[changed][:3]  # same ciphertext, hash and mask
    new = after[rows[5]["公民身份号码"]]
    assert idcrypto.decrypt(new[0]) == rows[5]["公民身份号码"]
    assert not ID_IN_TEXT.search(repr(raw_member_rows()))


def test_the_system_check_warns_when_production_runs_on_derived_keys():
    with override_settings(DEBUG=False, ID_NUMBER_KEY="", ID_NUMBER_HASH_KEY=""):
        assert [m.id for m in check_id_number_keys(None)] == ["trainees.W001"]
    with override_settings(DEBUG=True, ID_NUMBER_KEY="", ID_NUMBER_HASH_KEY=""):
        assert check_id_number_keys(None) == []
    with override_settings(DEBUG=False, ID_NUMBER_KEY=KEY_1, ID_NUMBER_HASH_KEY=HASH_KEY):
        assert check_id_number_keys(None) == []
    with override_settings(DEBUG=False, ID_NUMBER_KEY="c2hvcnQ=", ID_NUMBER_HASH_KEY=HASH_KEY):
        assert [m.id for m in check_id_number_keys(None)] == ["trainees.E001"]
    with override_settings(DEBUG=False, ID_NUMBER_KEY=KEY_1, ID_NUMBER_HASH_KEY=KEY_1):
        assert [m.id for m in check_id_number_keys(None)] == ["trainees.W002"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_rows_and_reverses():
    """0003–0005 on a plaintext table: encrypted, hash unique, plaintext column gone; and back."""
    executor = MigrationExecutor(connection)
    executor.migrate([("trainees", "0002_import_batch")])
    old_apps = executor.loader.project_state([("trainees", "0002_import_batch")]).apps
    District = old_apps.get_model("trainees", "District")
    Township = old_apps.get_model("trainees", "Township")
    Branch = old_apps.get_model("trainees", "Branch")
    OldMember = old_apps.get_model("trainees", "Member")
    district = District.objects.create(name="迁移片区")
    township = Township.objects.create(code="371422977", name="迁移镇", district=district, party_school="x")
    branch = Branch.objects.create(township=township, name="迁移村党支部", domain="rural")
    numbers = [
        make_id_number(datetime.date(1960, 1, 1) + datetime.timedelta(days=n), seq=3) for n in range(5)
    ]
    for n, number in enumerate(numbers):
        OldMember.objects.create(
            name=f"迁移{n}", gender="M", birth_date=datetime.date(1960, 1, 1), id_number=number,
            education="bachelor", join_date=datetime.date(1990, 7, 1), branch=branch,
        )  # fmt: skip
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert not ID_IN_TEXT.search(repr(raw_member_rows()))
        for number in numbers:
            member = Member.objects.get(id_number=number)
            assert (
                member.id_number == number and member.masked_id_number == number[:4] + "*" * 10 + number[-4:]
            )

        executor = MigrationExecutor(connection)
        executor.migrate([("trainees", "0002_import_batch")])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id_number FROM {Member._meta.db_table} ORDER BY id")
            assert [row[0] for row in cursor.fetchall()] == numbers
    finally:
        call_command("migrate", verbosity=0)


def test_rotate_id_keys_moves_every_number_to_the_new_keys(cast, monkeypatch):
    new_hash_key = base64.b64encode(b"n" * 32).decode()
    Member.objects.all().delete()  # the cast's members are under the test settings' keys
    with override_settings(ID_NUMBER_KEY=KEY_1, ID_NUMBER_HASH_KEY=HASH_KEY):
        members = [MemberFactory(branch=cast.branch_a) for _ in range(3)]
        numbers = {m.pk: m.id_number for m in members}
    monkeypatch.setenv("OLD_ID_NUMBER_KEY", KEY_1)
    monkeypatch.setenv("OLD_ID_NUMBER_HASH_KEY", HASH_KEY)
    with override_settings(ID_NUMBER_KEY=KEY_2, ID_NUMBER_HASH_KEY=new_hash_key):
        call_command("rotate_id_keys", stdout=io.StringIO())
        for pk, number in numbers.items():
            member = Member.objects.get(id_number=number)
            assert member.pk == pk and member.id_number == number
    assert AuditEntry.objects.filter(action=AuditAction.BULK_UPDATE, model_label="trainees.Member").exists()


def test_rotate_id_keys_changes_nothing_when_a_number_does_not_decrypt(cast, monkeypatch):
    with override_settings(ID_NUMBER_KEY=KEY_1, ID_NUMBER_HASH_KEY=HASH_KEY):
        member = MemberFactory(branch=cast.branch_a)
    before = list(Member.objects.order_by("pk").values_list("id_number_encrypted", flat=True))
    monkeypatch.setenv("OLD_ID_NUMBER_KEY", KEY_2)  # the wrong old key
    with override_settings(ID_NUMBER_KEY=KEY_1, ID_NUMBER_HASH_KEY=HASH_KEY):
        with pytest.raises(CommandError, match="无法解密"):
            call_command("rotate_id_keys", stdout=io.StringIO())
    assert list(Member.objects.order_by("pk").values_list("id_number_encrypted", flat=True)) == before
    assert member.pk


def test_rotate_id_keys_from_the_development_keys(monkeypatch):
    """A development install moving to production keys: OLD_* unset = derived from SECRET_KEY."""
    member = MemberFactory()  # under the derived development keys of the test settings
    number = member.id_number
    monkeypatch.delenv("OLD_ID_NUMBER_KEY", raising=False)
    monkeypatch.delenv("OLD_ID_NUMBER_HASH_KEY", raising=False)
    with override_settings(ID_NUMBER_KEY=KEY_1, ID_NUMBER_HASH_KEY=HASH_KEY):
        out = io.StringIO()
        call_command("rotate_id_keys", stdout=out)
        assert "1" in out.getvalue()
        assert Member.objects.get(id_number=number).id_number == number
