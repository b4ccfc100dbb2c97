"""The project's own style gate: ruff's rules (pyproject.toml) and its formatting, over the whole tree."""

import shutil
import subprocess
import sys
from pathlib import Path

from support.paths import ROOT

RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"


def test_ruff_check_passes():
    result = subprocess.run([RUFF, "check", "."], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    result = subprocess.run(
        [RUFF, "format", "--check", "."], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_two_test_files_share_a_name():
    # Test folders are not packages: pytest imports each file by its base name, so a second file of the
    # same name fails collection ("import file mismatch") on whichever worker meets both.
    names = [path.name for path in (ROOT / "tests").rglob("test_*.py")]
    assert sorted({name for name in names if names.count(name) > 1}) == []
