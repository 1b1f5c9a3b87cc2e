"""ID numbers at rest, step 1 of 3: the three new columns; the plaintext column loses its constraints.

Step 2 (0004) encrypts every existing row; step 3 (0005) makes the hash unique and drops the
plaintext column. Each step is its own migration (its own transaction on PostgreSQL).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("trainees", "0002_import_batch"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="id_number_encrypted",
            field=models.TextField(default="", editable=False, verbose_name="公民身份号码（密文）"),
        ),
        migrations.AddField(
            model_name="member",
            name="id_number_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="公民身份号码索引"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="member",
            name="id_number_masked",
            field=models.CharField(default="", editable=False, max_length=18, verbose_name="公民身份号码（脱敏）"),
        ),
        # Nullable and no longer unique, so that 0005 can drop it and a reversal can refill it.
        migrations.AlterField(
            model_name="member",
            name="id_number",
            field=models.CharField(max_length=18, null=True, blank=True, verbose_name="公民身份号码"),
        ),
    ]
