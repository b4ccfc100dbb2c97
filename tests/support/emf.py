"""CloudWatch embedded metric format (EMF): the lines a function writes, checked against the specification.

The schema restates AWS's "Specification: Embedded metric format" (CloudWatch user guide): a root
`_aws` member with an integer millisecond `Timestamp` and `CloudWatchMetrics` directives, each with a
`Namespace`, `Dimensions` (sets of up to 30 names) and `Metrics` (up to 100 definitions, a known unit,
resolution 1 or 60). What a schema cannot say is checked after it: every dimension a set names is a
string member of the root, and every metric a directive defines is a number (or a list of up to 100)
there. CloudWatch drops a line that fails any of these, silently.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

UNITS = [
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
]  # fmt: skip
NAME = {"type": "string", "minLength": 1, "maxLength": 1024, "pattern": r"\S"}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["_aws"],
    "properties": {
        "_aws": {
            "type": "object",
            "required": ["Timestamp", "CloudWatchMetrics"],
            "properties": {
                "Timestamp": {"type": "integer", "minimum": 0},
                "CloudWatchMetrics": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["Namespace", "Dimensions", "Metrics"],
                        "properties": {
                            "Namespace": NAME,
                            "Dimensions": {
                                "type": "array",
                                "items": {"type": "array", "maxItems": 30, "items": NAME},
                            },
                            "Metrics": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 100,
                                "items": {
                                    "type": "object",
                                    "required": ["Name"],
                                    "properties": {
                                        "Name": NAME,
                                        "Unit": {"enum": UNITS},
                                        "StorageResolution": {"enum": [1, 60]},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}


def emf_lines(output: str) -> list[dict[str, Any]]:
    """The EMF documents among a function's stdout lines (its JSON log lines are not EMF)."""
    documents = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def validate(document: dict[str, Any]) -> None:
    """Raise AssertionError (or jsonschema's ValidationError) unless CloudWatch would accept `document`."""
    jsonschema.validate(document, SCHEMA)
    for directive in document["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for name in dimension_set:
                assert isinstance(document.get(name), str), f"dimension {name!r} has no string value"
        for metric in directive["Metrics"]:
            value = document.get(metric["Name"])
            values = value if isinstance(value, list) else [value]
            assert 1 <= len(values) <= 100, f"metric {metric['Name']!r}: {value!r}"
            assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in values), metric


def metrics_of(document: dict[str, Any]) -> dict[str, float]:
    """{metric name: value} of one document; a list of values (one sample each) is added up."""
    names = [m["Name"] for d in document["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    values = {name: document[name] for name in names}
    return {name: sum(v) if isinstance(v, list) else v for name, v in values.items()}


def dimension_sets(document: dict[str, Any]) -> list[dict[str, str]]:
    """Each dimension set of the document with its values, as CloudWatch files the metrics under."""
    return [
        {name: document[name] for name in dimension_set}
        for directive in document["_aws"]["CloudWatchMetrics"]
        for dimension_set in directive["Dimensions"]
    ]
