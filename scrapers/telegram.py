"""Telegram chats into the corpus: a Telethon exporter and a Telegram Desktop importer.

Both write the same JSON Lines record to ``out_dir/messages.jsonl``, one per
``(chat, message_id)``, appended with one ``os.write`` per line (a killed run loses
nothing written and, on the next run, writes nothing twice)::

    {"message_id": 8, "chat": "BlackBox Component Builder — чат",
     "date": "2023-03-14T07:03:41+00:00", "author": "user-1a2b3c4d", "reply_to": 6,
     "forwarded_from": null, "edited": false, "text": "...", "thread": 5}

* ``chat``: the Desktop export's chat name (``chat<id>`` when it has none), or the
  ``chat`` argument given to the exporter (username, link or id);
* ``date``: UTC, timezone-aware (the Desktop ``date_unixtime``, Telethon's ``date``);
* ``author``: keyed pseudonym of the sender id (``user<id>``/``channel<id>``, the bare id
  the Desktop export writes and Telethon's marked id resolves to — so both sources give
  a person the same pseudonym), or of the display name when there is no id; null if
  neither is known;
* ``forwarded_from``: pseudonym of the original author/channel, ``"<hidden>"`` when the
  source hid it, null when not forwarded; ``edited``: bool; ``reply_to``: the replied-to
  message id (it may point outside the export);
* ``thread``: the message id of the reply chain's root, found when the message is written
  (its parent's thread; its own id when the parent is not in this file: a first message,
  a reply to a skipped or deleted message or to one outside the export). A store written
  before records carried it gets it filled in, and is rewritten atomically, when opened;
* ``text``: the parts joined: ``pre`` as a Markdown fence with its language, the code
  verbatim; ``code`` in backticks; ``blockquote`` as ``[quote]...[/quote]`` (as the forum
  crawler writes quotes); ``text_link`` as ``text (url)``; e-mail/phone/bank-card parts
  and ``@mentions`` replaced by placeholders, ``mention_name`` by the pseudonym; then
  :func:`bbcopilot.pii.scrub_text` over everything. Media bodies are not kept, captions are.

Skipped, with the reason counted in the summary: service messages, ``unsupported``
messages, empty messages (a sticker, a contact card, media without caption), deleted
messages (Telethon's ``MessageEmpty`` / ``None``), messages already in the file, and the
chats the export notes tell us to leave alone (personal, bot and saved-messages chats).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

import ijson
from ijson.common import ObjectBuilder

from bbcopilot.errors import InputError
from bbcopilot.pii import EMAIL, HANDLE, PHONE, pseudonym, scrub_text
from bbcopilot.workspace import write_jsonl

log = logging.getLogger(__name__)

MESSAGES_FILE = "messages.jsonl"
SKIP_CHAT_TYPES = {"personal_chat", "bot_chat", "saved_messages"}
FLOOD_MARGIN_S = 1.0  # sleep this much longer than Telegram asks
MAX_FLOOD_WAITS = 20  # in one export_chat call, then give up (floods escalate)
HIDDEN = "<hidden>"
MEDIA_KEYS = {"photo", "file", "media_type", "sticker_emoji", "contact_information", "location_information", "poll"}


@dataclass
class ImportSummary:
    imported: int
    skipped: dict[str, int]  # reason -> count
    chats: int  # chats read (skipped chat types not counted)
    output: Path


@dataclass
class ExportSummary:
    exported: int
    skipped: dict[str, int]  # reason -> count
    flood_waits: int
    last_id: int | None  # the last message id read (written or skipped)
    output: Path


# ---- writing ------------------------------------------------------------------------


class _MessageWriter:
    """Append-only ``messages.jsonl``; knows which (chat, message_id) it already holds and
    the thread root of each, so a new message's ``thread`` costs one look-up."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / MESSAGES_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.threads: dict[tuple[str, int], int] = {}  # (chat, message_id) -> thread root
        self.last_ids: dict[str, int] = {}
        if self.path.exists():
            raw = self.path.read_bytes()
            if raw and not raw.endswith(b"\n"):  # a line torn by a machine crash
                raw = raw[: raw.rfind(b"\n") + 1]
                self.path.write_bytes(raw)
            records = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
            unthreaded = False
            for rec in records:
                if "thread" not in rec:  # written before records carried their thread
                    rec["thread"] = self._thread_of(rec)
                    unthreaded = True
                self._remember(rec)
            if unthreaded:
                write_jsonl(self.path, records)  # atomic: the old store stays whole until replaced

    def _thread_of(self, rec: dict) -> int:
        # The parent is an earlier record of this store (Telegram replies point back, and both
        # sources write in id order); a parent not stored (skipped, deleted, outside the export)
        # makes the message a root.
        return self.threads.get((rec["chat"], rec["reply_to"]), rec["message_id"])

    def _remember(self, rec: dict) -> None:
        self.threads[(rec["chat"], rec["message_id"])] = rec["thread"]
        self.last_ids[rec["chat"]] = max(rec["message_id"], self.last_ids.get(rec["chat"], 0))

    def append(self, rec: dict) -> bool:
        if (rec["chat"], rec["message_id"]) in self.threads:
            return False
        rec = {**rec, "thread": self._thread_of(rec)}
        data = (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        self._remember(rec)
        return True


# ---- text ---------------------------------------------------------------------------


def _own_lines(out: list[str], block: str) -> None:
    if out and not out[-1].endswith("\n"):
        out.append("\n")
    out.append(block)
    out.append("\n")


def render_parts(parts: list[dict], key: str) -> str:
    """Join Desktop-style parts (``{"type", "text", ...}``) into the record's text."""
    out: list[str] = []
    for part in parts:
        kind, text = part.get("type", "plain"), part.get("text", "")
        if not isinstance(text, str):
            text = ""
        if kind == "pre":
            _own_lines(out, f"```{part.get('language') or ''}\n{text.strip(chr(10))}\n```")
        elif kind == "code":
            out.append(f"`{text}`")
        elif kind == "blockquote":
            _own_lines(out, f"[quote]\n{text.strip(chr(10))}\n[/quote]")
        elif kind == "text_link" and part.get("href") and part["href"] != text:
            out.append(f"{text} ({part['href']})")
        elif kind == "email":
            out.append(EMAIL)
        elif kind == "phone":
            out.append(PHONE)
        elif kind == "bank_card":
            out.append("<CARD>")
        elif kind == "mention":
            out.append(HANDLE)
        elif kind == "mention_name":
            out.append(pseudonym(text.lstrip("@"), key))
        else:
            if out and out[-1] == "\n" and text.startswith("\n"):
                text = text[1:]  # the newline after a fenced block is already there
            out.append(text)
    return scrub_text("".join(out).strip())


def _desktop_parts(message: dict) -> list[dict]:
    entities = message.get("text_entities")
    parts = entities if isinstance(entities, list) and entities else message.get("text", "")
    if isinstance(parts, str):
        return [{"type": "plain", "text": parts}]
    if not isinstance(parts, list):
        return []
    return [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts]


def _record(chat: str, message_id: int, date: datetime, author: str | None, reply_to, forwarded_from, edited: bool, text: str) -> dict:
    return {
        "message_id": int(message_id),
        "chat": chat,
        "date": date.astimezone(timezone.utc).isoformat(),
        "author": author,
        "reply_to": int(reply_to) if reply_to is not None else None,
        "forwarded_from": forwarded_from,
        "edited": bool(edited),
        "text": text,
    }


# ---- Telegram Desktop import --------------------------------------------------------


# Where a Desktop export keeps its chats: the root of a single-chat export ("Export chat
# history"), the items of an account export's chat lists.
CHAT_PATHS = ("", "chats.list.item", "left_chats.list.item")
CHAT_HEADER = ("name", "type", "id")


def _at(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


_MESSAGE_AT = {_at(base, "messages.item"): base for base in CHAT_PATHS}
_HEADER_AT = {_at(base, key): key for base in CHAT_PATHS for key in CHAT_HEADER}
_CONTAINER_STARTS, _CONTAINER_ENDS = {"start_map", "start_array"}, {"end_map", "end_array"}


class _ChatStream:
    """One chat of the export as it streams past: its header and the messages that arrive
    before the header is complete (none in Telegram Desktop's files, which write
    ``name``, ``type`` and ``id`` before ``messages``)."""

    def __init__(self) -> None:
        self.header: dict[str, Any] = {}
        self.waiting: list[Any] = []

    def message(self, m: Any) -> Iterator[tuple[dict, Any]]:
        if len(self.header) < len(CHAT_HEADER):
            self.waiting.append(m)
            return
        yield self.header, m

    def header_field(self, key: str, value: Any) -> Iterator[tuple[dict, Any]]:
        self.header[key] = value
        if len(self.header) == len(CHAT_HEADER):
            yield from self.flush()

    def flush(self) -> Iterator[tuple[dict, Any]]:
        waiting, self.waiting = self.waiting, []
        for m in waiting:
            yield self.header, m


def _desktop_messages(handle: BinaryIO, source: str) -> Iterator[tuple[dict, Any]]:
    """``(chat header, message)`` for every message of a Desktop export, read as a stream
    (one message in memory at a time), and ``(chat header, None)`` at the end of each chat.
    Raises ``ijson.JSONError`` where the file stops being JSON."""
    events = ijson.parse(handle)
    first = next(events, None)
    if first is None or first[1] != "start_map":
        raise InputError(source, "not a Telegram export: the file is not a JSON object")
    chats = {"": _ChatStream()}  # the root is a chat if it has messages
    root_is_chat = shaped = False
    builder, builder_at = None, None
    for prefix, event, value in events:
        if builder is not None:  # inside a message: build it
            builder.event(event, value)
            if not builder.containers:
                yield from chats[builder_at].message(builder.value)
                builder = None
        elif prefix in _MESSAGE_AT:
            base = _MESSAGE_AT[prefix]
            if event in _CONTAINER_STARTS:
                builder, builder_at = ObjectBuilder(), base
                builder.event(event, value)
            else:
                yield from chats[base].message(value)  # a message that is no object: counted, skipped
        elif event == "map_key" or event in _CONTAINER_ENDS:
            if prefix == "" and value in ("chats", "left_chats"):
                shaped = True
            elif event == "end_map" and prefix in chats and (prefix or root_is_chat):
                chat = chats.pop(prefix)
                yield from chat.flush()
                yield chat.header, None
        elif prefix in CHAT_PATHS[1:]:
            if event != "start_map":
                raise InputError(source, f"not a Telegram export: an item of {prefix.removesuffix('.item')} is not an object")
            chats[prefix] = _ChatStream()
        elif prefix == "messages" and event == "start_array":
            root_is_chat = shaped = True
        elif prefix in _HEADER_AT and event not in _CONTAINER_STARTS:
            base = prefix.rpartition(".")[0]
            if base in chats:
                yield from chats[base].header_field(_HEADER_AT[prefix], value)
    if not shaped:
        raise InputError(source, "neither a single-chat export (with 'messages') nor an account export (with 'chats')")


def _json_fault(err: ijson.JSONError) -> str:
    # yajl's message is its first line; the lines after it quote the file around the fault,
    # which may be personal data, so they never reach a log or report.
    detail = err.args[0] if err.args else ""
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return str(detail).strip().splitlines()[0] if str(detail).strip() else type(err).__name__


def _desktop_skip_reason(m: Any) -> str | None:
    if not isinstance(m, dict):
        return "not_an_object"
    mtype = m.get("type", "message")
    if mtype != "message":
        return str(mtype)  # "service", "unsupported"
    if not isinstance(m.get("id"), int):
        return "no_id"
    if not isinstance(m.get("reply_to_message_id", 0), int):
        return "bad_reply_to"
    if not str(m.get("date_unixtime", "")).isdigit():
        return "no_timestamp"
    return None


def import_export(result_json: Path, out_dir: Path, pseudonym_key: str) -> ImportSummary:
    """Import a Telegram Desktop JSON export (single chat or account-wide) into
    ``out_dir/messages.jsonl``, streaming it: memory does not grow with the export.

    A file that is not JSON, stops short or is not a Telegram export raises
    :class:`InputError` naming it; what was written before the fault stays in the file
    (import into a temporary folder to keep all or nothing).
    """
    source = str(result_json)
    if not pseudonym_key:
        raise InputError(source, "the pseudonym key is empty")
    writer = _MessageWriter(out_dir)
    skipped: Counter[str] = Counter()
    imported = chats_read = 0
    try:
        handle = open(result_json, "rb")
    except OSError as err:
        raise InputError(source, f"cannot read the export: {err.strerror or err}") from err
    try:
        with handle:
            for chat, m in _desktop_messages(handle, source):
                if chat.get("type") in SKIP_CHAT_TYPES:
                    if m is not None:
                        skipped[f"chat_type_{chat.get('type')}"] += 1
                    continue
                if m is None:  # the chat ended
                    chats_read += 1
                    continue
                reason = _desktop_skip_reason(m)
                if reason:
                    skipped[reason] += 1
                    continue
                text = render_parts(_desktop_parts(m), pseudonym_key)
                if not text:
                    skipped["media_without_caption" if MEDIA_KEYS & m.keys() else "empty"] += 1
                    continue
                sender = m.get("from_id") or m.get("from")
                forwarded = None
                if "forwarded_from" in m:
                    forwarded = pseudonym(str(m["forwarded_from"]), pseudonym_key) if m["forwarded_from"] else HIDDEN
                rec = _record(
                    chat.get("name") or f"chat{chat.get('id')}", m["id"],
                    datetime.fromtimestamp(int(m["date_unixtime"]), timezone.utc),
                    pseudonym(str(sender), pseudonym_key) if sender else None,
                    m.get("reply_to_message_id"), forwarded, "edited" in m or "edited_unixtime" in m, text,
                )
                if writer.append(rec):
                    imported += 1
                else:
                    skipped["already_stored"] += 1
    except ijson.JSONError as err:
        read = imported + sum(skipped.values())
        after = f" after {read} messages" if read else ""
        raise InputError(source, f"not valid JSON{after} ({_json_fault(err)})") from err
    log.info("imported %d messages from %s, skipped %s", imported, source, dict(skipped))
    return ImportSummary(imported, dict(skipped), chats_read, writer.path)


# ---- Telethon export ----------------------------------------------------------------

_ENTITY_KINDS = {
    "MessageEntityPre": "pre", "MessageEntityCode": "code", "MessageEntityTextUrl": "text_link",
    "MessageEntityUrl": "link", "MessageEntityEmail": "email", "MessageEntityPhone": "phone",
    "MessageEntityMention": "mention", "MessageEntityMentionName": "mention_name",
    "InputMessageEntityMentionName": "mention_name", "MessageEntityBlockquote": "blockquote",
    "MessageEntityBankCard": "bank_card", "MessageEntityHashtag": "hashtag",
    "MessageEntityCashtag": "cashtag", "MessageEntityBotCommand": "bot_command",
}


def _telethon_parts(text: str, entities) -> list[dict]:
    """Split ``raw_text`` by its entities (offsets in UTF-16 units) into Desktop-style parts.
    Nested entities (bold inside a link ...) are read as their outer entity."""
    from telethon.helpers import add_surrogate, del_surrogate

    s = add_surrogate(text)
    parts: list[dict] = []
    pos = 0
    for e in sorted(entities or [], key=lambda e: (e.offset, -e.length)):
        kind = _ENTITY_KINDS.get(type(e).__name__, "plain")
        if e.offset < pos or kind == "plain":
            continue
        if e.offset > pos:
            parts.append({"type": "plain", "text": del_surrogate(s[pos:e.offset])})
        part = {"type": kind, "text": del_surrogate(s[e.offset:e.offset + e.length])}
        if kind == "pre":
            part["language"] = getattr(e, "language", "") or ""
        if kind == "text_link":
            part["href"] = getattr(e, "url", "")
        parts.append(part)
        pos = e.offset + e.length
    if pos < len(s):
        parts.append({"type": "plain", "text": del_surrogate(s[pos:])})
    return parts


def _peer_key(peer_or_id) -> str | None:
    """``user<id>`` / ``chat<id>`` / ``channel<id>`` with the bare id, as Desktop writes it."""
    from telethon import utils

    if peer_or_id is None:
        return None
    if not isinstance(peer_or_id, int):
        peer_or_id = utils.get_peer_id(peer_or_id)
    bare, cls = utils.resolve_id(peer_or_id)
    kind = {"PeerUser": "user", "PeerChat": "chat", "PeerChannel": "channel"}.get(cls.__name__, "user")
    return f"{kind}{bare}"


def _telethon_record(chat: str, m, key: str) -> tuple[dict | None, str | None]:
    """(record, None) or (None, reason to skip)."""
    if m is None or type(m).__name__ == "MessageEmpty":
        return None, "deleted"
    if getattr(m, "action", None) is not None:
        return None, "service"
    raw = getattr(m, "raw_text", None)
    if raw is None:
        raw = getattr(m, "message", None) or ""
    text = render_parts(_telethon_parts(raw, getattr(m, "entities", None)), key)
    if not text:
        return None, "media_without_caption" if getattr(m, "media", None) is not None else "empty"
    sender = _peer_key(getattr(m, "sender_id", None))
    fwd = getattr(m, "fwd_from", None)
    forwarded = None
    if fwd is not None:
        source = getattr(fwd, "from_name", None) or _peer_key(getattr(fwd, "from_id", None))
        forwarded = pseudonym(source, key) if source else HIDDEN
    date = m.date if m.date.tzinfo else m.date.replace(tzinfo=timezone.utc)
    edited = getattr(m, "edit_date", None) is not None and not getattr(m, "edit_hide", False)
    rec = _record(chat, m.id, date, pseudonym(sender, key) if sender else None,
                  getattr(m, "reply_to_msg_id", None), forwarded, edited, text)
    return rec, None


async def export_chat(client, chat: str, out_dir: Path, pseudonym_key: str, *, min_id: int | None = None) -> ExportSummary:
    """Export new messages of ``chat`` with a Telethon client into ``out_dir/messages.jsonl``.

    Starts after ``min_id`` or, by default, after the last message id of this chat
    already in the file; sleeps out ``FloodWaitError`` and goes on from the last message
    read. Only ``client.iter_messages(chat, min_id=..., reverse=True)`` is used.
    """
    from telethon.errors import FloodWaitError

    if not pseudonym_key:
        raise InputError(chat, "the pseudonym key is empty")
    writer = _MessageWriter(out_dir)
    last = min_id if min_id is not None else writer.last_ids.get(chat, 0)
    skipped: Counter[str] = Counter()
    exported = floods = 0
    last_read: int | None = None
    while True:
        try:
            async for m in client.iter_messages(chat, min_id=last, reverse=True):
                rec, reason = _telethon_record(chat, m, pseudonym_key)
                if rec is None:
                    skipped[reason] += 1
                elif writer.append(rec):
                    exported += 1
                else:
                    skipped["already_stored"] += 1
                if m is not None and getattr(m, "id", None):
                    last = last_read = m.id
            break
        except FloodWaitError as exc:
            floods += 1
            if floods > MAX_FLOOD_WAITS:
                raise InputError(chat, f"Telegram asked to wait {floods} times; stopped at message {last}") from exc
            log.warning("Telegram flood wait of %s s in %s after message %s", exc.seconds, chat, last)
            await asyncio.sleep(exc.seconds + FLOOD_MARGIN_S)
    log.info("exported %d messages of %s, skipped %s", exported, chat, dict(skipped))
    return ExportSummary(exported, dict(skipped), floods, last_read, writer.path)


def make_client(api_id, api_hash, session):
    """A Telethon client from a saved ``StringSession`` string (nothing is logged)."""
    from telethon import TelegramClient
    from telethon.sessions import StringSession

    return TelegramClient(StringSession(session), int(api_id), api_hash)
