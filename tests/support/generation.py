"""Generate projects from this repository with copier, and run their own tests with this environment.

The template is a throwaway git repository holding this working tree's files (tracked, and new ones not
ignored), committed once and packed: copier clones its source, and a clone of the working repository
would carry its history. Generated projects share this repository's .venv and .tools (their lock file is
this one's), so nothing is installed per project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from copier import run_copy, run_update

from support.paths import ROOT

SAM = ROOT / ".tools" / "bin" / "sam"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "template tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "template tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}
ANSWERS = {
    "project_name": "acme-orders",
    "aws_region": "eu-west-3",
    "prod_origins": "https://shop.acme.example",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_IDENTITY}
    completed = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, f"git {' '.join(args)}: {completed.stderr}"
    return completed.stdout


def working_files() -> list[str]:
    """This working tree's files as a commit of it would hold them (deleted ones left out)."""
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    return sorted(name for name in listed if name and os.path.lexists(ROOT / name))


def template_repository(destination: Path) -> Path:
    """A git repository of this working tree, one commit; returns it."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in working_files():
        source, target = ROOT / name, destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    git(destination, "init", "--quiet", "--initial-branch=main")
    commit_all(destination, "The template")
    return destination


def commit_all(repository: Path, message: str) -> str:
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--no-verify", "-m", message)
    git(repository, "repack", "-a", "-d", "-q")  # copier clones it: few files to copy
    return git(repository, "rev-parse", "HEAD").strip()


def generate(template: Path, project: Path, samples: str, **answers: Any) -> Path:
    """`copier copy` with the given answers (ANSWERS for the rest), non-interactively."""
    run_copy(
        str(template),
        str(project),
        data={**ANSWERS, "samples": samples, **answers},
        defaults=True,
        quiet=True,
        unsafe=False,
    )
    link_environment(project)
    return project


def update(project: Path, **options: Any) -> None:
    """`copier update` of a generated project (a clean git work tree) to its template's newest commit."""
    run_update(str(project), defaults=True, overwrite=True, quiet=True, unsafe=False, **options)


def link_environment(project: Path) -> None:
    """This repository's installed tools and venv, for the project's own commands."""
    for name in (".venv", ".tools"):
        if not (project / name).exists():
            (project / name).symlink_to(ROOT / name)


def run_tests(project: Path, *paths: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """The project's own pytest (its pyproject.toml's settings) on `paths`, in this interpreter; first, as
    its `make test` would, docs/openapi.json when the project has none yet."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    if not (project / "docs" / "openapi.json").exists():
        subprocess.run(
            [sys.executable, "-m", "tools.openapi"], cwd=project, env=env, check=True, timeout=timeout
        )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def sam_validate(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SAM), "validate", "--lint", "--template-file", "template.yaml"],
        cwd=project,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
