"""The smoke suite's settings and its one fixture that writes: records it can recognise, always deleted.

Run it with `make smoke API_URL=...` or `make smoke STACK=...` (tools/smoke.py resolves the URL and the
stack's settings, checks that the URL answers, then runs pytest here). Inside `make test` this folder is
not collected: tests/delivery runs it through `make smoke` against `make dev`.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from smoke.client import Api, Reply

# Every record the suite writes carries both: a name it can search for, and a description no one else
# writes. Only a record with both is ever deleted by the suite.
NAME_PREFIX = "smoke-test"
DESCRIPTION = "written by tests/smoke, which deletes it; safe to delete"
_OWN_NAME = re.compile(rf"^{NAME_PREFIX} [0-9a-f]{{12}} ")
# A run that died before its clean-up left records behind; the next run deletes those older than this
# (younger ones may belong to a run in progress on the same stack).
LEFTOVER_AGE = timedelta(minutes=15)
# Never reflected nor listed anywhere: the '.invalid' top-level domain cannot be registered (RFC 6761).
REFUSED_ORIGIN = "https://smoke-refused.invalid"
REFLECTED_ORIGIN = "https://smoke.invalid"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smoke", "smoke suite (tools/smoke.py passes these)")
    group.addoption("--api-url", help="base URL of the API, e.g. the stack's ApiBaseUrl output")
    group.addoption(
        "--allowed-origins",
        help="the API's AllowedOrigins, comma-separated; not given: dev reflection (any origin allowed)",
    )
    group.addoption("--admin-origins", help="the API's AdminOrigins (the admin CORS tier), comma-separated")
    group.addoption("--auth", choices=("none", "cognito"), default="none", help="the API's Auth")
    group.addoption("--stage", help="the stage /api/v1/health must report (not checked when not given)")
    group.addoption(
        "--target",
        choices=("deployed", "make-dev"),
        default="deployed",
        help="make-dev: a check that needs API Gateway behaviour make dev lacks is skipped, not failed",
    )


def pytest_ignore_collect(collection_path, config: pytest.Config) -> bool | None:
    # Inside `make test` (no --api-url) the suite is run through `make smoke` instead.
    if config.getoption("--api-url", default=None) is None and collection_path.name.startswith("test_"):
        return True
    return None


@dataclass(frozen=True)
class Smoke:
    """What the suite knows about the API under test."""

    base_url: str
    allowed_origins: tuple[str, ...]  # empty: dev reflection
    admin_origins: tuple[str, ...]  # the admin tier's; empty: dev reflection
    auth: str
    stage: str | None
    target: str
    id_token: str | None = field(repr=False)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def origin(self) -> str:
        """An origin the API allows: the first exact entry of the list, else its first pattern made
        concrete ('*.preview.example.com' -> 'smoke.preview.example.com')."""
        if not self.allowed_origins:
            return REFLECTED_ORIGIN
        exact = [o for o in self.allowed_origins if "*" not in o]
        return exact[0] if exact else self.allowed_origins[0].replace("*.", "smoke.", 1)

    @property
    def refused_origin(self) -> str:
        """An origin the policy refuses: any other origin for an allow-list; in dev reflection, which
        reflects every real origin, the opaque origin 'null' (sandboxed iframes, file: pages)."""
        return REFUSED_ORIGIN if self.allowed_origins else "null"

    @property
    def gateway_credentials(self) -> bool:
        """Whether API Gateway's own errors carry Allow-Credentials (template.yaml, GatewayResponses): when
        every CORS tier reflects (dev, no lists), or when every tier has the same single exact origin;
        never for a list, a pattern, or tiers with origins of their own."""
        app, admin = self.allowed_origins, self.admin_origins
        if not app and not admin:
            return True
        return app == admin and len(app) == 1 and "*" not in app[0]

    @property
    def can_write(self) -> bool:
        return self.auth == "none" or self.id_token is not None

    def write_headers(self) -> dict[str, str]:
        return {"Authorization": self.id_token} if self.id_token else {}

    def name(self, label: str) -> str:
        return f"{NAME_PREFIX} {self.run_id} {label}"


@pytest.fixture(scope="session")
def smoke(pytestconfig: pytest.Config) -> Smoke:
    origins = pytestconfig.getoption("--allowed-origins") or ""
    admin = pytestconfig.getoption("--admin-origins") or ""
    return Smoke(
        base_url=pytestconfig.getoption("--api-url").rstrip("/"),
        allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        admin_origins=tuple(o.strip() for o in admin.split(",") if o.strip()),
        auth=pytestconfig.getoption("--auth"),
        stage=pytestconfig.getoption("--stage"),
        target=pytestconfig.getoption("--target"),
        # An admin's ID token, for writes when Auth=cognito. From the environment only: a command line
        # shows up in process lists and CI logs.
        id_token=os.environ.get("SMOKE_ID_TOKEN") or None,
    )


@pytest.fixture(scope="session")
def api(smoke: Smoke) -> Api:
    return Api(smoke.base_url, {"Origin": smoke.origin})


@pytest.fixture
def needs_writes(smoke: Smoke) -> None:
    if not smoke.can_write:
        pytest.skip(
            "writes need a token (Auth=cognito) and SMOKE_ID_TOKEN is not set: give it an admin's ID token"
        )


class Records:
    """The items this run created. Every id is noted before any check runs on the answer, so a failed
    check still leaves it to the clean-up."""

    def __init__(self, api: Api, smoke: Smoke) -> None:
        self.api, self.smoke = api, smoke
        self.ids: list[str] = []

    def create(self, label: str, *, headers: dict[str, str] | None = None) -> Reply:
        reply = self.api.request(
            "POST",
            "/api/v1/items",
            headers={**self.smoke.write_headers(), **(headers or {})},
            json_body={"name": self.smoke.name(label), "description": DESCRIPTION},
        )
        self.note(reply)
        return reply

    def note(self, reply: Reply) -> None:
        """Remember the item a reply created, if it did (also an unexpected 201 to a refused write)."""
        if reply.status == 201:
            item_id = reply.json().get("id")
            if item_id and item_id not in self.ids:
                self.ids.append(item_id)

    def delete_all(self) -> list[str]:
        """Delete every item of this run (gone already is fine); returns what could not be deleted."""
        left = []
        for item_id in self.ids:
            reply = self.api.request("DELETE", f"/api/v1/items/{item_id}", headers=self.smoke.write_headers())
            if reply.status not in (204, 404):
                left.append(reply.describe())
        return left

    def delete_leftovers(self) -> list[str]:
        """Delete what earlier runs left behind: the suite's marks, older than LEFTOVER_AGE."""
        left = []
        cutoff = datetime.now(UTC) - LEFTOVER_AGE
        listing = self.api.request("GET", f"/api/v1/items?search={NAME_PREFIX}&limit=100")
        if listing.status != 200:
            return [listing.describe()]
        for item in listing.json()["items"]:
            created = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
            if _OWN_NAME.match(item["name"]) and item.get("description") == DESCRIPTION and created < cutoff:
                reply = self.api.request(
                    "DELETE", f"/api/v1/items/{item['id']}", headers=self.smoke.write_headers()
                )
                if reply.status not in (204, 404):
                    left.append(reply.describe())
        return left


@pytest.fixture(scope="session")
def records(api: Api, smoke: Smoke) -> Iterator[Records]:
    created = Records(api, smoke)
    yield created
    # Runs whatever the checks did: a failed assertion in a test does not stop a session fixture's
    # teardown. What cannot be deleted fails the run, naming the records.
    left = created.delete_all()
    if smoke.can_write:
        left += created.delete_leftovers()
    assert not left, "smoke records left behind:\n" + "\n".join(left)
