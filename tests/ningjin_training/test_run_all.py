"""`make run` (scripts/run_all.py): a taken port is an error; stopping it stops the worker cleanly."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "run_all.py"


def test_it_exits_non_zero_when_its_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = subprocess.run(
            [sys.executable, str(SCRIPT), "--port", str(port)], capture_output=True, text=True, timeout=120
        )

    assert result.returncode != 0
    assert f"端口 {port} 已被占用" in result.stderr


def test_stopping_it_stops_the_worker_without_sigterm_errors(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "ningjin_training.settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    log = tmp_path / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen(
            [sys.executable, str(SCRIPT), "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=out
        )
        deadline = time.monotonic() + 120
        while "ready." not in log.read_text() and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.5)
        assert "ready." in log.read_text(), log.read_text()[-3000:]
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=60) == 0
    text = log.read_text()
    assert "Warm shutdown" in text
    assert "SIGTERM" not in text and "WorkerLostError" not in text, text[-3000:]
