"""Fixtures shared by every tier. Layer code is importable through pytest's `pythonpath` setting."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import boto3
import pytest
from hypothesis import settings as hypothesis_settings
from moto import mock_aws
from reliability.report import SUMMARY, add_figures
from support.events import load_event as _load_event
from support.handlers import DEV_ENV, Handler, load_handler
from support.sandbox import SANDBOX_ENV, TABLE_NAME
from support.template import table_properties

# Property tests explore the same examples on every run, so a red CI is reproducible on a laptop.
hypothesis_settings.register_profile("deterministic", derandomize=True, print_blob=True)
hypothesis_settings.load_profile("deterministic")


@pytest.fixture(autouse=True)
def _aws_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach AWS: fake credentials, a fixed region, and no endpoint from the developer's shell."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in SANDBOX_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def load_event() -> Callable[..., dict[str, Any]]:
    """`load_event("health-get-no-origin", method=..., path=..., headers=..., query=..., body=...)`."""
    return _load_event


@cache
def _dynamodb() -> Any:
    """One boto3 resource per test process: building one loads DynamoDB's service model, which took most
    of a handler test's setup. moto answers its calls from whichever mock_aws is active (a fresh one)."""
    return boto3.resource("dynamodb", region_name="us-east-1")


@pytest.fixture
def dynamodb_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto table created from template.yaml's own definition; TABLE_NAME points at it."""
    props = table_properties()
    with mock_aws():
        table = _dynamodb().create_table(
            TableName=TABLE_NAME,
            KeySchema=props["KeySchema"],
            AttributeDefinitions=props["AttributeDefinitions"],
            BillingMode=props["BillingMode"],
            **(
                {"GlobalSecondaryIndexes": props["GlobalSecondaryIndexes"]}
                if "GlobalSecondaryIndexes" in props
                else {}
            ),
        )
        monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
        yield table


@pytest.fixture
def cold_start(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Handler]:
    """`cold_start("health", env=PROD_ENV)`: a fresh handler, imported with that environment (default dev)."""

    def start(function: str, env: dict[str, str] | None = None) -> Handler:
        for name, value in (env if env is not None else DEV_ENV).items():
            monkeypatch.setenv(name, value)
        return load_handler(function)

    return start


@pytest.fixture(scope="session")
def figures(request: pytest.FixtureRequest) -> Any:
    """`figures(section, cases=..., requests=..., lost=...)`: adds to the section's counts for the doc."""
    totals: dict[str, dict[str, int]] = {}

    def add(section: str, **counts: int) -> None:
        entry = totals.setdefault(section, {})
        for name, value in counts.items():
            entry[name] = entry.get(name, 0) + value

    yield add
    if totals:
        # xdist gives its workers one id per run; a run without xdist is one process.
        run_id = getattr(request.config, "workerinput", {}).get("testrunuid") or uuid.uuid4().hex
        add_figures(SUMMARY, totals, run_id)
