"""Start the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()
    if not port_is_free(int(args.port)):
        print(
            f"端口 {args.port} 已被占用：请先停止占用它的程序，或换一个端口（make run PORT=8001）。",
            file=sys.stderr,
        )
        return 1
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "ningjin_training"]
    commands = {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{args.port}", "--noreload"],
        "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
        "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(ROOT / "var" / "celerybeat")],
    }
    children = {
        name: subprocess.Popen(cmd, cwd=ROOT, start_new_session=True) for name, cmd in commands.items()
    }
    print(f"\n宁津县月训工程平台：http://127.0.0.1:{args.port}/  （按 Ctrl-C 同时停止网站、worker 和 beat）")
    print("演示账号：county / township1 / township2 / instructor / trainee，密码见上方输出。\n", flush=True)

    def stop():
        for name, proc in children.items():
            if proc.poll() is None:
                if name == "worker":
                    # Only the worker's main process: its warm shutdown stops the pool children.
                    # A SIGTERM to the whole group makes each child log a SIGTERM error.
                    proc.send_signal(signal.SIGTERM)
                else:
                    os.killpg(proc.pid, signal.SIGTERM)

    def interrupt(*_):
        raise KeyboardInterrupt

    # Installed explicitly: a background launch may inherit SIGINT as ignored.
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    failed = []
    try:
        while all(proc.poll() is None for proc in children.values()):
            time.sleep(0.5)
        failed = [name for name, proc in children.items() if proc.poll() is not None]
        print(f"进程已退出：{', '.join(failed)}；正在停止其余进程。", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in children.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    # A process that stopped on its own (the web server could not start, say) is a failure.
    return 1 if failed else 0


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


if __name__ == "__main__":
    sys.exit(main())
