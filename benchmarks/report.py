"""The tables `make bench` prints and writes into docs/PERFORMANCE.md, from one run's measurements.

Every figure here is measured by benchmarks/__main__.py in the same run; the only constants are AWS's
list prices (PRICES), which the doc names as assumptions.
"""

from __future__ import annotations

import math
import statistics

LABELS = {
    "raw": "raw handler",
    "fastapi": "naive FastAPI",
    "fastapi_boto3": "naive FastAPI + boto3",
    "powertools": "Powertools",
    "ours": "this template",
}
VARIANT_LABELS = {
    "lazy": "ours, app imported on first use (default)",
    "eager": "ours, app imported at init",
    "fastapi_boto3": "naive FastAPI + boto3",
}
# us-east-1 list prices, x86_64 (docs/PERFORMANCE.md, "Beyond the local machine").
PRICES = {"lambda_request": 0.20 / 1e6, "gb_second": 0.0000166667}
WARM_KINDS = ("preflight", "preflight-cf", "get", "get-cf", "post", "404")
WARM_LABELS = {
    "preflight": "warm preflight (13-header event)",
    "preflight-cf": "warm preflight, CloudFront event (29 headers)",
    "get": "warm GET page of 20",
    "get-cf": "warm GET page of 20, CloudFront event",
    "post": "warm POST",
    "404": "warm 404",
}


def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}x" if value is not None and base else ""


def cpu_label(share: float | None) -> str:
    if share is None:
        return "whole machine"
    return f"{share:.2f} vCPU" if share < 1 else "1 vCPU"


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


class Report:
    """One run's measurements, and the tables and verdicts drawn from them."""

    def __init__(self, data: dict, shares: dict[int, float], rows: tuple[str, ...]) -> None:
        self.data = data
        self.shares = shares
        self.rows = rows
        self.quota = data["cpu"] is None  # None: the quota works; else the reason it does not

    def cold(self, row: str, kind: str, share: float | None) -> float | None:
        values = self.data["cold"].get((row, kind, share))
        return median(values) if values else None

    def warm(self, row: str, kind: str, stat: str = "median_us", part: str = "all") -> float | None:
        runs = self.data["warm"][row]
        if not runs or kind not in runs[0] or part not in runs[0][kind]:
            return None
        return median([run[kind][part][stat] for run in runs])

    def browser(self, variant: str, scenario: str, share: float, index: int = -1) -> float | None:
        results = self.data["browser"].get((variant, scenario, share))
        return median([result["answered_ms"][index] for result in results]) if results else None

    def stage_one(self) -> float:
        return next(iter(self.data["stages"].values()))

    def stage_last(self) -> float:
        """The items function itself, the stage table's last row."""
        return list(self.data["stages"].values())[-1]

    def warm_base(self, kind: str) -> float | None:
        """The base of a warm target in the warm table: the raw handler for a preflight, else stage 1."""
        return self.warm("raw", kind) if kind.startswith("preflight") else self.stage_one()

    # -- tables -----------------------------------------------------------------------------------------
    def cold_table(self) -> list[str]:
        head = ["cold start to the first response (ms)", "CPU", *(LABELS[row] for row in self.rows)]
        head += ["ours ÷ naive FastAPI", "ours ÷ naive FastAPI + boto3"]
        lines = []
        shares: list[float | None] = [None, self.shares[1769], self.shares[512]] if self.quota else [None]
        for kind in ("preflight", "get"):
            for share in shares:
                values = {row: self.cold(row, kind, share) for row in self.rows}
                cells = [f"first {'GET' if kind == 'get' else 'preflight'}", cpu_label(share)]
                cells += [fmt(v) if v is not None else "" for v in values.values()]
                cells += [
                    ratio(values["ours"], values["fastapi"]),
                    ratio(values["ours"], values["fastapi_boto3"]),
                ]
                lines.append(cells)
        return table(head, lines)

    def warm_table(self) -> list[str]:
        head = [
            "measure (µs)",
            *(LABELS[row] for row in self.rows),
            "ours excl. boto3*",
            "ours, data in memory†",
        ]
        head += ["ours ÷ raw", "ours ÷ naive FastAPI", "ours ÷ naive FastAPI + boto3‡"]
        lines = []
        for kind in WARM_KINDS:
            for stat in ("median_us", "p99_us"):
                values = {row: self.warm(row, kind, stat) for row in self.rows}
                own, memory = self.warm("ours", kind, stat, "own"), self.warm("ours", kind, stat, "memory")
                like = memory if memory is not None else values["ours"]
                cells = [f"{WARM_LABELS[kind]}, {stat.split('_')[0]}"]
                cells += [fmt(v) if v is not None else "" for v in values.values()]
                cells += [fmt(own) if own is not None and kind.startswith(("get", "post", "404")) else ""]
                cells += [fmt(memory) if memory is not None else ""]
                cells += [ratio(like, values["raw"]), ratio(like, values["fastapi"])]
                cells += [ratio(values["ours"], values["fastapi_boto3"])]
                lines.append(cells)
        rss = {row: median(self.data["rss"][row]) for row in self.rows}
        lines.append(["peak RSS after import + 100 calls (MiB)", *(fmt(v) for v in rss.values()), "", ""])
        lines[-1] += [ratio(rss["ours"], rss["raw"]), ratio(rss["ours"], rss["fastapi"])]
        lines[-1] += [ratio(rss["ours"], rss["fastapi_boto3"])]
        return table(head, lines)

    def browser_table(self) -> list[str]:
        head = ["what a browser waits for on a cold start (ms)", "CPU (MemorySize)"]
        head += [VARIANT_LABELS[variant] for variant in VARIANT_LABELS]
        lines = []
        for memory in (512, 1769):
            share = self.shares[memory]
            for label, scenario, index in (
                ("first credentialed GET (simple request)", "browser-get", -1),
                ("preflight answered", "preflight-put", 0),
                ("the PUT after it answered", "preflight-put", -1),
            ):
                cells = [label, f"{cpu_label(share)} ({memory:,} MB)"]
                for variant in VARIANT_LABELS:
                    value = self.browser(variant, scenario, share, index)
                    cells.append(fmt(value) if value is not None else "")
                lines.append(cells)
        return table(head, lines)

    def memory_table(self) -> list[str]:
        head = [
            "MemorySize",
            "CPU",
            "cold GET (ms)",
            "cold GET, Lambda $ per million cold starts",
            "warm GET mean (µs)",
        ]
        head += ["warm GET median (µs)", "warm GET, Lambda $ per million"]
        lines = []
        for memory, share in self.shares.items():
            cold = self.browser("lazy", "browser-get", share)
            warm = self.data["warm_quota"].get(share, [])
            mean = median([result["mean_us"] for result in warm]) if warm else None
            mid = median([result["median_us"] for result in warm]) if warm else None
            lines.append(
                [
                    f"{memory:,} MB",
                    cpu_label(share),
                    fmt(cold) if cold is not None else "",
                    f"${lambda_cost(memory, cold):.2f}" if cold is not None else "",
                    fmt(mean) if mean is not None else "",
                    fmt(mid) if mid is not None else "",
                    f"${lambda_cost(memory, mean / 1000):.2f}" if mean is not None else "",
                ]
            )
        return table(head, lines)

    def stage_table(self) -> list[str]:
        powertools = self.warm("powertools", "get") or math.nan
        lines, previous = [], 0.0
        for stage, value in self.data["stages"].items():
            lines.append([stage, fmt(value), fmt(value - previous), f"{value / self.stage_one():.2f}x"])
            lines[-1].append(f"{value / powertools:.2f}x")
            previous = value
        return table(["stage", "median (µs)", "added (µs)", "÷ stage 1", "÷ Powertools GET"], lines)

    def targets(self, zipped: float | None) -> list[tuple[str, str, bool | None]]:
        """(target, measured, met) for every target of issues 7 and 18; met None: not measured here."""
        found: list[tuple[str, str, bool | None]] = []

        def add(
            target: str, value: float | None, base: float | None, limit: float, what: str, *, also: str = ""
        ) -> None:
            # `also`: another measurement of the same ratio, shown after the one that decides
            if value is None or not base:
                found.append((target, "not measured: " + what, None))
                return
            measured = f"{fmt(value)} vs {fmt(base)}: **{value / base:.2f}x**{also}"
            found.append((target, measured, value / base <= limit))

        for share, where in ((None, "whole machine"), (self.shares[512], "0.29 vCPU (512 MB)")):
            add(
                f"cold GET ≤ 0.9x naive FastAPI + boto3, {where}",
                self.cold("ours", "get", share),
                self.cold("fastapi_boto3", "get", share),
                0.9,
                self.data["cpu"] or "",
            )
        # Both sides of each warm ratio timed in one process, rounds interleaved (worker.breakdown); the
        # figures of the warm table, each row from a process of its own, are given beside them.
        stage_one, beside = self.stage_one(), self.data["beside"]
        warm_targets = (
            (
                "warm GET page of 20, data in memory ≤ 2x stage 1",
                self.stage_last(),
                stage_one,
                ("ours", "get"),
            ),
            ("warm POST, data in memory ≤ 2x stage 1", beside["ours post"], stage_one, ("ours", "post")),
            (
                "warm preflight, CloudFront event ≤ 2x raw handler",
                beside["ours preflight-cf"],
                beside["raw preflight-cf"],
                ("ours", "preflight-cf"),
            ),
        )
        for target, value, base, (row, kind) in warm_targets:
            part = "all" if kind.startswith("preflight") else "memory"
            apart, apart_base = self.warm(row, kind, part=part), self.warm_base(kind)
            also = ""
            if apart is not None and apart_base:
                also = (
                    f" side by side; warm table: {fmt(apart)} vs {fmt(apart_base)}, {apart / apart_base:.2f}x"
                )
            add(target, value, base, 2, "", also=also)
        add(
            "cold preflight ≤ 0.25x naive FastAPI",
            self.cold("ours", "preflight", None),
            self.cold("fastapi", "preflight", None),
            0.25,
            "",
        )
        if zipped is not None:
            found.append(("layer zipped ≤ 6 MiB", f"**{zipped:.2f} MiB**", zipped <= 6))
        dynamo = self.data["dynamo"]
        cursor = [cost["items"] for cost in dynamo["cursor"].values()]
        found.append(
            (
                "cursor page ≤ limit + small constant",
                f"**{fmt(max(cursor))} items** at every depth",
                max(cursor) <= 22,
            )
        )
        found.append(
            (
                "a cursor page reads no counter",
                f"**{int(max(cost['calls'] for cost in dynamo['cursor'].values()))} call(s)** per page",
                max(cost["calls"] for cost in dynamo["cursor"].values()) == 1,
            )
        )
        return found


def lambda_cost(memory: int, milliseconds: float) -> float:
    """Lambda's charge per million requests of that duration (billed per started ms) at that MemorySize."""
    billed = math.ceil(milliseconds) / 1000
    return (PRICES["lambda_request"] + memory / 1024 * billed * PRICES["gb_second"]) * 1e6


def render(
    data: dict, shares: dict[int, float], rows: tuple[str, ...], notes: list[str], zipped: float | None
) -> str:
    report = Report(data, shares, rows)
    parts: list[list[str]] = [
        ["Cold starts (median of the runs, each a fresh process):", ""],
        report.cold_table(),
    ]
    parts += [["", "Warm requests:", ""], report.warm_table()]
    if report.quota:
        parts += [
            ["", "What a browser waits for on a cold start, by how the app is imported:", ""],
            report.browser_table(),
        ]
        parts += [
            ["", "MemorySize: latency and Lambda's charge per million requests (requests + GB-seconds):", ""]
        ]
        parts += [report.memory_table()]
    parts += [
        ["", "Where this template's warm GET goes (data in memory at every stage; benchmarks/stages.py):", ""]
    ]
    parts += [report.stage_table()]
    parts += [["", "DynamoDB reads per list request:", ""], dynamo_table(data["dynamo"])]
    verdicts = [
        [target, measured, {True: "met", False: "not met", None: "not measured"}[met]]
        for target, measured, met in report.targets(zipped)
    ]
    parts += [["", "Targets, from this run:", ""], table(["target", "measured", "status"], verdicts)]
    parts += [["", *(f"- {note}" for note in notes)]]
    return "\n".join(line for part in parts for line in part) + "\n"


def dynamo_table(dynamo: dict) -> list[str]:
    lines = []
    for style in ("page", "cursor"):
        for depth, cost in dynamo[style].items():
            lines.append([f"{style}-style, page {depth}", fmt(cost["items"]), str(cost["calls"])])
    lines.append(["`total` (page style)", "1", "1"])
    return table(["request", "items read", "DynamoDB calls"], lines)
