"""`python -m benchmarks [--quick] [--write]`: run every row, print the table, optionally write it.

`--only cold [--rows ours,fastapi_boto3] [--kinds get]` runs the cold starts alone (all CPU columns): the
cold table in a minute or two instead of the whole run; it is never written into the doc.

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
import subprocess
import sys
import sysconfig
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / ".aws-sam" / "build" / "ApiCoreLayer" / "python"
PEER_DEPS = ROOT / ".local" / "bench-peers"
RUNTIME = ROOT / ".local" / "lambda-runtime"
WORKER = ROOT / "benchmarks" / "worker.py"
DOC = ROOT / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
ROWS = ("raw", "fastapi", "fastapi_boto3", "powertools", "ours")
# Lambda's CPU share grows with MemorySize: a full vCPU at 1,769 MB (AWS's Lambda documentation).
MEMORY_SIZES = (512, 1024, 1769)
CPU_SHARES = {memory: round(memory / 1769, 2) for memory in MEMORY_SIZES}
# How this template imports its app (lazy: on the first request that needs it), and the fair peer.
VARIANTS = ("lazy", "eager", "fastapi_boto3")
CGROUP_CPU = Path("/sys/fs/cgroup/cpu")
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
    elif row == "fastapi_boto3":  # boto3 from the runtime, as Lambda provides it; moto in-process for warm
        paths = [ROOT / "benchmarks" / "peers", PEER_DEPS, RUNTIME, Path(sysconfig.get_paths()["purelib"])]
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
    if endpoint and row in ("ours", "fastapi_boto3"):
        env["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    return env


def run_worker(env: dict[str, str], *args: str, share: float | None = None) -> dict:
    """Run one worker process; with `share`, inside a cgroup of its own limited to that share of a CPU."""
    command = [sys.executable, "-S", str(WORKER), *args]
    with cpu_group(share) as group:
        if group is not None:  # the child joins the group before it execs Python: all of it is limited
            command = ["sh", "-c", f'echo $$ > {group}/cgroup.procs && exec "$@"', "sh", *command]
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def cpu_quota_support() -> str | None:
    """None when a cgroup v1 CPU quota can be set here (root, `cpu` controller mounted), else why not."""
    if not (CGROUP_CPU / "cpu.cfs_quota_us").exists():
        return f"no cgroup v1 cpu controller at {CGROUP_CPU}"
    try:
        with cpu_group(0.5):
            pass
    except OSError as error:
        return f"cannot create a cgroup under {CGROUP_CPU} ({error.strerror}; root is needed)"
    return None


@contextmanager
def cpu_group(share: float | None) -> Iterator[Path | None]:
    """A fresh cgroup whose processes together get `share` of one CPU (CFS quota per 100 ms period)."""
    if share is None:
        yield None
        return
    group = CGROUP_CPU / f"bench-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
    group.mkdir()
    try:
        (group / "cpu.cfs_period_us").write_text("100000")
        (group / "cpu.cfs_quota_us").write_text(str(int(share * 100000)))
        yield group
    finally:
        group.rmdir()  # its one process has exited: the group is empty


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


def measure(
    runs: int,
    iterations: int,
    depths: list[int],
    parallel: int = 1,
    memories: tuple[int, ...] = MEMORY_SIZES,
    *,
    cold_only: bool = False,
    rows: tuple[str, ...] = ROWS,
    kinds: tuple[str, ...] = ("preflight", "get"),
) -> dict:
    """Every cell, `runs` times in a shuffled order; CPU-quota cells at the MemorySizes in `memories`.
    With `cold_only`, only the cold starts of `rows` for `kinds` (no warm, browser, DynamoDB, stages)."""
    props = table_props()
    server, endpoint = start_moto_server(props)
    envs = {row: worker_env(row, props, endpoint) for row in ROWS}
    in_process = {row: worker_env(row, props, None) for row in ROWS}
    cpu = cpu_quota_support()
    shares = [None, *(CPU_SHARES[m] for m in (1769, 512) if m in memories)] if cpu is None else [None]
    cold: dict = {}
    rss: dict = {row: [] for row in ROWS}
    imported: dict = {}
    warm: dict = {row: [] for row in ROWS}
    browser: dict = {}
    warm_quota: dict = {}
    shuffle = random.Random(7)  # noqa: S311 - an order, not a secret
    jobs: list[tuple] = [("cold", row, kind, share) for row in rows for kind in kinds for share in shares]
    if not cold_only:
        jobs += other_jobs(memories, quota=cpu is None)
    try:
        for _ in range(runs):
            shuffle.shuffle(jobs)
            with ThreadPoolExecutor(max_workers=parallel) as pool:
                results = list(pool.map(lambda job: run_job(job, envs, in_process, iterations), jobs))
            for job, result in zip(jobs, results, strict=True):
                what, row, kind, share = job
                if what == "cold":
                    cold.setdefault((row, kind, share), []).append(result["ms"])
                    if share is None:
                        rss[row].append(result["rss_mb"])
                        imported[row, kind] = result["imported"]
                elif what == "browser":
                    browser.setdefault((row, kind, share), []).append(result)
                elif what == "warm-get":
                    warm_quota.setdefault(share, []).append(result)
                else:
                    warm[row].append(result)
    finally:
        server.stop()
    if cold_only:
        return {"cold": cold, "rss": rss, "imported": imported, "cpu": cpu}
    dynamo = run_worker(in_process["ours"], "dynamo", "ours", ",".join(map(str, depths)))
    # The stage table and the warm targets' figures, timed side by side in one process.
    side_by_side = run_worker(
        in_process["ours"], "breakdown", "ours", str(runs * 3), str(max(20, iterations // 5))
    )
    return {
        "cold": cold,
        "rss": rss,
        "imported": imported,
        "warm": warm,
        "browser": browser,
        "warm_quota": warm_quota,
        "cpu": cpu,
        "dynamo": dynamo,
        "stages": side_by_side["stages"],
        "beside": side_by_side["beside"],
    }


def other_jobs(memories: tuple[int, ...], *, quota: bool) -> list[tuple]:
    """The cells besides the cold starts: what a browser waits for and the warm GET under each quota
    (when quotas work), and every row's warm requests."""
    jobs: list[tuple] = []
    if quota:
        for variant in VARIANTS:
            for scenario in ("browser-get", "preflight-put"):
                sizes = memories if scenario == "browser-get" and variant == "lazy" else (512, 1769)
                jobs += [("browser", variant, scenario, CPU_SHARES[m]) for m in sizes if m in memories]
        jobs += [("warm-get", "ours", "get", CPU_SHARES[memory]) for memory in memories]
    return jobs + [("warm", row, None, None) for row in ROWS]


def run_job(job: tuple, envs: dict, in_process: dict, iterations: int) -> dict:
    what, row, kind, share = job
    if what == "cold":
        env = envs[row] if share is None else {**envs[row], "BENCH_RSS": "0"}
        return run_worker(env, f"cold-{kind}", row, share=share)
    if what == "browser":
        strategy = row
        peer = strategy == "fastapi_boto3"
        env = {**envs["fastapi_boto3" if peer else "ours"], "BENCH_STRATEGY": strategy}
        return run_worker(env, f"cold-{kind}", "fastapi_boto3" if peer else "ours", share=share)
    if what == "warm-get":
        return run_worker(in_process["ours"], "warm-get", "ours", str(max(20, iterations // 3)), share=share)
    return run_worker(in_process[row], "warm", row, str(iterations))


def notes(data: dict, runs: int, iterations: int, seconds: float, load: tuple) -> list[str]:
    versions = ", ".join(
        f"{name} {version(name)}"
        for name in ("fastapi", "starlette", "pydantic", "mangum", "aws-lambda-powertools", "boto3", "moto")
    )
    unzipped, zipped = layer_size() if LAYER.is_dir() else (float("nan"), float("nan"))
    preflight_imports = ", ".join(data["imported"].get(("ours", "preflight"), [])) or "none"
    (before, _, _), (after, _, _) = load
    cpu = (
        "CPU quotas: a cgroup v1 `cpu.cfs_quota_us` per process (100 ms period), the share of one CPU Lambda "
        f"gives each MemorySize ({', '.join(f'{m:,} MB: {s}' for m, s in CPU_SHARES.items())})."
        if data["cpu"] is None
        else f"CPU quotas NOT measured: {data['cpu']}. Only the whole-machine columns are filled."
    )
    return [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.platform()}; Python {platform.python_version()}; {versions}. Load average (1 min) "
        f"{before:.1f} at the start, {after:.1f} at the end: other work shared the CPUs.",
        f"{runs} runs, all cells of a run in one shuffled order; cold figures are the median of {runs} fresh "
        f"processes per cell, warm figures the median over runs of each run's median / p99 of {iterations} "
        f"calls (after a warm-up; events parsed before the clock starts). Whole benchmark: {seconds:.0f} s.",
        cpu,
        "Cold GET: this template and naive FastAPI + boto3 read a moto server on localhost (this template "
        "also reads the page's counter); the other peers serve a list. Warm rows with DynamoDB: moto "
        "in-process, each distinct request answered once and then replayed (botocore still serializes, "
        "signs and parses every call). On AWS add the service's round trips.",
        "* Time inside boto3/botocore calls subtracted. † The same function with its repository answering "
        "from a list, as the list-serving peers do: the like-for-like figure, used by the ratios to raw and "
        "naive FastAPI. ‡ This template with DynamoDB against naive FastAPI + boto3 with DynamoDB.",
        "What a browser waits for: the CloudFront events; the PUT replaces the item the preflight asked "
        "about. Times from the start of the process: init and every request before it included. The warm "
        "GET under a quota runs back to back, so the quota throttles some calls and not others: its mean is "
        "the sustained cost per request, its median a request that found quota left.",
        f"Layer: {unzipped:.1f} MiB unzipped, {zipped:.2f} MiB zipped (sam build, with bytecode). Heavy "
        f"modules imported by this template's cold preflight: {preflight_imports}.",
        f"Stage table: median over {runs * 3} interleaved rounds of each round's median; stage 1 is the base "
        "of the warm GET and POST targets. The three warm targets divide figures timed side by side in those "
        "rounds, in one process (this template's last stage, its POST and CloudFront preflight, the raw "
        "handler's preflight, 1/5 of the warm rows' calls per round); the warm table's figures, each row "
        "from a process of its own, are given beside them.",
    ]


def version(name: str) -> str:
    for base in (PEER_DEPS, LAYER, RUNTIME):
        for dist in metadata.distributions(path=[str(base)]):
            if dist.metadata["Name"].lower() == name:
                return dist.version
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def write_doc(table: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    DOC.write_text(f"{before}{BEGIN}\n{table}{END}{after}", encoding="utf-8")


def cold_only(args: argparse.Namespace) -> None:
    """`--only cold`: the cold starts of the chosen rows and events, every CPU column, printed as the cold
    table (rows not run are left blank)."""
    rows = tuple(row for row in args.rows.split(",") if row)
    kinds = tuple(kind for kind in args.kinds.split(",") if kind)
    unknown = sorted(set(rows) - set(ROWS)) + sorted(set(kinds) - {"preflight", "get"})
    if unknown or not rows or not kinds:
        raise SystemExit(f"--rows takes {','.join(ROWS)}; --kinds takes preflight,get; not {unknown}")
    runs = 1 if args.quick else args.runs
    memories = (1769,) if args.quick else MEMORY_SIZES
    started, load_before = time.perf_counter(), os.getloadavg()
    data = measure(runs, 0, [], 1, memories, cold_only=True, rows=rows, kinds=kinds)
    seconds, load_after = time.perf_counter() - started, os.getloadavg()
    cpu = data["cpu"]
    quotas = "CPU quotas as in the full run" if cpu is None else f"CPU quotas NOT measured: {cpu}"
    print("Cold starts (median of the runs, each a fresh process):\n")
    head, rule, *lines = report.Report(data, CPU_SHARES, ROWS).cold_table()
    measured = [line for line in lines if any(cell.strip() for cell in line.split("|")[3:])]
    print("\n".join([head, rule, *measured]))
    print(
        f"\n- Cold starts only ({', '.join(rows)}; {', '.join(kinds)}): {runs} runs, one shuffled order per "
        f"run, {seconds:.0f} s; load average (1 min) {load_before[0]:.1f} at the start, {load_after[0]:.1f} "
        f"at the end. {quotas}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 run, few calls: checks the harness only")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=1500)
    parser.add_argument("--write", action="store_true", help=f"write the table into {DOC.relative_to(ROOT)}")
    parser.add_argument("--only", choices=["cold"], help="run only these cells (never written into the doc)")
    parser.add_argument("--rows", default=",".join(ROWS), help="with --only: the rows, comma-separated")
    parser.add_argument("--kinds", default="preflight,get", help="with --only cold: preflight, get or both")
    args = parser.parse_args()
    if args.only:
        cold_only(args)
        return
    for path, how in ((LAYER, "sam build"), (PEER_DEPS, "make bench"), (RUNTIME, "make bench")):
        if not path.is_dir():
            raise SystemExit(f"{path.relative_to(ROOT)} is missing: run {how} first")
    runs, iterations, depths = (1, 20, [1, 2]) if args.quick else (args.runs, args.iterations, [1, 10, 100])
    started, load_before = time.perf_counter(), os.getloadavg()
    # --quick only checks that the harness works: its workers may share the CPUs.
    # It runs the CPU-quota cells at one full vCPU only: at 512 MB each cold start takes seconds.
    data = measure(runs, iterations, depths, 4, (1769,)) if args.quick else measure(runs, iterations, depths)
    seconds, load_after = time.perf_counter() - started, os.getloadavg()
    zipped = layer_size()[1] if LAYER.is_dir() else None
    table = report.render(
        data, CPU_SHARES, ROWS, notes(data, runs, iterations, seconds, (load_before, load_after)), zipped
    )
    print(table)
    if args.write and not args.quick:
        write_doc(table)


if __name__ == "__main__":
    main()
