"""The datasets stage: `documents`, `chunks` and `dialogs`, each versioned on its own.

A dataset's version is the hash of exactly what shapes it, so a change reaches
only the datasets that include it:
- documents: the converted documents and community records, the cleaning/dedup/
  split settings, the code;
- chunks: the documents version, the tokenizer, the chunk settings, the code;
- dialogs: the community records, the split settings, the code.
A version that exists is not rebuilt: a refresh with nothing new writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bbcopilot import chunks as chunks_module
from bbcopilot import corpus, dialogs
from bbcopilot.config import DatasetSettings
from bbcopilot.hfdata import iter_rows, save_version
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, code_version, content_hash, model_fingerprint, sha256_file

DOCUMENTS, CHUNKS, DIALOGS = "datasets/documents", "datasets/chunks", "datasets/dialogs"
DOCUMENTS_PER_BATCH = 256  # chunked together: one batch encode each


@dataclass(frozen=True)
class RecordShape:
    required: set[str]
    optional: set[str]

    def fault(self, record: Any) -> str | None:
        if not isinstance(record, dict):
            return "not a JSON object"
        if missing := sorted(self.required - record.keys()):
            return f"missing field {', '.join(missing)}"
        if unknown := sorted(record.keys() - self.required - self.optional):
            return f"unknown field {', '.join(unknown)}"
        if not isinstance(record["text"], str):
            return "text is not a string"
        return None


@dataclass(frozen=True)
class CommunityFiles:
    """JSON Lines files of forum posts and Telegram messages (paths as strings)."""

    forum: tuple[str, ...] = ()
    telegram: tuple[str, ...] = ()

    def fingerprint(self) -> list[tuple[str, str]]:
        return [(Path(p).name, sha256_file(Path(p))) for p in (*self.forum, *self.telegram)]


# The record shapes the scrapers write (scrapers/forum, scrapers/telegram): a
# record missing a required field or carrying one we do not know is a record
# from some other tool or version, and is skipped with the field named.
FORUM_FIELDS = RecordShape(
    required={"post_id", "topic_id", "text"},
    optional={"forum_id", "topic_title", "forum_title", "subject", "author", "posted_at", "edited", "url"},
)
TELEGRAM_FIELDS = RecordShape(
    required={"message_id", "chat", "text", "thread"},
    optional={"date", "author", "reply_to", "forwarded_from", "edited"},
)


def read_records(files: tuple[str, ...], shape: RecordShape, skipped: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Records of JSON Lines files; a line that is not valid UTF-8 JSON of the right shape is skipped and named."""
    records = []
    for name in files:
        with open(name, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                where = f"{name}:{number}"
                try:
                    record = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError as err:
                    skipped.append((where, f"not UTF-8 (byte {err.start})"))
                    continue
                except ValueError as err:
                    skipped.append((where, f"not JSON ({err})"))
                    continue
                fault = shape.fault(record)
                if fault:
                    skipped.append((where, fault))
                    continue
                records.append(record)
    return records


def _card(documents: list[dict[str, Any]], summary: str) -> dict[str, Any]:
    """A dataset card's languages and per-source licences, from the document rows it was made of."""
    return {
        "languages": sorted({r["language"] for r in documents}),
        "licences": {r["source"]: r["licence"] for r in documents},
        "summary": summary,
    }


# ---------------------------------------------------------------- documents


def documents_version(converted: list[str], community: CommunityFiles, settings: DatasetSettings) -> str:
    # Converted files are named by their content key, so their names are their content.
    return content_hash(
        sorted(Path(p).parent.name for p in converted),
        community.fingerprint(),
        settings.model_dump(exclude={"chunk_tokens", "chunk_overlap"}),
        code_version(build_documents),
    )


def build_documents(
    workspace: Workspace, converted: list[str], community: CommunityFiles, settings: DatasetSettings
) -> StageResult:
    version = documents_version(converted, community, settings)
    skipped: list[tuple[str, str]] = []
    documents = [json.loads(Path(p).read_text(encoding="utf-8")) for p in converted]
    rows = corpus.rows_from_converted(documents)
    forum_posts = read_records(community.forum, FORUM_FIELDS, skipped)
    telegram_messages = read_records(community.telegram, TELEGRAM_FIELDS, skipped)
    rows += corpus.rows_from_forum(forum_posts) + corpus.rows_from_telegram(telegram_messages)
    kept, report = corpus.build_documents(rows, settings)
    records = [asdict(row) for row in kept]
    path = save_version(
        workspace,
        DOCUMENTS,
        version,
        records,
        card=_card(
            records,
            "One row per BlackBox document, forum topic or Telegram reply chain: "
            "cleaned (NFC, LF), exact and near duplicates removed, split by module/document/topic.",
        ),
        manifest={
            "inputs": sorted(Path(p).parent.name for p in converted),
            "community": community.fingerprint(),
            "settings": settings.model_dump(),
            "dropped": [{"source": s, "reason": r, "rows": n} for (s, r), n in sorted(report.dropped.items())],
        },
    )
    table = [{"dataset": "documents", "source": s, "split": sp, "rows": n} for (s, sp), n in sorted(report.kept.items())]
    table += [{"dataset": "documents", "source": s, "dropped": f"{r}: {n}"} for (s, r), n in sorted(report.dropped.items())]
    return StageResult(
        stage=DOCUMENTS,
        version=version,
        path=str(path),
        figures={
            "documents": len(records),
            "dropped": sum(report.dropped.values()),
            "near_duplicates": sum(n for (s, r), n in report.dropped.items() if r == "near duplicate"),
            "exact_duplicates": sum(n for (s, r), n in report.dropped.items() if r == "exact duplicate"),
        },
        skipped=skipped,
        table=table,
    )


# ---------------------------------------------------------------- chunks


def tokenizer_fingerprint(model: str, revision: str | None = None) -> str:
    """A local model's tokenizer files by content; a hub model by the commit it resolves to."""
    return model_fingerprint(model, revision, files=lambda name: name.startswith(("tokenizer", "vocab", "merges")))


def chunks_version(documents: StageResult, model: str, settings: DatasetSettings, revision: str | None = None) -> str:
    return content_hash(
        documents.version,
        tokenizer_fingerprint(model, revision),
        settings.chunk_tokens,
        settings.chunk_overlap,
        code_version(build_chunks),
    )


def build_chunks(
    workspace: Workspace, documents: StageResult, model: str, settings: DatasetSettings, revision: str | None = None
) -> StageResult:
    import pyarrow.compute
    from datasets import load_from_disk
    from transformers import AutoTokenizer

    version = chunks_version(documents, model, settings, revision)
    tokenizer = AutoTokenizer.from_pretrained(model, revision=revision)
    docs = load_from_disk(documents.path)

    def chunk_rows():  # a batch of documents at a time: neither they nor their chunks are all in Python at once
        batch = []
        for row in iter_rows(docs):
            batch.append(row)
            if len(batch) == DOCUMENTS_PER_BATCH:
                yield from chunks_module.chunk_documents(batch, tokenizer, settings.chunk_tokens, settings.chunk_overlap)
                batch = []
        yield from chunks_module.chunk_documents(batch, tokenizer, settings.chunk_tokens, settings.chunk_overlap)

    path = save_version(
        workspace,
        CHUNKS,
        version,
        chunk_rows(),
        card=_card(
            list(iter_rows(docs, ["language", "source", "licence"])),
            f"Windows of {settings.chunk_tokens} tokens ({settings.chunk_overlap} shared with the next), "
            "each opening with a context header (language, framework, subsystem, module, kind) that counts "
            f"within the window; tokenizer of `{model}`; `input_ids` hold the exact tokens.",
        ),
        manifest={"documents": documents.version, "tokenizer": model, "settings": settings.model_dump()},
    )
    # Rows and tokens per source and split, read from the saved chunks (token counts by Arrow, not Python).
    table: dict[tuple[str, str], dict[str, Any]] = {}
    saved = load_from_disk(str(path))
    for split in saved:
        columns = saved[split].data
        sources = columns.column("source").to_pylist()
        lengths = pyarrow.compute.list_value_length(columns.column("input_ids")).to_pylist()
        for source, length in zip(sources, lengths):
            entry = table.setdefault(
                (source, split), {"dataset": "chunks", "source": source, "split": split, "rows": 0, "tokens": 0}
            )
            entry["rows"] += 1
            entry["tokens"] += length
    return StageResult(
        stage=CHUNKS,
        version=version,
        path=str(path),
        figures={"chunks": sum(e["rows"] for e in table.values()), "tokens": sum(e["tokens"] for e in table.values())},
        table=[table[k] for k in sorted(table)],
    )


# ---------------------------------------------------------------- dialogs


def dialogs_version(community: CommunityFiles, settings: DatasetSettings) -> str:
    return content_hash(
        community.fingerprint(), settings.split_salt, settings.validation_fraction, settings.test_fraction,
        code_version(build_dialogs),
    )


def build_dialogs(workspace: Workspace, community: CommunityFiles, settings: DatasetSettings) -> StageResult:
    version = dialogs_version(community, settings)
    skipped: list[tuple[str, str]] = []
    rows = dialogs.dialogs_from_forum(read_records(community.forum, FORUM_FIELDS, skipped), settings)
    rows += dialogs.dialogs_from_telegram(read_records(community.telegram, TELEGRAM_FIELDS, skipped), settings)
    path = save_version(
        workspace,
        DIALOGS,
        version,
        rows,
        card={
            "languages": ["ru", "en"],
            "licences": {r["source"]: corpus.COMMUNITY_LICENCE for r in rows},
            "summary": "Forum topics and Telegram reply chains as conversations in the `messages` format: "
            "the thread's opener speaks as user, the others as assistant. Authors are pseudonymised and "
            "e-mail addresses, phone numbers and handles replaced before anything was stored.",
        },
        manifest={"community": community.fingerprint(), "settings": settings.model_dump()},
    )
    table: dict[tuple[str, str], int] = {}
    for row in rows:
        table[(row["source"], row["split"])] = table.get((row["source"], row["split"]), 0) + 1
    return StageResult(
        stage=DIALOGS,
        version=version,
        path=str(path),
        figures={"dialogs": len(rows), "turns": sum(len(r["messages"]) for r in rows)},
        skipped=skipped,
        table=[{"dataset": "dialogs", "source": s, "split": sp, "rows": n} for (s, sp), n in sorted(table.items())],
    )


def statistics_table(results: list[StageResult]):
    """One pandas table of rows, tokens and drops per dataset, source and split."""
    import pandas as pd

    frame = pd.DataFrame([row for result in results for row in result.table])
    for column in ("split", "rows", "tokens", "dropped"):
        if column not in frame:
            frame[column] = None
    for column in ("rows", "tokens"):
        frame[column] = frame[column].astype("Int64")
    return frame[["dataset", "source", "split", "rows", "tokens", "dropped"]].astype(object).fillna("")
