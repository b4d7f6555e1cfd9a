"""Speed of the Component Pascal checker on the real BlackBox module sources, and on one large module.

    python benchmarks/check_speed.py [--runs 5] [--root ../shared/data/blackbox] [--large-mb 5]

Prints lines/s of check_source (median of the runs) and, as the baseline measured in the same
run, lines/s of the scanner alone, so the parse + rules cost shows as a ratio.

Then a module of --large-mb MB, built from Text/Mod/Models.odc by repeating its procedures
(renamed per copy, so it stays valid): its lines/s as a ratio of the small modules' throughput
(1.0 = time grows linearly with the module) and the growth of the process's peak RSS per MB
of source.
"""

from __future__ import annotations

import argparse
import re
import resource
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


def large_module(text: str, size: int) -> str:
    """A valid module of about `size` characters: `text`'s procedures repeated, renamed in each copy."""
    first = re.search(r"^\tPROCEDURE", text, re.M).start()
    end = text.rindex("\nBEGIN\n")
    head, procedures, tail = text[:first], text[first:end], text[end:]
    names = sorted(set(re.findall(r"^\tPROCEDURE\s*\^?\s*([A-Za-z]\w*)", procedures, re.M)), key=len, reverse=True)
    name = re.compile(r"(?<![.\w])(" + "|".join(names) + r")\b")  # not methods (p.Name) nor longer names
    copies = [procedures]
    while len(head) + len(procedures) * len(copies) < size:
        copies.append(name.sub(lambda m, i=len(copies): f"{m.group(1)}{i}", procedures))
    return head + "".join(copies) + tail


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--large-mb", type=float, default=5.0, help="size of the large module (0 = skip it)")
    ap.add_argument("--large-runs", type=int, default=3)
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
    if args.large_mb <= 0:
        return
    models = args.root / "Text" / "Mod" / "Models.odc"
    large = large_module(convert_file(models, args.root, "plain").text, int(args.large_mb * 1e6))
    large_lines = large.count("\n") + 1
    rss_before = _peak_rss_mb()
    findings = len(check_source(large))
    rss_growth = _peak_rss_mb() - rss_before
    large_rate = _rate(check_source, [large], large_lines, args.large_runs)
    print(f"large module:     {len(large) / 1e6:.1f} MB, {large_lines} lines, {findings} findings; "
          f"{large_rate:,.0f} lines/s (median of {args.large_runs} runs; "
          f"{large_rate / check_rate:.2f}x of the small modules' throughput)")
    print(f"peak RSS growth:  {rss_growth:,.0f} MB ({rss_growth / (len(large) / 1e6):,.0f} MB per MB of source)")


if __name__ == "__main__":
    main()
