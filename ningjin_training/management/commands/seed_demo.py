import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils.translation import gettext as _

from courses import demo as courses_demo
from courses.cycle import demo as cycle_demo
from evaluations import demo as evaluations_demo
from trainees import demo as trainees_demo

# Dataset sizes: members, townships with branches, branches in all (None = by members).
SCALES = {
    "small": {"members": 50, "township_count": 1, "branches_total": 2},
    "default": {"members": 2000},
    "county": {"members": 20000, "branches_total": 400},
}
# Monthly-cycle history: months back, and whether every member sits one class a month.
CYCLE = {
    "small": {"months": 1},
    "default": {},
    "county": {"everyone": True},
}


class Command(BaseCommand):
    help = "Build a realistic demo Ningjin county with logins for each role (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="default", help="dataset size")
        parser.add_argument("--members", type=int, help="number of party members (overrides --scale)")

    def handle(self, *args, scale, members, **options):
        started = time.monotonic()
        params = dict(SCALES[scale])
        if members is not None:
            params["members"] = members
        logins = trainees_demo.seed(**params)
        courses_demo.seed()
        cycle_demo.seed_cycle(**CYCLE[scale])
        if connection.vendor == "postgresql":
            # Fresh planner statistics after the bulk load, before anything aggregates over it.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        evaluations_demo.seed()
        self.stdout.write(
            self.style.SUCCESS(_("演示数据已就绪（用时 %.1f 秒）。") % (time.monotonic() - started))
        )
        self.stdout.write(_("演示账号（密码相同）："))
        for username, password in logins.items():
            self.stdout.write(f"  {username:<12} {password}")
