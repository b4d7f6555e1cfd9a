import json
from pathlib import Path

import pytest
from datasets import load_from_disk

from bbcopilot.config import DatasetSettings
from bbcopilot.datasets_build import (
    DIALOGS, DOCUMENTS, FORUM_FIELDS, CommunityFiles, build_chunks, build_dialogs, build_documents, chunks_version,
    dialogs_version, documents_version, read_records,
)
from bbcopilot.workspace import Workspace

SETTINGS = DatasetSettings(validation_fraction=0.3, test_fraction=0.3)


def converted(tmp_path: Path, key: str, relpath: str, text: str) -> str:
    folder = tmp_path / "converted" / key
    folder.mkdir(parents=True)
    meta = {"relpath": relpath, "subsystem": relpath.split("/")[0], "kind": relpath.split("/")[1],
            "module": "Text" + Path(relpath).stem, "title": "", "source_format": "odc", "encoding": None, "counts": {}}
    (folder / "document.json").write_text(json.dumps({"source": "blackbox", "meta": meta, "sha256": key,
                                                      "rendering": "plain", "text": text}))
    return str(folder / "document.json")


def forum_file(tmp_path: Path, lines: list[str], name: str = "posts.jsonl") -> str:
    path = tmp_path / name
    path.write_bytes(b"\n".join(line.encode("utf-8") if isinstance(line, str) else line for line in lines) + b"\n")
    return str(path)


POST = {"post_id": 1, "topic_id": 7, "author": "user-1", "text": "How do I open a file?", "posted_at": "2020"}
REPLY = {"post_id": 2, "topic_id": 7, "author": "user-2", "text": "Files.dir.Old(loc, name, shared)", "posted_at": "2021"}


def test_bad_records_are_named_and_skipped_and_the_rest_kept(tmp_path):
    path = forum_file(tmp_path, [
        json.dumps(POST),
        b"\xff\xfe not utf-8",
        "{not json",
        json.dumps({**POST, "post_id": 3, "colour": "red"}),
        json.dumps({"topic_id": 7, "text": "no id"}),
        json.dumps(REPLY),
    ])
    skipped: list[tuple[str, str]] = []
    records = read_records((path,), FORUM_FIELDS, skipped)
    assert [r["post_id"] for r in records] == [1, 2]
    reasons = dict(skipped)
    assert reasons[f"{path}:2"].startswith("not UTF-8")
    assert reasons[f"{path}:3"].startswith("not JSON")
    assert reasons[f"{path}:4"] == "unknown field colour"
    assert reasons[f"{path}:5"] == "missing field post_id"


def test_a_change_reaches_only_the_datasets_that_include_it(tmp_path):
    docs = [converted(tmp_path, "k1", "Text/Mod/Models.odc", "MODULE TextModels; END TextModels.")]
    changed = [converted(tmp_path, "k2", "Text/Mod/Models.odc", "MODULE TextModels; (* new *) END TextModels.")]
    community = CommunityFiles(forum=(forum_file(tmp_path, [json.dumps(POST), json.dumps(REPLY)]),))
    assert documents_version(docs, community, SETTINGS) != documents_version(changed, community, SETTINGS)
    # Dialogs are made from community records alone: a setting that only shapes documents leaves them be.
    stricter = SETTINGS.model_copy(update={"dedup_threshold": 0.5})
    assert documents_version(docs, community, stricter) != documents_version(docs, community, SETTINGS)
    assert dialogs_version(community, stricter) == dialogs_version(community, SETTINGS)
    # A changed post reaches both.
    edited = CommunityFiles(forum=(forum_file(tmp_path, [json.dumps(POST), json.dumps({**REPLY, "text": "x"})], "b.jsonl"),))
    assert dialogs_version(edited, SETTINGS) != dialogs_version(community, SETTINGS)
    assert documents_version(docs, edited, SETTINGS) != documents_version(docs, community, SETTINGS)


def test_rebuilding_with_nothing_changed_writes_nothing_new(tmp_path, tiny_model):
    workspace = Workspace(tmp_path / "ws")
    docs = [converted(tmp_path, f"k{i}", f"Text/Mod/M{i}.odc", f"MODULE TextM{i}; (* {i} *) END TextM{i}.\n" * (i + 1))
            for i in range(8)]
    community = CommunityFiles(forum=(forum_file(tmp_path, [json.dumps(POST), json.dumps(REPLY)]),))
    first = build_documents(workspace, docs, community, SETTINGS)
    stamp = Path(first.path).stat().st_mtime_ns
    again = build_documents(workspace, docs, community, SETTINGS)
    assert (again.version, again.path) == (first.version, first.path)
    assert Path(first.path).stat().st_mtime_ns == stamp and workspace.versions(DOCUMENTS) == [first.version]
    rows = load_from_disk(first.path)
    assert sum(len(rows[s]) for s in rows) == 9  # 8 documents + 1 forum topic
    chunks = build_chunks(workspace, first, str(tiny_model), SETTINGS)
    assert chunks.version == chunks_version(first, str(tiny_model), SETTINGS)
    dialogs = build_dialogs(workspace, community, SETTINGS)
    assert workspace.latest(DIALOGS) == dialogs.version and dialogs.figures["dialogs"] == 1


@pytest.mark.parametrize("text", ["", "   \n", "\x00\x01\x02\x03" * 50])
def test_empty_and_binary_documents_are_dropped_with_a_reason(tmp_path, text):
    workspace = Workspace(tmp_path / "ws")
    docs = [converted(tmp_path, "bad", "Text/Mod/Bad.odc", text),
            converted(tmp_path, "good", "Text/Mod/Good.odc", "MODULE TextGood; END TextGood.")]
    result = build_documents(workspace, docs, CommunityFiles(), SETTINGS)
    assert result.figures["documents"] == 1 and result.figures["dropped"] == 1
    assert any("blackbox" == row.get("source") and row.get("dropped") for row in result.table)


def test_save_version_reads_rows_a_batch_at_a_time_with_the_types_of_all(tmp_path):
    from bbcopilot.hfdata import ROWS_PER_BATCH, save_version

    count = ROWS_PER_BATCH * 2 + 7
    # `module` is None in the whole first batch: its type must come from the later ones, as from all rows at once.
    rows = (
        {"id": f"r{i}", "split": ("train", "validation", "test")[i % 3], "module": None if i < ROWS_PER_BATCH else f"M{i}", "ids": [i] * (i % 4)}
        for i in range(count)
    )
    path = save_version(Workspace(tmp_path), "datasets/x", "v1", rows, card={"languages": ["en"], "licences": {}, "summary": ""}, manifest={})
    saved = load_from_disk(str(path))
    assert {s: len(saved[s]) for s in saved} == {"train": 669, "validation": 669, "test": 669}
    assert saved["train"].features["module"].dtype == "string" and saved["train"].features["ids"].feature.dtype == "int64"
    assert saved["test"]["id"][:3] == ["r2", "r5", "r8"] and saved["validation"]["module"][-1] == f"M{count - 2}"
