"""Convert speed: every BlackBox document of ../shared/data/blackbox in one process, then the CLI over a tree.

For each rendering: files/s and MB/s of input (median of --runs), reading,
parsing and rendering in memory (no output files). The baseline measured in the
same run is the cost of just reading the bytes from disk, so the ratio shows
what the converter adds.

Then `bbcopilot convert TREE OUT` (a fresh process: start-up, the walk, every
output written, one sync, the rename into place) against the in-process reader
over the same tree (`convert_file` on each file, plain): the CLI's throughput as
a fraction of the reader's (goal: >= 0.7), into a new OUT and replacing an earlier
one (which deletes the old tree too). Timings alternate and take medians, as other
work on the machine shifts both alike.

    .venv/bin/python benchmarks/convert_speed.py [--src DIR] [--tree DIR] [--runs 7]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bbcopilot.convert import RENDERINGS, convert_file, list_sources

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
DEFAULT_SRC = SHARED / "data" / "blackbox"
DEFAULT_TREE = SHARED / "bbcp"
BBCOPILOT = Path(sys.executable).parent / "bbcopilot"


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="folder of .odc/.txt documents")
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE, help="folder for the CLI against the in-process reader")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per rendering (the median is shown)")
    args = parser.parse_args()
    in_memory(args)
    cli_over_a_tree(args.tree, args.runs)


def in_memory(args: argparse.Namespace) -> None:

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



def cli_over_a_tree(tree: Path, runs: int) -> None:
    files = list_sources(tree)
    if not files:
        raise SystemExit(f"no .odc/.txt files under {tree}")
    size = sum(p.stat().st_size for p in files)
    print(f"\nCLI over a tree: {len(files)} files, {size / 1e6:.2f} MB under {tree}")

    def in_process() -> None:
        for path in files:
            convert_file(path, tree, "plain")

    with tempfile.TemporaryDirectory(prefix="convert-speed-") as scratch:
        outputs = itertools.count()

        def cli(out: Path) -> None:
            command = [str(BBCOPILOT), "convert", str(tree), str(out), "--format", "plain"]
            result = subprocess.run(command, capture_output=True, text=True)
            # Exit 1 only lists inputs that failed to convert; the timing still holds.
            if result.returncode not in (0, 1):
                raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")

        in_process()  # warm-up: imports, the page cache
        cli(Path(scratch) / "earlier")
        reader, fresh, replacing = [], [], []
        for _ in range(runs):
            reader.append(timed(in_process))
            fresh.append(timed(lambda: cli(Path(scratch) / f"out-{next(outputs)}")))
            replacing.append(timed(lambda: cli(Path(scratch) / "earlier")))
    reader_s = statistics.median(reader)
    print(f"{'in-process':>10}: {len(files) / reader_s:8.0f} files/s {size / reader_s / 1e6:8.1f} MB/s  ({reader_s * 1000:.0f} ms, baseline)")
    for name, seconds in (("CLI, new OUT", statistics.median(fresh)), ("CLI, replacing OUT", statistics.median(replacing))):
        print(
            f"{name:>18}: {len(files) / seconds:8.0f} files/s {size / seconds / 1e6:8.1f} MB/s  ({seconds * 1000:.0f} ms)"
            f"  throughput {reader_s / seconds:.2f}x in-process (goal >= 0.7)"
        )

if __name__ == "__main__":
    main()
