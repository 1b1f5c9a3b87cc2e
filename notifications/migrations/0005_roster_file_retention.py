"""The daily deletion of raw roster files past ROSTER_FILE_RETENTION_DAYS (trainees.retention).

Like 0002: a row that already exists (by name) is left alone, so the county's edits stay.
"""

from django.db import migrations
from django.utils import timezone

TZ = "Asia/Shanghai"
NAME = "个人信息：删除过期的名册原始文件"
TASK = "trainees.tasks.purge_roster_files"
DESCRIPTION = "每天 03:20：名册导入确认或驳回满 ROSTER_FILE_RETENTION_DAYS 天（默认30天）后，删除原始上传文件（含身份证号、电话）；批次的统计和错误明细保留。"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="20", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone=TZ
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "crontab": crontab, "kwargs": "{}", "description": DESCRIPTION}
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_sms_beat_schedule")]

    operations = [migrations.RunPython(create, remove)]
