"""Speed of the Component Pascal checker on the real BlackBox module sources.

    python benchmarks/check_speed.py [--runs 5] [--root ../shared/data/blackbox]

Prints lines/s of check_source (median of the runs) and, as the baseline measured in the same
run, lines/s of the scanner alone, so the parse + rules cost shows as a ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bbcopilot.convert import convert_file, list_sources
from bbcopilot.cpcheck import check_source
from bbcopilot.cpcheck.checker import parser
from bbcopilot.cpcheck.lexer import scan

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "blackbox"


def _rate(fn, texts: list[str], lines: int, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for text in texts:
            fn(text)
        times.append(time.perf_counter() - t0)
    return lines / statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    paths = [p for p in list_sources(args.root) if p.parent.name == "Mod" and p.suffix == ".odc"]
    if not paths:
        raise SystemExit(f"no Mod/*.odc sources under {args.root}")
    texts = [convert_file(p, args.root, "plain").text for p in paths]
    lines = sum(t.count("\n") + 1 for t in texts)
    parser()  # grammar construction is not part of the measurement
    accepted = sum(1 for t in texts if not check_source(t))
    scan_rate = _rate(scan, texts, lines, args.runs)
    check_rate = _rate(check_source, texts, lines, args.runs)
    print(f"modules accepted: {accepted}/{len(texts)} ({lines} lines)")
    print(f"scanner only:     {scan_rate:,.0f} lines/s (baseline)")
    print(f"check_source:     {check_rate:,.0f} lines/s (median of {args.runs} runs; "
          f"{check_rate / scan_rate:.2f}x of the scanner)")


if __name__ == "__main__":
    main()
