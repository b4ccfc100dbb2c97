"""make routes: write each function's routes.json from its app, with nothing to set up first.

A function's routes.json is `python -m api_core.routes api:app` run in its folder: importing the app
needs the layer on the path and the settings a cold start reads, which this sets to inert values (no
AWS call is made). The manifest is written to a temporary file and renamed over routes.json, so a failed
run leaves the previous file as it was, never an empty one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What importing an app needs, and nothing from the caller's shell that could reach AWS.
INERT_ENV = {
    "STAGE": "dev",
    "AUTH": "none",
    "CORS_ALLOWED_ORIGINS": "",
    "TABLE_NAME": "routes-manifest",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "routes-manifest",
    "AWS_SECRET_ACCESS_KEY": "routes-manifest",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


class ManifestError(RuntimeError):
    """The app could not be imported, or printed something that is not a route manifest."""


def manifest_text(function_dir: Path, layer_dir: Path) -> str:
    """The routes.json text of the function in `function_dir` (its api.py), as the layer writes it."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(INERT_ENV, PYTHONPATH=os.pathsep.join([str(function_dir), str(layer_dir)]))
    completed = subprocess.run(
        [sys.executable, "-m", "api_core.routes", "api:app"],
        cwd=function_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise ManifestError(f"{function_dir.name}: importing api:app failed\n{completed.stderr.strip()}")
    try:
        routes = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        raise ManifestError(f"{function_dir.name}: the manifest is not JSON ({error})") from error
    if not isinstance(routes, dict) or not routes.get("routes"):
        raise ManifestError(f"{function_dir.name}: the app declares no routes")
    return completed.stdout


def write_atomically(path: Path, text: str) -> None:
    """`text` into `path` through a temporary file in the same folder and a rename."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as file:
            file.write(text)
        Path(temporary).chmod(0o644)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def functions(root: Path) -> list[Path]:
    return sorted(path.parent for path in (root / "functions").glob("*/api.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make routes", description=__doc__.split("\n", 1)[0])
    parser.add_argument("function", nargs="*", help="function folders' names (default: every function)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    folders = [root / "functions" / name for name in args.function] or functions(root)
    failed = False
    for folder in folders:
        try:
            text = manifest_text(folder, root / "layers" / "api_core")
        except ManifestError as error:
            print(f"make routes: {error}", file=sys.stderr)
            failed = True
            continue
        write_atomically(folder / "routes.json", text)
        print(f"{folder.relative_to(root)}/routes.json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
