"""A real `ramp serve` process on a free port, initialised with `ramp init`, for API tests."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

from ramp.cli import main
from tests.net import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]


def ramp(*args: str, check: bool = True, process: bool = False) -> subprocess.CompletedProcess:
    """`ramp <args>`: its `main` in this process (what the console script runs, without the half
    second an interpreter takes to start), or with `process=True` a process of its own (for what
    only a process has: its stdin, its exit)."""
    if process:
        return subprocess.run([sys.executable, "-m", "ramp.cli", *args], cwd=ROOT, capture_output=True, text=True,
                              check=check)  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's refusals, and commands that exit
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    done = subprocess.CompletedProcess(["ramp", *args], code, out.getvalue(), err.getvalue())
    if check:
        done.check_returncode()
    return done


class Server:
    def __init__(self, db: str, port: int | None = None) -> None:
        self.db = db
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 30) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ramp.cli", "serve", "--db", self.db, "--port", str(self.port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        proc = self.proc
        try:
            wait_http(self.url + "/openapi.json", timeout_s, alive=lambda: proc.poll() is None)
        except RuntimeError as exc:
            detail = proc.stderr.read().decode()[-2000:] if proc.poll() is not None else ""  # type: ignore[union-attr]
            raise RuntimeError(f"{exc}: {detail}") from exc

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
