"""tests/reliability/report.py: the figures table of docs/RELIABILITY.md, rendered from a run's summary."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from reliability.report import BEGIN, DOC, END, ROWS, RUN, ReportError, add_figures, main, render_doc

SUMMARY = {
    RUN: {"finished": "2026-11-22 09:30 UTC"},
    "bad input (handlers)": {"cases": 109, "requests": 109},
    "fuzzed events (hypothesis)": {"cases": 300, "requests": 300, "status_5xx": 0},
    "schemathesis (make dev)": {"cases": 371, "requests": 371, "operations": 19, "status_5xx": 0},
    "schemathesis negative mode (make dev)": {
        "cases": 430,
        "requests": 430,
        "operations": 19,
        "status_5xx": 0,
    },
    "schemathesis positive mode (handlers)": {
        "cases": 650,
        "requests": 650,
        "operations": 19,
        "binary_bodies": 0,
        "unbreakable_operations": 0,
        "status_5xx": 0,
    },
    "schemathesis negative mode (handlers)": {
        "cases": 600,
        "requests": 600,
        "operations": 12,
        "binary_bodies": 56,
        "unbreakable_operations": 7,
        "status_5xx": 0,
    },
    "CORS attacks": {"cases": 116, "requests": 120},
    "faults": {"cases": 10, "requests": 10, "lost": 0, "sdk_attempts": 19},
    "error amplification": {"cases": 16, "requests": 16, "over_bound": 0},
    "entity-tag lists": {"cases": 21, "requests": 50, "status_5xx": 0},
    "delete races": {"cases": 5, "requests": 5, "status_412": 0},
    "origin grammar": {"cases": 600, "accepted": 215, "public_suffix": 26, "disagreements": 0},
    "strict numbers": {"cases": 15, "requests": 15, "accepted": 0},
    "local DynamoDB guard": {"cases": 34, "requests": 34, "answered": 0},
    "concurrent If-Match writers (make dev)": {
        "cases": 18,
        "requests": 144,
        "accepted": 19,
        "refused_412": 53,
        "lost": 0,
        "milliseconds": 5321,
    },
    "idempotent creates under retries (make dev)": {
        "cases": 10,
        "requests": 40,
        "created": 10,
        "duplicates": 0,
    },
    "hostile requests (hypothesis)": {
        "cases": 400,
        "requests": 400,
        "hosts": 200,
        "hosts_refused": 150,
        "surrogates": 200,
        "status_5xx": 0,
    },
    "security headers": {"cases": 10, "requests": 10},
    "logs": {"cases": 8, "requests": 8, "secrets_found": 0},
}
DOC_TEXT = f"# Reliability\n\nProse before.\n\n{BEGIN}\nold table\n{END}\n\nProse after.\n"


def test_renders_every_section_between_the_markers_and_keeps_the_prose():
    rendered = render_doc(DOC_TEXT, SUMMARY)

    assert rendered.startswith("# Reliability\n\nProse before.\n\n" + BEGIN + "\n")
    assert rendered.endswith(END + "\n\nProse after.\n")
    assert "old table" not in rendered
    assert "Last run: 2026-11-22 09:30 UTC" in rendered
    rows = [line for line in rendered.splitlines() if line.startswith("| ") and "section" not in line]
    assert len(rows) == len(ROWS)
    assert "| schemathesis, negative mode, fuzzing, through the handlers | 600 | 600 | 0 / 0 |" in rendered
    assert "| schemathesis, negative mode, against `make dev` | 430 | 430 | 0 / 0 |" in rendered
    assert "56 bodies not UTF-8" in rendered
    assert "19 updates accepted, 53 refused with 412, in 5.3 s" in rendered
    assert "| creates retried with Idempotency-Key (`make dev`) | 10 | 40 | 0 duplicates |" in rendered


def test_rendering_twice_changes_nothing():
    once = render_doc(DOC_TEXT, SUMMARY)
    assert render_doc(once, SUMMARY) == once


@pytest.mark.parametrize("section", [row.section for row in ROWS])
def test_a_missing_section_is_refused(section):
    partial = {name: counts for name, counts in SUMMARY.items() if name != section}
    with pytest.raises(ReportError, match="lacks") as refused:
        render_doc(DOC_TEXT, partial)
    assert section in str(refused.value)


def test_a_section_without_a_row_is_refused():
    with pytest.raises(ReportError, match="no row for"):
        render_doc(DOC_TEXT, {**SUMMARY, "a new test": {"cases": 1}})


def test_a_missing_count_or_date_is_refused():
    summary = copy.deepcopy(SUMMARY)
    del summary["faults"]["sdk_attempts"]
    with pytest.raises(ReportError, match="sdk_attempts"):
        render_doc(DOC_TEXT, summary)
    with pytest.raises(ReportError, match="date"):
        render_doc(DOC_TEXT, {k: v for k, v in SUMMARY.items() if k != RUN})


@pytest.mark.parametrize("doc", ["no markers", f"{BEGIN}\n{BEGIN}\n{END}", f"{END}\n{BEGIN}"])
def test_a_doc_without_one_marker_pair_is_refused(doc):
    with pytest.raises(ReportError, match="exactly one"):
        render_doc(doc, SUMMARY)


def test_the_command_writes_only_the_given_doc_and_fails_without_a_summary(tmp_path, capsys):
    doc, summary = tmp_path / "RELIABILITY.md", tmp_path / "summary.json"
    doc.write_text(DOC_TEXT)
    summary.write_text(json.dumps(SUMMARY))

    assert main(["--summary", str(summary), "--doc", str(doc)]) == 0
    assert doc.read_text() == render_doc(DOC_TEXT, SUMMARY)
    assert main(["--summary", str(tmp_path / "absent.json"), "--doc", str(doc)]) == 1
    assert "reliability report:" in capsys.readouterr().err


def test_the_real_doc_has_the_markers():
    text = DOC.read_text()
    assert text.count(BEGIN) == 1
    assert text.count(END) == 1


def test_the_workers_of_one_run_add_up_and_replace_an_earlier_runs_figures(tmp_path):
    summary = tmp_path / "summary.json"
    # GIVEN an earlier run's summary
    add_figures(summary, {"faults": {"cases": 7, "lost": 0}, "logs": {"cases": 8}}, run_id="earlier")
    # WHEN two workers of a new run report, both of them in one section
    add_figures(summary, {"faults": {"cases": 1, "lost": 0}}, run_id="now")
    add_figures(summary, {"faults": {"cases": 2, "lost": 1}, "CORS attacks": {"cases": 3}}, run_id="now")
    # THEN that section is their sum, not the earlier run's plus theirs; the section nobody reported stays
    written = json.loads(summary.read_text())
    assert written["faults"] == {"cases": 3, "lost": 1}
    assert written["CORS attacks"] == {"cases": 3}
    assert written["logs"] == {"cases": 8}
    assert written[RUN]["id"] == "now"
    assert written[RUN]["sections"] == ["CORS attacks", "faults"]


def test_writers_at_the_same_time_lose_nothing(tmp_path):
    summary = tmp_path / "summary.json"
    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [
            pool.submit(add_figures, summary, {"faults": {"cases": 1}}, "one run") for _ in range(40)
        ]:
            future.result()
    assert json.loads(summary.read_text())["faults"] == {"cases": 40}
