"""SAM CLI's own checks on the template: cfn-lint through `sam validate --lint`, and `sam build`.

SAM CLI runs from its own tool environment (.tools/bin, installed by `make test`), never from the app's
venv; `sam build` needs python3.13 on PATH (the Runtime's interpreter) and no Docker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support.paths import ROOT

pytestmark = pytest.mark.sam

SAM = shutil.which("sam", path=str(ROOT / ".tools" / "bin")) or shutil.which("sam")


def run_sam(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    if SAM is None:
        pytest.fail("SAM CLI not found: run the tests through `make test`, which installs it")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run(  # noqa: S603 - fixed argv
        [SAM, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_sam_validate_lint_passes():
    result = run_sam("validate", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


@pytest.fixture(scope="session")
def sam_build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build_dir = tmp_path_factory.mktemp("sam-build")
    cache_dir = tmp_path_factory.mktemp("sam-cache")
    result = run_sam("build", "--build-dir", str(build_dir), "--cache-dir", str(cache_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    return build_dir


def test_sam_build_builds_every_function_and_the_layer(sam_build_dir: Path):
    for function in ("HealthFunction", "ItemsFunction", "UsersFunction"):
        assert (sam_build_dir / function / "app.py").is_file()
    layer = sam_build_dir / "ApiCoreLayer" / "python"
    assert (layer / "api_core" / "lambda_handler.py").is_file()
    assert (layer / "fastapi").is_dir()
    assert (layer / "mangum").is_dir()
