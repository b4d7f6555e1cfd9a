"""Build time and coverage of the API index of the whole BlackBox distribution.

    python benchmarks/api_index_build.py [--root ../shared/bbcp]

Prints what `build_distribution_index` indexes (modules, exported names, modules known by name
only, files it could not read fully) and its wall time (a process per CPU). Then, on one CPU and
in the same run, the module sources indexed as the build does (procedure bodies left out of the
parse) against the baseline of parsing every module whole, as a ratio.
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from lark.exceptions import LarkError

from bbcopilot.api_index import _api_of_tree, _distribution_text, build_distribution_index, distribution_files, index_module_source
from bbcopilot.cpcheck.checker import parse_tokens, parser
from bbcopilot.cpcheck.lexer import scan

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "bbcp"


def _whole_parse(text: str) -> None:
    try:
        _api_of_tree(parse_tokens(scan(text).tokens))
    except LarkError:  # the baseline only times the parse; the build reports what it cannot parse
        return


def _cpu_seconds(fn, texts: list[str]) -> float:
    gc.disable()  # as the build does (the checker's reason: no cycles among tokens and nodes)
    try:
        started = time.process_time()
        for text in texts:
            fn(text)
        return time.process_time() - started
    finally:
        gc.enable()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    args = ap.parse_args()
    parser()  # grammar construction is not part of the measurement
    started = time.perf_counter()
    index, skipped = build_distribution_index(args.root)
    wall = time.perf_counter() - started
    sources, docs = distribution_files(args.root)
    exports = sum(len(index.exports(m)) for m in index.modules)
    name_only = sum(not index.exports_known(m) for m in index.modules)
    print(f"files:            {len(sources)} module sources, {len(docs)} documentation pages under {args.root}")
    print(f"indexed:          {len(index.modules)} modules ({name_only} by name only), {exports} exported names; "
          f"{len(skipped)} files not read fully")
    print(f"build:            {wall:.1f} s wall")
    texts = [_distribution_text(p, args.root) for p in sources]
    baseline = _cpu_seconds(_whole_parse, texts)
    fast = _cpu_seconds(index_module_source, texts)
    print(f"whole parse:      {baseline:.1f} s CPU for the module sources (baseline)")
    print(f"declarations:     {fast:.1f} s CPU ({fast / baseline:.2f}x of the baseline)")


if __name__ == "__main__":
    main()
