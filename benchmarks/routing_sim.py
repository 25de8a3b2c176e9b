"""Routing simulation: one day of inquiries through the real routing engine, against Erlang C.

    .venv/bin/python benchmarks/routing_sim.py                     # 300,000 inquiries, Markdown to stdout
    .venv/bin/python benchmarks/routing_sim.py --out result.md     # the same, also written to a file
    .venv/bin/python benchmarks/routing_sim.py --json              # one JSON object

Three runs of the same day's model (src/madoguchi/routing/simulation.py):

1. the staffing the issue asks for: per desk, the fewest agents that Erlang C says answer 80 % within 60 s in
   the desk's busiest hour, kept all day; per desk the share answered within 60 s, its Erlang C prediction
   (hour by hour, weighted by the volume offered), mean and p95 wait, and the engine's decisions per second;
2. the same with other seeds, to show how far one day scatters around the prediction;
3. the staffing planned on the busiest 15 minutes instead of the busiest hour.

`madoguchi bench routing --json` prints the first run alone. Results and their reading: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from madoguchi.routing.simulation import SimulationConfig, SimulationResult, simulate, table

GOAL_DECISIONS_PER_SECOND = 5_000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GiB, "
        f"Python {platform.python_version()}"
    )


def run(config: SimulationConfig) -> SimulationResult:
    log(f"{config.inquiries:,} inquiries, seed {config.seed}, staffing on {config.staffing_interval_min} min")
    result = simulate(config)
    log(f"  {result.wall_seconds:.1f} s, {result.decisions_per_second:,.0f} decisions/s")
    return result


def scatter(results: list[SimulationResult]) -> str:
    """Per desk, the lowest and highest share answered within 60 s over the seeds, beside Erlang C's."""
    lines = [
        "| desk | agents | answered ≤ 60 s, lowest – highest | Erlang C "
        "| peak hour: lowest – highest | peak: Erlang C |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for position, first in enumerate(results[0].desks):
        days = [result.desks[position] for result in results]
        day = [desk.service_level_60s for desk in days]
        peak = [desk.peak_service_level_60s for desk in days]
        lines.append(
            f"| {first.desk} | {first.agents} | {min(day) * 100:.1f} – {max(day) * 100:.1f} % "
            f"| {first.erlang_c_service_level_60s * 100:.1f} % | {min(peak) * 100:.1f} – {max(peak) * 100:.1f} % "
            f"| {first.peak_erlang_c_service_level_60s * 100:.1f} % |"
        )
    rates = [result.decisions_per_second for result in results]
    lines += ["", f"Decisions per second over these runs: {min(rates):,.0f} – {max(rates):,.0f}."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inquiries", type=int, default=300_000)
    parser.add_argument("--seeds", type=int, default=5, help="days drawn for the scatter (seeds 1..N)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of Markdown")
    parser.add_argument("--out", type=Path, help="also write the Markdown to this file")
    args = parser.parse_args()

    by_hour = [run(SimulationConfig(inquiries=args.inquiries, seed=seed)) for seed in range(1, args.seeds + 1)]
    by_quarter = run(SimulationConfig(inquiries=args.inquiries, seed=1, staffing_interval_min=15))
    first = by_hour[0]
    report: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "goal_decisions_per_second": GOAL_DECISIONS_PER_SECOND,
        "peak_hour_staffing": first.contract(),
        "peak_hour_staffing_other_seeds": [result.contract() for result in by_hour[1:]],
        "quarter_hour_staffing": by_quarter.contract(),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0 if first.decisions_per_second >= GOAL_DECISIONS_PER_SECOND else 1
    markdown = "\n".join(
        [
            f"### Routing simulation ({report['date']}, {report['machine']})",
            "",
            f"Staffing for 80 % answered within 60 s in each desk's busiest hour (Erlang C), seed {first.seed}:",
            "",
            table(first),
            "",
            f"The same staffing on {args.seeds} days (seeds 1–{args.seeds}):",
            "",
            scatter(by_hour),
            "",
            "Staffing planned on each desk's busiest 15 minutes instead, seed 1:",
            "",
            table(by_quarter),
            "",
            f"Goal: {GOAL_DECISIONS_PER_SECOND:,} decisions/s; measured {first.decisions_per_second:,.0f}.",
        ]
    )
    print(markdown)
    if args.out:
        args.out.write_text(markdown + "\n", encoding="utf-8")
    return 0 if first.decisions_per_second >= GOAL_DECISIONS_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
