"""Sign-in in `make dev`: the local user pool (cognito.py) and the authorizer process (authorizer.py).

The authorizer runs in a process of its own with the project's environment (see authorizer.py for why);
this is `make dev`'s side of it: one JSON line per token, one token at a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.devserver.children import spawn, stop
from tools.devserver.cognito import LocalUserPool, PoolTemplate
from tools.devserver.moto_guard import ACCESS_KEY_VARIABLE

AUTHORIZER_SCRIPT = Path(__file__).with_name("authorizer.py")


@dataclass(frozen=True)
class Verdict:
    claims: dict[str, str] | None
    reason: str = ""


class LocalIdentity:
    """The pool in moto, its demo users, and the process that verifies their ID tokens."""

    def __init__(self, python: Path, endpoint: str, access_key_id: str, template: PoolTemplate) -> None:
        self.python = python  # the project venv's interpreter, which has joserfc
        self.template = template
        self.pool = LocalUserPool(endpoint, access_key_id)
        self.process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Create the pool and its users, then start the authorizer (it reads the pool's keys)."""
        self.pool.create(self.template)
        self.pool.seed_users()
        argv = [
            str(self.python),
            "-P",
            str(AUTHORIZER_SCRIPT),
            self.pool.issuer,
            self.pool.client_id,
            self.pool.jwks_url,
        ]
        env = {**os.environ, ACCESS_KEY_VARIABLE: self.pool.access_key_id}
        self.process = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if not ready.strip().startswith('{"ready"'):
            raise RuntimeError("the local authorizer did not start (see its error above)")

    def verify(self, authorization: str | None) -> Verdict:
        """The Authorization header's verdict: API Gateway's claims, or why the request gets a 401."""
        if not authorization:
            return Verdict(None, "no Authorization header")
        assert self.process is not None
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        with self._lock:  # one token at a time over the one pipe
            self.process.stdin.write(json.dumps({"token": authorization}) + "\n")
            self.process.stdin.flush()
            reply: dict[str, Any] = json.loads(self.process.stdout.readline())
        return Verdict(reply.get("claims"), reply.get("rejected", ""))

    def claims_of(self, email: str) -> dict[str, str]:
        """A demo user's claims, through a real sign-in and the authorizer (for seeding through functions)."""
        verdict = self.verify(self.pool.sign_in(email)["IdToken"])
        if verdict.claims is None:
            raise RuntimeError(f"the local authorizer refused {email}'s own token: {verdict.reason}")
        return verdict.claims

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, grace=1)
