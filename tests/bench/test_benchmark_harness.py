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
