"""Saving a versioned HF dataset: rows to `save_to_disk`, a dataset card, a manifest.

Every dataset the pipeline writes goes through `save_version`, so each one is
complete or absent (built in a temporary folder, renamed into place), carries a
card with the HF YAML header, and lists the inputs it was made from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import yaml

from bbcopilot.workspace import Workspace, atomic_dir, atomic_write_json

SPLITS = ("train", "validation", "test")
ROWS_PER_BATCH = 1000


def _size_category(rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if rows < limit:
            return name
    return "100K<n<1M"


def dataset_card(
    name: str, version: str, rows_by_split: dict[str, int], languages: list[str], licences: dict[str, str], summary: str
) -> str:
    """A Hugging Face dataset card: YAML header (languages, licences, sizes, version) and prose."""
    total = sum(rows_by_split.values())
    header = {
        "pretty_name": f"bbcopilot {name}",
        "language": languages or ["en"],
        "license": sorted(set(licences.values())) or ["other"],
        "size_categories": [_size_category(total)],
        "version": version,
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": s, "path": f"{s}/*.arrow"} for s in rows_by_split],
            }
        ],
    }
    lines = [
        "---",
        yaml.safe_dump(header, sort_keys=False, allow_unicode=True).strip(),
        "---",
        "",
        f"# bbcopilot `{name}` dataset, version `{version}`",
        "",
        summary,
        "",
        "| split | rows |",
        "|---|---|",
        *(f"| {split} | {rows} |" for split, rows in rows_by_split.items()),
        "",
        "Licence per source:",
        "",
        *(f"- {source}: {licence}" for source, licence in sorted(licences.items())),
        "",
        "Load with `datasets.load_from_disk(<this folder>)`; `manifest.json` lists the inputs and their content hashes.",
        "",
    ]
    return "\n".join(lines)


def iter_rows(dataset, columns: list[str] | None = None, batch_size: int = ROWS_PER_BATCH) -> Iterator[dict[str, Any]]:
    """The rows of a DatasetDict (split by split, in order) or a Dataset, read a batch at a time."""
    for part in dataset.values() if hasattr(dataset, "values") else [dataset]:
        if columns:
            part = part.select_columns(columns)
        for batch in part.iter(batch_size=batch_size):
            yield from (dict(zip(batch, values)) for values in zip(*batch.values()))


def _by_split(rows: Iterable[dict[str, Any]]):
    """A DatasetDict of `rows` by their `split`, built a batch at a time (Arrow holds them, not Python).

    The features are those `Dataset.from_list` would infer from all rows at once: a column
    that is None throughout one batch takes its type from the others.
    """
    from datasets import Dataset, DatasetDict, Features, Value, concatenate_datasets

    parts: dict[str, list] = {split: [] for split in SPLITS}
    rows = iter(rows)
    while batch := list(islice(rows, ROWS_PER_BATCH)):
        for split in SPLITS:
            part = [row for row in batch if row["split"] == split]
            if part:
                parts[split].append(Dataset.from_list(part))
    ordered = [part for split in SPLITS for part in parts[split]]
    if not ordered:
        empty = Dataset.from_dict({"split": []}, features=Features({"split": Value("string")}))
        return DatasetDict({split: empty for split in SPLITS})
    every = concatenate_datasets(ordered)  # aligns the batches' features
    dataset, start = {}, 0
    for split in SPLITS:
        rows_in_split = sum(len(part) for part in parts[split])
        # A contiguous slice (no copy); an empty split past the last row is an empty selection.
        dataset[split] = every.select(range(start, start + rows_in_split) if rows_in_split else [])
        start += rows_in_split
    return DatasetDict(dataset)


def save_version(
    workspace: Workspace,
    stage: str,
    version: str,
    rows: Iterable[dict[str, Any]],
    *,
    card: dict[str, Any],
    manifest: dict[str, Any],
    extra_files: dict[str, str] | None = None,
) -> Path:
    """Write rows (each with a `split` field) as a DatasetDict under `<stage>/<version>` and move LATEST.

    `rows` may be a generator: it is read a batch at a time. A version that already exists is
    left as it is (its content is fixed by its hash) and `rows` is not read. `extra_files` are
    further text files of the version (name -> text), such as the stage's own report.
    """
    final = workspace.version_dir(stage, version)
    if not final.is_dir():
        dataset = _by_split(rows)
        with atomic_dir(final) as building:
            # One shard per split, also for an empty one: zero shards would not load back.
            dataset.save_to_disk(str(building), num_shards={split: 1 for split in SPLITS})
            rows_by_split = {split: len(dataset[split]) for split in SPLITS}
            (building / "README.md").write_text(
                dataset_card(stage.split("/")[-1], version, rows_by_split, **card), encoding="utf-8"
            )
            atomic_write_json(building / "manifest.json", {"version": version, **manifest})
            for name, text in (extra_files or {}).items():
                (building / name).write_text(text, encoding="utf-8")
    workspace.set_latest(stage, version)
    return final
