"""The SMS beat tasks: texts held back by the daily caps, and the gateways' delivery receipts.

Rows that already exist (by task name) are left alone, so re-running keeps the county's edits.
"""

from django.db import migrations
from django.utils import timezone

SCHEDULE = {
    "短信：发送超出日限额而延后的短信": (
        "notifications.tasks.sms_send_queued",
        10,
        "每10分钟：发送因每日发送上限延后到次日的短信（仍受当日上限约束）。",
    ),
    "短信：拉取送达回执": (
        "notifications.tasks.sms_pull_receipts",
        10,
        "每10分钟：向短信网关（阿里云 QuerySendDetails、腾讯云 PullSmsSendStatus）查询已受理短信是否送达。",
    ),
}


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, (task, minutes, description) in SCHEDULE.items():
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": interval, "description": description}
        )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULE)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_sms_outcomes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
