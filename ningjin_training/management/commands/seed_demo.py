import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from evaluations import demo as evaluations_demo
from trainees import demo as trainees_demo


class Command(BaseCommand):
    help = "Build a realistic demo Ningjin county with logins for each role (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--members", type=int, default=2000, help="number of party members (default 2000)"
        )

    def handle(self, *args, members, **options):
        started = time.monotonic()
        logins = trainees_demo.seed(members=members)
        evaluations_demo.seed()
        self.stdout.write(
            self.style.SUCCESS(_("演示数据已就绪（用时 %.1f 秒）。") % (time.monotonic() - started))
        )
        self.stdout.write(_("演示账号（密码相同）："))
        for username, password in logins.items():
            self.stdout.write(f"  {username:<12} {password}")
