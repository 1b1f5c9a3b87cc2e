"""Data: the national baseline of 32 study hours a year for every member (条例第二十条)."""

from decimal import Decimal

from django.db import migrations


def add_baseline(apps, schema_editor):
    StudyHoursTarget = apps.get_model("courses", "StudyHoursTarget")
    if not StudyHoursTarget.objects.filter(year__isnull=True, group__isnull=True).exists():
        StudyHoursTarget.objects.create(year=None, group=None, hours=Decimal("32"))
    # Secretaries and committee members: 56 hours (2019–2023 national plan), when the groups exist.
    MemberGroup = apps.get_model("trainees", "MemberGroup")
    for group in MemberGroup.objects.filter(code__in=["secretary", "committee"]):
        StudyHoursTarget.objects.get_or_create(year=None, group=group, defaults={"hours": Decimal("56")})


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_cycle_session_notes_and_ledger_index"),
        ("trainees", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_baseline, migrations.RunPython.noop)]
