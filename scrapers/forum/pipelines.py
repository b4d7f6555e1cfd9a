"""Item pipelines, in order (see ``ITEM_PIPELINES`` in settings.py), each doing one thing:

1. :class:`UsablePostPipeline` — drop deleted, empty and truncated posts;
2. :class:`PIIScrubPipeline` — pseudonymise authors (and quoted authors), scrub text;
3. :class:`DedupPipeline` — drop a post id already seen in this crawl;
4. :class:`JsonLinesWriterPipeline` — append one line per new post id to ``posts.jsonl``;
5. :class:`TopicStatePipeline` — append ``TopicProgress`` lines to the incremental state.

Every drop raises ``DropItem`` with a reason and bumps ``forum/dropped/<reason>`` in the
crawl stats. Only ``ForumPost`` items go through 1-4, only ``TopicProgress`` through 5.

The writer appends each record with a single ``os.write`` on an ``O_APPEND`` descriptor,
so a line is either in the file whole or not at all when the process is killed; on open
it reads the post ids already in the file (dropping a torn last line, if a machine crash
left one) and skips them, so a resumed or repeated crawl never writes a post twice.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict
from pathlib import Path

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.logformatter import LogFormatter

from bbcopilot.errors import ConfigError
from bbcopilot.pii import pseudonym, scrub_text
from scrapers.forum.items import ForumPost, TopicProgress

KEY_ENV = "BBCOPILOT_PSEUDONYM_KEY"


def _drop(crawler, reason: str, message: str) -> DropItem:
    crawler.stats.inc_value(f"forum/dropped/{reason}")
    return DropItem(message)


class _CrawlPipeline:
    """An item pipeline bound to its crawler (whose stats count what it keeps and drops)."""

    @classmethod
    def from_crawler(cls, crawler):
        obj = cls(*cls.arguments(crawler))
        obj.crawler = crawler
        return obj

    @classmethod
    def arguments(cls, crawler) -> tuple:
        """What the constructor takes, read from the crawler's settings or the environment."""
        return ()


class UsablePostPipeline(_CrawlPipeline):

    def process_item(self, item):
        if isinstance(item, ForumPost) and item.status != "ok":
            raise _drop(self.crawler, item.status, f"post {item.post_id}: {item.status}")
        return item


class PIIScrubPipeline(_CrawlPipeline):
    """Authors -> keyed pseudonyms; e-mails, phones, handles in texts -> placeholders.

    The key comes from the environment (``BBCOPILOT_PSEUDONYM_KEY``), never from the
    settings, which Scrapy logs.
    """

    def __init__(self, key: str):
        self.key = key

    @classmethod
    def arguments(cls, crawler) -> tuple:
        key = os.environ.get(KEY_ENV, "")
        if not key:
            raise ConfigError(f"{KEY_ENV} is not set: the crawler will not write unpseudonymised authors")
        return (key,)

    def process_item(self, item):
        if not isinstance(item, ForumPost):
            return item
        text = item.text
        for name in set(item.quote_authors):
            text = text.replace(f'[quote="{name}"]', f'[quote="{pseudonym(name, self.key)}"]')
        item.text = scrub_text(text)
        item.author = pseudonym(item.author, self.key)
        item.quote_authors = []
        item.subject = scrub_text(item.subject)
        item.topic_title = scrub_text(item.topic_title)
        self.crawler.stats.inc_value("forum/posts_scrubbed")
        return item


class DedupPipeline(_CrawlPipeline):
    def __init__(self):
        self.seen: set[int] = set()

    def process_item(self, item):
        if not isinstance(item, ForumPost):
            return item
        if item.post_id in self.seen:
            raise _drop(self.crawler, "duplicate", f"post {item.post_id}: duplicate post id in this crawl")
        self.seen.add(item.post_id)
        return item


def _append_line(fd: int, record: dict) -> None:
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    written = os.write(fd, data)
    if written != len(data):  # regular files never short-write short of a full disk
        raise OSError(f"short write ({written} of {len(data)} bytes)")


def _repair_tail(path: Path) -> None:
    """Cut a last line that has no newline (a write torn by a machine crash)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return
        data = path.read_bytes()
        fh.truncate(data.rfind(b"\n") + 1)


_POST_ID = re.compile(rb'"post_id":\s*(\d+)')


class _AppendOnlyJsonLines(_CrawlPipeline):
    """A JSON Lines file the crawl appends to, one flushed line per record, so a killed
    crawl loses at most the line being written (cut off again on the next start)."""

    SETTING = ""  # the Scrapy setting naming the file

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    @classmethod
    def arguments(cls, crawler) -> tuple:
        path = crawler.settings.get(cls.SETTING)
        if not path:
            raise NotConfigured(f"{cls.SETTING} is not set")
        return (Path(path),)

    def open_spider(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _repair_tail(self.path)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def close_spider(self):
        if self.fd is not None:
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = None


class JsonLinesWriterPipeline(_AppendOnlyJsonLines):
    """Writes each post once: ids already in the file (an earlier or killed crawl) are dropped."""

    SETTING = "FORUM_OUTPUT"

    def __init__(self, path: Path):
        super().__init__(path)
        self.stored: set[int] = set()

    def open_spider(self):
        super().open_spider()
        with self.path.open("rb") as fh:
            for line in fh:
                m = _POST_ID.search(line)
                if m:
                    self.stored.add(int(m.group(1)))
        self.crawler.stats.set_value("forum/posts_already_in_output", len(self.stored))

    def process_item(self, item):
        if not isinstance(item, ForumPost):
            return item
        if item.post_id in self.stored:
            raise _drop(self.crawler, "already_stored", f"post {item.post_id}: already in {self.path.name}")
        _append_line(self.fd, item.record())
        self.stored.add(item.post_id)
        self.crawler.stats.inc_value("forum/posts_written")
        return item


class TopicStatePipeline(_AppendOnlyJsonLines):
    """Records each topic's progress, which the incremental mode reads on the next crawl."""

    SETTING = "FORUM_STATE_FILE"

    def process_item(self, item):
        if isinstance(item, TopicProgress):
            _append_line(self.fd, asdict(item))
            self.crawler.stats.inc_value(f"forum/topic_progress/{item.reason}")
        return item


class DropReasonLogFormatter(LogFormatter):
    """Log a dropped or failed item without the item itself: Scrapy's default dumps it,
    which for a post dropped before the PII step would put names and addresses in the log."""

    def dropped(self, item, exception, response, spider=None):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        entry["args"] = {"exception": exception}
        return entry

    def item_error(self, item, exception, response, spider=None):
        entry = super().item_error(item, exception, response, spider)
        entry["msg"] = "Error processing post %(post_id)s"
        entry["args"] = {"post_id": getattr(item, "post_id", "?")}
        return entry
