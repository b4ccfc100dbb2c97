"""Read template.yaml, the single source of truth, including CloudFormation's short-form tags."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from support.paths import TEMPLATE_PATH
from tools.template_yaml import parse_template


@cache
def _cached() -> dict[str, Any]:
    return parse_template(TEMPLATE_PATH.read_text())


def load_template() -> dict[str, Any]:
    """template.yaml as a dict (cached; do not mutate)."""
    return _cached()


def table_properties() -> dict[str, Any]:
    """The DynamoDB table's Properties from template.yaml."""
    tables = [
        r["Properties"] for r in load_template()["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"
    ]
    assert len(tables) == 1, "the template is expected to hold exactly one table"
    return tables[0]


@dataclass(frozen=True)
class ApiEvent:
    """One `Type: Api` event of a function in template.yaml: a route of the REST API."""

    path: str  # the resource path, e.g. /api/v1/health
    method: str
    resource: str  # the function's logical id, e.g. HealthFunction
    function: str  # the function's folder under functions/ (its CodeUri), e.g. health


def api_events() -> list[ApiEvent]:
    """Every route of the REST API, as the functions' Api events declare it."""
    events = []
    for name, resource in load_template()["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        function = resource["Properties"]["CodeUri"].rstrip("/").rsplit("/", 1)[-1]
        for event in (resource["Properties"].get("Events") or {}).values():
            if event["Type"] == "Api":
                properties = event["Properties"]
                events.append(ApiEvent(properties["Path"], properties["Method"], name, function))
    return events


def functions() -> dict[str, dict[str, Any]]:
    """Every function of template.yaml by its folder under functions/ (its CodeUri): its Properties."""
    return {
        resource["Properties"]["CodeUri"].rstrip("/").rsplit("/", 1)[-1]: resource["Properties"]
        for resource in load_template()["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def uses_table(function: str) -> bool:
    """Whether the function is given the table (TABLE_NAME), as the collection functions are."""
    return "TABLE_NAME" in ((functions()[function].get("Environment") or {}).get("Variables") or {})
