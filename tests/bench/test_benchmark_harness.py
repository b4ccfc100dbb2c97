"""`make bench`'s harness runs end to end (tiny mode), so it cannot rot. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.paths import ROOT

NEEDS = (".aws-sam/build/ApiCoreLayer/python", ".local/bench-peers", ".local/lambda-runtime")


def test_the_benchmark_runs_in_quick_mode() -> None:
    missing = [path for path in NEEDS if not (ROOT / path).is_dir()]
    if missing:
        pytest.fail(f"run the tests through `make test`, which prepares: {', '.join(missing)}")
    # WHEN the harness runs every row once with a handful of calls
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # CPU-quota cells included; the machine may be shared
        check=False,
    )
    # THEN it prints the table with every row and measure
    assert completed.returncode == 0, completed.stderr[-3000:]
    measures = ("raw handler", "naive FastAPI", "Powertools", "this template", "data in memory", "cold start")
    measures += ("Where this template's warm GET goes", "naive FastAPI + boto3", "CloudFront event")
    measures += ("1 vCPU (1,769 MB)", "What a browser waits for", "Targets, from this run")
    for text in (*measures, "items read"):
        assert text in completed.stdout


def test_the_cold_starts_run_alone() -> None:
    missing = [path for path in NEEDS if not (ROOT / path).is_dir()]
    if missing:
        pytest.fail(f"run the tests through `make test`, which prepares: {', '.join(missing)}")
    doc = (ROOT / "docs" / "PERFORMANCE.md").read_text()
    # WHEN only the cold GET of this template and of the fair peer is asked for (--write included)
    command = [sys.executable, "-m", "benchmarks", "--only", "cold", "--quick"]
    command += ["--rows", "ours,fastapi_boto3", "--kinds", "get", "--write"]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    # THEN the cold table has those cells and their ratio, nothing else was run, and nothing was written
    assert completed.returncode == 0, completed.stderr[-3000:]
    rows = [line for line in completed.stdout.splitlines() if line.startswith("| first")]
    assert rows
    assert all(line.startswith("| first GET |") for line in rows)
    assert all(line.rstrip(" |").endswith("x") for line in rows)  # ours ÷ naive FastAPI + boto3
    assert "Warm requests" not in completed.stdout
    assert "Cold starts only (ours, fastapi_boto3; get)" in completed.stdout
    assert (ROOT / "docs" / "PERFORMANCE.md").read_text() == doc
