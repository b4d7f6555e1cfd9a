"""The convert stage: metadata, plain-text inputs, output names and whole trees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bbcopilot import convert
from bbcopilot.convert import (
    RENDERINGS,
    OdcError,
    convert_file,
    convert_tree,
    decode_txt,
    list_sources,
    output_name,
    path_meta,
)
from bbcopilot.errors import InputError


def test_output_names():
    assert output_name("Text/Mod/Models.odc", "plain") == "Text/Mod/Models.txt"
    assert output_name("Text/Mod/Models.odc", "source") == "Text/Mod/Models.txt"
    assert output_name("Text/Mod/Models.odc", "markdown") == "Text/Mod/Models.md"
    assert output_name("notes/readme.TXT", "markdown") == "notes/readme.md"
    with pytest.raises(ValueError):
        output_name("a.odc", "html")


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("Text/Mod/Models.odc", ("Text", "Mod", "TextModels")),
        ("System/Mod/Kernel.odc", ("System", "Mod", "Kernel")),
        ("Text/Docu/Models.odc", ("Text", "Docu", None)),
        ("Docu/Tut-1.odc", ("", "Docu", None)),
        ("Dev/Rsrc/New/Cmds0.odc", ("Dev", "Rsrc", None)),
        ("Obx/Samples/MMTmpl.odc", ("Obx", "Samples", None)),
    ],
)
def test_path_metadata(relpath, expected):
    assert path_meta(relpath) == expected


@pytest.mark.parametrize(
    ("raw", "text", "encoding"),
    [
        ("Grüße\r\nzwei\rdrei\n".encode("utf-8"), "Grüße\nzwei\ndrei\n", "utf-8"),
        (b"\xef\xbb\xbfMODULE M;\r\n", "MODULE M;\n", "utf-8"),
        ("Привет, мир!\r\nМодуль".encode("windows-1251"), "Привет, мир!\nМодуль", "windows-1251"),
        ("Grüße, café, naïve".encode("latin-1"), "Grüße, café, naïve", "latin-1"),
        (b"", "", "utf-8"),
    ],
)
def test_txt_encodings(raw, text, encoding):
    assert decode_txt(raw) == (text, encoding)


def test_convert_file_metadata(blackbox_dir):
    document = convert_file(blackbox_dir / "Text/Mod/Models.odc", blackbox_dir, "plain")
    meta = document.meta
    assert (meta.relpath, meta.subsystem, meta.kind, meta.module) == ("Text/Mod/Models.odc", "Text", "Mod", "TextModels")
    assert meta.title == "MODULE TextModels;" and meta.source_format == "odc" and meta.encoding is None
    assert meta.counts["folds"] >= 1 and meta.counts["texts"] >= 1
    assert len(document.sha256) == 64 and document.text.startswith("MODULE TextModels;\n")
    docu = convert_file(blackbox_dir / "Obx/Docu/Hello0.odc", blackbox_dir, "markdown")
    assert docu.meta.title == "Overview by Example: ObxHello0" and docu.text.startswith("# Overview")


def test_convert_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "Sub" / "Mod" / "Bad.odc"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"CDOo\0\0\0\0\x82\xf1Docu")
    with pytest.raises(OdcError) as caught:
        convert_file(bad, tmp_path, "plain")
    assert caught.value.source == "Sub/Mod/Bad.odc" and "byte" in str(caught.value)
    other = tmp_path / "x.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(InputError):
        convert_file(other, tmp_path, "plain")


def test_list_sources(tmp_path):
    for name in ("b/B.ODC", "a.txt", "c/d/e.odc", "skip.pdf", "f.Txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    found = [p.relative_to(tmp_path).as_posix() for p in list_sources(tmp_path)]
    assert found == ["a.txt", "b/B.ODC", "c/d/e.odc", "f.Txt"]
    assert list_sources(tmp_path / "a.txt") == [tmp_path / "a.txt"]


def _copy(blackbox_dir: Path, src: Path, relpaths: list[str]) -> None:
    for relpath in relpaths:
        target = src / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((blackbox_dir / relpath).read_bytes())


def test_convert_tree_goes_on_after_a_bad_file(blackbox_dir, tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    _copy(blackbox_dir, src, ["Obx/Mod/Hello0.odc", "Form/Rsrc/Cmds.odc"])
    hello = (blackbox_dir / "Obx/Mod/Hello0.odc").read_bytes()
    (src / "Obx/Mod/Broken.odc").write_bytes(hello[:1000])
    (src / "notes.txt").write_bytes("Привет\r\n".encode("windows-1251"))
    report = convert_tree(src, out, "plain", progress=False)
    assert report.converted == 3
    assert report.failures[0][0] == "Obx/Mod/Broken.odc" and "byte" in report.failures[0][1]
    assert (out / "Obx/Mod/Hello0.txt").read_text(encoding="utf-8").startswith("MODULE ObxHello0;\n(**\n")
    assert (out / "Form/Rsrc/Cmds.txt").read_text(encoding="utf-8") == ""  # a form: no text
    assert (out / "notes.txt").read_text(encoding="utf-8") == "Привет\n"
    assert not (out / "Obx/Mod/Broken.txt").exists()
    rows = [json.loads(line) for line in report.manifest.read_text(encoding="utf-8").splitlines()]
    assert [r["path"] for r in rows] == ["Form/Rsrc/Cmds.odc", "Obx/Mod/Broken.odc", "Obx/Mod/Hello0.odc", "notes.txt"]
    assert [r["status"] for r in rows] == ["ok", "failed", "ok", "ok"]
    assert rows[1]["reason"] and len(rows[1]["sha256"]) == 64
    assert rows[2]["meta"]["module"] == "ObxHello0" and rows[3]["meta"]["encoding"] == "windows-1251"
    # Leftover temporary files would show up here.
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["Cmds.txt", "Hello0.txt", "manifest.jsonl", "notes.txt"]


def test_convert_tree_markdown_of_a_form_and_a_single_file(blackbox_dir, tmp_path):
    report = convert_tree(blackbox_dir / "Form/Rsrc/Cmds.odc", tmp_path, "markdown", progress=False)
    assert report.converted == 1 and not report.failures
    assert (tmp_path / "Cmds.md").read_text(encoding="utf-8").startswith("[form: ")


def test_convert_tree_whole_corpus(blackbox_dir, tmp_path):
    for rendering in RENDERINGS:
        out = tmp_path / rendering
        report = convert_tree(blackbox_dir, out, rendering, progress=False)
        assert report.converted == 118 and report.failures == []
        suffix = ".md" if rendering == "markdown" else ".txt"
        assert len(list(out.rglob("*" + suffix))) == 118


def test_convert_tree_replaces_its_output_whole_or_not_at_all(blackbox_dir, tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    _copy(blackbox_dir, src, ["Obx/Mod/Hello0.odc", "Form/Rsrc/Cmds.odc"])
    convert_tree(src, out, "plain", progress=False)
    (out / "stale.txt").write_text("from a source since deleted\n")
    (src / "Form/Rsrc/Cmds.odc").unlink()
    before = {p.relative_to(out).as_posix() for p in out.rglob("*")}

    def killed():  # everything written, nothing renamed yet
        raise KeyboardInterrupt

    monkeypatch.setattr(convert.os, "sync", killed)
    with pytest.raises(KeyboardInterrupt):
        convert_tree(src, out, "plain", progress=False)
    assert {p.relative_to(out).as_posix() for p in out.rglob("*")} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]  # no temporary folder left
    monkeypatch.undo()

    convert_tree(src, out, "plain", progress=False)  # replaced whole: the stale outputs are gone
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["Obx/Mod/Hello0.txt", "manifest.jsonl"]
    theirs = tmp_path / "theirs"
    (theirs / "keep.txt").parent.mkdir()
    (theirs / "keep.txt").write_text("a user's file\n")
    with pytest.raises(InputError, match="not empty and holds no manifest.jsonl"):
        convert_tree(src, theirs, "plain", progress=False)
    assert [p.name for p in theirs.iterdir()] == ["keep.txt"]
