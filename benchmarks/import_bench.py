"""Roster import benchmark (not a test): 20,000 rows, three ways, same file, same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ningjin_bench .venv/bin/python benchmarks/import_bench.py

1. the portal's real import path (``member_import_file``: read with calamine, validate every
   row in memory, COPY into a staging table + one INSERT … ON CONFLICT, record the batch);
2. the bare pipeline: calamine read + COPY of the raw cells into a scratch table, no validation
   — the floor the real path is compared with;
3. django-import-export 4.4 in bulk mode (``use_bulk``), its Resource defined here, not in the app.

The database is migrated, a bench township (code 371422990) with 50 branches is created, and its
members are deleted (and the table vacuumed) before each timed run; nothing else is touched.
Every run uses the same file. BENCH_FAST_REPEAT runs (default 5) of the portal's paths and the
bare pipeline, BENCH_REPEAT runs (default 3) of django-import-export; medians, ratios and pass/fail
go to docs/bench-import.json, the marked block of docs/performance.md, and stdout.

With BENCH_BASELINE=<git commit>, the real import of that commit is timed too, in the same run:
the commit is checked out into a temporary ``git worktree`` (outside the repository, removed
afterwards), a subprocess of this script imports that tree's code (``--baseline-child``) and runs
its ``member_import_file`` on the same file and database, each baseline run interleaved with the
current tree's (the order alternating), so that a busy machine slows both alike; the current
real import must stay within 1.5x of the baseline's.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A baseline child (see serve_baseline) runs this script on the code of another tree.
CHILD = sys.argv[1:2] == ["--baseline-child"]
sys.path.insert(0, sys.argv[2] if CHILD else str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ningjin_training.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from import_export import fields, resources, widgets  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from trainees.models import Branch, District, Member, Township  # noqa: E402
from trainees.services import member_import_file  # noqa: E402
from trainees.validators import id_number_check_char  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "20000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))  # django-import-export: about 40 s a run
# The portal's paths and the bare pipeline take about a second: more runs, a steadier median.
FAST_REPEAT = int(os.environ.get("BENCH_FAST_REPEAT", "5"))
BASELINE = os.environ.get("BENCH_BASELINE", "")  # a git commit whose real import is timed beside this tree's
BASELINE_GOAL = 1.5  # the current real import takes at most this many times the baseline's
BRANCHES = 50
HEADERS = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "公民身份号码",
    "学历",
    "入党时间",
    "转正时间",
    "所在党支部",
    "联系电话",
]


def bench_township() -> Township:
    district, _ = District.objects.get_or_create(name="基准测试片区")
    township, _ = Township.objects.get_or_create(
        code="371422990",
        defaults={"name": "基准测试镇", "district": district, "party_school": "基准测试镇党校"},
    )
    for n in range(BRANCHES):
        Branch.objects.get_or_create(
            township=township, name=f"基准{n:02d}村党支部", defaults={"domain": "rural"}
        )
    return township


def write_roster(path: Path) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员名册")
    sheet.append(["宁津县基准测试镇党员花名册（虚构数据）"])
    sheet.append(HEADERS)
    for n in range(ROWS):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n % 18000)
        first17 = f"371499{birth:%Y%m%d}{n // 18000:02d}{1 + 2 * (n % 5)}"  # odd 17th digit: male
        sheet.append(
            [
                n + 1,
                f"基准党员{n}",
                "男",
                "汉族",
                birth,
                first17 + id_number_check_char(first17),
                "大学本科",
                f"{birth.year + 25}-07-01",
                f"{birth.year + 26}/7/1",
                f"基准{n % BRANCHES:02d}村党支部",
                f"139{n:08d}",
            ]
        )
    workbook.save(path)


def clear(township: Township) -> None:
    """Delete the bench township's members and vacuum, so every timed run starts from the same table.

    Without the VACUUM each run would insert behind the previous run's 20,000 dead rows (same ID
    hashes in the unique index), which the scratch table of the bare pipeline never has. The bench
    members have no enrolments or other rows pointing at them: a plain DELETE is enough, and it
    skips the ORM's per-object collection (seconds for 20,000 rows, none of it timed anyway).
    """
    members = Member.objects.filter(branch__township=township)
    Member.groups.through.objects.filter(member__in=members)._raw_delete(connection.alias)
    members._raw_delete(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Member._meta.db_table}")


def _server_cpu_seconds() -> float | None:
    """CPU time used so far by this connection's PostgreSQL backend, when the server is local (Linux)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPU: dict[str, list[float]] = {}


def timed(fn, name: str | None = None) -> float:
    """Wall-clock seconds of fn(); with a name, also its CPU seconds (this process + its PostgreSQL
    backend) in CPU[name] — steadier than wall-clock on a shared machine, reported alongside."""
    server = _server_cpu_seconds()
    cpu = time.process_time()
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    after = _server_cpu_seconds()
    if name is not None:
        CPU.setdefault(name, []).append(
            cpu + (after - server if server is not None and after is not None else 0)
        )
    return elapsed


def real_import(path: Path) -> None:
    plan, batch = member_import_file(user=None, path=path)
    assert plan.created == ROWS and batch is not None, plan.counts()


def real_reimport(path: Path) -> None:
    plan, _ = member_import_file(user=None, path=path)
    assert plan.unchanged == ROWS, plan.counts()


def bare_pipeline(path: Path) -> None:
    """calamine read + COPY of the raw cells into a scratch table: no validation, no upsert."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)[2:]
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(str(v) for v in row) + "\n")
    buffer.seek(0)
    with transaction.atomic(), connection.cursor() as cursor:
        columns = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
        cursor.execute(f"CREATE TEMP TABLE bench_scratch ({columns}) ON COMMIT DROP")
        cursor.cursor.copy_expert("COPY bench_scratch FROM STDIN", buffer)


class MemberResource(resources.ModelResource):
    """django-import-export's way: one Resource, Chinese column names, bulk mode."""

    name = fields.Field(attribute="name", column_name="姓名")
    gender = fields.Field(attribute="gender", column_name="性别")
    ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget())
    id_number = fields.Field(attribute="id_number", column_name="公民身份号码")
    education = fields.Field(attribute="education", column_name="学历")
    join_date = fields.Field(
        attribute="join_date", column_name="入党时间", widget=widgets.DateWidget("%Y-%m-%d")
    )
    full_date = fields.Field(
        attribute="full_date", column_name="转正时间", widget=widgets.DateWidget("%Y/%m/%d")
    )
    branch = fields.Field(
        attribute="branch", column_name="所在党支部", widget=widgets.ForeignKeyWidget(Branch, field="name")
    )
    phone = fields.Field(attribute="phone", column_name="联系电话")

    class Meta:
        model = Member
        fields = (
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "id_number",
            "education",
            "join_date",
            "full_date",
            "branch",
            "phone",
        )
        import_id_fields = ("id_number",)
        use_bulk = True
        batch_size = 1000
        skip_diff = True

    def before_import_row(self, row, **kwargs):
        row["性别"] = {"男": "M", "女": "F"}.get(row["性别"], row["性别"])
        row["学历"] = {"大学本科": "bachelor"}.get(row["学历"], row["学历"])


def import_export_bulk(path: Path) -> None:
    import tablib

    with open(path, "rb") as file:
        dataset = tablib.Dataset().load(file.read(), format="xlsx", skip_lines=1)  # skip the title row
    result = MemberResource().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    assert result.totals["new"] == ROWS, result.totals


def serve_baseline(path: Path) -> None:
    """The child's side: on each "import" or "reimport" line, time this tree's real path on ``path``
    and answer with one JSON line of wall-clock and CPU seconds (this process + its backend)."""
    for line in sys.stdin:
        name = {"import": "real_import", "reimport": "real_reimport_noop"}[line.strip()]
        fn = real_import if name == "real_import" else real_reimport
        wall = timed(lambda: fn(path), name)  # noqa: B023 — called at once
        print(json.dumps({"seconds": wall, "cpu_seconds": CPU[name][-1]}), flush=True)


class Baseline:
    """The real import of another commit, checked out into a temporary git worktree, run by a child."""

    def __init__(self, commit: str, path: Path, media_root: Path):
        self.commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", commit],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        self.tree = Path(tempfile.mkdtemp(prefix="ningjin-bench-baseline-")) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(self.tree), self.commit],
            check=True,
            capture_output=True,
        )
        env = {**os.environ, "BENCH_ROWS": str(ROWS), "BENCH_MEDIA_ROOT": str(media_root)}
        self.child = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--baseline-child", str(self.tree), str(path)],
            cwd=self.tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, what: str) -> tuple[float, float]:
        self.child.stdin.write(what + "\n")
        self.child.stdin.flush()
        answer = self.child.stdout.readline()
        if not answer:
            raise RuntimeError(f"the baseline child ({self.commit}) stopped")
        found = json.loads(answer)
        return found["seconds"], found["cpu_seconds"]

    def close(self) -> None:
        if self.child.poll() is None:
            self.child.stdin.close()
            self.child.wait(timeout=60)
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(self.tree)], capture_output=True
        )
        shutil.rmtree(self.tree.parent, ignore_errors=True)


def main() -> None:
    assert connection.vendor == "postgresql", "run against PostgreSQL: DATABASE_URL=postgres://…"
    call_command("migrate", verbosity=0)
    township = bench_township()
    with tempfile.TemporaryDirectory() as tmp:
        settings.MEDIA_ROOT = Path(tmp) / "media"
        path = Path(tmp) / f"roster-{ROWS}.xlsx"
        write_roster(path)
        runs: dict[str, list[float]] = {
            "real_import": [],
            "real_reimport_noop": [],
            "bare_read_copy": [],
            "import_export_bulk": [],
        }
        baseline = Baseline(BASELINE, path, settings.MEDIA_ROOT) if BASELINE else None
        if baseline:
            runs["baseline_real_import"], runs["baseline_real_reimport_noop"] = [], []

        def current() -> None:
            clear(township)
            runs["real_import"].append(timed(lambda: real_import(path), "real_import"))
            runs["real_reimport_noop"].append(timed(lambda: real_reimport(path), "real_reimport_noop"))

        def before() -> None:
            clear(township)
            for what, name in (
                ("import", "baseline_real_import"),
                ("reimport", "baseline_real_reimport_noop"),
            ):
                seconds, cpu = baseline.run(what)
                runs[name].append(seconds)
                CPU.setdefault(name, []).append(cpu)

        try:
            for n in range(max(REPEAT, FAST_REPEAT)):
                if n < FAST_REPEAT:
                    # Interleaved, the order alternating: neither tree always runs first.
                    for step in (current, before) if n % 2 == 0 else (before, current):
                        if step is current or baseline:
                            step()
                    runs["bare_read_copy"].append(timed(lambda: bare_pipeline(path), "bare_read_copy"))
                if n < REPEAT:
                    clear(township)
                    runs["import_export_bulk"].append(
                        timed(lambda: import_export_bulk(path), "import_export_bulk")
                    )
        finally:
            if baseline:
                baseline.close()
        clear(township)
        file_size = path.stat().st_size
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    median = {name: round(statistics.median(times), 3) for name, times in runs.items()}
    median_cpu = {name: round(statistics.median(times), 3) for name, times in CPU.items()}
    within = round(median["real_import"] / median["bare_read_copy"], 2)
    faster = round(median["import_export_bulk"] / median["real_import"], 2)
    result = {
        "rows": ROWS,
        "repeat": {name: len(times) for name, times in runs.items()},
        "file_bytes": file_size,
        "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "postgresql": server,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "seconds": {name: [round(t, 3) for t in times] for name, times in runs.items()},
        "median_seconds": median,
        "ratios": {
            "real_import_over_bare_read_copy": within,
            "import_export_bulk_over_real_import": faster,
        },
        "goals": {
            "real_import_within_2x_of_bare_read_copy": {"measured": within, "pass": within <= 2},
            "real_import_20x_faster_than_import_export_bulk": {"measured": faster, "pass": faster >= 20},
        },
        "baseline": None,
        # CPU seconds (this process + its PostgreSQL backend, where /proc shows it), median of the
        # same runs: not the goals' measure, but less disturbed by other work on a shared machine.
        "median_cpu_seconds": median_cpu,
        "cpu_ratios": {
            "real_import_over_bare_read_copy": round(
                median_cpu["real_import"] / median_cpu["bare_read_copy"], 2
            ),
            "import_export_bulk_over_real_import": round(
                median_cpu["import_export_bulk"] / median_cpu["real_import"], 2
            ),
        },
    }
    if baseline:
        ratio = round(median["real_import"] / median["baseline_real_import"], 2)
        cpu_ratio = round(median_cpu["real_import"] / median_cpu["baseline_real_import"], 2)
        result["baseline"] = {"commit": baseline.commit, "real_import_over_baseline": ratio}
        result["ratios"]["real_import_over_baseline_real_import"] = ratio
        result["cpu_ratios"]["real_import_over_baseline_real_import"] = cpu_ratio
        result["goals"][f"real_import_within_{BASELINE_GOAL}x_of_baseline"] = {
            "measured": ratio,
            "pass": ratio <= BASELINE_GOAL,
        }
    out = ROOT / "docs" / "bench-import.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    write_markdown(result)


def write_markdown(result: dict) -> None:
    """The measured block of docs/performance.md (the prose around it explains the paths)."""
    from benchmarks.load import replace_block

    median, ratios, cpu = result["median_seconds"], result["ratios"], result["median_cpu_seconds"]
    within = ratios["real_import_over_bare_read_copy"]
    faster = ratios["import_export_bulk_over_real_import"]
    cpu_ratios = result["cpu_ratios"]
    rows = [
        f"Measured {result['measured_at']}: {result['rows']} rows, the same file for every run, "
        f"PostgreSQL {result['postgresql']}, {result['cpu_count']} CPUs.",
        "",
        "| path | runs (s) | median (s) | median CPU (s) |",
        "|---|---|---|---|",
    ]
    for name, times in result["seconds"].items():
        rows.append(
            f"| `{name}` | {', '.join(f'{t:.2f}' for t in times)} | {median[name]:.2f} | {cpu[name]:.2f} |"
        )
    rows += [
        "",
        "| goal | measured | result |",
        "|---|---|---|",
        f"| real import within 2× of the bare read + COPY | {within:.1f}× | {'pass' if within <= 2 else 'FAIL'} |",
        f"| at least 20× faster than django-import-export bulk | {faster:.1f}× | {'pass' if faster >= 20 else 'FAIL'} |",
    ]
    if result["baseline"]:
        ratio = ratios["real_import_over_baseline_real_import"]
        rows.append(
            f"| real import within {BASELINE_GOAL}× of the baseline's (`{result['baseline']['commit']}`, same run, "
            f"interleaved) | {ratio:.2f}× | {'pass' if ratio <= BASELINE_GOAL else 'FAIL'} |"
        )
    rows += [
        "| a no-change re-import writes 0 rows, no audit rows | tested (`test_the_same_file_twice_changes_nothing`, `test_an_import_leaves_one_row_per_action_listing_the_members_and_a_rerun_none`) | pass |",
        "| queries ≤ 20 + 3 × ceil(rows / 1000) | tested (`test_import_queries_do_not_grow_per_row`) | pass |",
        "",
        f"In CPU time (this process + its PostgreSQL backend) the first two ratios are "
        f"{cpu_ratios['real_import_over_bare_read_copy']:.1f}× and "
        f"{cpu_ratios['import_export_bulk_over_real_import']:.1f}×"
        + (
            f", and the real import over the baseline's {cpu_ratios['real_import_over_baseline_real_import']:.2f}×"
            if result["baseline"]
            else ""
        )
        + "; the goals are judged on wall-clock time.",
    ]
    replace_block("import", "\n".join(rows))


if __name__ == "__main__":
    if CHILD:
        settings.MEDIA_ROOT = Path(os.environ["BENCH_MEDIA_ROOT"])
        serve_baseline(Path(sys.argv[3]))
    else:
        main()
