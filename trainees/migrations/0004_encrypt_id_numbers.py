"""ID numbers at rest, step 2 of 3: read each plaintext number, write ciphertext, hash and mask.

The plaintext column is emptied here and dropped in 0005. Keys: ID_NUMBER_KEY and
ID_NUMBER_HASH_KEY from the environment (set them *before* migrating in production: rows
encrypted under the development keys derived from SECRET_KEY would need re-encrypting).
Reversible: the reversal decrypts back into the plaintext column.
"""

from django.db import migrations

CHUNK = 2000


def encrypt_existing(apps, schema_editor):
    from trainees import idcrypto

    Member = apps.get_model("trainees", "Member")
    rows = Member.objects.using(schema_editor.connection.alias).exclude(id_number=None).exclude(id_number="")
    batch = []
    for member in rows.only("pk", "id_number").order_by("pk").iterator(chunk_size=CHUNK):
        member.id_number_encrypted, member.id_number_hash, member.id_number_masked = idcrypto.protect(
            member.id_number
        )
        member.id_number = None
        batch.append(member)
        if len(batch) == CHUNK:
            _write(Member, batch, schema_editor)
            batch = []
    _write(Member, batch, schema_editor)


def _write(Member, batch, schema_editor):
    Member.objects.using(schema_editor.connection.alias).bulk_update(
        batch, ["id_number_encrypted", "id_number_hash", "id_number_masked", "id_number"]
    )


def decrypt_back(apps, schema_editor):
    from trainees import idcrypto

    Member = apps.get_model("trainees", "Member")
    rows = Member.objects.using(schema_editor.connection.alias).exclude(id_number_encrypted="")
    batch = []
    for member in rows.only("pk", "id_number_encrypted").order_by("pk").iterator(chunk_size=CHUNK):
        member.id_number = idcrypto.decrypt(member.id_number_encrypted)
        batch.append(member)
        if len(batch) == CHUNK:
            Member.objects.using(schema_editor.connection.alias).bulk_update(batch, ["id_number"])
            batch = []
    Member.objects.using(schema_editor.connection.alias).bulk_update(batch, ["id_number"])


class Migration(migrations.Migration):
    dependencies = [
        ("trainees", "0003_id_number_encrypted_columns"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, decrypt_back),
    ]
