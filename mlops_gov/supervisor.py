"""Run the web server, a Celery worker and the beat scheduler together (the embedded default of `make run`).

Each child runs in its own process group; Ctrl-C (or SIGTERM) stops all of them and waits, then kills what is
left, so no process outlives the command. If one child exits, the others are stopped too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

HOST_PORT = os.environ.get("MLOPS_GOV_BIND", "127.0.0.1:8000")


def _commands(python: str) -> dict[str, list[str]]:
    celery = [python, "-m", "celery", "-A", "mlops_gov"]
    return {
        "web": [python, "manage.py", "runserver", HOST_PORT, "--noreload"],
        "worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=2", "-n", "embedded@%h"],
        "beat": [*celery, "beat", "--loglevel=INFO"],
    }


def main() -> int:
    python = sys.executable
    children: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for name, command in _commands(python).items():
        children[name] = subprocess.Popen(command, start_new_session=True)
        print(f"[supervisor] started {name} (pid {children[name].pid})", flush=True)
    print(f"[supervisor] mlops-gov on http://{HOST_PORT}/ - Ctrl-C stops everything", flush=True)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"[supervisor] {name} exited with {child.returncode}; stopping the others", flush=True)
                exit_code = child.returncode or 1
                stopping = True
                break
        time.sleep(0.5)
    _terminate(children)
    return exit_code


def _terminate(children: dict[str, subprocess.Popen[bytes]], grace: float = 10.0) -> None:
    for child in children.values():
        # SIGTERM to the main process only: Celery then shuts its pool down warmly; stragglers are killed below.
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children.values():
        remaining = max(0.1, deadline - time.monotonic())
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=remaining)
        _signal_group(child, signal.SIGKILL)  # whatever is left in the group (e.g. pool children)
    print("[supervisor] all processes stopped", flush=True)


def _signal_group(child: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, sig)


if __name__ == "__main__":
    sys.exit(main())
