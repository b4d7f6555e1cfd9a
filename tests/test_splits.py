"""Splits that hold out: every file about one module shares its split, on the real corpus
(../shared/data/blackbox and ../shared/bbcp), and forum topics and Telegram reply chains keep
the split of their own thread, in the documents and the dialogs alike. Also: no control
character of a BlackBox document reaches the documents dataset."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import asdict
from datetime import timezone
from pathlib import Path, PurePosixPath

import pytest
from conftest import FIXTURES
from datasets import load_from_disk

from bbcopilot.config import ConvertSettings, DatasetSettings
from bbcopilot.convert import convert_file, list_sources, module_name, path_meta
from bbcopilot.corpus import (
    SUBSYSTEM_RESOURCES, build_documents, document_group, rows_from_converted, rows_from_forum, rows_from_telegram,
    split_of,
)
from bbcopilot.datasets_build import CommunityFiles
from bbcopilot.datasets_build import build_documents as build_documents_stage
from bbcopilot.dialogs import dialogs_from_forum, dialogs_from_telegram
from bbcopilot.sources import SourceFile, convert_corpus, converted_documents, rendering_for
from bbcopilot.workspace import Workspace, sha256_file
from scrapers.forum.parse import parse_topic_page
from scrapers.telegram import import_export

SETTINGS = DatasetSettings()
MODULE_HEADER = re.compile(r"\s*MODULE\s+(\w+)")  # what a source says it is, whatever its path


def document(relpath: str, text: str = "") -> dict:
    """A converted-document record as the convert stage writes it (the parts grouping reads)."""
    subsystem, kind, module = path_meta(relpath)
    return {"meta": {"relpath": relpath, "subsystem": subsystem, "kind": kind, "module": module}, "text": text}


def test_document_groups_follow_the_blackbox_layout():
    known = {"TextModels", "StdCmds", "Strings", "StdMenus", "CommTCP"}

    def group(relpath: str, text: str = "") -> str:
        return document_group(document(relpath, text), known)

    assert {group("Text/Mod/Models.odc"), group("Text/Docu/Models.odc")} == {"module:TextModels"}
    assert group("System/Docu/Kernel.odc") == "module:Kernel"
    assert group("System/Docu/Init.odc") == "module:Init"  # named like a module: about it, source or not
    assert group("Comm/Mod/TCP__Lin.odc") == "module:CommTCP"
    assert group("Std/Rsrc/Cmds1.odc") == "module:StdCmds"
    assert group("Fbsd/Console.odc", "MODULE FbsdConsole;\n") == "module:FbsdConsole"  # a source out of place
    # Resources that are the subsystem's, not a module's, and resources of no known module.
    assert {group("System/Rsrc/Strings.odc"), group("System/Rsrc/Menus.odc")} == {"subsystem:System"}
    assert group("Std/Rsrc/Menus.odc") == group("Std/Rsrc/PageSetup.odc") == group("Std/Rsrc/New/Cmds0.odc") == "subsystem:Std"
    # The other pages of a subsystem together; top-level pages by series.
    assert {group(f"Text/Docu/{page}.odc") for page in ("Dev-Man", "User-Man", "Sys-Map")} == {"subsystem:Text"}
    assert group("Docu/Tut-1.odc") == group("Docu/Tut-TOC.odc") == "pages:Docu/Tut"
    assert group("Docu/Help.odc") == "pages:Docu/Help"
    assert path_meta("Check/Extra/Test/Mod/LibrarianTest.odc") == ("Test", "Mod", "TestLibrarianTest")


# ---------------------------------------------------------------- the real corpus


@pytest.fixture(scope="module")
def corpus_roots(shared_dir) -> list[tuple[Path, str]]:
    roots = [(shared_dir / "data" / "blackbox", "blackbox"), (shared_dir / "bbcp", "text")]
    for root, _ in roots:
        if not root.is_dir():
            pytest.skip(f"{root} not found: the split test needs the whole shared corpus")
    return roots


@pytest.fixture(scope="module")
def converted(corpus_roots) -> list[dict]:
    """Every document of both trees converted as the convert stage records it."""
    records = []
    for root, source in corpus_roots:
        for path in list_sources(root):
            relpath = path.relative_to(root).as_posix()
            document = convert_file(path, root, rendering_for(relpath, ConvertSettings()))
            records.append({"source": source, **asdict(document)})
    return records


def modules_about(document: dict, sources: set[str]) -> set[str]:
    """The modules a document is about, found without its group: the module its text declares
    (a platform variant, CommTCP__Lin, counts as its module), the module a page in <Sub>/Docu/ is
    named after, the module with a source in the corpus that a file in <Sub>/Rsrc/ is named after."""
    about = set()
    if header := MODULE_HEADER.match(document["text"]):
        about.add(header[1].split("__")[0])
    path = PurePosixPath(document["meta"]["relpath"])
    subsystem, kind, _ = path_meta(path.as_posix())
    if subsystem and path.parent.name == kind and path.stem.isidentifier():
        named = module_name(subsystem, path.stem)
        if kind == "Docu" or (kind == "Rsrc" and named in sources and path.stem not in SUBSYSTEM_RESOURCES):
            about.add(named)
    return about


def test_no_module_is_in_two_splits(converted):
    for document in converted:
        if document["meta"]["kind"] == "Mod":  # the path names the module its text declares
            assert document["meta"]["module"] == MODULE_HEADER.match(document["text"])[1], document["meta"]["relpath"]
    sources = {h[1].split("__")[0] for d in converted if (h := MODULE_HEADER.match(d["text"]))}
    splits: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, set[str]] = defaultdict(set)
    for document, row in zip(converted, rows_from_converted(converted)):
        for module in modules_about(document, sources):
            splits[module].add(split_of(row.group, SETTINGS))  # as build_documents assigns it
            kinds[module].add(row.kind)
    crossing = {m: sorted(s) for m, s in splits.items() if len(s) > 1}
    assert not crossing, f"{len(crossing)} of {len(splits)} modules in two splits: {sorted(crossing.items())[:10]}"
    # Not vacuous: hundreds of modules, many with source and documentation, spread over every split.
    assert len(splits) > 400 and sum({"Mod", "Docu"} <= k for k in kinds.values()) > 100
    assert {"Mod", "Docu", "Rsrc"} <= kinds["StdCmds"] and {"Mod", "Docu"} <= kinds["StdLog"]
    assert set().union(*splits.values()) == {"train", "validation", "test"}


# ---------------------------------------------------------------- forum and Telegram threads


def _forum_posts() -> list[dict]:
    posts = []
    for page in sorted((FIXTURES / "forum").glob("viewtopic_*.html")):
        if "view=" in page.stem:  # the print view of a topic already read
            continue
        url = "http://board.example/" + page.stem.replace("_", "?", 1).replace("_", "&").replace("viewtopic", "viewtopic.php")
        topic = parse_topic_page(page.read_text(encoding="utf-8"), url, timezone.utc)
        posts += [
            {"post_id": p.post_id, "topic_id": topic.topic_id, "topic_title": topic.topic_title, "author": p.author,
             "posted_at": p.posted_at, "text": p.text}
            for p in topic.posts if p.status == "ok"
        ]
    return posts


def _assert_threads_keep_their_split(rows, dialogs, prefix: str) -> None:
    kept, _ = build_documents(rows, SETTINGS)
    assert kept and all(r.group.startswith(prefix) and r.split == split_of(r.group, SETTINGS) for r in kept)
    by_group = {r.group: r.split for r in kept}
    assert dialogs and all(d["split"] == by_group[d["id"]] for d in dialogs), "a thread's dialog and document share a split"


def test_forum_topics_keep_their_split():
    posts = _forum_posts()
    rows = rows_from_forum(posts)
    assert {r.group for r in rows} == {f"forum:{p['topic_id']}" for p in posts} and len(rows) > 3
    _assert_threads_keep_their_split(rows, dialogs_from_forum(posts, SETTINGS), "forum:")


def test_telegram_reply_chains_keep_their_split(tmp_path):
    summary = import_export(FIXTURES / "telegram" / "result.json", tmp_path, "splits-test-key")
    messages = [json.loads(line) for line in summary.output.read_text(encoding="utf-8").splitlines()]
    rows = rows_from_telegram(messages)
    assert len(rows) > 3
    _assert_threads_keep_their_split(rows, dialogs_from_telegram(messages, SETTINGS), "telegram:")


# ---------------------------------------------------------------- clean text


def test_the_nuls_of_about_odc_never_reach_a_row(corpus_roots, converted):
    about = [d for d in converted if d["meta"]["relpath"] == "System/Rsrc/About.odc" and "\x00" in d["text"]]
    if not about:
        pytest.skip("no System/Rsrc/About.odc holding NULs in ../shared")
    kept, report = build_documents(rows_from_converted(about[:1]), SETTINGS)
    assert len(kept) == 1 and not report.dropped, "a few NULs are no reason to drop a document"
    assert "\x00" not in kept[0].text and "2017" in kept[0].text


def test_the_documents_dataset_holds_no_nul(tmp_path, blackbox_dir):
    files = [SourceFile(str(p), str(blackbox_dir), "blackbox", sha256_file(p)) for p in list_sources(blackbox_dir)]
    workspace = Workspace(tmp_path / "ws")
    corpus = convert_corpus(workspace, files, ConvertSettings())
    documents = converted_documents(corpus)
    assert any("\x00" in json.loads(Path(p).read_text(encoding="utf-8"))["text"] for p in documents), (
        "the converted corpus holds NULs (Obx/Docu/BB-Rules.odc does), else this test shows nothing"
    )
    result = build_documents_stage(workspace, documents, CommunityFiles(), SETTINGS)
    dataset = load_from_disk(result.path)
    texts = [text for split in dataset for text in dataset[split]["text"]]
    assert len(texts) == result.figures["documents"] > 100
    assert not [t[:60] for t in texts if "\x00" in t]
