from bbcopilot.config import DatasetSettings
from bbcopilot.corpus import (
    DocumentRow, build_documents, detect_language, drop_reason, normalise_text, rows_from_telegram, split_of,
)
from bbcopilot.dialogs import dialogs_from_telegram

SETTINGS = DatasetSettings()
PINNED_SPLITS = ["train", "test", "train", "validation", "test", "train"]  # salt "bbcopilot-v1", 0.2/0.2


def row(id: str, text: str, group: str | None = None, source: str = "blackbox") -> DocumentRow:
    return DocumentRow(id=id, source=source, subsystem="Text", module="", kind="Docu", title="", group=group or id,
                       licence="bsd-2-clause", text=text)


def test_normalise_keeps_indentation_and_unifies_line_ends():
    assert normalise_text("A\r\n\tB  \rC\u0065\u0301") == "A\n\tB\nC\u00e9\n"


def test_normalise_strips_control_characters_but_tab_and_line_ends():
    assert normalise_text("\u00a9\x00 2017\x07\x1b\x7f\tBlackBox\x0c\r\nx") == "\u00a9 2017\tBlackBox\nx\n"


def test_drop_reasons():
    assert drop_reason("  \n") == "empty"
    assert drop_reason("\x00\x01\x02\x03" * 40) == "binary-looking"
    assert drop_reason("MODULE M; END M.") is None


def test_binary_texts_are_judged_before_cleaning_strips_their_controls():
    binary = "".join(chr(i % 32) for i in range(3000)) + "MODULE M; END M."  # controls, tabs and line ends
    kept, report = build_documents([row("bin", binary), row("nul", "MODULE N;\x00 END N."), row("nuls", "\x00\x00")], SETTINGS)
    assert [r.id for r in kept] == ["nul"] and kept[0].text == "MODULE N; END N.\n"
    assert report.dropped == {("blackbox", "binary-looking"): 1, ("blackbox", "empty"): 1}


def test_language_detection():
    assert detect_language("Модуль TextModels описывает тексты. PROCEDURE Do;") == "ru"
    assert detect_language("MODULE M; (* a comment *) END M.") == "en"


def test_exact_and_near_duplicates_are_dropped_and_counted():
    base = " ".join(f"word{i}" for i in range(300))
    rows = [
        row("a", base),
        row("b", base.upper()),  # same text once normalised for comparison
        row("c", base.replace("word150", "changed")),  # near duplicate
        row("forum/1", "Completely different text about StdLog and TextMappers " * 5, source="forum"),
    ]
    kept, report = build_documents(rows, SETTINGS)
    assert [r.id for r in kept] == ["a", "forum/1"]
    assert report.dropped[("blackbox", "exact duplicate")] == 1
    assert report.dropped[("blackbox", "near duplicate")] == 1


def test_splits_are_deterministic_and_no_group_crosses_splits():
    settings = DatasetSettings(validation_fraction=0.2, test_fraction=0.2)
    rows = [row(f"doc{i}/{part}", f"text {i} {part} " + "x " * i, group=f"module:{i}") for i in range(60) for part in range(3)]
    kept, report = build_documents(rows, settings)
    by_group: dict[str, set[str]] = {}
    for r in kept:
        by_group.setdefault(r.group, set()).add(r.split)
    assert all(len(splits) == 1 for splits in by_group.values())
    assert {r.split for r in kept} == {"train", "validation", "test"}
    # Pinned: a split must not change between runs, machines or Python versions (hash(), for one, would).
    assert [split_of(f"module:{i}", settings) for i in range(6)] == PINNED_SPLITS
    assert sum(report.kept.values()) == len(kept)


def test_telegram_reply_chains_become_threads():
    # `thread` is the root the store found when it wrote the message (scrapers/telegram.py).
    messages = [
        {"chat": "c", "message_id": 3, "reply_to": 2, "thread": 1, "text": "thanks", "author": "u1", "date": "3"},
        {"chat": "c", "message_id": 1, "reply_to": None, "thread": 1, "text": "How do I print?", "author": "u1", "date": "1"},
        {"chat": "c", "message_id": 2, "reply_to": 1, "thread": 1, "text": "StdLog.String", "author": "u2", "date": "2"},
        {"chat": "c", "message_id": 4, "reply_to": None, "thread": 4, "text": "other topic", "author": "u3", "date": "4"},
        {"chat": "d", "message_id": 1, "reply_to": None, "thread": 1, "text": "another chat", "author": "u3", "date": "1"},
    ]
    again = {**messages[2], "text": "StdLog.String, edited"}  # the same message in a second store of the chat
    rows = rows_from_telegram(messages + [again])
    assert sorted(r.group for r in rows) == ["telegram:c:1", "telegram:c:4", "telegram:d:1"]
    thread = next(r for r in rows if r.id == "telegram/c/1")
    assert thread.text.index("How do I print?") < thread.text.index("StdLog.String, edited") < thread.text.index("thanks")
    assert thread.text.count("StdLog.String") == 1, "a message held twice counts once"
    dialogs = dialogs_from_telegram(messages, DatasetSettings())
    assert {d["id"] for d in dialogs} == {"telegram:c:1"}, "the dialog of a thread has its document's group"
