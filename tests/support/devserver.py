"""Run `make dev`'s server as a user would (a subprocess under SAM CLI's own Python) and talk to it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from support.paths import ROOT
from tools.devserver.ports import free_port, port_is_free

SAM_PYTHON = ROOT / ".tools" / "uv-tools" / "aws-sam-cli" / "bin" / "python"
READY_LINE = "Ctrl-C stops everything."


@dataclass
class DevServer:
    process: subprocess.Popen[str]
    port: int
    demo_port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def demo_url(self) -> str:
        return f"http://localhost:{self.demo_port}/?api={self.url}"

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> int:
        """Ctrl-C as a terminal sends it, to the whole foreground process group; returns the exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("make dev did not stop on Ctrl-C within 30 s") from None
        return self.process.returncode


def start_devserver(
    tmp: Path, *args: str, wait: bool = True, timeout: float = 90, project: Path = ROOT
) -> DevServer:
    """Start the server of `project` (this one by default) with its state in `tmp`; with wait, return once
    it printed its banner."""
    assert SAM_PYTHON.exists(), "SAM CLI's tool environment is missing: run the tests through `make test`"
    port, demo_port = free_port(), free_port()
    log_path = tmp / f"devserver-{port}.log"
    argv = [
        str(SAM_PYTHON),
        "-m",
        "tools.devserver",
        "--port",
        str(port),
        "--demo-port",
        str(demo_port),
        "--state-dir",
        str(tmp / "state"),
        *args,
    ]
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PYTHONUNBUFFERED": "1"}
    # The layer's packages and the Lambda boto3 are shared with `make dev` rather than reinstalled per test.
    (tmp / "state").mkdir(exist_ok=True)
    for shared in ("layer-packages", "lambda-runtime"):
        link = tmp / "state" / shared
        if not link.exists():
            link.symlink_to(ROOT / ".local" / shared)
    with log_path.open("w") as log:
        # Its own process group, like a command started from a shell (the group a terminal's Ctrl-C hits).
        process = subprocess.Popen(
            argv, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, process_group=0
        )
    server = DevServer(process, port, demo_port, log_path)
    if wait:
        deadline = time.monotonic() + timeout
        # The banner is printed just before the HTTP server binds its port: wait for both.
        while READY_LINE not in server.log() or port_is_free(port):
            if process.poll() is not None:
                raise AssertionError(f"make dev exited with {process.returncode}:\n{server.log()}")
            if time.monotonic() > deadline:
                server.stop()
                raise AssertionError(f"make dev did not become ready:\n{server.log()}")
            time.sleep(0.1)
    return server


def eventually[T](check: Callable[[], T], timeout: float = 10, interval: float = 0.02) -> T:
    """Poll `check` until it returns something truthy, and return that; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {check}")
        time.sleep(interval)
    return result


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]
    body: str


def request(
    url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None
) -> HttpReply:
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return HttpReply(
                response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
            )
    except urllib.error.HTTPError as error:
        return HttpReply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode())
