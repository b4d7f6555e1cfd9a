"""Telegram reply threading on long chains: 1k, 4k and 16k messages, each replying to the last.

    .venv/bin/python benchmarks/telegram_threads.py [--runs 5]

Times what a refresh does with a chain: the store finding each message's thread as it
is written (scrapers/telegram.py), then the `documents` rows and the `dialogs`
conversations grouped from the records read back. Prints the time of each size and the
ratio of the largest to the smallest against the ratio of their sizes (goal: x16 input
<= x20 time; the quadratic walk this replaced took x16 for x4). Times are this process's
CPU time (user + system), the best of --runs with the sizes interleaved, so other work on
a shared machine does not count.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bbcopilot.config import DatasetSettings
from bbcopilot.corpus import rows_from_telegram
from bbcopilot.dialogs import dialogs_from_telegram
from bbcopilot.workspace import read_jsonl
from scrapers.telegram import _MessageWriter

SIZES = (1_000, 4_000, 16_000)


def chain(size: int) -> list[dict]:
    return [
        {"message_id": i, "chat": "chain", "date": f"2024-01-01T{i // 3600 % 24:02}:{i // 60 % 60:02}:{i % 60:02}+00:00",
         "author": f"user-{i % 2}", "reply_to": i - 1 if i > 1 else None, "forwarded_from": None, "edited": False,
         "text": f"message {i}"}
        for i in range(1, size + 1)
    ]


def thread_once(records: list[dict], folder: Path) -> float:
    started = time.process_time()
    writer = _MessageWriter(folder)
    for record in records:
        writer.append(record)
    stored = read_jsonl(writer.path)
    rows = rows_from_telegram(stored)
    dialogs = dialogs_from_telegram(stored, DatasetSettings())
    seconds = time.process_time() - started
    assert len(rows) == 1 and len(dialogs) == 1, "a chain is one thread"
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    chains = {size: chain(size) for size in SIZES}
    times: dict[int, list[float]] = {size: [] for size in SIZES}
    with tempfile.TemporaryDirectory(prefix="telegram-threads-") as tmp:
        for run in range(args.runs):  # sizes interleaved, so a busy spell slows them alike
            for size in SIZES:
                times[size].append(thread_once(chains[size], Path(tmp) / f"{size}-{run}"))
    best = {size: min(values) for size, values in times.items()}
    for size in SIZES:
        print(f"{size:>6} chained messages: {best[size] * 1000:8.1f} ms CPU  (best of {args.runs})")
    small, large = SIZES[0], SIZES[-1]
    print(f"  ratio: x{large // small} input -> x{best[large] / best[small]:.1f} time (goal <= x20)")


if __name__ == "__main__":
    main()
