"""make bench (load part): req/s and latency of the key pages under gunicorn on the county dataset.

Runs on PostgreSQL (BENCH_DATABASE_URL, default a `ningjin_bench` database on
127.0.0.1), seeds `seed_demo --scale county` once, starts gunicorn with
DEBUG=False and 2 workers, logs in users spread over the townships, and drives
each page with wrk (8 connections) next to `/healthz` as the baseline of the
same run. Results go to docs/bench.json and the marked block of
docs/performance.md — the numbers there come from this script, never by hand.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PORT = int(os.environ.get("BENCH_PORT", "8089"))
DURATION = int(os.environ.get("BENCH_SECONDS", "15"))
CONNECTIONS = 8
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ningjin_bench")
# As in production (docs/deploy.md): one Redis cache shared by every gunicorn worker.
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/3")
SECRET_KEY = "bench-only-secret-key-" + "x" * 40


@dataclass
class Page:
    key: str
    label: str
    role: str | None
    min_ratio: float | None = None
    max_p99_ms: float | None = None
    targets: list[tuple[str, str]] = field(default_factory=list)  # (path, cookie)


def _lua(targets: list[tuple[str, str]]) -> str:
    rows = ",\n".join(
        "{" + json.dumps(path) + ", " + json.dumps(f"sessionid={cookie}" if cookie else "") + "}"
        for path, cookie in targets
    )
    return (
        "local targets = {\n" + rows + "\n}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #targets + 1\n"
        "  local t = targets[i]\n"
        "  local headers = {}\n"
        "  if t[2] ~= '' then headers['Cookie'] = t[2] end\n"
        "  return wrk.format('GET', t[1], headers)\n"
        "end\n"
        "done = function(summary, latency, requests)\n"
        "  local e = summary.errors\n"
        '  io.write(string.format(\'BENCH {"requests": %d, "duration_us": %d, "errors": %d, '
        '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\\n\', summary.requests, summary.duration, '
        "e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50) / 1000, "
        "latency:percentile(95) / 1000, latency:percentile(99) / 1000))\n"
        "end\n"
    )


def run_wrk(page: Page) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(page.targets))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{DURATION}s",
            "--timeout",
            "5s",
            "-s",
            script.name,
            f"http://127.0.0.1:{PORT}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    result = json.loads(line[len("BENCH ") :])
    result["rps"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    return result


def django_setup(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database() -> None:
    name = DATABASE_URL.rsplit("/", 1)[1]
    base = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(
        ["psql", base, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["psql", base, "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    ensure_database()
    env = {
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "ningjin_training.settings",
        "DEBUG": "False",
        "SECRET_KEY": SECRET_KEY,
        # DEBUG=False refuses to start without them (settings.py); bench-only keys.
        "ID_NUMBER_KEY": "YmVuY2gtb25seS1pZC1udW1iZXIta2V5LTMyYnl0ZXM=",
        "ID_NUMBER_HASH_KEY": "YmVuY2gtb25seS1pZC1oYXNoLWtleS0zMi1ieXRlcyE=",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CONN_MAX_AGE": "600",
        "CACHE_URL": CACHE_URL,
    }
    django_setup(env)
    from django.core.management import call_command

    from benchmarks.targets import build_pages
    from trainees.models import Member

    call_command("migrate", verbosity=0)
    if Member.objects.count() < 20000:
        started = time.monotonic()
        call_command("seed_demo", scale="county")
        print(f"county seed: {time.monotonic() - started:.0f} s")
        from django.db import connection

        with connection.cursor() as cursor:  # fresh planner statistics after the bulk load
            cursor.execute("ANALYZE")
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.core.cache import cache

    cache.clear()  # no figure kept from an earlier run: the warm-up below computes them afresh
    pages = build_pages()

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ningjin_training.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        for page in pages:  # every target must really answer 200 before it is measured
            for path, cookie in page.targets[:3]:
                request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}")
                if cookie:
                    request.add_header("Cookie", f"sessionid={cookie}")
                status = urllib.request.urlopen(request, timeout=30).status
                assert status == 200, f"{page.key} {path} answered {status}"
        results = {}
        for page in pages:
            results[page.key] = run_wrk(page)
            print(f"{page.key:<20} {results[page.key]}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    write_results(pages, results)
    return 0


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    mem_kb = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def write_results(pages: list[Page], results: dict) -> None:
    baseline = results["healthz"]["rps"]
    rows = []
    for page in pages:
        r = results[page.key]
        ratio = r["rps"] / baseline if baseline else 0
        checks = [r["errors"] == 0]
        if page.min_ratio is not None:
            checks.append(ratio >= page.min_ratio)
        if page.max_p99_ms is not None:
            checks.append(r["p99_ms"] <= page.max_p99_ms)
        rows.append({**asdict(page), **r, "ratio": round(ratio, 3), "passed": all(checks)})
        rows[-1].pop("targets")
    data = {"machine": machine(), "connections": CONNECTIONS, "seconds": DURATION, "pages": rows}
    bench = DOCS / "bench.json"
    existing = json.loads(bench.read_text()) if bench.exists() else {}
    existing["load"] = data
    bench.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n")
    lines = [
        f"Measured {data['machine']['date']} on {data['machine']['cpus']} cores ({data['machine']['cpu']}), "
        f"{data['machine']['memory_gib']} GiB; gunicorn 2 workers, DEBUG=False, PostgreSQL, "
        f"wrk {CONNECTIONS} connections × {DURATION} s per page, logged-in sessions spread over the townships.",
        "",
        "| page | role | req/s | ratio to /healthz | p50 ms | p95 ms | p99 ms | errors | goal | result |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        goal = []
        if row["min_ratio"] is not None:
            goal.append(f"≥ {row['min_ratio']:.2f}×")
        if row["max_p99_ms"] is not None:
            goal.append(f"p99 ≤ {row['max_p99_ms']:.0f} ms")
        goal.append("0 errors")
        lines.append(
            f"| {row['label']} | {row['role'] or '—'} | {row['rps']} | {row['ratio']:.3f} | {row['p50_ms']:.1f} | "
            f"{row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['errors']} | {', '.join(goal)} | "
            f"{'pass' if row['passed'] else 'FAIL'} |"
        )
    replace_block("load", "\n".join(lines))


def replace_block(name: str, body: str) -> None:
    doc = DOCS / "performance.md"
    text = doc.read_text() if doc.exists() else "# Performance\n"
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{body}\n{end}"
    if start in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text += f"\n{block}\n"
    doc.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
