"""make resource NAME=things [SINGULAR=thing]: add a complete collection resource to this project.

Writes functions/<things>/ (api.py, app.py, models.py, repository.py, service.py, routes.json), the function,
its companions and both paths in template.yaml, events/<things>-*.json and tests/handlers/test_<things>.py,
as README's "Add your own resource" explains them. Everything is checked and rendered first; on any
refusal nothing is written.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.resource import scaffold
from tools.resource.names import Refused, ResourceNames
from tools.resource.template_edit import Template
from tools.routes import ManifestError, manifest_text, write_atomically

ROOT = Path(__file__).resolve().parents[2]


def check_project(root: Path, names: ResourceNames) -> None:
    """Refuse a name whose folder, events, tests or table partition another resource already has."""
    # Test files' base names are unique across tiers (tests/style), hence any test_<things>.py.
    taken = [
        path.relative_to(root).as_posix()
        for path in (
            root / "functions" / names.plural,
            *sorted((root / "tests").rglob(f"test_{names.plural}.py")),
            *sorted((root / "events").glob(f"{names.plural}-*.json")),
        )
        if path.exists()
    ]
    if taken:
        raise Refused(f"NAME={names.plural} is taken: {', '.join(taken)} already there; choose another NAME")
    partition = re.compile(rf"""partition\s*=\s*["']{names.plural.upper()}["']""")
    for source in sorted((root / "functions").glob("*/*.py")):
        if partition.search(source.read_text()):
            raise Refused(
                f"{source.relative_to(root)} already keeps records in the partition "
                f"{names.plural.upper()!r}: choose another NAME"
            )


def formatted(root: Path, files: dict[str, str]) -> dict[str, str]:
    """The Python files as the project's ruff (import order, then format) would leave them."""
    with tempfile.TemporaryDirectory() as staging:
        base = Path(staging)
        for relative, text in files.items():
            (base / relative).parent.mkdir(parents=True, exist_ok=True)
            (base / relative).write_text(text)
        config = ["--config", str(root / "pyproject.toml")]
        python = [str(base / r) for r in files if r.endswith(".py")]
        ruff = [sys.executable, "-m", "ruff"]
        # Only the files just rendered, with the project's own ruff: nothing here comes from outside.
        subprocess.run([*ruff, "check", "--quiet", "--select", "I", "--fix", *config, *python], check=True)  # noqa: S603
        subprocess.run([*ruff, "format", "--quiet", *config, *python], check=True)  # noqa: S603
        return {relative: (base / relative).read_text() for relative in files}


def routes_manifest(root: Path, names: ResourceNames, files: dict[str, str]) -> str:
    """routes.json of the new function, made from its rendered files before anything is written."""
    with tempfile.TemporaryDirectory() as staging:
        folder = Path(staging) / names.plural
        folder.mkdir()
        for relative, text in files.items():
            if relative.startswith(f"functions/{names.plural}/"):
                (folder / Path(relative).name).write_text(text)
        try:
            return manifest_text(folder, root / "layers" / "api_core")
        except ManifestError as error:
            raise Refused(f"the new function does not import: {error}") from error


def add_resource(root: Path, names: ResourceNames) -> list[str]:
    """Check, render, then write; returns the files written (template.yaml last)."""
    check_project(root, names)
    template_path = root / "template.yaml"
    template = Template(template_path.read_text()).with_resource(names)
    files = formatted(
        root, {**scaffold.function_files(names), **scaffold.test_files(names)}
    ) | scaffold.event_files(names, root / "events")
    files[f"functions/{names.plural}/routes.json"] = routes_manifest(root, names, files)
    written = []
    for relative, text in sorted(files.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x") as file:  # never over a file that appeared since the check
            file.write(text)
        written.append(relative)
    write_atomically(template_path, template)
    written.append("template.yaml")
    if (root / "tools" / "openapi.py").is_file():  # make openapi: the API's document gains the new routes
        subprocess.run([sys.executable, "-m", "tools.openapi"], cwd=root, capture_output=True, check=True)
        written.append("docs/openapi.json")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make resource", description=__doc__.split("\n", 1)[0])
    parser.add_argument("name", help="the collection's plural, e.g. things (the URL is /api/v1/things)")
    parser.add_argument("--singular", help="its singular when it is not the plural less -s, e.g. person")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        names = ResourceNames.parse(args.name, args.singular or None)
        written = add_resource(args.root.resolve(), names)
    except Refused as error:
        print(f"make resource: {error}", file=sys.stderr)
        return 2
    print(f"Added /api/v1/{names.plural} ({names.function_id}):")
    for relative in written:
        print(f"  {relative}")
    print("Next: make test (or make check), then make dev serves it. README: 'Add your own resource'.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
