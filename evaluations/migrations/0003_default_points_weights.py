from decimal import Decimal

from django.db import migrations

# Starting weights only: county staff change them in the admin (积分权重); the code reads the table.
DEFAULTS = {
    "hours": Decimal("1"),
    "sessions": Decimal("2"),
    "feedback": Decimal("1"),
    "tasks": Decimal("5"),
    "satisfaction": Decimal("0.05"),
    "solved": Decimal("3"),
}


def add_defaults(apps, schema_editor):
    PointsWeight = apps.get_model("evaluations", "PointsWeight")
    for measure, points in DEFAULTS.items():
        PointsWeight.objects.get_or_create(measure=measure, defaults={"points": points})


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0002_surveys_plans_points")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
