"""Saving a versioned HF dataset: rows to `save_to_disk`, a dataset card, a manifest.

Every dataset the pipeline writes goes through `save_version`, so each one is
complete or absent (built in a temporary folder, renamed into place), carries a
card with the HF YAML header, and lists the inputs it was made from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bbcopilot.workspace import Workspace, atomic_dir, atomic_write_json

SPLITS = ("train", "validation", "test")


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


def save_version(
    workspace: Workspace,
    stage: str,
    version: str,
    rows: list[dict[str, Any]],
    *,
    card: dict[str, Any],
    manifest: dict[str, Any],
) -> Path:
    """Write rows (each with a `split` field) as a DatasetDict under `<stage>/<version>` and move LATEST.

    A version that already exists is left as it is: its content is fixed by its hash.
    """
    from datasets import Dataset, DatasetDict, Features, Value

    final = workspace.version_dir(stage, version)
    if not final.is_dir():
        by_split = {split: [r for r in rows if r["split"] == split] for split in SPLITS}
        features = Dataset.from_list(rows).features if rows else Features({"split": Value("string")})
        dataset = DatasetDict(
            {
                split: Dataset.from_dict({name: [row[name] for row in part] for name in features}, features=features)
                for split, part in by_split.items()
            }
        )
        with atomic_dir(final) as building:
            # One shard per split, also for an empty one: zero shards would not load back.
            dataset.save_to_disk(str(building), num_shards={split: 1 for split in SPLITS})
            rows_by_split = {split: len(split_rows) for split, split_rows in by_split.items()}
            (building / "README.md").write_text(
                dataset_card(stage.split("/")[-1], version, rows_by_split, **card), encoding="utf-8"
            )
            atomic_write_json(building / "manifest.json", {"version": version, **manifest})
    workspace.set_latest(stage, version)
    return final
