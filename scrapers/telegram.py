"""Telegram chats into the corpus: a Telethon exporter and a Telegram Desktop importer.

Both write the same JSON Lines record to ``out_dir/messages.jsonl``, one per
``(chat, message_id)``, appended with one ``os.write`` per line (a killed run loses
nothing written and, on the next run, writes nothing twice)::

    {"message_id": 8, "chat": "BlackBox Component Builder — чат",
     "date": "2023-03-14T07:03:41+00:00", "author": "user-1a2b3c4d", "reply_to": 6,
     "forwarded_from": null, "edited": false, "text": "..."}

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
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bbcopilot.errors import InputError
from bbcopilot.pii import EMAIL, HANDLE, PHONE, pseudonym, scrub_text

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
    """Append-only ``messages.jsonl``; knows which (chat, message_id) it already holds."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / MESSAGES_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.keys: set[tuple[str, int]] = set()
        self.last_ids: dict[str, int] = {}
        if self.path.exists():
            raw = self.path.read_bytes()
            if raw and not raw.endswith(b"\n"):  # a line torn by a machine crash
                raw = raw[: raw.rfind(b"\n") + 1]
                self.path.write_bytes(raw)
            for line in raw.decode("utf-8").splitlines():
                rec = json.loads(line)
                self._remember(rec["chat"], rec["message_id"])

    def _remember(self, chat: str, message_id: int) -> None:
        self.keys.add((chat, message_id))
        self.last_ids[chat] = max(message_id, self.last_ids.get(chat, 0))

    def append(self, rec: dict) -> bool:
        key = (rec["chat"], rec["message_id"])
        if key in self.keys:
            return False
        data = (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        self._remember(*key)
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
    if isinstance(entities, list) and entities:
        return entities
    text = message.get("text", "")
    if isinstance(text, str):
        return [{"type": "plain", "text": text}]
    return [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in text]


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


def _desktop_chats(data: Any, source: str) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return [data]  # "Export chat history" of one chat
    if isinstance(data, dict) and ("chats" in data or "left_chats" in data):
        chats = []
        for section in ("chats", "left_chats"):
            chats.extend((data.get(section) or {}).get("list") or [])
        return chats
    raise InputError(source, "neither a single-chat export (with 'messages') nor an account export (with 'chats')")


def import_export(result_json: Path, out_dir: Path, pseudonym_key: str) -> ImportSummary:
    """Import a Telegram Desktop JSON export (single chat or account-wide) into
    ``out_dir/messages.jsonl``."""
    source = str(result_json)
    if not pseudonym_key:
        raise InputError(source, "the pseudonym key is empty")
    try:
        data = json.loads(Path(result_json).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(source, f"cannot read the export: {exc}") from exc
    writer = _MessageWriter(out_dir)
    skipped: Counter[str] = Counter()
    imported = chats_read = 0
    for chat in _desktop_chats(data, source):
        messages = chat.get("messages") or []
        if chat.get("type") in SKIP_CHAT_TYPES:
            skipped[f"chat_type_{chat.get('type')}"] += len(messages)
            continue
        chats_read += 1
        name = chat.get("name") or f"chat{chat.get('id')}"
        for m in messages:
            reason = None
            mtype = m.get("type", "message")
            if mtype != "message":
                reason = mtype  # "service", "unsupported"
            elif not str(m.get("date_unixtime", "")).isdigit():
                reason = "no_timestamp"
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
                forwarded = pseudonym(m["forwarded_from"], pseudonym_key) if m["forwarded_from"] else HIDDEN
            rec = _record(
                name, m["id"], datetime.fromtimestamp(int(m["date_unixtime"]), timezone.utc),
                pseudonym(sender, pseudonym_key) if sender else None,
                m.get("reply_to_message_id"), forwarded, "edited" in m or "edited_unixtime" in m, text,
            )
            if writer.append(rec):
                imported += 1
            else:
                skipped["already_stored"] += 1
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
