"""python manage.py import_members PATH [--dry-run] [--as-user USERNAME]"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from trainees.importing import ConcurrentChangeError, ImportFileError, ImportPlan
from trainees.services import member_import_file


class Command(BaseCommand):
    help = _("导入党员名册（.xlsx 或 .csv）：全部校验通过才写入，任何一行有误则不写入并以非零状态退出。")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help=_("名册文件路径"))
        parser.add_argument("--dry-run", action="store_true", help=_("只校验并报告，不写入"))
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help=_("以该账号的权限导入（乡镇管理员只能导入本乡镇）；不填则可导入全县任一支部"),
        )

    def handle(self, *args, path: Path, dry_run: bool, as_user: str | None, **options):
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        user = None
        if as_user:
            try:
                user = get_user_model().objects.get(username=as_user)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(_("找不到账号：%(name)s") % {"name": as_user}) from exc
        try:
            plan, batch = member_import_file(user=user, path=path, dry_run=dry_run, progress=self._progress)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        except ConcurrentChangeError as exc:
            raise CommandError(_("导入期间党员数据被他人修改，已全部撤销，请重新运行。")) from exc
        self._report(plan)
        if not plan.is_valid:
            raise CommandError(_("有 %(n)d 行错误，没有写入任何数据。") % {"n": plan.invalid})
        if batch is None:
            self.stdout.write(_("试运行：校验通过，没有写入任何数据。"))
        else:
            self.stdout.write(self.style.SUCCESS(_("已导入，批次编号 %(pk)d。") % {"pk": batch.pk}))

    def _progress(self, stage: str, done: int, total: int) -> None:
        """A one-line progress bar on stderr (no extra dependency)."""
        label = {"validate": _("校验"), "write": _("写入")}.get(stage, stage)
        width = 30
        filled = width * done // total if total else width
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def _report(self, plan: ImportPlan) -> None:
        self.stdout.write(
            _("共 %(total)d 行：新增 %(created)d，更新 %(updated)d，无变化 %(unchanged)d，有误 %(invalid)d。")
            % plan.counts()
        )
        for error in plan.errors:
            row = _("第 %(row)d 行") % {"row": error.row} if error.row else "—"
            self.stdout.write(f"{row} {error.name}：{'；'.join(error.messages)}")
