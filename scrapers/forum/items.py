"""Items yielded by the phpBB spider (dataclasses, as Scrapy's ItemAdapter accepts them)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class ForumPost:
    """One post. ``status`` is "ok", "deleted", "empty" or "truncated" (page cut short);
    the first pipeline drops everything that is not "ok", with that reason."""

    post_id: int
    topic_id: int
    forum_id: int | None
    topic_title: str
    forum_title: str
    subject: str
    author: str
    posted_at: str | None  # ISO 8601, UTC, timezone-aware
    edited: bool
    text: str  # code as ``` fences (verbatim), quotes as [quote="author"]...[/quote]
    url: str  # canonical permalink: <board>/viewtopic.php?p=ID#pID
    layout: str  # "prosilver" or "subsilver2": which parser read the page
    status: str = "ok"
    quote_authors: list[str] = field(default_factory=list)

    def record(self) -> dict:
        """The JSON Lines record (the on-disk shape of ``posts.jsonl``)."""
        rec = asdict(self)
        for internal in ("status", "quote_authors", "layout"):
            rec.pop(internal)
        return rec


@dataclass
class TopicProgress:
    """How far a topic has been read: the incremental mode's state, one line per update.

    ``last_post_id`` is the highest post id read from complete pages (deleted and empty
    posts included, a post on a truncated page not); ``last_start`` the ``start=`` offset
    of that page, where an incremental crawl resumes the topic.
    """

    topic_id: int
    last_post_id: int
    last_start: int
    reason: str = "read"  # "read", or "gone" when the topic answered 404/410/403
