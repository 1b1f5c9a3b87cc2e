"""ID numbers at rest, step 3 of 3: the hash becomes the unique key, the plaintext column goes.

On PostgreSQL the dropped column's old values stay in dead row versions until the table is
rewritten: run ``VACUUM FULL trainees_member`` after migrating (SQLite: ``VACUUM``), and treat
backups taken before this migration as holding ID numbers in clear (docs/security.md).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("trainees", "0004_encrypt_id_numbers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="member",
            name="id_number_hash",
            field=models.CharField(
                editable=False,
                error_messages={"unique": "该公民身份号码已登记在其他党员名下。"},
                max_length=64,
                unique=True,
                verbose_name="公民身份号码索引",
            ),
        ),
        migrations.RemoveField(
            model_name="member",
            name="id_number",
        ),
    ]
