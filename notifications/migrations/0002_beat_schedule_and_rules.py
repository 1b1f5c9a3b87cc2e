"""Every install gets the reminder rules and the beat schedule; county staff edit both in the admin.

Crontab times are Beijing time (CrontabSchedule.timezone = Asia/Shanghai,
independent of the server's clock). Rows that already exist (by task name)
are left alone, so re-running keeps the county's edits.
"""

import json

from django.db import migrations
from django.utils import timezone

TZ = "Asia/Shanghai"

# name → (task, crontab (minute, hour, day_of_month, month_of_year, day_of_week) or None, kwargs, description)
SCHEDULE = {
    "月训：开放本月及下月计划": (
        "courses.tasks.open_month_plans",
        ("10", "0", "1", "*", "*"),
        {},
        "每月1日 00:10：为每个乡镇建立本月和下月的月度计划，带上当月主题。",
    ),
    "月训：关闭上月计划": (
        "courses.tasks.close_previous_month",
        ("5", "0", "1", "*", "*"),
        {},
        "每月1日 00:05：上月没有已举办月训的计划标记为未举办。",
    ),
    "提醒：本月未发布月训的乡镇": (
        "notifications.tasks.remind_townships_without_session",
        ("0", "9", "10-31/3", "*", "*"),
        {},
        "从每月10日起每3天 09:00，提醒本月还没有已发布场次的乡镇党校管理员。",
    ),
    "提醒：培训前提醒扫描": (
        "notifications.tasks.scan_due_reminders",
        ("*/5", "*", "*", "*", "*"),
        {},
        "每5分钟：按提醒规则为即将开始的培训生成提醒，并发送到期的提醒（代理恢复后补发）。",
    ),
    "提醒：送教待接单": (
        "notifications.tasks.remind_instructors_of_requests",
        ("30", "9", "*", "*", "*"),
        {},
        "每天 09:30：提醒已派单但尚未接单的授课师资。",
    ),
    "预警：党员连续缺训": (
        "notifications.tasks.alert_absent_members",
        ("0", "8", "2", "*", "*"),
        {"months": 3},
        "每月2日 08:00：党员连续 months 个月未参加所报名的培训时，提醒所在乡镇和县委组织部。",
    ),
    "催办：改进清单逾期事项": (
        "notifications.tasks.chase_overdue_improvement_items",
        ("0", "9", "*", "*", "1"),
        {},
        "每周一 09:00：催办已过整改时限的改进清单事项。",
    ),
    "提醒：年度述职报告": (
        "notifications.tasks.remind_annual_report",
        ("0", "9", "1,10,20", "12", "*"),
        {},
        "12月1日、10日、20日 09:00：提醒尚未提交年度述职报告的乡镇。",
    ),
}
HEARTBEAT = ("系统：定时任务心跳", "notifications.tasks.beat_heartbeat", "每分钟记录一次心跳，/healthz 据此报告定时任务是否在运行。")
RULES = [("trainees", 1440), ("trainees", 120), ("instructors", 1440)]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    ReminderRule = apps.get_model("notifications", "ReminderRule")

    for audience, minutes in RULES:
        ReminderRule.objects.get_or_create(audience=audience, minutes_before=minutes)
    for name, (task, cron, kwargs, description) in SCHEDULE.items():
        minute, hour, day_of_month, month_of_year, day_of_week = cron
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
            timezone=TZ,
        )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "crontab": crontab, "kwargs": json.dumps(kwargs), "description": description},
        )
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    name, task, description = HEARTBEAT
    PeriodicTask.objects.get_or_create(
        name=name, defaults={"task": task, "interval": every_minute, "description": description}
    )
    # Tell a running DatabaseScheduler that the schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[*SCHEDULE, HEARTBEAT[0]]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
