"""The GitHub Actions workflows, offline: actionlint, zizmor, and the rules the README promises (pinned
actions, no stored AWS keys, least-privilege permissions, one deploy per stage at a time, CI running
the make targets a user runs)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.paths import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
CONFIGURE_CREDENTIALS = "aws-actions/configure-aws-credentials"


def _load(path: Path) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True; GitHub reads it as the string.
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))
    return data


def _jobs(path: Path) -> dict[str, dict[str, Any]]:
    return _load(path)["jobs"]


def _steps() -> list[tuple[Path, str, dict[str, Any]]]:
    return [
        (p, name, step) for p in WORKFLOWS for name, job in _jobs(p).items() for step in job.get("steps", [])
    ]


def _assumes_a_role(job: dict[str, Any]) -> bool:
    return any(step.get("uses", "").startswith(CONFIGURE_CREDENTIALS + "@") for step in job.get("steps", []))


def test_the_three_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "deploy.yml", "preview.yml"]


def test_actionlint_finds_nothing():
    result = subprocess.run(
        [BIN / "actionlint", "-no-color", *WORKFLOWS], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_even_pedantic():
    # --offline: the audits that need GitHub's API (known-vulnerable action versions) cannot run here.
    result = subprocess.run(
        [
            BIN / "zizmor",
            "--offline",
            "--persona",
            "pedantic",
            "--no-progress",
            ROOT / ".github" / "workflows",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version():
    text = "\n".join(p.read_text() for p in WORKFLOWS)
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(.+)$", text, re.MULTILINE)
    # This repository's own workflows ($/...: the self-repository form) run at the caller's commit.
    uses = [line for line in uses if not line.startswith("$/")]
    assert uses
    for line in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line.strip()), line
    # One version per action across the workflows: an upgrade is one search-and-replace.
    pins: dict[str, set[str]] = {}
    for line in uses:
        action, rest = line.split("@", 1)
        pins.setdefault(action, set()).add(rest)
    assert {action: versions for action, versions in pins.items() if len(versions) > 1} == {}


def test_no_workflow_holds_or_asks_for_a_long_lived_aws_key():
    for path in WORKFLOWS:
        text = path.read_text()
        # An access key id (AKIA: long-lived user keys; ASIA: session keys, which expire but must not
        # be stored either), or any key input or variable that would carry one.
        assert not re.search(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", text), path.name
        for name in ("aws-access-key-id", "aws-secret-access-key", "aws-session-token"):
            assert name not in text, (path.name, name)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            assert name not in text, (path.name, name)
        assert "secrets." not in text, f"{path.name}: no secrets at all; AWS access comes from OIDC"
    for path, job, step in _steps():
        if step.get("uses", "").startswith(CONFIGURE_CREDENTIALS):
            inputs = step["with"]
            assert inputs["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}", (path.name, job)
            assert set(inputs) <= {"role-to-assume", "aws-region", "role-session-name"}, (path.name, job)


def test_permissions_are_empty_by_default_and_id_token_only_where_a_role_is_assumed():
    for path in WORKFLOWS:
        assert _load(path)["permissions"] == {}, path.name
        for name, job in _jobs(path).items():
            wanted = {"contents": "read"}
            if _assumes_a_role(job):
                wanted["id-token"] = "write"
            assert job["permissions"] == wanted, (path.name, name)


def test_checkout_never_leaves_the_token_on_disk():
    for path, job, step in _steps():
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, (path.name, job)


def _trusted_environments() -> set[str]:
    """The GitHub environments ci/bootstrap.yaml's roles trust (`sub` = repo:<owner>/<name>:environment:X)."""
    text = (ROOT / "ci" / "bootstrap.yaml").read_text()
    return set(
        re.findall(
            r'githubusercontent\.com:sub: !Sub "repo:\$\{GitHubRepository\}:environment:([a-z-]+)"', text
        )
    )


def test_each_job_that_assumes_a_role_runs_in_its_environment_one_at_a_time():
    environments = set()
    for path in WORKFLOWS:
        for name, job in _jobs(path).items():
            if _assumes_a_role(job):
                environments.add(job["environment"])
                assert job["concurrency"]["cancel-in-progress"] is False, name
                assert job["environment"] in job["concurrency"]["group"], name
    # Every role is used, and no job asks for a role its environment cannot assume.
    assert environments == _trusted_environments() == {"dev", "prod", "preview"} | environments
    assert not any(_assumes_a_role(job) for job in _jobs(ROOT / ".github/workflows/ci.yml").values())


def test_deploy_goes_test_then_build_then_dev_then_prod():
    jobs = _jobs(ROOT / ".github/workflows/deploy.yml")
    # Nothing deploys untested: the same make test as every pull request's, first.
    assert jobs["test"]["uses"] == "$/.github/workflows/ci.yml"
    assert "workflow_call" in _load(ROOT / ".github/workflows/ci.yml")["on"]
    assert jobs["build"]["needs"] == "test"
    assert jobs["dev"]["needs"] == "build"
    assert jobs["prod"]["needs"] == "dev"
    runs = {name: [s.get("run", "") for s in job.get("steps", [])] for name, job in jobs.items()}
    assert "make check-prod-origins" in runs["build"]
    assert runs["build"].index("make check-prod-origins") < runs["build"].index("make build")
    # Deploy, then smoke the same stack, in the same job and so under the same concurrency group.
    assert [r for r in runs["dev"] if r.startswith("make ")] == [
        "make deploy-built CONFIG_ENV=default",
        "make smoke STACK=serverless-rest-api-dev",
    ]
    assert [r for r in runs["prod"] if r.startswith("make ")] == [
        "make deploy-built CONFIG_ENV=prod",
        "make smoke STACK=serverless-rest-api-prod",
    ]
    assert _load(ROOT / ".github/workflows/deploy.yml")["on"]["push"] == {"branches": ["main"]}


def test_the_smoked_stacks_are_the_ones_samconfig_deploys():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    text = (ROOT / ".github/workflows/deploy.yml").read_text()
    for env in ("default", "prod"):
        assert f"STACK={config[env]['global']['parameters']['stack_name']}" in text


def test_preview_stacks_are_named_after_the_pull_request_and_deleted_when_it_closes():
    jobs = _jobs(ROOT / ".github/workflows/preview.yml")
    for job in jobs.values():
        assert job["env"]["STACK"] == "serverless-rest-api-pr-${{ github.event.pull_request.number }}"
        # Forks get no OIDC token; the condition says so rather than failing at the role.
        assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    assert "closed" in _load(ROOT / ".github/workflows/preview.yml")["on"]["pull_request"]["types"]
    assert "github.event.action == 'closed'" in jobs["delete"]["if"]
    assert [s["run"] for s in jobs["delete"]["steps"] if "run" in s] == ["make delete-stack"]


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", text, re.MULTILINE))


def _make_calls(text: str) -> set[str]:
    return set(re.findall(r"\bmake ([a-z][a-z-]*)", text))


def test_workflows_call_the_make_targets_the_readme_documents():
    called = set().union(*(_make_calls(p.read_text()) for p in WORKFLOWS))
    # ci.yml runs .ci/run, which runs make test: what the README tells a user to run.
    assert "run: .ci/run" in (ROOT / ".github/workflows/ci.yml").read_text()
    called |= _make_calls((ROOT / ".ci" / "run").read_text())
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Continuous delivery", 1)[1].split("\n## ", 1)[0]
    assert called >= {"test", "build", "check-prod-origins", "deploy-built", "smoke", "delete-stack"}
    assert called <= _make_targets(), called - _make_targets()
    # Each one in the README's section, so that a user can run by hand exactly what CI runs.
    assert called - {"test"} <= _make_calls(section), called - _make_calls(section)
    assert "make test" in readme


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_has_a_timeout(path):
    for name, job in _jobs(path).items():
        if "uses" not in job:  # a called workflow's jobs carry their own
            assert 0 < job["timeout-minutes"] <= 30, name
