"""copier copy: a project generated with each choice of samples holds together and passes its own tests.

"all" is this repository with the answers rendered in: its files are compared with this working tree's,
whose tests the rest of the suite runs. "items" and "none" lose files: their template is linted and their
unit and handler tiers run, in this environment.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from support.generation import ANSWERS, generate, run_tests, sam_validate, template_repository, working_files
from support.paths import ROOT
from support.template import parse_template

# What a sample leaves behind in code when it is gone: its logical id, its folder, its events, a cold start.
ARTIFACTS = {
    name: re.compile(
        rf"{name.capitalize()}Function|functions/{name}\b|\b{name}-(get|post|put|patch|delete|options|v2|orders)-"
        rf"|(cold_start|load_handler)\(\s*\"{name}\""
    )
    for name in ("items", "users", "admin")
}
# The admin console's function counts items and users: it comes with all the samples.
GONE = {"none": ("items", "users", "admin"), "items": ("users", "admin"), "all": ()}
CODE = ("tests", "tools", "benchmarks", "functions", "layers", ".ci")
# Files copier renders: a `<file>.jinja` symlink beside each (copier.yml).
RENDERED = {
    name.removesuffix(".jinja")
    for name in working_files()
    if name.endswith(".jinja") and (ROOT / name).is_symlink()
} | {".copier-answers.yml"}
# make dev seeds through the items function when the project has it, and seeds nothing otherwise.
COPES = {"tools/devserver/server.py"}
COPIER_LINE = re.compile(r"^\s*# %", re.MULTILINE)
NOT_COPIED = re.compile(r"^(copier\.yml|tests/generation/.*|.*\.jinja)$")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_repository(tmp_path_factory.mktemp("template"))


def code_files(project: Path) -> list[Path]:
    found = [project / "Makefile", project / "template.yaml"]
    for folder in CODE:
        found += [p for p in (project / folder).rglob("*") if p.is_file() and p.suffix in (".py", ".js", "")]
    return [p for p in found if p.is_file() and ".venv" not in p.parts]


def check_answers_and_references(project: Path, samples: str) -> None:
    # The answers are recorded for `copier update`, and samconfig.toml deploys under the project's names
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert {k: answers[k] for k in (*ANSWERS, "samples")} == {**ANSWERS, "samples": samples}
    assert answers["stack_prefix"] == ANSWERS["project_name"]  # project_name sets the stack names
    config = tomllib.loads((project / "samconfig.toml").read_text())
    for env, stage in (("default", "dev"), ("prod", "prod")):
        assert config[env]["global"]["parameters"]["stack_name"] == f"acme-orders-{stage}"
        assert config[env]["global"]["parameters"]["region"] == "eu-west-3"
    assert 'AllowedOrigins=\\"https://shop.acme.example\\"' in (project / "samconfig.toml").read_text()
    for rendered in RENDERED - {".copier-answers.yml"}:
        if (project / rendered).exists():
            assert not COPIER_LINE.search((project / rendered).read_text()), rendered
    # No code names a sample that is gone, and every event a test loads by name is there
    for gone in GONE[samples]:
        assert not (project / "functions" / gone).exists()
        dead = [f"{p.relative_to(project)}: {m.group(0)}" for p in code_files(project) for m in
                ARTIFACTS[gone].finditer(p.read_text(errors="replace"))
                if p.relative_to(project).as_posix() not in COPES]  # fmt: skip
        assert dead == [], f"references to the {gone} sample left behind"
    # The dashboards left are still JSON, naming only functions the project has
    template = parse_template((project / "template.yaml").read_text())
    names = {n for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    for dashboard in (r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"):
        body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
        json.loads(re.sub(r"\$\{[^}]*\}", "x", body))
        assert set(re.findall(r"\$\{(\w+Function)\b", body)) <= names
    events = {p.stem for p in (project / "events").glob("*.json")}
    for path in code_files(project):
        for name in re.findall(r"load_event\(\s*\"([a-z0-9-]+)\"", path.read_text(errors="replace")):
            assert name in events, f"{path.relative_to(project)} loads events/{name}.json, which is not there"


def test_all_samples_is_this_repository_with_the_answers(template: Path, tmp_path: Path):
    project = generate(template, tmp_path / "acme-orders", "all")
    check_answers_and_references(project, "all")
    expected = {name for name in working_files() if not NOT_COPIED.match(name)} | {".copier-answers.yml"}
    generated = {
        p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file() and not p.is_symlink()
    }
    assert generated == expected
    for name in sorted(expected - RENDERED):
        assert (project / name).read_bytes() == (ROOT / name).read_bytes(), name
    # Rendered with every sample, a file is this one without copier's lines (samconfig.toml also has
    # the answers): the same template for CloudFormation, the same tests
    for name in sorted(RENDERED - {".copier-answers.yml", "samconfig.toml"}):
        source = "".join(line for line in (ROOT / name).open() if not line.lstrip().startswith("# %"))
        assert (project / name).read_text() == source, name
    validated = sam_validate(project)
    assert validated.returncode == 0, validated.stdout + validated.stderr


@pytest.mark.parametrize("samples", ["items", "none"])
def test_a_project_without_some_samples_passes_its_own_unit_and_handler_tiers(
    template: Path, tmp_path: Path, samples: str
):
    # GIVEN a project generated without some of the samples
    project = generate(template, tmp_path / f"acme-{samples}", samples)
    check_answers_and_references(project, samples)
    # WHEN its template is linted and its unit and handler tiers run
    validated = sam_validate(project)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    result = run_tests(project, "tests/unit", "tests/handlers")
    # THEN they pass, and they ran
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", result.stdout), result.stdout[-2000:]
