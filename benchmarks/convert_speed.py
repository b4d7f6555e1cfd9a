"""Convert speed: every BlackBox document of ../shared/data/blackbox in one process.

For each rendering: files/s and MB/s of input (median of --runs), reading,
parsing and rendering in memory (no output files). The baseline measured in the
same run is the cost of just reading the bytes from disk, so the ratio shows
what the converter adds.

    .venv/bin/python benchmarks/convert_speed.py [--src DIR] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bbcopilot.convert import RENDERINGS, convert_file, list_sources

DEFAULT_SRC = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "blackbox"


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="folder of .odc/.txt documents")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per rendering (the median is shown)")
    args = parser.parse_args()

    files = list_sources(args.src)
    if not files:
        raise SystemExit(f"no .odc/.txt files under {args.src}")
    size = sum(p.stat().st_size for p in files)
    print(f"{len(files)} files, {size / 1e6:.2f} MB under {args.src}")

    def read_only() -> None:
        for path in files:
            path.read_bytes()

    baseline = statistics.median(timed(read_only) for _ in range(args.runs))
    print(f"{'read bytes':>10}: {len(files) / baseline:8.0f} files/s {size / baseline / 1e6:8.1f} MB/s  (baseline)")
    for rendering in RENDERINGS:

        def convert(rendering: str = rendering) -> None:
            for path in files:
                convert_file(path, args.src, rendering)

        convert()  # warm-up: imports, caches
        seconds = statistics.median(timed(convert) for _ in range(args.runs))
        print(
            f"{rendering:>10}: {len(files) / seconds:8.0f} files/s {size / seconds / 1e6:8.1f} MB/s"
            f"  ({seconds * 1000:.0f} ms, {seconds / baseline:.1f}x reading)"
        )


if __name__ == "__main__":
    main()
