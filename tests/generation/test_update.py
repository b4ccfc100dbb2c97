"""copier update: a project generated from one commit of the template takes a later one, keeps its own
resources and edits, and shows a conflicting change as a conflict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from support.generation import commit_all, generate, git, template_repository, update
from support.template import parse_template

DESCRIPTION = "      Description: GET /api/v1/health, public and read-only.\n"


def test_an_update_merges_the_templates_changes_with_the_projects_own(tmp_path: Path):
    # GIVEN a project generated from the template's first commit, committed by its owner
    template = template_repository(tmp_path / "template")
    project = generate(template, tmp_path / "acme", "items")
    git(project, "init", "--quiet", "--initial-branch=main")
    commit_all(project, "From the template")
    # AND its own changes: a resource of its own, and a README line rewritten
    added = subprocess.run(
        [sys.executable, "-m", "tools.resource", "widgets"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    readme = (project / "README.md").read_text()
    first_line = readme.splitlines()[0]
    (project / "README.md").write_text(readme.replace(first_line, "# Acme orders API", 1))
    commit_all(project, "Widgets; our title")

    # WHEN the template's next commit changes the health function's description in template.yaml, adds a
    # line to the architecture doc, and rewrites the README's first line too
    template_yaml = (template / "template.yaml").read_text()
    assert DESCRIPTION in template_yaml
    new_description = DESCRIPTION.replace("public and read-only.", "public, read-only, never cached.")
    (template / "template.yaml").write_text(template_yaml.replace(DESCRIPTION, new_description))
    with (template / "docs" / "ARCHITECTURE.md").open("a") as doc:
        doc.write("\nA line the template added later.\n")
    template_readme = (template / "README.md").read_text()
    (template / "README.md").write_text(template_readme.replace(first_line, "# The template, renamed", 1))
    newer = commit_all(template, "A later fix")
    # AND the project takes it
    update(project)

    # THEN the answers name the new commit, and the template's changes arrived
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == newer[:7] or newer.startswith(answers["_commit"])
    assert answers["samples"] == "items"
    merged = parse_template((project / "template.yaml").read_text())
    assert (
        merged["Resources"]["HealthFunction"]["Properties"]["Description"]
        == new_description.split(": ", 1)[1].strip()
    )
    assert (project / "docs" / "ARCHITECTURE.md").read_text().endswith("A line the template added later.\n")
    # AND the project's own resource is still there, in its files and in the merged template.yaml
    assert (project / "functions" / "widgets" / "api.py").is_file()
    assert (project / "tests" / "handlers" / "test_widgets.py").is_file()
    assert "WidgetsFunction" in merged["Resources"]
    assert (
        "/api/v1/widgets/{widget_id}"
        in merged["Resources"]["RestApi"]["Properties"]["DefinitionBody"]["paths"]
    )
    # AND the line both changed is a conflict, with both versions, for the owner to resolve
    conflicted = (project / "README.md").read_text()
    assert "<<<<<<<" in conflicted
    assert ">>>>>>>" in conflicted
    assert "# Acme orders API" in conflicted
    assert "# The template, renamed" in conflicted
    # AND the samples the project went without stay out
    assert not (project / "functions" / "users").exists()
