"""Write the reliability tier's figures (.local/reliability/summary.json) into docs/RELIABILITY.md.

`make reliability` runs the tier, then this. The table goes between `<!-- reliability:begin -->` and
`<!-- reliability:end -->`; the rest of the doc is prose and stays as written. Every section of the
table must be in the summary and every section of the summary must have a row, so a test that stops
reporting, or a new one without a row, fails the render instead of leaving a stale or silent table.

    python tests/reliability/report.py [--summary PATH] [--doc PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = ROOT / ".local" / "reliability" / "summary.json"
DOC = ROOT / "docs" / "RELIABILITY.md"
BEGIN = "<!-- reliability:begin -->"
END = "<!-- reliability:end -->"
RUN = "_run"  # the summary's metadata entry, not a section (tests/reliability/conftest.py writes it)


class ReportError(Exception):
    pass


@dataclass(frozen=True)
class Row:
    """One line of the table. `lost` and `notes` are format strings over the section's counts."""

    section: str  # the name the tests pass to `figures(...)`
    label: str
    lost: str
    notes: str


ROWS = [
    Row(
        "bad input (handlers)",
        "bad input through the handlers",
        "0 / 0",  # every case asserts its exact 4xx status: a loss or a 5xx fails the run
        "bodies, event shapes, headers, query, path ids (below)",
    ),
    Row(
        "fuzzed events (hypothesis)",
        "hypothesis-fuzzed events",
        "0 / {status_5xx}",
        "methods, paths, headers, query, bodies, base64 flag; derandomized",
    ),
    Row(
        "schemathesis (make dev)",
        "schemathesis, positive mode, against `make dev`",
        "0 / {status_5xx}",
        "all {operations} operations of the merged OpenAPI document; examples and coverage phases (valid "
        "boundary values derived from the schema), fixed count",
    ),
    Row(
        "schemathesis negative mode (make dev)",
        "schemathesis, negative mode, against `make dev`",
        "0 / {status_5xx}",
        "all {operations} operations; coverage phase (invalid values derived from the schema), fixed count",
    ),
    Row(
        "schemathesis positive mode (handlers)",
        "schemathesis, positive mode, fuzzing, through the handlers",
        "0 / {status_5xx}",
        "all {operations} operations, up to 50 cases each (fewer where fewer valid requests exist); "
        "derandomized",
    ),
    Row(
        "schemathesis negative mode (handlers)",
        "schemathesis, negative mode, fuzzing, through the handlers",
        "0 / {status_5xx}",
        "{operations} operations, the same count each ({binary_bodies} bodies not UTF-8, sent base64); "
        "{unbreakable_operations} more have nothing to break; derandomized",
    ),
    Row(
        "CORS attacks",
        "CORS attacks",
        "0 refused origins allowed",
        "attack origins x (policy, GET, POST, preflight); cold starts with unsafe env; template check",
    ),
    Row(
        "faults",
        "DynamoDB faults and time budget",
        "{lost} partial writes",
        "{sdk_attempts} SDK attempts in all (retries observed at the HTTP level)",
    ),
    Row(
        "concurrent If-Match writers (make dev)",
        "concurrent If-Match writers (`make dev`)",
        "{lost} lost updates",
        "{cases} writers on 3 items; {accepted} updates accepted, {refused_412} refused with 412, "
        "in {seconds} s",
    ),
    Row(
        "idempotent creates under retries (make dev)",
        "creates retried with Idempotency-Key (`make dev`)",
        "{duplicates} duplicates",
        "{created} users created, every repeat got the same id",
    ),
    Row(
        "error amplification",
        "error amplification (issue 19)",
        "{over_bound} error bodies over 4 KB",
        "1 MiB of unknown keys, a 1 MiB field name, 512 KB ids and paths, huge method, header and query "
        "values, a huge referenced id",
    ),
    Row(
        "hostile requests (hypothesis)",
        "hostile Hosts and non-Unicode text (issue 19)",
        "0 / {status_5xx}",
        "{hosts} generated Hosts, {hosts_refused} refused with 400 (`malformed-host`), the rest checked "
        "against urllib's parser in every Link URL; {surrogates} lone surrogates in path, headers, query "
        "and path parameters, each a 400 (`malformed-request`); derandomized",
    ),
    Row(
        "security headers",
        "security headers",
        "-",
        "nosniff, no-store, HSTS on each path (app, layer 403/415, errors)",
    ),
    Row(
        "logs",
        "logs",
        "{secrets_found} secrets logged",
        "Authorization, Cookie, body text on every path, layer logger at DEBUG",
    ),
]


def render_table(summary: dict[str, Any]) -> str:
    sections = {name: counts for name, counts in summary.items() if name != RUN}
    missing = [row.section for row in ROWS if row.section not in sections]
    unknown = sorted(set(sections) - {row.section for row in ROWS})
    if missing:
        raise ReportError(f"the summary lacks {missing}: run the whole tier (make reliability)")
    if unknown:
        raise ReportError(f"no row for {unknown}: add one to ROWS in tests/reliability/report.py")
    lines = [
        "| section | cases tried | requests sent | lost / 5xx | notes |",
        "|---|---|---|---|---|",
    ]
    for row in ROWS:
        counts = sections[row.section]
        values = {**counts, "seconds": f"{counts.get('milliseconds', 0) / 1000:.1f}"}
        try:
            lost, notes = row.lost.format_map(values), row.notes.format_map(values)
        except KeyError as absent:
            raise ReportError(f"section {row.section!r} lacks the count {absent}") from None
        requests = counts.get("requests", "-")
        lines.append(f"| {row.label} | {counts['cases']} | {requests} | {lost} | {notes} |")
    return "\n".join(lines)


def render_doc(doc: str, summary: dict[str, Any]) -> str:
    """The doc with the figures between the markers replaced; the heading line carries the run's date."""
    if doc.count(BEGIN) != 1 or doc.count(END) != 1 or doc.index(BEGIN) > doc.index(END):
        raise ReportError(f"the doc needs exactly one {BEGIN} ... {END} block")
    finished = summary.get(RUN, {}).get("finished")
    if not finished:
        raise ReportError(f"the summary has no {RUN}.finished date: run the tier again")
    head, rest = doc.split(BEGIN)
    _, tail = rest.split(END)
    block = f"{BEGIN}\nLast run: {finished}, `make reliability`.\n\n{render_table(summary)}\n{END}"
    return head + block + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", type=Path, default=SUMMARY)
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    try:
        summary = json.loads(args.summary.read_text())
        args.doc.write_text(render_doc(args.doc.read_text(), summary))
    except (OSError, ReportError) as error:
        print(f"reliability report: {error}", file=sys.stderr)
        return 1
    print(f"wrote the figures of {summary[RUN]['finished']} into {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
