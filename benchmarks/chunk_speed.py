"""Chunking speed against a raw batch encode of the same texts, in one run.

    .venv/bin/python benchmarks/chunk_speed.py [--model PATH] [--runs 5]

Converts the shared BlackBox corpus (plain rendering), then times
`bbcopilot.chunks.chunk_documents` (512/32 windows with context headers) and a
bare `tokenizers` `encode_batch` of the same texts, and prints tokens/s of
each and their ratio (goal: chunking >= 0.9x the raw encode). Without --model
a tiny tokenizer is trained on the corpus first (seconds).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bbcopilot.chunks import chunk_documents
from bbcopilot.config import load_settings
from bbcopilot.convert import convert_file, list_sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="Model folder or hub id whose tokenizer chunks (default: a tiny one).")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from transformers import AutoTokenizer

    root = load_settings("demo").sources.blackbox_dir
    rows = []
    for path in list_sources(root):
        converted = convert_file(path, root, "plain")
        meta = converted.meta
        rows.append({"id": meta.relpath, "source": "blackbox", "subsystem": meta.subsystem, "module": meta.module or "",
                     "kind": meta.kind, "title": meta.title, "split": "train", "text": converted.text})
    model = args.model
    if model is None:
        from bbcopilot.tiny_model import build_tiny_model

        model = str(build_tiny_model([r["text"] for r in rows], Path(tempfile.mkdtemp(prefix="chunk-bench-"))))
    tokenizer = AutoTokenizer.from_pretrained(model)
    texts = [r["text"] for r in rows]

    def raw() -> int:
        return sum(len(e.ids) for e in tokenizer.backend_tokenizer.encode_batch(texts, add_special_tokens=False))

    def chunked() -> int:
        chunks = chunk_documents(rows, tokenizer, 512, 32)
        return sum(c["token_end"] - c["token_start"] for c in chunks)  # body tokens, overlap counted again

    tokens = raw()
    timings: dict[str, list[float]] = {"raw encode": [], "chunking": []}
    for _ in range(args.runs):
        for name, work in (("raw encode", raw), ("chunking", chunked)):
            started = time.perf_counter()
            work()
            timings[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(f"{len(texts)} documents, {tokens} tokens, {sum(map(len, texts)) / 1e6:.2f} M characters")
    for name, seconds in medians.items():
        print(f"{name:>11}: {tokens / seconds / 1e6:6.2f} M tokens/s  ({seconds * 1000:.0f} ms, median of {args.runs})")
    print(f"      ratio: {medians['raw encode'] / medians['chunking']:.2f}x the raw encode (goal >= 0.9)")


if __name__ == "__main__":
    main()
