"""make bench (load part): req/s and latency of the key pages under gunicorn on the county dataset.

Runs on PostgreSQL (BENCH_DATABASE_URL, default a `ningjin_bench` database on
127.0.0.1), seeds `seed_demo --scale county` once, starts gunicorn with
DEBUG=False and 2 workers, logs in users spread over the townships, and drives
each page with wrk (8 connections) next to `/healthz` as the reference of the
same run. Results go to docs/bench.json and the marked block of
docs/performance.md — the numbers there come from this script, never by hand.

Before and after in one run: ``BENCH_BASELINE=<commit>`` checks that commit out
into a temporary git worktree (outside the repository, removed afterwards) and
starts a second gunicorn from it on the next port, against the same database
(its own Redis cache database). Each page is then measured BENCH_ROUNDS times on
both servers, interleaved (baseline, current, current, baseline, …) so that
machine noise hits both alike; the report gains the baseline's rate and the
change, with "no page loses more than 10 %" as pass/fail.
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
from contextlib import contextmanager, nullcontext
from dataclasses import asdict
from pathlib import Path
from statistics import median

from benchmarks.page import Page

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PORT = int(os.environ.get("BENCH_PORT", "8089"))
DURATION = int(os.environ.get("BENCH_SECONDS", "15"))
CONNECTIONS = 8
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ningjin_bench")
# As in production (docs/deploy.md): one Redis cache shared by every gunicorn worker.
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/3")
SECRET_KEY = "bench-only-secret-key-" + "x" * 40
BASELINE = os.environ.get("BENCH_BASELINE", "")
BASELINE_PORT = PORT + 1
BASELINE_CACHE_URL = os.environ.get("BENCH_BASELINE_CACHE_URL", "redis://127.0.0.1:6379/4")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3" if BASELINE else "1"))
WARMUP_SECONDS = 1
MAX_LOSS = 0.10  # no page may lose more than this share of the baseline's rate


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


def run_wrk(page: Page, port: int = PORT, seconds: int = DURATION) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(page.targets))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}",
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


def start_server(cwd: Path, port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ningjin_training.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=cwd,
        env={**os.environ, **env},
        start_new_session=True,
    )


def check_server(port: int, pages: list[Page]) -> None:
    """Wait for the server, then make sure every target really answers 200 before it is measured."""
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    for page in pages:
        for path, cookie in page.targets[:3]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
            if cookie:
                request.add_header("Cookie", f"sessionid={cookie}")
            status = urllib.request.urlopen(request, timeout=30).status
            assert status == 200, f"{page.key} {path} on port {port} answered {status}"


@contextmanager
def baseline_tree(commit: str, env: dict):
    """A checkout of ``commit`` outside the repository, ready to serve; removed afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="ningjin-bench-baseline-"))
    tree = parent / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
        check=True,
        capture_output=True,
    )
    try:
        manage = [sys.executable, "manage.py"]
        run_env = {**os.environ, **env}
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=tree, env=run_env, check=True)
        clear = "from django.core.cache import cache; cache.clear()"
        subprocess.run([*manage, "shell", "-v0", "-c", clear], cwd=tree, env=run_env, check=True)
        yield tree
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        shutil.rmtree(parent, ignore_errors=True)


def combine(runs: list[dict]) -> dict:
    """One figure from several wrk runs: requests over time in total, the median of each percentile."""
    requests, duration = sum(r["requests"] for r in runs), sum(r["duration_us"] for r in runs)
    return {
        "requests": requests,
        "duration_us": duration,
        "errors": sum(r["errors"] for r in runs),
        **{p: round(median(r[p] for r in runs), 2) for p in ("p50_ms", "p95_ms", "p99_ms")},
        "rps": round(requests / (duration / 1e6), 1),
    }


def measure(pages: list[Page], ports: dict[str, int]) -> dict[str, dict[str, dict]]:
    """Each page on each server, rounds interleaved; the order flips every round (ABBA)."""
    results: dict[str, dict[str, dict]] = {name: {} for name in ports}
    for page in pages:
        for port in ports.values():
            run_wrk(page, port, WARMUP_SECONDS)
        runs: dict[str, list[dict]] = {name: [] for name in ports}
        order = list(ports)
        for _ in range(ROUNDS):
            for name in order:
                runs[name].append(run_wrk(page, ports[name]))
            order.reverse()
        for name in ports:
            results[name][page.key] = combine(runs[name])
        print(f"{page.key:<20} " + "  ".join(f"{name} {results[name][page.key]}" for name in ports))
    return results


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

    baseline_env = {**env, "CACHE_URL": BASELINE_CACHE_URL}  # the two versions never share a cached value
    servers: list[subprocess.Popen] = []
    with baseline_tree(BASELINE, baseline_env) if BASELINE else nullcontext() as tree:
        try:
            ports = {}
            if tree is not None:
                servers.append(start_server(tree, BASELINE_PORT, baseline_env))
                ports["baseline"] = BASELINE_PORT
            servers.append(start_server(ROOT, PORT, env))
            ports["current"] = PORT
            for port in ports.values():
                check_server(port, pages)
            results = measure(pages, ports)
        finally:
            for server in servers:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=20)
    write_results(pages, results["current"], results.get("baseline"))
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


def write_results(pages: list[Page], results: dict, baseline: dict | None = None) -> None:
    reference = results["healthz"]["rps"]
    rows = []
    for page in pages:
        r = results[page.key]
        ratio = r["rps"] / reference if reference else 0
        checks = [r["errors"] == 0]
        if page.min_ratio is not None:
            checks.append(ratio >= page.min_ratio)
        if page.max_p99_ms is not None:
            checks.append(r["p99_ms"] <= page.max_p99_ms)
        rows.append({**asdict(page), **r, "ratio": round(ratio, 3), "passed": all(checks)})
        rows[-1].pop("targets")
        if baseline is not None:
            before = baseline[page.key]["rps"]
            change = r["rps"] / before - 1 if before else 0
            rows[-1].update(
                baseline_rps=before,
                baseline_errors=baseline[page.key]["errors"],
                change=round(change, 3),
                change_passed=change >= -MAX_LOSS,
            )
    data = {
        "machine": machine(),
        "connections": CONNECTIONS,
        "seconds": DURATION,
        "rounds": ROUNDS,
        "pages": rows,
    }
    if baseline is not None:
        data["baseline"] = {"commit": BASELINE, "current": current_commit(), "max_loss": MAX_LOSS}
    bench = DOCS / "bench.json"
    existing = json.loads(bench.read_text()) if bench.exists() else {}
    existing["load"] = data
    bench.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n")
    how = (
        f"wrk {CONNECTIONS} connections × {DURATION} s per page"
        + (f" × {ROUNDS} rounds" if ROUNDS > 1 else "")
        + ", logged-in sessions spread over the townships."
    )
    if baseline is not None:
        how += (
            f" Baseline: commit {BASELINE} served by a second gunicorn in the same run, same database;"
            f" the two measured in turn, {ROUNDS} rounds each (current: {data['baseline']['current']})."
        )
    lines = [
        f"Measured {data['machine']['date']} on {data['machine']['cpus']} cores ({data['machine']['cpu']}), "
        f"{data['machine']['memory_gib']} GiB; gunicorn 2 workers, DEBUG=False, PostgreSQL, {how}",
        "",
    ]
    if baseline is not None:
        lines += [
            "| page | role | req/s | baseline req/s | change | ratio to /healthz | p50 ms | p95 ms | p99 ms "
            f"| errors | goal | result | change ≥ −{MAX_LOSS:.0%} |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
    else:
        lines += [
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
        compared = f"{row['baseline_rps']} | {row['change']:+.1%} | " if baseline is not None else ""
        line = (
            f"| {row['label']} | {row['role'] or '—'} | {row['rps']} | {compared}{row['ratio']:.3f} | "
            f"{row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['errors']} | "
            f"{', '.join(goal)} | {'pass' if row['passed'] else 'FAIL'} |"
        )
        if baseline is not None:
            line += f" {'pass' if row['change_passed'] else 'FAIL'} |"
        lines.append(line)
    replace_block("load", "\n".join(lines))


def current_commit() -> str:
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", "HEAD"]).returncode != 0
    return head + (" with uncommitted changes" if dirty else "")


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
