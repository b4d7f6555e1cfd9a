"""Fuzz the .odc reader: mutate real documents, read and render each mutant.

Mutations (1-3 per case): bit flips, random bytes, truncations, 4-byte fields
set to huge or negative values, next/down offsets pointing backwards (cycles).
Only OdcError may come out; anything else is a crash and is printed with the
seed that reproduces it. The slowest case is reported with its time.

    .venv/bin/python benchmarks/fuzz_odc.py [--cases 10000] [--seed 1] [--src DIR]
"""

from __future__ import annotations

import argparse
import random
import struct
import time
import traceback
from pathlib import Path

from bbcopilot.odc import RENDERINGS, OdcError, read_odc, render

DEFAULT_SRC = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "blackbox"
HUGE = (0x7FFFFFFF, 0x7FFFFFF0, -0x80000000, -1, 1 << 20, 1 << 30)


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        if not out:
            break
        where = rng.randrange(len(out))
        kind = rng.randrange(5)
        if kind == 0:
            out[where] ^= 1 << rng.randrange(8)
        elif kind == 1:
            out[where] = rng.randrange(256)
        elif kind == 2:
            del out[where:]
        elif kind == 3:
            out[where : where + 4] = struct.pack("<i", rng.choice(HUGE))
        else:
            out[where : where + 4] = struct.pack("<i", -rng.randrange(1, 4096))
    return bytes(out[: len(data)]) if len(out) > len(data) else bytes(out)


def run_case(data: bytes) -> str:
    try:
        document = read_odc(data, "fuzz.odc")
    except OdcError:
        return "rejected"
    for rendering in RENDERINGS:
        render(document, rendering).encode("utf-8")
    return "read"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--max-bytes", type=int, default=100_000, help="skip larger documents (speed)")
    args = parser.parse_args()

    inputs = [(p, p.read_bytes()) for p in sorted(args.src.rglob("*.odc")) if p.stat().st_size <= args.max_bytes]
    if not inputs:
        raise SystemExit(f"no .odc files under {args.src}")
    outcomes = {"read": 0, "rejected": 0}
    crashes = []
    slowest = (0.0, None, None)
    started = time.perf_counter()
    for case in range(args.cases):
        rng = random.Random(f"{args.seed}-{case}")
        path, original = rng.choice(inputs)
        data = mutate(original, rng)
        begin = time.perf_counter()
        try:
            outcomes[run_case(data)] += 1
        except Exception as error:  # noqa: BLE001 - the point is to catch everything else
            crashes.append((case, path.name, f"{type(error).__name__}: {error}", traceback.format_exc(limit=3)))
        elapsed = time.perf_counter() - begin
        if elapsed > slowest[0]:
            slowest = (elapsed, case, path.relative_to(args.src).as_posix())
    total = time.perf_counter() - started
    print(f"cases run: {args.cases} over {len(inputs)} documents in {total:.1f} s ({args.cases / total:.0f}/s)")
    print(f"read anyway: {outcomes['read']}, rejected with OdcError: {outcomes['rejected']}")
    print(f"crashes other than OdcError: {len(crashes)}")
    for case, name, message, trace in crashes[:10]:
        print(f"  case {case} ({name}, --seed {args.seed}): {message}\n{trace}")
    print(f"slowest case: #{slowest[1]} on {slowest[2]}, {slowest[0] * 1000:.1f} ms")
    raise SystemExit(1 if crashes else 0)


if __name__ == "__main__":
    main()
