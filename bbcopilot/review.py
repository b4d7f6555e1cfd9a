"""Human review of generated pairs: decisions stored with the pair, read back by the stages they feed.

A person accepts or rejects QA pairs (`datasets/qa`) or DPO's preference pairs
(`datasets/preferences`) in a batch (the `review` flow shows it as a form in the Prefect UI). Each
decision is kept in `reviews/<dataset>/<version>.jsonl` beside the dataset version it was made on:
the pair's key, its text, accept or reject, the reviewer's note, the time.

A pair's key is its content (question and answer; a preference pair's id, the hash of its prompt,
chosen and rejected answers), not a row's position,
so a decision follows the pair into any later version that holds the very same pair, and a new
pair that happens to get the same row id is not taken for the reviewed one. Rejections feed:

- the QA filters: a rejected QA pair is dropped by the next QA build (the filter "human review");
- DPO: a rejected preference pair is dropped from the next preferences dataset, DPO's training set.

A QA pair a person rejected is only dropped: it does not become a rejected side for DPO, since the
review names no answer to prefer to it. Accepting changes nothing a stage makes, so only the
rejections count in the stages' versions (`rejections_fingerprint`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bbcopilot.errors import InputError
from bbcopilot.workspace import Workspace, content_hash, read_jsonl, write_jsonl

REVIEWS = "reviews"
QA_PAIRS = "qa"
PREFERENCE_PAIRS = "preferences"
DATASETS = {QA_PAIRS: "datasets/qa", PREFERENCE_PAIRS: "datasets/preferences"}
Decision = Literal["accept", "reject"]
DECISIONS = ("accept", "reject")
HUMAN_REVIEW = "human review"


def qa_key(question: str, answer: str) -> str:
    return content_hash("qa", question.strip(), answer.strip())[:16]


def shown_pair(dataset: str, row: dict[str, Any]) -> dict[str, Any]:
    """What a reviewer reads of a dataset row, with the pair's key: QA's question and answer, or a
    preference pair's prompt, chosen and rejected answers."""
    if dataset == QA_PAIRS:
        question = next(m["content"] for m in row["messages"] if m["role"] == "user")
        answer = next(m["content"] for m in reversed(row["messages"]) if m["role"] == "assistant")
        return {"key": qa_key(question, answer), "id": row["id"], "question": question, "answer": answer}
    prompt = "\n\n".join(turn["content"] for turn in row["prompt"])
    # A preference row's id is the hash of its content already (`preferences.preference_row`).
    return {"key": row["id"], "id": row["id"], "question": prompt,
            "chosen": row["chosen"], "rejected": row["rejected"], "origin": row["origin"]}


def reviews_dir(workspace: Workspace, dataset: str) -> Path:
    if dataset not in DATASETS:
        raise InputError(dataset, f"no such reviewed dataset; choose one of {', '.join(DATASETS)}")
    return workspace.root / REVIEWS / dataset


def reviews_file(workspace: Workspace, dataset: str, version: str) -> Path:
    return reviews_dir(workspace, dataset) / f"{version}.jsonl"


def decisions(workspace: Workspace, dataset: str) -> dict[str, dict[str, Any]]:
    """Every pair's latest decision by key, over all versions' review files."""
    folder = reviews_dir(workspace, dataset)
    found = [row for path in sorted(folder.glob("*.jsonl")) for row in read_jsonl(path)] if folder.is_dir() else []
    return {row["key"]: row for row in sorted(found, key=lambda row: row["reviewed_at"])}


def rejections(workspace: Workspace, dataset: str) -> dict[str, str]:
    """The keys of the pairs whose latest decision is a rejection, with the reviewer's note."""
    return {key: row["note"] for key, row in decisions(workspace, dataset).items() if row["decision"] == "reject"}


def rejections_fingerprint(workspace: Workspace, dataset: str) -> str | None:
    """A hash of the rejections for a stage's version (None when there are none: versions made before
    any review keep their names)."""
    rejected = rejections(workspace, dataset)
    return content_hash(sorted(rejected.items())) if rejected else None


def next_batch(workspace: Workspace, dataset: str, size: int) -> tuple[str, list[dict[str, Any]]]:
    """The latest version of the dataset and up to `size` of its pairs not reviewed yet, every split
    (QA: the generated pairs; the community's dialogs are people's own words)."""
    from datasets import load_from_disk

    stage = DATASETS[dataset]
    version = workspace.latest(stage)
    if version is None:
        raise InputError(str(workspace.root / stage), "no complete version to review yet; run the train flow first")
    reviewed = decisions(workspace, dataset)
    batch = []
    saved = load_from_disk(str(workspace.version_dir(stage, version)))
    for row in (row for split in saved for row in saved[split]):
        if dataset == QA_PAIRS and row["origin"] != "generated":
            continue
        pair = shown_pair(dataset, row)
        if pair["key"] not in reviewed:
            batch.append(pair)
        if len(batch) == size:
            break
    return version, batch


def record_decisions(workspace: Workspace, dataset: str, version: str, pairs: list[dict[str, Any]],
                     choices: list[tuple[Decision, str]], reviewer: str = "") -> Path:
    """Store a decision (accept/reject, note) per shown pair in the version's review file, atomically;
    a pair decided again keeps only its newest decision."""
    if len(pairs) != len(choices):
        raise ValueError(f"{len(choices)} decisions for {len(pairs)} pairs")
    path = reviews_file(workspace, dataset, version)
    kept = {row["key"]: row for row in read_jsonl(path)} if path.is_file() else {}
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    for pair, (decision, note) in zip(pairs, choices):
        if decision not in DECISIONS:
            raise InputError(pair["id"], f"decision {decision!r}: choose accept or reject")
        kept[pair["key"]] = {**pair, "decision": decision, "note": note.strip(), "reviewer": reviewer, "reviewed_at": now}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(path, list(kept.values()))
    return path


def review_reason(key: str, rejected: dict[str, str]) -> str | None:
    """Why a pair is dropped for its review (None: no one rejected it)."""
    if key not in rejected:
        return None
    return "rejected by a reviewer" + (f": {rejected[key]}" if rejected[key] else "")


def without_rejected(pairs: list[dict[str, Any]], rejected: dict[str, str]) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Preference pairs less those people rejected, and (id, reason) of each dropped one."""
    kept = [pair for pair in pairs if pair["id"] not in rejected]
    return kept, [(pair["id"], review_reason(pair["id"], rejected)) for pair in pairs if pair["id"] in rejected]
