"""The .odc reader and its renderings (issue 3), on real documents and on synthetic ones.

Real documents come from ../shared/data/blackbox (fixture `blackbox_dir`, skipped
when absent); expected texts were checked by hand against the bytes. Cases the
corpus lacks (link/newlink records, long runs, the attribute cap, damaged
headers) are built with the small writer at the top of this module, modelled on
the format note's minimal skeleton.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bbcopilot.errors import InputError
from bbcopilot.odc import RENDERINGS, OdcError, read_odc, render
from bbcopilot.odc.decoders import DECODERS
from bbcopilot.odc.nodes import LinkRef
from bbcopilot.odc.stores import Reader

# ================================================================ a tiny .odc writer
# Records are nested `Rec`s whose content is a list of parts (bytes, records,
# run-directory length placeholders); `serialize` writes them in file order, so
# type names get their dictionary ids as BlackBox assigns them, and fills in
# next, down and len afterwards.

STORE, ELEM = 0x82, 0x83


def i32(value: int) -> bytes:
    return struct.pack("<i", value)


def i16(value: int) -> bytes:
    return struct.pack("<h", value)


@dataclass
class Rec:
    kind: int
    names: list[str]  # most derived first, down to Stores.StoreDesc
    parts: list = field(default_factory=list)


@dataclass
class Nil:
    pass


@dataclass
class Ref:
    kind: int  # 0x81 link (elem id) or 0x84 newlink (store id)
    ident: int


@dataclass
class DirStart:
    """4 bytes: the length of what follows up to the matching DirEnd (a run directory)."""


@dataclass
class DirEnd:
    pass


def serialize(root) -> bytes:
    out = bytearray(b"CDOo" + i32(0))
    types: dict[str, int] = {}
    _emit(out, root, types)
    return bytes(out)


def _path(names: list[str], types: dict[str, int]) -> bytes:
    result = bytearray()
    for index, name in enumerate(names):
        if name in types:
            return bytes(result + b"\xf2" + i32(types[name]))
        types[name] = len(types)
        last = index == len(names) - 1
        result += (b"\xf0" if last else b"\xf1") + name.encode() + b"\0"
    return bytes(result)


def _emit(out: bytearray, node, types) -> tuple[int, bool]:
    """Write one record; return the offset of its next field and whether it is a short record."""
    if isinstance(node, Nil):
        out += b"\x80" + i32(0)
        at = len(out)
        out += i32(0)
        return at, True
    if isinstance(node, Ref):
        out += bytes([node.kind]) + i32(node.ident) + i32(0)
        at = len(out)
        out += i32(0)
        return at, True
    out.append(node.kind)
    out += _path(node.names, types)
    header = len(out)  # comment, next, down, len
    out += bytes(16)
    content = len(out)
    previous = None
    dir_field = None
    for part in node.parts:
        if isinstance(part, (bytes, bytearray)):
            out += part
        elif isinstance(part, DirStart):
            dir_field = len(out)
            out += i32(0)
        elif isinstance(part, DirEnd):
            out[dir_field : dir_field + 4] = i32(len(out) - dir_field - 4)
        else:
            start = len(out)
            if previous is None:
                out[header + 8 : header + 12] = i32(start - (header + 12))
            else:
                next_at, short = previous
                offset = start - (next_at + 4)
                out[next_at : next_at + 4] = i32(offset)
                if short and offset == 0:
                    out[next_at - 4 : next_at] = i32(1)  # "sibling right here"
            previous = _emit(out, part, types)
    out[header + 12 : header + 16] = i32(len(out) - content)
    return header + 4, False


# ---------------------------------------------------------------- skeleton

STORE_BASE = "Stores.StoreDesc"
VIEW = ["Views.ViewDesc", STORE_BASE]
MODEL = ["Models.ModelDesc", "Stores.ElemDesc", STORE_BASE]
TEXT_MODEL = "TextModels.StdModelDesc"


def attributes(weight: int = 400, style: int = 0, size: int = 10 * 12700, color: int = 0x01000000) -> Rec:
    content = bytes(2) + i32(color) + i32(0) + b"*\0" + i32(size) + i32(style) + i16(weight) + i32(0)
    return Rec(STORE, ["TextModels.AttributesDesc", STORE_BASE], [content])


def text(runs, name: str = TEXT_MODEL, version: int | None = None) -> Rec:
    """runs: ("s", bytes) short, ("l", str) long, ("v", record) view; each may add an attribute
    index as a third item (default 0). The first use of each index writes `attributes()`,
    or the record given as a fourth item."""
    directory: list = []
    chars = bytearray()
    seen: set[int] = set()
    has_long = False
    for run in runs:
        kind, payload = run[0], run[1]
        index = run[2] if len(run) > 2 else 0
        directory.append(bytes([index]))
        if index not in seen or len(run) > 3:
            seen.add(index)
            directory.append(run[3] if len(run) > 3 else attributes())
        if kind == "s":
            directory.append(i32(len(payload)))
            chars += payload
        elif kind == "l":
            has_long = True
            raw = bytearray(payload.encode("utf-16-le"))
            raw[1::2] = bytes(b ^ 0x80 for b in raw[1::2])
            directory.append(i32(-len(raw)))
            chars += raw
        else:
            directory += [i32(0), i32(0) + i32(0), payload]
            chars += b"\x02"
    directory.append(b"\xff")
    model_version = int(has_long) if version is None else version
    parts = [bytes(5) + bytes([model_version]), DirStart(), *directory, DirEnd(), bytes(chars)]
    return Rec(ELEM, [name, "TextModels.ModelDesc", "Containers.ModelDesc", *MODEL], parts)


def text_view(model: Rec) -> Rec:
    names = ["TextViews.StdViewDesc", "TextViews.ViewDesc", "Containers.ViewDesc", *VIEW]
    return Rec(STORE, names, [bytes(3), model, Nil(), bytes(3), Nil(), Nil(), bytes(8)])


def document(view: Rec) -> Rec:
    model = Rec(ELEM, ["Documents.ModelDesc", "Containers.ModelDesc", *MODEL], [bytes(5), view, bytes(16)])
    names = ["Documents.StdDocumentDesc", "Documents.DocumentDesc", "Containers.ViewDesc", *VIEW]
    return Rec(STORE, names, [bytes(3), model, Nil(), bytes(27)])


def text_document(runs, **options) -> bytes:
    return serialize(document(text_view(text(runs, **options))))


def fold(collapsed: bool, hidden=None, version: int = 0, extra: bytes = b"") -> Rec:
    label = b"\0" if version == 0 else b"\0\0"
    content = [bytes(2) + bytes([version]) + i16(0) + i16(0 if collapsed else 1) + label, hidden or Nil(), extra]
    return Rec(STORE, ["StdFolds.FoldDesc", *VIEW], content)


def link(command: str | None) -> Rec:
    body = i32(0) if command is None else i32(len(command) + 1) + command.encode("latin-1") + b"\0"
    return Rec(STORE, ["StdLinks.LinkDesc", *VIEW], [bytes(3) + b"\0" + body])


def target(ident: str | None) -> Rec:
    body = i32(0) if ident is None else i32(len(ident) + 1) + ident.encode("latin-1") + b"\0"
    return Rec(STORE, ["StdLinks.TargetDesc", *VIEW], [bytes(3) + b"\0" + body])


def commander() -> Rec:
    return Rec(STORE, ["DevCommanders.StdViewDesc", "DevCommanders.ViewDesc", *VIEW], [bytes(3) + i16(0) + bytes(1)])


def alien(name: str, parts=None) -> Rec:
    return Rec(STORE, [name, *VIEW], parts if parts is not None else [b"\1\2\3"])


# ================================================================ helpers


def read(data: bytes, source: str = "test.odc"):
    return read_odc(data, source)


def rendered(data: bytes, rendering: str) -> str:
    return render(read(data), rendering)


def load(blackbox_dir: Path, relpath: str):
    path = blackbox_dir / relpath
    if not path.is_file():
        pytest.skip(f"{relpath} not in the corpus")
    return read_odc(path.read_bytes(), relpath)


def corpus(blackbox_dir: Path) -> list[Path]:
    return sorted(blackbox_dir.rglob("*.odc"))


# ================================================================ real documents

HELLO0_PLAIN = (
    "MODULE ObxHello0;\n(**\n\tproject\t= \"BlackBox\"\n\torganization\t= \"www.oberon.ch\"\n"
    "\tcontributors\t= \"Oberon microsystems\"\n\tversion\t= \"System/Rsrc/About\"\n"
    "\tcopyright\t= \"System/Rsrc/About\"\n\tlicense\t= \"Docu/BB-License\"\n"
    "\tchanges\t= \"\"\n\tissues\t= \"\"\n\n**)\n\n\tIMPORT StdLog;\n\n\tPROCEDURE Do*;\n\tBEGIN\n"
    "\t\tStdLog.String(\"Hello World\"); StdLog.Ln\t(* write string and 0DX into log *)\n"
    "\tEND Do;\n\nEND ObxHello0.\n"
)


def test_hello0_plain_is_exactly_the_character_stream(blackbox_dir):
    # Checked against the bytes at 0x8A3: views (ruler, links, folds) dropped, CR -> LF,
    # the collapsed folds' short stand-ins ("") kept, their hidden history absent.
    assert render(load(blackbox_dir, "Obx/Mod/Hello0.odc"), "plain") == HELLO0_PLAIN


def test_hello0_source_shows_the_collapsed_fold_history(blackbox_dir):
    text = render(load(blackbox_dir, "Obx/Mod/Hello0.odc"), "source")
    assert '\tchanges\t= "\n\t- YYYYMMDD, nn, ...\n\t"\n\tissues\t= "\n\t- ...\n\t"\n' in text
    assert text.startswith("MODULE ObxHello0;\n(**\n") and text.endswith("END ObxHello0.\n")
    # Outside the folds, source and plain agree.
    assert text.replace('\n\t- YYYYMMDD, nn, ...\n\t', "").replace("\n\t- ...\n\t", "") == HELLO0_PLAIN


def test_hello0_counts(blackbox_dir):
    counts = load(blackbox_dir, "Obx/Mod/Hello0.odc").counts
    assert counts["folds"] == 2 and counts["folds_collapsed"] == 2
    assert counts["links"] == 3 and counts["view:TextRulers.StdRuler"] == 3
    assert counts["decode_fallbacks"] == 0 and counts["link_records"] == 0


def test_long_chars_above_u8000_use_the_xor_high_byte(blackbox_dir):
    links = render(load(blackbox_dir, "Std/Mod/Links.odc"), "plain")
    assert 'linkLeft := 0F0F6X; linkRight := 0F0F5X; (* "\uf0f6" "\uf0f5" *)' in links
    symfile = render(load(blackbox_dir, "Dev/Spec/SymFile.odc"), "plain")
    assert symfile.startswith("Oberon/F Symbol File Format\tbh    \n\uef1c\nSymFile\t=\ttag4 processor version")


def test_nul_is_an_ordinary_character(blackbox_dir):
    # The NULs of BB-Rules sit in nested texts: not in plain, but in markdown's code blocks.
    document = load(blackbox_dir, "Obx/Docu/BB-Rules.odc")
    assert "marked with an \x00A\x00 at the position where the ray went in." in render(document, "markdown")
    assert "\x00" not in render(document, "plain")


def test_blackbox_special_characters(blackbox_dir):
    text = render(load(blackbox_dir, "Docu/BB-Chars.odc"), "plain")
    assert "8B\t\u200b\tZERO WIDTH SPACE\t(Unicode 200B)" in text
    for char in "\u2007\u2010\u2011":
        assert char in text
    assert not any(c in text for c in "\r\x02\x0e\x8b\x8f\x90\x91")


def test_caret_spelled_text_model_is_read_as_text(blackbox_dir):
    document = load(blackbox_dir, "Dev/Rsrc/New/Cmds0.odc")
    assert "TextModels.StdModel^" in document.data.decode("latin-1")
    text = render(document, "plain")
    assert text.startswith("MODULE NewCmds;\n(*  *)\n\n\tIMPORT TextModels, TextViews, TextControllers;\n")
    assert document.counts["texts"] == 1


def test_expanded_and_collapsed_folds(blackbox_dir):
    document = load(blackbox_dir, "Text/Docu/User-Man.odc")
    plain, source = render(document, "plain"), render(document, "source")
    # The first pair is collapsed: plain shows the stand-in, source the hidden text.
    assert "This is a collapsed fold\n" in plain
    assert "This is an expanded fold. Folded texts are delimited by fold\xa0views" in source
    assert "This is a collapsed fold\n" not in source
    # The second pair is expanded: both show its visible text.
    assert plain.count("This is an expanded fold.") == 1
    assert len(source) - len(plain) == 137


def test_nested_texts_become_code_blocks(blackbox_dir):
    document = load(blackbox_dir, "Obx/Docu/Hello0.odc")
    text = render(document, "markdown")
    assert text.startswith("# Overview by Example: ObxHello0\n")
    assert "```oberon\nMODULE ObxHello0;\n\n\tIMPORT StdLog;\n" in text
    assert "END ObxHello0.\n```\n" in text
    assert "  ! ObxHello0.Do\n" in text  # a commander and its command
    assert document.counts["nested_texts"] == 1 and document.counts["commanders"] == 4
    # Plain leaves nested texts out, like ExportUtf8.
    assert "StdLog.String" not in render(document, "plain")


def test_links_and_targets_in_markdown(blackbox_dir):
    document = load(blackbox_dir, "Obx/Mod/Hello0.odc")
    text = render(document, "markdown")
    # The label is the text between the pair; the command goes in angle brackets (spaces).
    assert "[*System/Rsrc/About*](<StdCmds.OpenToolDialog('System/Rsrc/About', 'About BlackBox')>)" in text
    # Comments are italic, but a span with '*' in it gets no markers: they would clash.
    assert "\n(**\n" in text
    analyzer = load(blackbox_dir, "Dev/Docu/Analyzer.odc")
    assert analyzer.counts["targets"] == 10 and '<a id="' in render(analyzer, "markdown")


def test_form_without_text(blackbox_dir):
    document = load(blackbox_dir, "Form/Rsrc/Cmds.odc")
    assert document.text is None and document.counts["chars"] == 0
    assert render(document, "plain") == "" and render(document, "source") == ""
    assert render(document, "markdown").startswith("[form: #Form:Resolution:")


def test_every_document_reads_in_every_rendering(blackbox_dir):
    files = corpus(blackbox_dir)
    assert len(files) == 118
    without_text = 0
    for path in files:
        document = read_odc(path.read_bytes(), path.relative_to(blackbox_dir).as_posix())
        # Every known store decodes strictly and ends exactly at its len.
        assert document.counts["decode_fallbacks"] == 0, path
        without_text += document.text is None
        for rendering in RENDERINGS:
            text = render(document, rendering)
            assert isinstance(text, str)
            text.encode("utf-8")  # no lone surrogates
            if rendering != "markdown":
                assert not any(c in text for c in "\r\x02\x0e"), (path, rendering)
    assert without_text == 1  # Form/Rsrc/Cmds.odc, a dialog box


def test_link_records_of_a_figure_resolve(blackbox_dir):
    document = load(blackbox_dir, "Fig/Docu/Points.odc")
    assert document.counts["link_records"] == 180


def test_plain_line_counts(blackbox_dir):
    assert render(load(blackbox_dir, "Obx/Mod/Hello0.odc"), "plain").count("\n") == 21
    models = render(load(blackbox_dir, "Text/Mod/Models.odc"), "plain")
    assert models.startswith("MODULE TextModels;\n")
    assert models.rstrip().endswith("END TextModels.")


# ================================================================ synthetic documents


def test_minimal_document():
    data = text_document([("s", b"Hello\rWorld")])
    assert rendered(data, "plain") == "Hello\nWorld"
    assert rendered(data, "markdown") == "Hello\nWorld\n"


def test_long_runs_xor_high_byte():
    data = text_document([("s", b"a"), ("l", "\u0178\u20ac\uf0f6\u4e2d"), ("s", b"z")])
    assert b"\x78\x81\xac\xa0\xf6\x70" in data  # the note's examples: U+0178, U+20AC, U+F0F6
    assert rendered(data, "plain") == "a\u0178\u20ac\uf0f6\u4e2dz"


def test_specials_nul_and_paragraph_separator():
    data = text_document([("s", b"a\x00b\x8b\x8f\x90\x91\r\x0ec\xa0")])
    assert rendered(data, "plain") == "a\x00b\u200b\u2007\u2010\u2011\nc\xa0"


def test_attribute_dictionary_is_capped_at_32():
    runs = [("s", bytes([65 + i % 26]), i) for i in range(32)]
    # Dictionary full: a new set is written with index 32 and not kept, so the next
    # new set is index 32 again (a reader without the cap would take it as a reuse).
    runs += [("s", b"!", 32, attributes(weight=700)), ("s", b"?", 32, attributes(style=1)), ("s", b".", 31)]
    document = read(text_document(runs))
    assert document.counts["decode_fallbacks"] == 0
    assert render(document, "plain").endswith("!?.")
    assert len({id(run[2]) for run in document.text.runs}) == 34
    # An index beyond the dictionary is invalid: the text turns alien, the document still reads.
    bad = read(text_document([("s", b"x"), ("s", b"y", 2)]))
    assert bad.text is None and bad.counts["decode_fallbacks"] == 1


def test_link_and_newlink_records():
    shared = alien("Test.ShapeDesc")
    model = text([("s", b"a"), ("v", shared), ("v", Ref(0x84, 3)), ("v", Ref(0x81, 1)), ("s", b"b")])
    document = read(serialize(document_of(model)))
    refs = [run[3] for run in document.text.runs if isinstance(run[3], LinkRef)]
    assert [r.elem for r in refs] == [False, True]
    assert refs[0].target is document.text.runs[1][3]  # store id 3: the shape
    assert refs[1].target is document.text  # elem id 1: the text model itself, not followed
    assert document.counts["link_records"] == 2
    for rendering in RENDERINGS:
        assert render(document, rendering).startswith("ab")


def document_of(model: Rec) -> Rec:
    return document(text_view(model))


def test_link_to_an_unread_id_is_an_error():
    data = serialize(document_of(text([("v", Ref(0x84, 99))])))
    with pytest.raises(OdcError, match="store id below"):
        read(data)


def test_caret_spellings_are_the_desc_types():
    model = text([("s", b"caret")], name="TextModels.StdModel^")
    data = serialize(document_of(model))
    # The old root spelling is shorter; next/down/len are relative, so the file stays valid.
    data = data.replace(b"Documents.StdDocumentDesc\0", b"Documents.StdDocument^\0")
    document = read(data)
    assert document.root.type == "Documents.StdDocument" and document.text.type == "TextModels.StdModel"
    assert render(document, "plain") == "caret"


def test_synthetic_folds_collapsed_and_expanded():
    hidden = text([("s", b"FULL HISTORY")])
    short = text([("s", b"short")])
    runs = [
        ("s", b"A"), ("v", fold(True, hidden)), ("s", b"..."), ("v", fold(True)),
        ("s", b"B"), ("v", fold(False, short)), ("s", b"visible"), ("v", fold(False)), ("s", b"C"),
    ]
    data = text_document(runs)
    assert rendered(data, "plain") == "A...BvisibleC"
    assert rendered(data, "source") == "AFULL HISTORYBvisibleC"
    assert read(data).counts["folds"] == 2 and read(data).counts["folds_collapsed"] == 1


def test_nested_folds_in_source():
    inner_hidden = text([("s", b"inner")])
    outer_hidden = text([("s", b"<"), ("v", fold(True, inner_hidden)), ("s", b"i"), ("v", fold(True)), ("s", b">")])
    runs = [("v", fold(True, outer_hidden)), ("s", b"x"), ("v", fold(True, text([]))), ("v", fold(True)), ("v", fold(True)), ("s", b"!")]
    data = text_document(runs)
    assert rendered(data, "plain") == "x!"
    assert rendered(data, "source") == "<inner>!"


def test_links_targets_commanders_markdown():
    bold = attributes(weight=700)
    runs = [  # attribute 0: the title's, 1: default, 2: italic, 3: bold
        ("s", b"Title\r", 0, attributes(weight=700, size=16 * 12700)),
        ("s", b"See ", 1), ("v", link("StdCmds.OpenBrowser('Docu/X', 'X')"), 1), ("s", b"here", 2, attributes(style=1)),
        ("v", link(None), 1), ("s", b" and ", 1), ("v", target("t1"), 1), ("s", b"anchor", 1), ("v", target(None), 1),
        ("s", b" ", 1), ("s", b"bold", 3, bold), ("s", b"\r", 1), ("v", commander(), 1), ("s", b"StdLog.Clear\r", 1),
    ]
    text_md = rendered(text_document(runs), "markdown")
    assert text_md == (
        "# Title\n"
        "See [*here*](<StdCmds.OpenBrowser('Docu/X', 'X')>) and <a id=\"t1\"></a>anchor **bold**\n"
        "!StdLog.Clear\n"
    )
    assert rendered(text_document(runs), "plain") == "Title\nSee here and anchor bold\nStdLog.Clear\n"


def test_nested_text_view_in_markdown():
    code = text([("s", b"MODULE M;\rEND M.")])
    data = text_document([("s", b"Example:"), ("v", text_view(code)), ("s", b"\rafter")])
    assert rendered(data, "markdown") == "Example:\n```oberon\nMODULE M;\nEND M.\n```\nafter\n"
    assert rendered(data, "plain") == "Example:\nafter"


def test_known_type_with_bad_end_turns_alien_and_resets_the_dictionary():
    # The fold's content has one byte too many: it is re-read as an alien, and the
    # type names first met inside it (Test.InnerDesc) must not be registered twice.
    inner = alien("Test.InnerDesc")
    data = text_document([("s", b"a"), ("v", fold(True, inner, extra=b"\0")), ("v", alien("Test.InnerDesc")), ("s", b"b")])
    reader = Reader(data, "t.odc", DECODERS)
    reader.document()
    assert len(reader.type_names) == len(set(reader.type_names))
    assert [f[0] for f in reader.fallbacks] == ["StdFolds.Fold"]
    document = read(data)
    assert document.counts["view:Test.Inner"] == 1 and document.counts["view:StdFolds.Fold"] == 1
    assert render(document, "plain") == "ab"


def test_unsupported_version_turns_alien():
    data = text_document([("s", b"a"), ("v", fold(True, text([("s", b"x")]), version=9)), ("s", b"b")])
    document = read(data)
    assert document.counts["decode_fallbacks"] == 1 and render(document, "source") == "ab"


# ================================================================ damaged input


def test_not_an_odc():
    with pytest.raises(OdcError, match="CDOo") as caught:
        read(b"MODULE M; END M.", "M.odc")
    assert isinstance(caught.value, InputError) and caught.value.source == "M.odc" and caught.value.offset == 0


def test_every_truncation_is_an_odc_error():
    data = text_document([("s", b"Hi"), ("v", fold(True, text([("s", b"x")]))), ("v", fold(True))])
    for size in range(len(data)):
        with pytest.raises(OdcError):
            read(data[:size])


def test_trailing_bytes_are_an_error():
    with pytest.raises(OdcError, match="end of the file"):
        read(text_document([("s", b"x")]) + b"\0")


def _header(data: bytes, name: bytes) -> int:
    """Offset of the comment field of the record whose path is F1 `name`, then F2 id."""
    return data.index(name) + len(name) + 1 + 5


def test_next_and_down_must_point_forward():
    data = bytearray(text_document([("v", alien("Test.BoxDesc", [b"\1", Nil(), b"\2", Nil()]))]))
    header = _header(data, b"Test.BoxDesc")
    assert struct.unpack_from("<i", data, header)[0] == 0  # comment
    # A next offset pointing back into the store (a cycle) or a down offset past the content.
    for offset, value in ((4, -20), (8, 1 << 30), (8, -1), (12, 1 << 30), (12, -3)):
        broken = bytearray(data)
        broken[header + offset : header + offset + 4] = struct.pack("<i", value)
        with pytest.raises(OdcError):
            read(bytes(broken))


def test_deep_nesting_is_bounded():
    model = text([("s", b"x")])
    for _ in range(80):
        model = text([("v", text_view(model))])
    with pytest.raises(OdcError, match="nested at most"):
        read(serialize(document_of(model)))


# ================================================================ fuzzing real documents

FUZZ_FILES = ("Obx/Mod/Hello0.odc", "Obx/Docu/Hello0.odc", "Form/Rsrc/Cmds.odc", "Dev/Rsrc/New/Cmds0.odc", "Std/Mod/Log.odc")


def mutate(data: bytes, kind: int, where: int, value: int) -> bytes:
    where %= len(data)
    if kind == 0:  # bit flip
        out = bytearray(data)
        out[where] ^= 1 << (value % 8)
        return bytes(out)
    if kind == 1:  # truncation
        return data[:where]
    if kind == 2:  # a 4-byte field set to a huge or negative value
        out = bytearray(data)
        out[where : where + 4] = struct.pack("<i", (0x7FFFFFF0, -0x7FFFFFF0, -1, 1 << 20)[value % 4])
        return bytes(out[: len(data)])
    if kind == 3:  # a next/down field pointing back to an earlier record (a cycle)
        out = bytearray(data)
        out[where : where + 4] = struct.pack("<i", -(value % 512))
        return bytes(out[: len(data)])
    out = bytearray(data)  # a random byte
    out[where] = value % 256
    return bytes(out)


def survives(data: bytes) -> None:
    """Only OdcError may come out of reading and rendering any input."""
    try:
        document = read_odc(data, "fuzz.odc")
    except OdcError:
        return
    for rendering in RENDERINGS:
        render(document, rendering).encode("utf-8")


@pytest.fixture(scope="module")
def fuzz_inputs(blackbox_dir):
    return [(blackbox_dir / name).read_bytes() for name in FUZZ_FILES if (blackbox_dir / name).is_file()]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pick=st.integers(0, 100),
    mutations=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1 << 20), st.integers(0, 1 << 16)), min_size=1, max_size=3),
)
def test_fuzz_mutated_documents(fuzz_inputs, pick, mutations):
    data = fuzz_inputs[pick % len(fuzz_inputs)]
    for kind, where, value in mutations:
        if not data:
            break
        data = mutate(data, kind, where, value)
    survives(data)
