"""The `documents` dataset: every source as clean, deduplicated, split rows.

Rows come from converted BlackBox documents (one per document), forum topics and
Telegram reply chains (one per thread). Cleaning drops empty and binary-looking
texts; exact and near duplicates (MinHash LSH) are dropped, the first one kept;
each row is assigned to a split by a hash of its group (module, document or
topic), so no part of one group is ever in two splits. Everything dropped is
counted with its reason.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bbcopilot.config import DatasetSettings

BLACKBOX_LICENCE = "bsd-2-clause"
COMMUNITY_LICENCE = "other"  # posts belong to their authors; used for research, pseudonymised
FRAMEWORK = "BlackBox"
LANGUAGE = "Component Pascal"

KIND_LABELS = {
    "Mod": "module source",
    "Docu": "documentation",
    "Rsrc": "resource",
    "Spec": "specification",
    "Samples": "sample",
    "forum": "forum discussion",
    "telegram": "chat discussion",
}

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFD]")


@dataclass
class DocumentRow:
    id: str
    source: str  # blackbox | text | forum | telegram
    subsystem: str
    module: str
    kind: str
    title: str
    group: str  # rows of one group always share a split
    licence: str
    text: str
    content_sha256: str = ""
    language: str = ""
    split: str = ""


@dataclass
class CorpusReport:
    kept: Counter = field(default_factory=Counter)  # (source, split) -> rows
    dropped: Counter = field(default_factory=Counter)  # (source, reason) -> rows


# ---------------------------------------------------------------- rows from sources


def rows_from_converted(documents: Iterable[dict[str, Any]]) -> list[DocumentRow]:
    """Rows from converted-document records (the convert stage's JSON)."""
    rows = []
    for doc in documents:
        meta, source = doc["meta"], doc["source"]
        module = meta.get("module") or ""
        rows.append(
            DocumentRow(
                id=meta["relpath"],
                source=source,
                subsystem=meta.get("subsystem", ""),
                module=module,
                kind=meta.get("kind", ""),
                title=meta.get("title", ""),
                # A module's source and its documentation describe the same thing:
                # keep them in one split so documentation cannot leak a held-out module.
                group=f"module:{module}" if module else f"doc:{_doc_group(meta)}",
                licence=BLACKBOX_LICENCE if source == "blackbox" else COMMUNITY_LICENCE,
                text=doc["text"],
            )
        )
    return rows


def _doc_group(meta: dict[str, Any]) -> str:
    # Text/Docu/Models.odc documents the module TextModels.
    parts = meta["relpath"].split("/")
    if len(parts) == 3 and parts[1] == "Docu":
        return f"{parts[0]}{Path(parts[2]).stem}".removeprefix("System")
    return meta["relpath"]


def rows_from_forum(posts: Iterable[dict[str, Any]]) -> list[DocumentRow]:
    """One row per topic: its posts in order, each under its author's pseudonym."""
    topics: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for post in posts:
        topics[post["topic_id"]].append(post)
    rows = []
    for topic_id, topic_posts in topics.items():
        topic_posts.sort(key=lambda p: (p.get("posted_at") or "", p["post_id"]))
        first = topic_posts[0]
        text = "\n\n".join(f"{p.get('author', 'user')}:\n{p['text']}" for p in topic_posts)
        rows.append(
            DocumentRow(
                id=f"forum/topic/{topic_id}",
                source="forum",
                subsystem=first.get("forum_title") or "",
                module="",
                kind="forum",
                title=first.get("topic_title") or "",
                group=f"forum:{topic_id}",
                licence=COMMUNITY_LICENCE,
                text=f"{first.get('topic_title', '')}\n\n{text}",
            )
        )
    return rows


def telegram_threads(messages: Iterable[dict[str, Any]]) -> dict[tuple[str, Any], list[dict[str, Any]]]:
    """Reply chains: each message joins the thread of the root it replies to, in date order."""
    by_id = {(m["chat"], m["message_id"]): m for m in messages}
    threads: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
    for key, message in by_id.items():
        root, seen = key, set()
        while (parent := by_id.get((root[0], by_id[root].get("reply_to")))) is not None and root not in seen:
            seen.add(root)
            root = (parent["chat"], parent["message_id"])
        threads[root].append(message)
    for thread in threads.values():
        thread.sort(key=lambda m: (m.get("date") or "", m["message_id"]))
    return threads


def rows_from_telegram(messages: Iterable[dict[str, Any]]) -> list[DocumentRow]:
    rows = []
    for (chat, root_id), thread in telegram_threads(messages).items():
        text = "\n\n".join(f"{m.get('author', 'user')}:\n{m['text']}" for m in thread)
        rows.append(
            DocumentRow(
                id=f"telegram/{chat}/{root_id}",
                source="telegram",
                subsystem=str(chat),
                module="",
                kind="telegram",
                title="",
                group=f"telegram:{chat}:{root_id}",
                licence=COMMUNITY_LICENCE,
                text=text,
            )
        )
    return rows


# ---------------------------------------------------------------- cleaning


def normalise_text(text: str) -> str:
    """NFC and LF line ends; indentation and inner spacing are kept (they are meaning in code)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


def drop_reason(text: str) -> str | None:
    """Why a text is not worth training on, or None."""
    if not text.strip():
        return "empty"
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 50):
        return "binary-looking"
    return None


def detect_language(text: str) -> str:
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    # Code is Latin whatever the prose language; a modest Cyrillic share means Russian prose.
    return "ru" if cyrillic > 0.15 * (cyrillic + latin) else "en"


# ---------------------------------------------------------------- deduplication


def _exact_key(text: str) -> str:
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


def _shingles(text: str, size: int) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def deduplicate(rows: list[DocumentRow], settings: DatasetSettings, report: CorpusReport) -> list[DocumentRow]:
    """Drop exact, then near duplicates (MinHash LSH); the first row of each cluster stays."""
    from datasketch import MinHash, MinHashLSH

    kept, seen_exact = [], set()
    for row in rows:
        key = _exact_key(row.text)
        if key in seen_exact:
            report.dropped[(row.source, "exact duplicate")] += 1
            continue
        seen_exact.add(key)
        kept.append(row)

    lsh = MinHashLSH(threshold=settings.dedup_threshold, num_perm=settings.minhash_permutations)
    unique = []
    for index, row in enumerate(kept):
        signature = MinHash(num_perm=settings.minhash_permutations, seed=1)
        signature.update_batch(list(_shingles(row.text, settings.shingle_words)))
        if lsh.query(signature):
            report.dropped[(row.source, "near duplicate")] += 1
            continue
        lsh.insert(str(index), signature)
        unique.append(row)
    return unique


# ---------------------------------------------------------------- splits


def split_of(group: str, settings: DatasetSettings) -> str:
    """Deterministic split of a group: a hash of salt and group mapped to [0, 1)."""
    digest = hashlib.sha256(f"{settings.split_salt}\x00{group}".encode("utf-8")).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    if position < settings.test_fraction:
        return "test"
    if position < settings.test_fraction + settings.validation_fraction:
        return "validation"
    return "train"


# ---------------------------------------------------------------- the whole stage


SOURCE_ORDER = {"blackbox": 0, "text": 1, "forum": 2, "telegram": 3}


def build_documents(rows: list[DocumentRow], settings: DatasetSettings) -> tuple[list[DocumentRow], CorpusReport]:
    """Clean, deduplicate and split rows; the report counts what was kept and dropped, and why."""
    report = CorpusReport()
    # Official documents first, so a forum post quoting the docs is the one dropped.
    ordered = sorted(rows, key=lambda r: (SOURCE_ORDER.get(r.source, 9), r.id))
    clean = []
    for row in ordered:
        row.text = normalise_text(row.text)
        reason = drop_reason(row.text)
        if reason:
            report.dropped[(row.source, reason)] += 1
            continue
        clean.append(row)
    unique = deduplicate(clean, settings, report)
    for row in unique:
        row.content_sha256 = hashlib.sha256(row.text.encode("utf-8")).hexdigest()
        row.language = detect_language(row.text)
        row.split = split_of(row.group, settings)
        report.kept[(row.source, row.split)] += 1
    return unique, report
