"""Compiles per second with BlackBox's compiler: batch mode against one process per file and the lark checker.

    python benchmarks/compile_speed.py [--root ../shared/bbcp] [--count 400] [--per-file 40] [--runs 3]

The sources are real programs in two sets: small programs (the reference solutions of the BlackBox
tasks, bbcopilot/blackbox/bench/blackbox/*/reference.cp, and the modules of tests/cp: what a model's
answer looks like) and the tree's example modules (`Obx/Mod/*.odc`, about 100 lines each); those of
them that compile against the build, renamed per copy (ObxHello0 -> ObxHello0C7) until each set
has --count distinct modules (a batch compiles each module name once).
In one run, on each set, it measures (a) batch mode: `compile_sources` on all of them, one compiler
process, and (a') the same batch split over one compiler process per CPU (`processes=`, as the
evaluation's verdict compiles answers); (b) one compiler process per file: `compile_sources` called
with one source at a time, on the first --per-file of them; (c) the lark checker (`check_source`) on
all of them. It prints the rates (median of --runs), the ratios against one process per file and
against the checker, and the issue's goal line for each set. The compiler is single-threaded and
CPU-bound: on a shared machine the figures move with its load (shown).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from pathlib import Path

from bbcopilot.blackbox import build_toolchain, compile_sources
from bbcopilot.config import load_settings
from bbcopilot.convert import convert_file
from bbcopilot.cpcheck import check_source
from bbcopilot.cpcheck.checker import parser
from bbcopilot.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TREE = ROOT.parent / "shared" / "bbcp"
HAND_WRITTEN = ROOT / "tests" / "cp"
TASKS = ROOT / "bbcopilot" / "blackbox" / "bench" / "blackbox"
GOAL = 200.0  # compiles/s in batch (issue 10)
_MODULE = re.compile(r"\bMODULE\s+([A-Za-z]\w*)")


def small_programs() -> list[tuple[str, str]]:
    paths = sorted(TASKS.glob("*/reference.cp")) + sorted(HAND_WRITTEN.glob("*.cp"))
    return [(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in paths]


def examples(tree: Path) -> list[tuple[str, str]]:
    return [(p.relative_to(tree).as_posix(), convert_file(p, tree, "plain").text)
            for p in sorted((tree / "Obx" / "Mod").glob("*.odc"))]


def renamed(name: str, text: str, copy: int) -> tuple[str, str]:
    module = _MODULE.search(text).group(1)
    return f"{name}#{copy}", re.sub(rf"\b{module}\b", f"{module}C{copy}", text)


def _seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_TREE, help="the BlackBox tree whose Obx examples are compiled")
    ap.add_argument("--count", type=int, default=400, help="sources in the batch")
    ap.add_argument("--per-file", type=int, default=40, help="sources compiled one process each")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", default="demo", help="settings profile naming the toolchain")
    args = ap.parse_args()
    settings = load_settings(args.profile)
    build = build_toolchain(Workspace(settings.workspace), settings.toolchain)
    parser()  # grammar construction is not part of the measurement
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for label, candidates in (("small programs", small_programs()), ("Obx examples", examples(args.root))):
        measure(build, label, candidates, args)


def measure(build: Path, label: str, candidates: list[tuple[str, str]], args: argparse.Namespace) -> None:
    compiling = [src for src, result in zip(candidates, compile_sources(build, candidates)) if result.ok]
    if not compiling:
        raise SystemExit(f"{label}: none of the {len(candidates)} programs compiles")
    sources = [renamed(*compiling[i % len(compiling)], i // len(compiling)) for i in range(args.count)]
    lines = sum(text.count("\n") + 1 for _, text in sources)
    single = sources[:args.per_file]

    failed = sum(not r.ok for r in compile_sources(build, sources))
    batch = args.count / _seconds(lambda: compile_sources(build, sources), args.runs)
    cpus = os.cpu_count() or 1
    parallel = args.count / _seconds(lambda: compile_sources(build, sources, processes=cpus), args.runs)
    per_file = len(single) / _seconds(lambda: [compile_sources(build, [s]) for s in single], args.runs)
    checker = args.count / _seconds(lambda: [check_source(text, name) for name, text in sources], args.runs)

    print(f"\n{label}: {args.count} sources ({len(compiling)} of {len(candidates)} programs compile, renamed "
          f"copies; {lines / args.count:.0f} lines a source); {failed} failed in the batch")
    print(f"  per file: {per_file:8,.0f} compiles/s (one compiler process per source, {len(single)} sources; baseline)")
    print(f"  batch:    {batch:8,.0f} compiles/s (one compiler process, median of {args.runs} runs)")
    print(f"  parallel: {parallel:8,.0f} compiles/s (the batch over {cpus} compiler processes)")
    print(f"  checker:  {checker:8,.0f} checks/s (lark check_source)")
    print(f"  batch/per-file: {batch / per_file:.1f}x   parallel/per-file: {parallel / per_file:.1f}x   "
          f"batch/checker: {batch / checker:.2f}x   parallel/checker: {parallel / checker:.2f}x")
    best = max(batch, parallel)
    print(f"  goal: >= {GOAL:.0f} compiles/s in batch: {'PASS' if best >= GOAL else 'FAIL'} ({best:,.0f})")


if __name__ == "__main__":
    main()
