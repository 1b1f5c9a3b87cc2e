"""Two indexes on trainees_member that nothing reads, each one more insert per imported member.

- the plain index on branch_id: member_branch_active_idx (branch_id, is_active) starts with it;
- on PostgreSQL, the varchar_pattern_ops ("_like") copy of the id_number_hash unique index, made
  for LIKE queries: the hash is only ever looked up by equality (trainees.models.MemberQuerySet).
"""

import django.db.models.deletion
from django.db import migrations, models


def _like_index(apps, schema_editor):
    member = apps.get_model("trainees", "Member")
    return member, member._meta.get_field("id_number_hash")


def drop_hash_like_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    member, field = _like_index(apps, schema_editor)
    name = schema_editor._create_index_name(member._meta.db_table, [field.column], suffix="_like")
    schema_editor.execute(schema_editor._delete_index_sql(member, name))  # DROP INDEX IF EXISTS


def create_hash_like_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    member, field = _like_index(apps, schema_editor)
    statement = schema_editor._create_like_index_sql(member, field)
    if statement is not None:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("trainees", "0005_drop_plaintext_id_number"),
    ]

    operations = [
        migrations.AlterField(
            model_name="member",
            name="branch",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="members",
                to="trainees.branch",
                verbose_name="所在党支部",
            ),
        ),
        migrations.RunPython(drop_hash_like_index, create_hash_like_index, elidable=True),
    ]
