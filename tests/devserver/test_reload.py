"""`make dev`'s reload check (tools/devserver/runtime.py) in-process: which edits it sees, and that no
timestamp decides it (an edit within one timestamp tick keeps the mtime, and often the size)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.devserver.runtime import SourceFingerprint


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "app.py").write_text("VERSION = 1\n")
    (tmp_path / "pkg" / "logic.py").write_text("RATE = 10\n")
    (tmp_path / "notes.txt").write_text("not code")
    return tmp_path


def edit_within_the_same_tick(path: Path, text: str) -> None:
    before = path.stat()
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)


def test_nothing_changed(code):
    assert SourceFingerprint.of([str(code)]).changed([str(code)]) is None


def test_an_edit_that_keeps_the_mtime_and_the_size_is_seen(code):
    taken = SourceFingerprint.of([str(code)])
    edit_within_the_same_tick(code / "pkg" / "logic.py", "RATE = 20\n")
    assert taken.changed([str(code)]) == code / "pkg" / "logic.py"


def test_a_new_mtime_alone_is_a_change(code):
    taken = SourceFingerprint.of([str(code)])
    stat = (code / "app.py").stat()
    os.utime(code / "app.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert taken.changed([str(code)]) == code / "app.py"


@pytest.mark.parametrize("change", ["add", "remove"])
def test_an_added_or_removed_module_is_a_change(code, change):
    taken = SourceFingerprint.of([str(code)])
    if change == "add":
        (code / "pkg" / "new.py").write_text("")
    else:
        (code / "app.py").unlink()
    assert taken.changed([str(code)]) == (code / "pkg" / "new.py" if change == "add" else code / "app.py")


def test_only_python_sources_count(code):
    taken = SourceFingerprint.of([str(code)])
    (code / "notes.txt").write_text("edited")
    assert taken.changed([str(code)]) is None
