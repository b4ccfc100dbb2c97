"""A Docker-free stand-in for SAM CLI's container runtime: one warm worker process per function.

SAM's `LocalLambdaRunner` resolves the function (CodeUri, layers, environment from the template and
env.json) and hands a `FunctionConfig` to `local_runtime.invoke(...)`; SAM's own implementation starts a
Lambda container there. This one runs `worker.py` with the Runtime's interpreter instead. Everything
before this seam, routing and event construction included, is SAM's own code.

Like a Lambda execution environment, a worker serves one invocation at a time, stays warm between them,
is killed when it exceeds the function's Timeout, and is replaced (a cold start) on the next request. It
is also replaced when a source file under its code or layer folders changes, so edits apply without a
restart. A change is a different set of files or different bytes in one (`SourceFingerprint`), never a
later timestamp: a file system's timestamps may be too coarse to tell an edit from the start before it.
"""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.devserver.children import spawn, stop

WORKER_SCRIPT = Path(__file__).with_name("worker.py")


class HandlerImportError(RuntimeError):
    """The function's handler failed to import: its module raised, or the handler does not exist."""


@dataclass(frozen=True)
class SourceFingerprint:
    """The `*.py` files under some folders, each with its (mtime_ns, size) and a hash of its bytes."""

    files: dict[Path, tuple[int, int, bytes]]

    @classmethod
    def of(cls, folders: list[str]) -> SourceFingerprint:
        files = {}
        for folder in folders:
            for path in sorted(Path(folder).rglob("*.py")):
                stat = path.stat()
                files[path] = (stat.st_mtime_ns, stat.st_size, _digest(path))
        return cls(files)

    def changed(self, folders: list[str]) -> Path | None:
        """A file added, removed or edited since this fingerprint was taken, or None.

        Equal timestamps and sizes prove nothing (an edit within one timestamp tick keeps both), so the
        bytes are hashed every time; different ones settle it without hashing.
        """
        now = {path for folder in folders for path in Path(folder).rglob("*.py")}
        added_or_removed = now.symmetric_difference(self.files)
        if added_or_removed:
            return min(added_or_removed)
        for path, (mtime_ns, size, digest) in self.files.items():
            try:
                stat = path.stat()
                if (stat.st_mtime_ns, stat.st_size) != (mtime_ns, size) or _digest(path) != digest:
                    return path
            except FileNotFoundError:  # removed since the listing above
                return path
        return None


def _digest(path: Path) -> bytes:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).digest()


@dataclass
class Worker:
    process: subprocess.Popen[str]
    sources: SourceFingerprint
    lock: threading.Lock = field(default_factory=threading.Lock)


def interpreter_for(runtime: str) -> str:
    """The real path of the Runtime's interpreter (python3.13), resolved once: pyenv shims are slow."""
    name = runtime  # "python3.13" is both the Runtime and the interpreter's name
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not on PATH; the functions' Runtime needs it (see README)")
    probe = [found, "-c", "import sys; print(sys.executable)"]
    return subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603


class WorkerRuntime:
    """Implements the part of `samcli.local.lambdafn.runtime.LambdaRuntime` that LocalLambdaRunner calls."""

    def __init__(
        self,
        *,
        base_dir: Path,
        extra_paths: list[str],
        env_overrides: dict[str, str],
        record_dir: Path | None = None,
        log=print,
    ) -> None:
        # base_dir: the template's folder (CodeUri and ContentUri are relative to it).
        # extra_paths: the layer's installed third-party packages and the Lambda-provided boto3.
        self.base_dir = base_dir
        self.extra_paths = extra_paths
        self.env_overrides = env_overrides
        # With record_dir, each invocation's event and result are written there (the seam tests read them).
        self.record_dir = record_dir
        self.log = log
        self._workers: dict[str, Worker] = {}
        self._guard = threading.Lock()
        self._interpreters: dict[str, str] = {}

    # -- the seam SAM calls ----------------------------------------------------------------------------
    def invoke(self, function_config: Any, event: str, tenant_id: Any = None, **kwargs: Any) -> None:
        stdout = kwargs.get("stdout")
        parsed = json.loads(event)
        context = parsed.get("requestContext") if isinstance(parsed, dict) else None
        if isinstance(context, dict) and "requestId" in context:
            # SAM CLI 1.170 computes its default requestId once per process (a default argument), so every
            # local event would share it; API Gateway gives each request its own.
            context["requestId"] = str(uuid.uuid4())
        reply = self.invoke_json(function_config, parsed)
        if self.record_dir is not None:
            record = {"function": function_config.name, "event": parsed, "result": reply}
            (self.record_dir / f"{time.time_ns()}.json").write_text(json.dumps(record))
        # For a function error or timeout, API Gateway answers 502; SAM's emulator answers 500 to an error
        # object but 502 to no output (as after its own container timeouts), so errors are not passed on.
        if stdout is not None and not _is_function_error(reply):
            stdout.write_str(json.dumps(reply))
            stdout.flush()

    # -- helpers -----------------------------------------------------------------------------------------
    def invoke_json(self, config: Any, event: Any) -> Any:
        """Invoke and return what Lambda would: the handler's result, or an error object."""
        while True:
            worker = self._worker(config)
            with worker.lock:  # one invocation at a time per execution environment
                if worker.process.poll() is None and not self._stale(config, worker):
                    return self._roundtrip(config, worker, event)
            self._stop(config.name, worker)

    def start(self, config: Any) -> None:
        """Start (cold-start) a function's worker now; raises HandlerImportError if it cannot import."""
        self._worker(config)

    def stop_all(self) -> None:
        for name, worker in list(self._workers.items()):
            self._stop(name, worker)

    def _roundtrip(self, config: Any, worker: Worker, event: Any) -> Any:
        request_id = str(uuid.uuid4())
        deadline = time.time() + config.timeout
        message = {"event": event, "request_id": request_id, "deadline_ms": int(deadline * 1000)}
        assert worker.process.stdin is not None
        worker.process.stdin.write(json.dumps(message) + "\n")
        worker.process.stdin.flush()
        line = _readline(worker.process, timeout=config.timeout)
        if line is None:
            self.log(f"{config.name}: timed out after {config.timeout} s; its worker is replaced")
            self._stop(config.name, worker)
            return {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"Task timed out after {config.timeout} seconds",
            }
        reply = json.loads(line)
        return reply["error"] if "error" in reply else reply["response"]

    def _worker(self, config: Any) -> Worker:
        with self._guard:
            worker = self._workers.get(config.name)
            if worker is None or worker.process.poll() is not None:
                worker = self._workers[config.name] = self._spawn(config)
            return worker

    def _spawn(self, config: Any) -> Worker:
        # Taken before the worker imports anything: an edit made while it starts is seen next time.
        sources = SourceFingerprint.of(self._source_folders(config))
        python = self._interpreters.get(config.runtime) or interpreter_for(config.runtime)
        self._interpreters[config.runtime] = python
        paths = [*self._source_folders(config), "--", *self.extra_paths]
        env = {
            "PATH": os.environ.get("PATH", ""),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            **config.env_vars.resolve(),
            **self.env_overrides,
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(config.timeout),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        argv = [python, "-I", "-S", str(WORKER_SCRIPT), f"{config.handler}", *paths]
        process = spawn(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=sys.stderr,
            text=True,
            env=env,
            cwd=config.code_abs_path,
        )
        ready = _readline(process, timeout=max(30, config.timeout))
        reply = json.loads(ready) if ready else {"error": {"errorMessage": "the worker did not start"}}
        if "error" in reply:
            process.kill()
            process.wait()
            raise HandlerImportError(
                f"{config.name}: {config.handler} failed to import: {reply['error']['errorMessage']}"
            )
        return Worker(process=process, sources=sources)

    def _layer_paths(self, config: Any) -> list[str]:
        # Layers built with BuildMethod hold their package directly in ContentUri (it lands under python/
        # after `sam build`), so the source folder is the equivalent of /opt/python.
        return [
            str((self.base_dir / layer.codeuri).resolve()) for layer in config.layers or [] if layer.codeuri
        ]

    def _source_folders(self, config: Any) -> list[str]:
        return [config.code_abs_path, *self._layer_paths(config)]

    def _stale(self, config: Any, worker: Worker) -> bool:
        changed = worker.sources.changed(self._source_folders(config))
        if changed is not None:
            self.log(f"{config.name}: {changed.name} changed; reloading")
        return changed is not None

    def _stop(self, name: str, worker: Worker) -> None:
        with self._guard:
            if self._workers.get(name) is worker:
                del self._workers[name]
        stop(worker.process, grace=0)


def _is_function_error(reply: Any) -> bool:
    return isinstance(reply, dict) and set(reply) == {"errorType", "errorMessage"}


def _readline(process: subprocess.Popen[str], timeout: float) -> str | None:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return None
    line = process.stdout.readline()
    return line or None
