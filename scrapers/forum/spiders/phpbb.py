"""The phpBB spider: index -> forums (paginated) -> topics (paginated) -> one item per post.

The spider only extracts: parsing is in :mod:`scrapers.forum.parse`, scrubbing,
dedup and writing in the item pipelines, politeness in ``settings.py``.

* Every request URL is canonical (``parse.canonical_url``: no ``sid``/``hilit``/``f``
  on topics, no ``start=0``), so Scrapy's duplicate filter sees one URL per page however
  the board linked it (announcements in every forum, moved-topic shadows, 3.0-style
  ``f=&t=`` links). ``p=`` permalinks, print views and previous/next-topic links are
  not followed: posts are read from their topic pages and keyed by post id.
* Topic pages are walked one after the other (the next page is the smallest ``start``
  above the current one), so a topic's pages are read in order and a failed page
  stops the walk instead of leaving a hole behind a later page.
* After each complete topic page the spider yields a :class:`TopicProgress` (highest
  post id read, its ``start``). With ``incremental`` on, a topic whose listing row
  shows a last post id not above the stored one is skipped, and a topic with new posts
  is resumed at the stored page.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from scrapers.forum import parse
from scrapers.forum.items import ForumPost, TopicProgress

log = logging.getLogger(__name__)

# A topic page answering one of these is gone for good (deleted topic, no permission):
# remember it as read up to the listing's last post, so an incremental crawl skips it.
GONE_STATUSES = {403, 404, 410}


def load_topic_state(path: Path | None) -> dict[int, TopicProgress]:
    """The incremental state: the newest ``TopicProgress`` line per topic."""
    state: dict[int, TopicProgress] = {}
    if path is None or not path.exists():
        return state
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
                prog = TopicProgress(**rec)
            except (ValueError, TypeError):
                continue  # a torn last line of a killed crawl
            old = state.get(prog.topic_id)
            if old is None or prog.last_post_id >= old.last_post_id:
                state[prog.topic_id] = prog
    return state


class PhpbbSpider(scrapy.Spider):
    name = "phpbb"

    def __init__(
        self,
        start_url: str,
        timezone: str = "+03:00",
        incremental: str | bool = True,
        state_file: str | None = None,
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.start_url = start_url
        host = urlsplit(start_url).hostname
        if not host:
            raise ValueError(f"start URL has no host: {start_url!r}")
        self.allowed_domains = [host]
        self.tz = parse.board_timezone(timezone)
        self.incremental = str(incremental).lower() not in ("0", "false", "no", "")
        self.state_file = Path(state_file) if state_file else None
        self.topic_state = load_topic_state(self.state_file) if self.incremental else {}
        self.base = parse.board_base(parse.canonical_url(start_url) or start_url)

    # ---- requests --------------------------------------------------------------------

    async def start(self):
        url = parse.canonical_url(self.start_url) or self.start_url
        if urlsplit(url).path.endswith("viewtopic.php"):
            yield self._topic_request(url, parse.url_param(url, "t"), None, None, resumed=False)
        else:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error, dont_filter=True)

    def _topic_request(self, url, topic_id, listing_last, stored_last, *, resumed, forum=None):
        return scrapy.Request(
            url,
            callback=self.parse_topic,
            errback=self.on_error,
            meta={
                "topic_id": topic_id,
                "listing_last_post_id": listing_last,
                "stored_last_post_id": stored_last,
                "resumed": resumed,
                "first_page": True,
                "forum": forum,
            },
        )

    # ---- listings --------------------------------------------------------------------

    def parse_listing(self, response: Response):
        self.crawler.stats.inc_value("forum/pages_parsed")
        page = parse.parse_listing_page(response.text, response.url)
        if page.layout == "unknown":
            self.crawler.stats.inc_value("forum/errors/unrecognised_page")
            log.warning("not a phpBB index or forum page: %s", response.url)
            return
        for url in page.forum_urls:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error)
        for row in page.topics:
            stored = self.topic_state.get(row.topic_id)
            if self.incremental and stored and row.last_post_id is not None and row.last_post_id <= stored.last_post_id:
                self.crawler.stats.inc_value("forum/topics_unchanged")
                continue
            url, resumed = row.url, False
            if self.incremental and stored and stored.last_start:
                url, resumed = f"{row.url}&start={stored.last_start}", True
            forum = [page.forum_id, page.forum_title]
            yield self._topic_request(
                url, row.topic_id, row.last_post_id, stored.last_post_id if stored else None,
                resumed=resumed, forum=forum,
            )
        if page.next_url:
            yield scrapy.Request(page.next_url, callback=self.parse_listing, errback=self.on_error)

    # ---- topics ----------------------------------------------------------------------

    def parse_topic(self, response: Response):
        stats = self.crawler.stats
        stats.inc_value("forum/pages_parsed")
        meta = response.meta
        page = parse.parse_topic_page(response.text, response.url, self.tz)
        if page.layout == "unknown" or not page.posts:
            stats.inc_value("forum/errors/unrecognised_page")
            log.warning("no posts found on %s (layout %s)", response.url, page.layout)
            return
        if page.truncated:
            stats.inc_value("forum/errors/truncated_page")
            log.warning("page cut short, last post %s not kept: %s", page.posts[-1].post_id, response.url)
        stats.inc_value(f"forum/layout/{page.layout}")
        topic_id = page.topic_id or meta.get("topic_id")
        forum_id, forum_title = page.forum_id, page.forum_title
        if forum_id is None and meta.get("forum"):
            forum_id, forum_title = meta["forum"]
        for post in page.posts:
            yield ForumPost(
                post_id=post.post_id,
                topic_id=topic_id,
                forum_id=forum_id,
                topic_title=page.topic_title,
                forum_title=forum_title,
                subject=post.subject,
                author=post.author,
                posted_at=post.posted_at,
                edited=post.edited,
                text=post.text,
                url=parse.post_permalink(self.base, post.post_id),
                layout=page.layout,
                status=post.status,
                quote_authors=post.quote_authors,
            )
        # An incremental crawl resumed at a stored page: if posts were deleted since, the
        # first unseen post may now sit on the page before; read that one too.
        stored_last = meta.get("stored_last_post_id")
        if meta.get("resumed") and page.prev_url and stored_last is not None:
            if min(p.post_id for p in page.posts) > stored_last:
                yield self._follow(page.prev_url, meta, next_in_walk=False)
        if page.next_url:
            yield self._follow(page.next_url, meta, next_in_walk=True)
        complete = [p.post_id for p in page.posts if p.status != "truncated"]
        if complete and topic_id is not None:
            yield TopicProgress(topic_id=topic_id, last_post_id=max(complete), last_start=page.start)

    def _follow(self, url, meta, *, next_in_walk):
        request = self._topic_request(
            url, meta.get("topic_id"), meta.get("listing_last_post_id"), meta.get("stored_last_post_id"),
            resumed=False, forum=meta.get("forum"),
        )
        request.meta["first_page"] = False
        if not next_in_walk:
            request.callback = self.parse_topic_side
        return request

    def parse_topic_side(self, response: Response):
        """A page read out of walk order (the page before a resumed one): posts only."""
        for item in self.parse_topic(response):
            if isinstance(item, ForumPost):
                yield item

    # ---- errors ----------------------------------------------------------------------

    def on_error(self, failure: Failure):
        request = failure.request
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return  # robots.txt or off-site: counted by the middleware that refused it
        if failure.check(HttpError):
            status = failure.value.response.status
            self.crawler.stats.inc_value(f"forum/errors/http_{status}")
            log.info("HTTP %s for %s", status, request.url)
            last = request.meta.get("listing_last_post_id")
            if (
                status in GONE_STATUSES
                and request.meta.get("first_page")
                and request.meta.get("topic_id") is not None
                and last is not None
            ):
                yield TopicProgress(topic_id=request.meta["topic_id"], last_post_id=last, last_start=0, reason="gone")
            return
        self.crawler.stats.inc_value(f"forum/errors/{failure.type.__name__}")
        log.warning("giving up on %s: %s", request.url, failure.getErrorMessage())
