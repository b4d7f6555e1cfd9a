"""The `dialogs` dataset: forum topics and Telegram reply chains as conversations.

The person who opened the thread speaks as `user`, everyone answering as
`assistant`; consecutive turns of one role are joined. A conversation must open
with a question and contain at least one answer, or it teaches nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from bbcopilot.config import DatasetSettings
from bbcopilot.corpus import split_of, telegram_threads


def conversation(turns: list[tuple[str, str]]) -> list[dict[str, str]] | None:
    """(author, text) turns in order -> `messages`, or None when there is no exchange."""
    if not turns:
        return None
    opener = turns[0][0]
    messages: list[dict[str, str]] = []
    for author, text in turns:
        role = "user" if author == opener else "assistant"
        text = text.strip()
        if not text:
            continue
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"] += "\n\n" + text
        else:
            messages.append({"role": role, "content": text})
    if len(messages) < 2 or messages[0]["role"] != "user":
        return None
    return messages


def dialogs_from_forum(posts: Iterable[dict[str, Any]], settings: DatasetSettings) -> list[dict[str, Any]]:
    topics: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for post in posts:
        topics[post["topic_id"]].append(post)
    rows = []
    for topic_id, topic_posts in sorted(topics.items(), key=lambda kv: str(kv[0])):
        topic_posts.sort(key=lambda p: (p.get("posted_at") or "", p["post_id"]))
        messages = conversation([(p.get("author", ""), p["text"]) for p in topic_posts])
        if messages:
            group = f"forum:{topic_id}"  # the same group key as the documents dataset
            rows.append({"id": group, "source": "forum", "messages": messages, "split": split_of(group, settings)})
    return rows


def dialogs_from_telegram(messages: Iterable[dict[str, Any]], settings: DatasetSettings) -> list[dict[str, Any]]:
    rows = []
    for (chat, root_id), thread in sorted(telegram_threads(messages).items(), key=lambda kv: str(kv[0])):
        turns = conversation([(m.get("author", ""), m["text"]) for m in thread])
        if turns:
            group = f"telegram:{chat}:{root_id}"
            rows.append({"id": group, "source": "telegram", "messages": turns, "split": split_of(group, settings)})
    return rows
