"""The `documents` dataset: every source as clean, deduplicated, split rows.

Rows come from converted BlackBox documents (one per document), forum topics and
Telegram reply chains (one per thread). Cleaning drops binary-looking and empty
texts and strips control characters; exact and near duplicates (MinHash LSH) are
dropped, the first one kept; each row is assigned to a split by a salted hash of
its group, so no part of one group is ever in two splits. A group is a module
(its source, documentation and resources alike, see `document_group`), the other
pages of a subsystem, a series of top-level pages, a forum topic or a Telegram
reply chain. Everything dropped is counted with its reason.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from bbcopilot.config import DatasetSettings
from bbcopilot.convert import module_name

BLACKBOX_LICENCE = "bsd-2-clause"
COMMUNITY_LICENCE = "other"  # posts belong to their authors; used for research, pseudonymised
FRAMEWORK = "BlackBox Component Builder"
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


def kind_label(kind: str | None) -> str:
    """What a document of `kind` ("Mod", "Docu", ...) is called in prompts and headers."""
    return KIND_LABELS.get(kind or "", kind or "document")


_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"\w+", re.UNICODE)
# Signs of a binary text: control characters other than tab and line ends, and decoding failures.
_CONTROL = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFD]")
# What cleaning strips (line ends are LF by then): every C0 control but tab and LF, and DEL.
# Some BlackBox documents hold NULs (System/Rsrc/About.odc: "\u00a9\x00 2017").
_STRIPPED = re.compile(r"[\x00-\x08\x0B-\x1F\x7F]")


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
    documents = list(documents)
    # A resource is a module's only where that module is known from a source or a page of its own.
    modules = {_module_about(doc) for doc in documents} - {None}
    rows = []
    for doc in documents:
        meta, source = doc["meta"], doc["source"]
        rows.append(
            DocumentRow(
                id=meta["relpath"],
                source=source,
                subsystem=meta.get("subsystem", ""),
                module=meta.get("module") or "",
                kind=meta.get("kind", ""),
                title=meta.get("title", ""),
                group=document_group(doc, modules),
                licence=BLACKBOX_LICENCE if source == "blackbox" else COMMUNITY_LICENCE,
                text=doc["text"],
            )
        )
    return rows


# Resources every subsystem has, read by the framework itself (Dialog.MapString reads
# <Sub>/Rsrc/Strings, the menus come from <Sub>/Rsrc/Menus): the subsystem's, even where a
# module of that name exists (System/Rsrc/Strings is not the module Strings' resource).
SUBSYSTEM_RESOURCES = ("Strings", "Menus")
# bbcp keeps each platform's implementation beside the module: Comm/Mod/TCP__Lin.odc is CommTCP on Linux.
PLATFORM_SUFFIX = "__"
_DECLARED_MODULE = re.compile(r"\s*MODULE\s+(\w+)\s*;")  # how a module source opens
_NUMBERED = re.compile(r"\d+$")  # Std/Rsrc/Cmds1.odc: a second form of StdCmds


def _module_about(document: dict[str, Any]) -> str | None:
    """The module a converted document is its source or documentation page of, if any.

    A source is named by its path (`convert.path_meta`), or, outside any Mod folder, by the
    module its text declares (bbcp's Fbsd/Console.odc is an older FbsdConsole). A page directly
    in <Sub>/Docu/ whose name can be a module's (an identifier: no `-` as in Dev-Man or Sys-Map)
    documents the module of that name, whether or not the corpus has its source; top-level
    Docu/ pages (Help, Tour) belong to no subsystem, hence to no module.
    """
    meta = document["meta"]
    path = PurePosixPath(meta["relpath"])
    module = meta.get("module")
    if not module and (declared := _DECLARED_MODULE.match(document["text"])):
        module = declared[1]
    if not module and meta.get("kind") == "Docu" and path.parent.name == "Docu" and meta.get("subsystem"):
        module = module_name(meta["subsystem"], path.stem) if path.stem.isidentifier() else None
    return module.split(PLATFORM_SUFFIX)[0] if module else None


def _resource_of(meta: dict[str, Any], modules: set[str]) -> str | None:
    """The module a file directly in <Sub>/Rsrc/ is a resource of: one known by that name, or by it less a number."""
    path = PurePosixPath(meta["relpath"])
    if meta.get("kind") != "Rsrc" or path.parent.name != "Rsrc" or not path.stem.isidentifier():
        return None
    if path.stem in SUBSYSTEM_RESOURCES:
        return None
    name = module_name(meta.get("subsystem", ""), path.stem)
    return next((m for m in (name, _NUMBERED.sub("", name)) if m in modules), None)


def document_group(document: dict[str, Any], modules: set[str]) -> str:
    """The split group of a converted document; `modules` are the modules the corpus knows.

    Every file about one module (its source and platform variants, its documentation, its
    resources) is `module:<name>`, so no held-out module leaks through its documentation;
    chunks and QA pairs inherit their document's split. The other pages of a subsystem (its
    manuals, map, specifications, samples, other resources) describe the subsystem as a whole
    and cite each other: they share `subsystem:<Sub>`, a group apart from the subsystem's
    modules (one group for both would put a whole subsystem in one split). Top-level pages
    are separate books (language report, tutorial, tour, licence): one group for them all would
    hold a large share of the documentation in one split, so each series (`Tut-1` ... `Tut-TOC`,
    `CP-Lang` and `CP-New`: the name before its first `-`) is a group of its own.
    """
    meta = document["meta"]
    module = _module_about(document) or _resource_of(meta, modules)
    if module:
        return f"module:{module}"
    if meta.get("subsystem"):
        return f"subsystem:{meta['subsystem']}"
    path = PurePosixPath(meta["relpath"])
    return f"pages:{(path.parent / path.stem.split('-')[0]).as_posix()}"


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
    """Reply chains, keyed by (chat, root message id), each in date order.

    The root is found once, when the store is written (the record's `thread`, see
    scrapers/telegram.py), so this is one pass. A message held by two stores (two
    exports of one chat) counts once, as the last one read.
    """
    by_id = {(m["chat"], m["message_id"]): m for m in messages}
    threads: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
    for message in by_id.values():
        threads[(message["chat"], message["thread"])].append(message)
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
    """NFC, LF line ends, no control characters but tab and LF; indentation and inner spacing
    are kept (they are meaning in code)."""
    text = _STRIPPED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


def drop_reason(text: str) -> str | None:
    """Why a raw text is not worth training on, or None.

    Judge a text before `normalise_text`: the control characters it strips are what marks a
    binary text, and a text of nothing else is empty once cleaned.
    """
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 50):
        return "binary-looking"
    if not _STRIPPED.sub("", text).strip():
        return "empty"
    return None


def detect_language(text: str) -> str:
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    # Code is Latin whatever the prose language; a modest Cyrillic share means Russian prose.
    return "ru" if cyrillic > 0.15 * (cyrillic + latin) else "en"


# ---------------------------------------------------------------- deduplication


def _exact_key(text: str) -> str:
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


def shingles(text: str, size: int) -> set[bytes]:
    """The `size`-word shingles of a text (lower-cased `\\w+` words) that MinHash compares."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def near_duplicates(texts: Iterable[str], threshold: float, shingle_words: int, permutations: int) -> list[int | None]:
    """For each text in order, the position of an earlier kept text it nearly repeats (MinHash LSH at
    Jaccard `threshold`), or None: it is kept, and later texts are compared with it."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=permutations)
    repeats: list[int | None] = []
    for position, text in enumerate(texts):
        signature = MinHash(num_perm=permutations, seed=1)
        signature.update_batch(list(shingles(text, shingle_words)))
        near = lsh.query(signature)
        if near:
            repeats.append(min(map(int, near)))
            continue
        lsh.insert(str(position), signature)
        repeats.append(None)
    return repeats


def deduplicate(rows: list[DocumentRow], settings: DatasetSettings, report: CorpusReport) -> list[DocumentRow]:
    """Drop exact, then near duplicates (MinHash LSH); the first row of each cluster stays."""
    kept, seen_exact = [], set()
    for row in rows:
        key = _exact_key(row.text)
        if key in seen_exact:
            report.dropped[(row.source, "exact duplicate")] += 1
            continue
        seen_exact.add(key)
        kept.append(row)

    repeats = near_duplicates((row.text for row in kept), settings.dedup_threshold, settings.shingle_words,
                              settings.minhash_permutations)
    unique = []
    for row, repeat in zip(kept, repeats):
        if repeat is not None:
            report.dropped[(row.source, "near duplicate")] += 1
            continue
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
        reason = drop_reason(row.text)  # before cleaning, which strips the marks of a binary text
        if reason:
            report.dropped[(row.source, reason)] += 1
            continue
        row.text = normalise_text(row.text)
        clean.append(row)
    unique = deduplicate(clean, settings, report)
    for row in unique:
        row.content_sha256 = hashlib.sha256(row.text.encode("utf-8")).hexdigest()
        row.language = detect_language(row.text)
        row.split = split_of(row.group, settings)
        report.kept[(row.source, row.split)] += 1
    return unique, report
