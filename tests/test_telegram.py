"""Telegram: the Desktop-export importer on the fixture, and the Telethon exporter against a
fake client (the fake is only the client; the messages are real Telethon objects)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from telethon.errors import FloodWaitError
from telethon.tl.types import (
    Message,
    MessageActionChatAddUser,
    MessageEntityCode,
    MessageEntityEmail,
    MessageEntityPhone,
    MessageEntityPre,
    MessageFwdHeader,
    MessageMediaPhoto,
    MessageReplyHeader,
    MessageService,
    PeerChannel,
    PeerUser,
)

from bbcopilot.errors import InputError
from bbcopilot.pii import pseudonym
from scrapers.telegram import export_chat, import_export, make_client

FIXTURE = Path(__file__).parent / "fixtures" / "telegram" / "result.json"
DATA = json.loads(FIXTURE.read_text(encoding="utf-8"))
KEY = "telegram-test-key"
CHAT1 = "BlackBox Component Builder — чат"


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "messages.jsonl").read_text(encoding="utf-8").splitlines()]


def _joined_text(m: dict) -> str:
    return "".join(e["text"] for e in m["text_entities"])


def _expected_ids() -> dict[str, set[int]]:
    """Ordinary messages with any text (captions count); not service, sticker or contact."""
    out: dict[str, set[int]] = {}
    for chat in DATA["chats"]["list"]:
        out[chat["name"]] = {m["id"] for m in chat["messages"] if m["type"] == "message" and _joined_text(m).strip()}
    return out


# ---- Desktop import -------------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("tg")
    return import_export(FIXTURE, out, KEY), _records(out)


def test_import_writes_every_expected_message_once(imported):
    summary, records = imported
    keys = [(r["chat"], r["message_id"]) for r in records]
    assert len(keys) == len(set(keys))
    got: dict[str, set[int]] = {}
    for chat, mid in keys:
        got.setdefault(chat, set()).add(mid)
    assert got == _expected_ids()
    assert summary.imported == len(records) == 33
    assert summary.skipped == {"service": 6, "media_without_caption": 2}
    assert summary.chats == 2
    for r in records:
        assert set(r) == {"message_id", "chat", "date", "author", "reply_to", "forwarded_from", "edited", "text", "thread"}
        assert datetime.fromisoformat(r["date"]).utcoffset() == timedelta(0)
        assert r["text"].strip()


def test_import_keeps_replies_forwards_edits_captions(imported):
    _, records = imported
    by_id = {r["message_id"]: r for r in records if r["chat"] == CHAT1}
    assert by_id[8]["reply_to"] == 6 and by_id[9]["reply_to"] == 8
    assert by_id[6]["thread"] == by_id[8]["thread"] == by_id[9]["thread"] == 6 and by_id[13]["thread"] == 10
    assert by_id[12]["edited"] is True and by_id[11]["edited"] is False
    assert by_id[14]["forwarded_from"] == pseudonym("Oberon News", KEY)
    assert by_id[18]["text"].startswith("Скриншот ошибки")  # photo caption kept, photo not
    assert "photos/" not in by_id[18]["text"]
    assert by_id[8]["date"] == "2023-03-14T07:03:41+00:00"  # from date_unixtime, not local "date"
    assert by_id[6]["author"] == pseudonym("user1000004", KEY) == by_id[9]["author"]
    assert by_id[25]["author"] == pseudonym("user1000099", KEY)  # deleted account, id still known


def test_import_keeps_code_verbatim(imported):
    _, records = imported
    texts = {(r["chat"], r["message_id"]): r["text"] for r in records}
    pres = 0
    for chat in DATA["chats"]["list"]:
        for m in chat["messages"]:
            for part in m["text_entities"]:
                if part["type"] == "pre":
                    pres += 1
                    fence = f"```{part.get('language', '')}\n{part['text']}\n```"
                    assert fence in texts[(chat["name"], m["id"])]
                elif part["type"] == "code":
                    assert f"`{part['text']}`" in texts[(chat["name"], m["id"])]
    assert pres == 6
    assert "\n\t\tStdLog.String(\"Hello\"); StdLog.Ln\n" in texts[(CHAT1, 8)]


def test_import_scrubs_personal_data(imported, tmp_path):
    _, records = imported
    blob = json.dumps(records, ensure_ascii=False)
    for planted in ("aleksey.smirnov@example.com", "@aleksey_smirnov", "+7 916 123-45-67", "123-45-67",
                    "+44 7700 900123", "@mary_j", "+7 903 000 00 00", "Алексей Смирнов", "Mary Jones", "Олег"):
        assert planted not in blob, planted
    by_id = {r["message_id"]: r for r in records if r["chat"] == CHAT1}
    assert "<EMAIL>" in by_id[23]["text"] and "<HANDLE>" in by_id[23]["text"]
    assert "<PHONE>" in by_id[24]["text"]
    assert "https://github.com/bbcb/bbcp" in by_id[23]["text"]  # links are not personal data


def test_import_reads_both_root_shapes_and_plain_string_texts(imported, tmp_path):
    _, account_records = imported
    single = tmp_path / "single.json"
    single.write_text(json.dumps(DATA["chats"]["list"][1], ensure_ascii=False), encoding="utf-8")
    summary = import_export(single, tmp_path / "out", KEY)
    records = _records(tmp_path / "out")
    assert summary.imported == len(records) == len(_expected_ids()["Component Pascal (English)"])
    assert records == [r for r in account_records if r["chat"] == "Component Pascal (English)"]
    # texts stored only as a plain string (no text_entities) and a personal chat (skipped)
    plain = {"name": "X", "type": "private_group", "id": 5, "messages": [
        {"id": 1, "type": "message", "date_unixtime": "1700000000", "from": "A", "from_id": "user1",
         "text": "line one\nmail me: a.b@example.com"},
        {"id": 2, "type": "message", "date_unixtime": "1700000001", "from": "A", "from_id": "user1", "text": ""},
        {"id": 3, "type": "unsupported"},
    ]}
    personal = {"name": "Mum", "type": "personal_chat", "id": 6, "messages": [
        {"id": 1, "type": "message", "date_unixtime": "1700000000", "text": "hi"}]}
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"chats": {"list": [plain, personal]}, "left_chats": {"list": []}}), encoding="utf-8")
    s2 = import_export(wrapped, tmp_path / "out2", KEY)
    assert s2.imported == 1
    assert s2.skipped == {"empty": 1, "unsupported": 1, "chat_type_personal_chat": 1}
    assert _records(tmp_path / "out2")[0]["text"] == "line one\nmail me: <EMAIL>"


def test_import_is_idempotent_and_rejects_garbage(imported, tmp_path):
    import_export(FIXTURE, tmp_path, KEY)
    again = import_export(FIXTURE, tmp_path, KEY)
    assert again.imported == 0 and again.skipped["already_stored"] == 33
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(InputError):
        import_export(bad, tmp_path, KEY)


def test_a_chat_header_after_its_messages_is_still_the_chats(imported, tmp_path):
    # Telegram writes name, type and id before messages; the stream must not depend on it.
    _, account_records = imported
    chat = DATA["chats"]["list"][1]
    messages_first = {"messages": chat["messages"], **{k: v for k, v in chat.items() if k != "messages"}}
    single = tmp_path / "single.json"
    single.write_text(json.dumps(messages_first, ensure_ascii=False), encoding="utf-8")
    import_export(single, tmp_path / "out", KEY)
    assert _records(tmp_path / "out") == [r for r in account_records if r["chat"] == chat["name"]]


@pytest.mark.parametrize(("content", "reason"), [
    ("Привет, это не JSON", r"not valid JSON \(lexical error: invalid char in json text\.\)$"),
    (FIXTURE.read_text(encoding="utf-8")[:20000], r"not valid JSON after 2\d messages \(parse error: premature EOF\)$"),
    ("", r"not valid JSON \(parse error: premature EOF\)$"),
    ('[{"id": 1}]', "not a Telegram export: the file is not a JSON object$"),
    ('{"chats": {"list": ["a chat?"]}}', "not a Telegram export: an item of chats.list is not an object$"),
])
def test_a_file_that_is_no_export_is_one_line_naming_it(tmp_path, content, reason):
    bad = tmp_path / "result.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=reason) as raised:
        import_export(bad, tmp_path / "out", KEY)
    assert raised.value.source == str(bad) and "\n" not in str(raised.value)
    assert "Привет" not in str(raised.value), "the parser's excerpt of the file is not quoted"


def test_odd_messages_of_a_valid_export_are_skipped_with_a_reason_or_read_as_text(tmp_path):
    base = {"type": "message", "date_unixtime": "1700000000", "from_id": "user1"}
    chat = {"name": "X", "type": "public_supergroup", "id": 5, "messages": [
        "a string, not a message", {**base, "id": "7"}, {**base, "id": 8, "reply_to_message_id": "seven"},
        {**base, "id": 9, "from_id": 1000001, "text_entities": ["plain", 5, {"type": "code", "text": 7}, {"type": "pre"}]},
        {**base, "id": 10, "text": {"not": "a text"}},
    ]}
    export = tmp_path / "odd.json"
    export.write_text(json.dumps(chat), encoding="utf-8")
    summary = import_export(export, tmp_path / "out", KEY)
    assert summary.skipped == {"not_an_object": 1, "no_id": 1, "bad_reply_to": 1, "empty": 1}
    [record] = _records(tmp_path / "out")
    assert record["message_id"] == 9 and record["text"].startswith("plain``")  # parts that are no text read as empty
    assert record["author"] == pseudonym("1000001", KEY)


# ---- reply threads, found as the store is written --------------------------------------


def _reference_roots(records: list[dict]) -> dict[tuple[str, int], int]:
    """The thread definition before stores held it: follow reply_to through the records until
    a message whose parent is not among them, or one already passed (a cycle)."""
    by_id = {(r["chat"], r["message_id"]): r for r in records}
    roots = {}
    for key in by_id:
        root, seen = key, set()
        while (parent := by_id.get((key[0], by_id[root]["reply_to"]))) is not None and root not in seen:
            seen.add(root)
            root = (key[0], parent["message_id"])
        roots[key] = root[1]
    return roots


def _random_export(rng, size: int, *, in_id_order: bool) -> dict:
    """Two chats of `size` messages; some are service messages (not stored, so replies to them
    have no parent), some reply to an id that is not in the export at all. In id order a reply
    points back, as in Telegram; otherwise anywhere, forward references and cycles included."""
    chats = []
    for number in range(2):
        ids = list(range(1, size + 1)) if in_id_order else rng.sample(range(1, size + 1), size)
        messages = []
        for position, mid in enumerate(ids):
            m = {"id": mid, "type": "service" if rng.random() < 0.1 else "message",
                 "date_unixtime": str(1700000000 + rng.randrange(50)), "from_id": f"user{rng.randrange(3)}", "text": f"m{mid}"}
            targets = ids[: position + 1] if in_id_order else ids  # itself included
            if rng.random() < 0.7:
                m["reply_to_message_id"] = rng.choice(targets) if rng.random() < 0.9 else size + rng.randrange(1, 4)
            messages.append(m)
        chats.append({"name": f"chat {number}", "type": "public_supergroup", "id": number, "messages": messages})
    return {"chats": {"list": chats}}


@pytest.mark.parametrize("in_id_order", [True, False])
def test_stored_threads_are_the_reply_chains_on_random_reply_graphs(tmp_path, in_id_order):
    import random

    from bbcopilot.corpus import telegram_threads

    rng = random.Random(9)
    forward = 0
    for case in range(60):
        export = tmp_path / f"{case}.json"
        export.write_text(json.dumps(_random_export(rng, rng.randrange(1, 25), in_id_order=in_id_order)))
        import_export(export, tmp_path / str(case), KEY)
        records = _records(tmp_path / str(case))
        graph = records
        if not in_id_order:  # a reply to a message written after it had no parent when it was written
            position = {(r["chat"], r["message_id"]): i for i, r in enumerate(records)}
            later = [position.get((r["chat"], r["reply_to"]), -1) > i for i, r in enumerate(records)]
            graph = [{**r, "reply_to": None} if cut else r for r, cut in zip(records, later)]
            forward += sum(later)
        expected = _reference_roots(graph)
        assert {(r["chat"], r["message_id"]): r["thread"] for r in records} == expected
        members: dict[tuple[str, int], set[int]] = {}
        for (chat, mid), root in expected.items():
            members.setdefault((chat, root), set()).add(mid)
        assert {key: {m["message_id"] for m in thread} for key, thread in telegram_threads(records).items()} == members
    assert in_id_order or forward > 0, "out of id order, forward references (a cycle needs one) were drawn"


def test_a_store_without_threads_gets_them_once_and_loses_nothing(tmp_path):
    from bbcopilot.corpus import rows_from_telegram
    from scrapers.telegram import MESSAGES_FILE, _MessageWriter

    def old(mid: int) -> dict:  # a record as stores were written before they held threads
        return {"message_id": mid, "chat": CHAT, "date": f"2024-01-01T00:00:{mid % 60:02}+00:00", "author": "a",
                "reply_to": mid - 1 if mid > 1 else None, "forwarded_from": None, "edited": False, "text": f"m{mid}"}

    chain = 20_000
    lines = [json.dumps(old(mid), ensure_ascii=False) for mid in range(1, chain + 1)]
    store = tmp_path / MESSAGES_FILE
    store.write_text("\n".join(lines) + '\n{"message_id": 20001, "ch', encoding="utf-8")  # a torn last line
    writer = _MessageWriter(tmp_path)
    records = _records(tmp_path)
    assert [{k: v for k, v in r.items() if k != "thread"} for r in records] == [old(m) for m in range(1, chain + 1)]
    assert {r["thread"] for r in records} == {1}
    assert writer.append({**old(chain + 1), "reply_to": chain})
    assert _records(tmp_path)[-1]["thread"] == 1
    [row] = rows_from_telegram(_records(tmp_path))
    assert row.group == f"telegram:{CHAT}:1" and row.text.count("m") == chain + 1
    inode = store.stat().st_ino
    _MessageWriter(tmp_path)
    assert store.stat().st_ino == inode, "a store whose records all hold their thread is not rewritten"


# ---- Telethon exporter against a fake client ------------------------------------------

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
CHAT = "blackbox_cp"


def _history() -> list:
    code = "MODULE M;\n\tIMPORT StdLog;\nEND M."
    text9 = "Пример:\n" + code + "\nпишите на x.y@example.com или +7 912 345-67-89"
    code_off = len("Пример:\n")
    mail_off = text9.index("x.y@")
    phone_off = text9.index("+7 912")
    msgs = []
    for i in range(1, 13):
        kw = dict(id=i, peer_id=PeerChannel(777), date=T0 + timedelta(minutes=i), from_id=PeerUser(100 + i % 3),
                  message=f"сообщение {i} 🙂 `x`")
        if i == 3:
            kw["reply_to"] = MessageReplyHeader(reply_to_msg_id=2)
        if i == 4:
            kw["fwd_from"] = MessageFwdHeader(date=T0, from_name="Oberon News")
        if i == 5:
            kw["edit_date"] = T0 + timedelta(hours=1)
        if i == 6:
            kw.update(message="", media=MessageMediaPhoto())  # photo, no caption
        if i == 7:
            kw.update(message="подпись к фото", media=MessageMediaPhoto())
        if i == 9:
            kw.update(message=text9, entities=[
                MessageEntityPre(offset=code_off, length=len(code), language="pascal"),
                MessageEntityEmail(offset=mail_off, length=len("x.y@example.com")),
                MessageEntityPhone(offset=phone_off, length=len("+7 912 345-67-89")),
            ])
        if i == 10:
            utf16_offset = len("😀 emoji before ".encode("utf-16-le")) // 2  # the emoji is 2 units
            kw.update(message="😀 emoji before code", entities=[MessageEntityCode(offset=utf16_offset, length=4)])
        msgs.append(Message(**kw))
    msgs[7] = MessageService(id=8, peer_id=PeerChannel(777), date=T0, action=MessageActionChatAddUser(users=[1]))
    return msgs


class FakeClient:
    """Only ``iter_messages``, as Telethon's: ``min_id`` exclusive, ``reverse`` oldest first.
    ``floods``: message ids before which a FloodWaitError is raised (once each);
    ``break_at``: a message id before which the connection drops."""

    def __init__(self, history, *, floods=(), break_at=None):
        self.history = history
        self.floods = set(floods)
        self.break_at = break_at
        self.calls: list[int] = []

    async def iter_messages(self, entity, min_id=0, reverse=False, **kwargs):
        assert entity == CHAT and reverse is True
        self.calls.append(min_id)
        for m in self.history:
            if m.id <= min_id:
                continue
            if m.id in self.floods:
                self.floods.discard(m.id)
                raise FloodWaitError(request=None, capture=0)
            if m.id == self.break_at:
                self.break_at = None
                raise ConnectionError("connection lost")
            await asyncio.sleep(0)
            yield m


def test_exporter_sleeps_out_flood_wait_and_resumes_from_last_message(tmp_path):
    client = FakeClient(_history(), floods=[5])
    summary = asyncio.run(export_chat(client, CHAT, tmp_path, KEY))
    assert client.calls == [0, 4]  # resumed right after the last message read
    assert summary.flood_waits == 1
    records = _records(tmp_path)
    assert [r["message_id"] for r in records] == [1, 2, 3, 4, 5, 7, 9, 10, 11, 12]
    assert summary.exported == 10 and summary.skipped == {"media_without_caption": 1, "service": 1}
    by_id = {r["message_id"]: r for r in records}
    assert by_id[3]["reply_to"] == 2
    assert by_id[4]["forwarded_from"] == pseudonym("Oberon News", KEY)
    assert by_id[5]["edited"] is True and by_id[1]["edited"] is False
    assert by_id[7]["text"] == "подпись к фото"
    assert by_id[1]["author"] == pseudonym("user101", KEY)
    assert by_id[1]["date"] == "2024-05-01T12:01:00+00:00" and by_id[1]["chat"] == CHAT
    assert "```pascal\nMODULE M;\n\tIMPORT StdLog;\nEND M.\n```" in by_id[9]["text"]
    assert "x.y@example.com" not in by_id[9]["text"] and "<EMAIL>" in by_id[9]["text"]
    assert "<PHONE>" in by_id[9]["text"]
    assert by_id[10]["text"] == "😀 emoji before `code`"  # UTF-16 offsets after an emoji


def test_exporter_resumes_after_interruption_without_gap_or_duplicate(tmp_path):
    history = _history()
    with pytest.raises(ConnectionError):
        asyncio.run(export_chat(FakeClient(history, break_at=7), CHAT, tmp_path, KEY))
    assert [r["message_id"] for r in _records(tmp_path)] == [1, 2, 3, 4, 5]
    client = FakeClient(history)
    summary = asyncio.run(export_chat(client, CHAT, tmp_path, KEY))
    assert client.calls == [5]  # from the last stored id
    ids = [r["message_id"] for r in _records(tmp_path)]
    assert ids == [1, 2, 3, 4, 5, 7, 9, 10, 11, 12]
    assert summary.exported == 5
    # nothing new: an immediate re-run writes nothing
    again = asyncio.run(export_chat(FakeClient(history), CHAT, tmp_path, KEY))
    assert again.exported == 0 and again.last_id is None
    # explicit min_id re-reads, and stored messages are not written twice
    replay = asyncio.run(export_chat(FakeClient(history), CHAT, tmp_path, KEY, min_id=0))
    assert replay.exported == 0 and replay.skipped["already_stored"] == 10


def test_make_client_builds_offline_with_a_string_session():
    client = make_client(12345, "0123456789abcdef0123456789abcdef", "")
    assert type(client).__name__ == "TelegramClient"
    assert client.api_id == 12345
