"""`python -m benchmarks [--quick] [--write]`: run every row, print the table, optionally write it.

Needs `sam build` output (the layer as Lambda gets it, with python3.13 bytecode), the peers' packages
(`.local/bench-peers`, the layer's pinned requirements compiled to bytecode) and the runtime's boto3
(`.local/lambda-runtime`); `make bench` provides all three. Timings are medians over `--runs` runs whose
rows are interleaved in a shuffled order; nothing here asserts on a timing.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import sysconfig
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / ".aws-sam" / "build" / "ApiCoreLayer" / "python"
PEER_DEPS = ROOT / ".local" / "bench-peers"
RUNTIME = ROOT / ".local" / "lambda-runtime"
WORKER = ROOT / "benchmarks" / "worker.py"
DOC = ROOT / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
ROWS = ("raw", "fastapi", "powertools", "ours")
LABELS = {
    "raw": "raw handler",
    "fastapi": "naive FastAPI",
    "powertools": "Powertools",
    "ours": "this template",
}
KINDS = ("preflight", "get", "post", "404")
ORIGIN = "https://app.example.com"
TABLE_NAME = "bench-items"


def table_props() -> dict:
    """KeySchema, attributes, billing and indexes from template.yaml, the single source of truth."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.template import table_properties  # noqa: PLC0415 - the tests' own template reader

    props = table_properties()
    keys = ("KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes")
    return {key: props[key] for key in keys if key in props}


def worker_env(row: str, props: dict, endpoint: str | None) -> dict[str, str]:
    if row == "ours":
        paths = [ROOT / "functions" / "items", LAYER, RUNTIME, Path(sysconfig.get_paths()["purelib"])]
    else:
        paths = [ROOT / "benchmarks" / "peers", PEER_DEPS]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(str(path) for path in paths),
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only on Lambda: the function's own code too
        "STAGE": "prod",
        # Like the peers, no authorizer: the rows compare the same anonymous requests.
        "AUTH": "none",
        "ALLOW_ANONYMOUS_WRITES": "true",
        "CORS_ALLOWED_ORIGINS": ORIGIN,
        "CORS_ALLOW_CREDENTIALS": "true",
        "TABLE_NAME": TABLE_NAME,
        "POWERTOOLS_SERVICE_NAME": "items",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "BENCH_TABLE_PROPS": json.dumps(props),
    }
    if endpoint and row == "ours":
        env["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    return env


def run_worker(env: dict[str, str], *args: str) -> dict:
    completed = subprocess.run(  # noqa: S603 - our own worker script
        [sys.executable, "-S", str(WORKER), *args], env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def start_moto_server(props: dict) -> tuple[object, str]:
    """A moto server for the cold starts: the function then imports boto3 itself, as on Lambda."""
    import boto3  # noqa: PLC0415
    from moto.server import ThreadedMotoServer  # noqa: PLC0415

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    resource = boto3.resource(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's fake
    )
    table = resource.create_table(TableName=TABLE_NAME, **props)
    sys.path.insert(0, str(LAYER))
    from benchmarks.worker import seed  # noqa: PLC0415

    seed(table, 40)
    return server, endpoint


def layer_size() -> tuple[float, float]:
    files = [path for path in LAYER.parent.rglob("*") if path.is_file()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(LAYER.parent))
    return sum(path.stat().st_size for path in files) / 2**20, len(buffer.getvalue()) / 2**20


def measure(runs: int, iterations: int, depths: list[int], parallel: int = 1) -> dict:
    props = table_props()
    server, endpoint = start_moto_server(props)
    envs = {row: worker_env(row, props, endpoint) for row in ROWS}
    in_process = {row: worker_env(row, props, None) for row in ROWS}
    cold: dict = {(row, kind): [] for row in ROWS for kind in ("preflight", "get")}
    rss: dict = {row: [] for row in ROWS}
    imported: dict = {}
    warm: dict = {row: [] for row in ROWS}
    shuffle = random.Random(7)  # noqa: S311 - an order, not a secret
    try:
        for _ in range(runs):
            jobs = [(row, kind) for row in ROWS for kind in ("preflight", "get")]
            shuffle.shuffle(jobs)
            with ThreadPoolExecutor(max_workers=parallel) as pool:
                results = list(pool.map(lambda job: run_worker(envs[job[0]], f"cold-{job[1]}", job[0]), jobs))
            for (row, kind), result in zip(jobs, results, strict=True):
                cold[row, kind].append(result["ms"])
                rss[row].append(result["rss_mb"])
                imported[row, kind] = result["imported"]
            order = list(ROWS)
            shuffle.shuffle(order)
            for row in order:
                warm[row].append(run_worker(in_process[row], "warm", row, str(iterations)))
    finally:
        server.stop()
    dynamo = run_worker(in_process["ours"], "dynamo", "ours", ",".join(map(str, depths)))
    stages = run_worker(in_process["ours"], "breakdown", "ours", str(runs * 3), str(max(20, iterations // 5)))
    return {"cold": cold, "rss": rss, "imported": imported, "warm": warm, "dynamo": dynamo, "stages": stages}


def median_of(values: list[float]) -> float:
    return statistics.median(values)


def warm_figure(runs: list[dict], kind: str, stat: str, part: str = "all") -> float:
    return median_of([run[kind][part][stat] for run in runs])


def render(data: dict, runs: int, iterations: int, seconds: float) -> str:
    rows: list[tuple[str, dict[str, float], str, str]] = []  # label, value per row, unit, target

    def add(label: str, values: dict[str, float], unit: str, target: str = "") -> None:
        rows.append((label, values, unit, target))

    for kind, target in (("preflight", "≤ 0.25x naive"), ("get", "≤ 0.8x naive")):
        add(
            f"cold start to first {kind.upper() if kind == 'get' else kind} response",
            {row: median_of(data["cold"][row, kind]) for row in ROWS},
            "ms",
            target,
        )
    warm_targets = {
        "preflight": "≤ 2x raw",
        "get": "≤ 0.35x naive or ≤ 3x Powertools",
        "post": "≤ 0.5x naive",
    }
    for kind in KINDS:
        for stat in ("median_us", "p99_us"):
            values = {row: warm_figure(data["warm"][row], kind, stat) for row in ROWS}
            values["own"] = warm_figure(data["warm"]["ours"], kind, stat, "own")
            if kind != "preflight":  # a preflight never reaches the repository: nothing to replace
                values["memory"] = warm_figure(data["warm"]["ours"], kind, stat, "memory")
            label = f"warm {'GET page of 20' if kind == 'get' else kind.upper() if kind == 'post' else kind}"
            add(
                f"{label}, {stat.split('_')[0]}",
                values,
                "µs",
                warm_targets.get(kind, "") if stat == "median_us" else "",
            )
    add("peak RSS after import + 100 calls", {row: median_of(data["rss"][row]) for row in ROWS}, "MiB")
    if LAYER.is_dir():
        unzipped, zipped = layer_size()
        add("layer size unzipped (sam build)", {"ours": unzipped}, "MiB")
        add("layer size zipped", {"ours": zipped}, "MiB", "≤ 6 MiB")
    for style in ("page", "cursor"):
        for depth, cost in data["dynamo"][style].items():
            add(
                f"items read, {style}-style request, page {depth} (DynamoDB calls)",
                {"ours": cost["items"], "calls": cost["calls"]},
                "items",
                "≤ limit + small constant" if style == "cursor" else "",
            )
    add("items read for `total`", {"ours": data["dynamo"]["total"]["items"], "calls": 1}, "items", "O(1)")

    head = [
        "measure",
        *(LABELS[row] for row in ROWS),
        "ours excl. boto3*",
        "ours, data in memory†",
        "ours ÷ raw",
        "ours ÷ naive",
        "target",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, values, unit, target in rows:
        cells = [f"{label} ({unit})"]
        for row in ROWS:
            value = values.get(row)
            cell = "" if value is None else fmt(value)
            if row == "ours" and "calls" in values:
                cell += f" ({values['calls']})"
            cells.append(cell)
        cells.append(fmt(values["own"]) if "own" in values else "")
        cells.append(fmt(values["memory"]) if "memory" in values else "")
        ours = values.get("memory", values.get("ours", 0))
        for peer in ("raw", "fastapi"):
            ratio = ours / values[peer] if values.get(peer) else None
            cells.append("" if ratio is None else f"{ratio:.2f}x")
        cells.append(target)
        lines.append("| " + " | ".join(cells) + " |")
    versions = ", ".join(
        f"{name} {version(name)}"
        for name in ("fastapi", "starlette", "pydantic", "mangum", "aws-lambda-powertools", "moto")
    )
    preflight_imports = ", ".join(data["imported"].get(("ours", "preflight"), [])) or "none"
    notes = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.platform()}; Python {platform.python_version()}; {versions}.",
        f"{runs} runs, rows interleaved in shuffled order; cold figures are the median of {runs} fresh "
        f"processes per cell, warm figures the median over runs of each run's median / p99 of {iterations} "
        f"calls (after a warm-up). Whole benchmark: {seconds:.0f} s.",
        "Warm rows for this template: DynamoDB at zero latency (moto answers each distinct request once, "
        "then its HTTP response is replayed; botocore still serializes, signs and parses every call). On AWS "
        "add the service's round trip. Cold GET for this template goes to a moto server on localhost.",
        "* Time inside boto3/botocore calls (building, signing, parsing DynamoDB requests) subtracted.",
        "† The same function, in the same process, with its repository answering from a list as the peers "
        "do: the template's own stack (layer, Mangum, FastAPI, models, service) without DynamoDB or "
        "botocore. This is the like-for-like figure; the ratios of warm rows use it.",
        f"Heavy modules imported by this template's cold preflight: {preflight_imports}.",
    ]
    return (
        "\n".join(lines)
        + "\n\n"
        + "\n".join(f"- {note}" for note in notes)
        + "\n\n"
        + render_stages(data["stages"], data["warm"], runs * 3)
    )


def render_stages(stages: dict[str, float], warm: dict, rounds: int) -> str:
    """Where a warm GET's time goes: each stage of benchmarks/stages.py, and what it adds."""
    powertools = warm_figure(warm["powertools"], "get", "median_us")
    lines = [
        "Where this template's warm GET goes (data in memory at every stage; benchmarks/stages.py):",
        "",
        "| stage | median (µs) | added (µs) | ÷ Powertools GET |",
        "|---|---|---|---|",
    ]
    previous = 0.0
    for stage, value in stages.items():
        lines.append(f"| {stage} | {fmt(value)} | {fmt(value - previous)} | {value / powertools:.2f}x |")
        previous = value
    lines.append("")
    lines.append(
        f"- Median over {rounds} interleaved rounds of each round's median; Powertools from the table above."
    )
    return "\n".join(lines) + "\n"


def version(name: str) -> str:
    for base in (PEER_DEPS, LAYER):
        for dist in metadata.distributions(path=[str(base)]):
            if dist.metadata["Name"].lower() == name:
                return dist.version
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def write_doc(table: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    DOC.write_text(f"{before}{BEGIN}\n{table}{END}{after}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 run, few calls: checks the harness only")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=1500)
    parser.add_argument("--write", action="store_true", help=f"write the table into {DOC.relative_to(ROOT)}")
    args = parser.parse_args()
    for path, how in ((LAYER, "sam build"), (PEER_DEPS, "make bench"), (RUNTIME, "make bench")):
        if not path.is_dir():
            raise SystemExit(f"{path.relative_to(ROOT)} is missing: run {how} first")
    runs, iterations, depths = (1, 20, [1, 2]) if args.quick else (args.runs, args.iterations, [1, 10, 100])
    started = time.perf_counter()
    # --quick only checks that the harness works: its workers may share the CPUs.
    data = measure(runs, iterations, depths, parallel=4 if args.quick else 1)
    table = render(data, runs, iterations, time.perf_counter() - started)
    print(table)
    if args.write and not args.quick:
        write_doc(table)


if __name__ == "__main__":
    main()
