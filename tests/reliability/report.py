"""Write the reliability tier's figures (.local/reliability/summary.json) into docs/RELIABILITY.md.

`make reliability` runs the tier, then this. The table goes between `<!-- reliability:begin -->` and
`<!-- reliability:end -->`; the rest of the doc is prose and stays as written. Every section of the
table must be in the summary and every section of the summary must have a row, so a test that stops
reporting, or a new one without a row, fails the render instead of leaving a stale or silent table.

    python tests/reliability/report.py [--summary PATH] [--doc PATH]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
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
        "entity-tag lists",
        "If-Match / If-None-Match lists (issue 19)",
        "0 / {status_5xx}",
        "empty list elements accepted; up to 32 tags served within DynamoDB's documented expression "
        "limits, more refused with 400 before any write",
    ),
    Row(
        "delete races",
        "unconditional deletes racing a writer (issue 19)",
        "{status_412} 412s without If-Match",
        "the rival changes name and/or email between the delete's read and its transaction; the delete "
        "reads again and retries, as PATCH does",
    ),
    Row(
        "origin grammar",
        "prod origin lists: deploy check vs cold start vs template (issue 19)",
        "{disagreements} disagreements",
        "generated lists of valid origins, patterns, near misses and mutations; {accepted} accepted, "
        "{public_suffix} refused as patterns over a public suffix",
    ),
    Row(
        "strict numbers",
        "booleans, strings and floats as body numbers (issue 19)",
        "{accepted} accepted",
        "every integer or number field of every request body in each function's OpenAPI document",
    ),
    Row(
        "local DynamoDB guard",
        "requests to `make dev`'s DynamoDB from outside its workers (issue 19)",
        "{answered} answered",
        "browser marks (Origin, Sec-Fetch-*), foreign Host (DNS rebinding), a wrong key, moto's own "
        "endpoints; plus Chromium pages (tests/browser)",
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


def add_figures(path: Path, counts: dict[str, dict[str, int]], run_id: str) -> None:
    """Add one pytest process's figures to the summary at `path`.

    The processes of one run (xdist's workers, which share `run_id`) each add theirs: a section that
    several of them report is the sum. A section from an earlier run is replaced, one this run does not
    report is kept. Writers take turns on a lock, and the file is replaced whole, never seen half-written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        summary = json.loads(path.read_text()) if path.exists() else {}
        run = summary.get(RUN, {})
        this_run = set(run.get("sections", [])) if run.get("id") == run_id else set()
        for section, values in counts.items():
            entry = dict(summary[section]) if section in this_run else {}
            for name, value in values.items():
                entry[name] = entry.get(name, 0) + value
            summary[section] = entry
        finished = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        summary[RUN] = {"id": run_id, "finished": finished, "sections": sorted(this_run | set(counts))}
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        os.replace(partial, path)


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
