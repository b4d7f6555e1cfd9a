"""Page parsers for phpBB boards: 3.3 prosilver and 3.0 subsilver2, detected per page.

Pure functions over HTML text (no Scrapy request state), so they are unit-tested on
the fixture pages directly. Each layout's selectors live once, in its ``_Layout``
class; everything else (URL canonicalisation, dates, HTML -> text) is shared.

Text conventions of a post (``ParsedPost.text``):

* code blocks become Markdown fences, the code verbatim between them::

      ```
      MODULE PrivTest;
      	IMPORT StdLog;
      ```

  (tabs and spaces as typed; phpBB 3.0's ``&nbsp;`` padding read back to spaces);
* quotes become ``[quote="Author"]`` ... ``[/quote]`` on their own lines (``[quote]``
  when uncited), nested as on the page; quote author names are listed in
  ``quote_authors`` so the PII step can pseudonymise them;
* ``<br>`` is a line break, other HTML whitespace collapses to one space; links keep
  their text, followed by `` (URL)`` when the URL is not already the text;
  signatures, edit notices and attachment boxes are left out; an inline attachment
  becomes ``[attachment: name]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from lxml import html as lxml_html

# ---- URLs -----------------------------------------------------------------------------

# Query parameters that select the page; everything else (sid, hilit, sort keys, view,
# unread jumps ...) is dropped.
_KEEP = {"viewtopic.php": ("t", "start"), "viewforum.php": ("f", "start")}


def _qint(query: dict[str, list[str]], key: str) -> int | None:
    values = query.get(key)
    if not values:
        return None
    m = re.match(r"\s*(\d+)", values[0])
    return int(m.group(1)) if m else None


def canonical_url(url: str) -> str | None:
    """The canonical form of a board page URL, or None if it is not a page we crawl.

    ``viewtopic.php?f=2&t=21&sid=..&hilit=..#p5`` -> ``viewtopic.php?t=21``;
    ``start=0`` is dropped; ``index.php`` and the board directory are the index;
    ``view=`` links (print, previous/next topic, unread) and ``p=``-only permalinks
    return None (the posts are read from their topic pages).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    path = parts.path or "/"
    script = path.rsplit("/", 1)[-1]
    netloc = parts.netloc.lower()
    if parts.port in (80, 443) and (parts.scheme, parts.port) in (("http", 80), ("https", 443)):
        netloc = netloc.rsplit(":", 1)[0]
    query = parse_qs(parts.query)
    if script in ("", "index.php"):
        directory = path[: len(path) - len(script)]
        return urlunsplit((parts.scheme, netloc, directory + "index.php", "", ""))
    if script not in _KEEP or "view" in query:
        return None
    ident_key, _ = _KEEP[script]
    ident = _qint(query, ident_key)
    if ident is None:
        return None
    params: list[tuple[str, int]] = [(ident_key, ident)]
    start = _qint(query, "start")
    if start:
        params.append(("start", start))
    return urlunsplit((parts.scheme, netloc, path, urlencode(params), ""))


def board_base(url: str) -> str:
    """The board's directory URL (``http://host/forum/``) for building permalinks."""
    parts = urlsplit(url)
    directory = parts.path[: parts.path.rfind("/") + 1] or "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), directory, "", ""))


def post_permalink(base: str, post_id: int) -> str:
    return f"{base}viewtopic.php?p={post_id}#p{post_id}"


def url_param(url: str, key: str) -> int | None:
    return _qint(parse_qs(urlsplit(url).query), key)


def _script(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def _same_site(a: str, b: str) -> bool:
    return urlsplit(a).netloc.lower() == urlsplit(b).netloc.lower()


# ---- dates ----------------------------------------------------------------------------

_MONTHS = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "июн": 6, "июл": 7,
    "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_TIME = r"(\d{1,2}):(\d{2})(?::\d{2})?(?:\s*([ap])\.?\s?m\.?)?"
# "Понедельник, 24 Апрель, 2006 20:45", "10 мар 2021, 12:15", "24 April 2006, 8:45 pm"
_DMY = re.compile(rf"(\d{{1,2}})\s+([^\W\d_]{{3,}})\.?,?\s+(\d{{4}})\s*,?\s*(?:в\s+)?{_TIME}", re.I)
# "Mon Apr 24, 2006 8:45 pm"
_MDY = re.compile(rf"([^\W\d_]{{3,}})\.?\s+(\d{{1,2}}),?\s+(\d{{4}}),?\s+{_TIME}", re.I)
# "24.04.2006, 20:45"
_NUM = re.compile(rf"(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}}),?\s+{_TIME}")


def board_timezone(spec: str) -> tzinfo:
    """``+03:00`` / ``-05:30`` / ``UTC`` / an IANA name such as ``Europe/Moscow``."""
    spec = spec.strip()
    m = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", spec, re.I)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return timezone(-delta if m.group(1) == "-" else delta)
    if spec.upper() in ("UTC", "GMT", "Z"):
        return timezone.utc
    return ZoneInfo(spec)  # raises for an unknown name


def _month(word: str) -> int | None:
    return _MONTHS.get(word.casefold()[:3])


def _clock(hour: str, minute: str, ampm: str | None) -> tuple[int, int]:
    h = int(hour)
    if ampm:
        h = h % 12 + (12 if ampm.lower() == "p" else 0)
    return h, int(minute)


def parse_board_datetime(text: str, tz: tzinfo) -> datetime | None:
    """Parse a date as phpBB prints it (Russian or English, weekday optional) in board time."""
    for pattern, order in ((_DMY, "dmy"), (_MDY, "mdy"), (_NUM, "num")):
        for m in pattern.finditer(text):
            g = m.groups()
            if order == "dmy":
                day, month, year, time_ = int(g[0]), _month(g[1]), int(g[2]), g[3:]
            elif order == "mdy":
                day, month, year, time_ = int(g[1]), _month(g[0]), int(g[2]), g[3:]
            else:
                day, month, year, time_ = int(g[0]), int(g[1]), int(g[2]), g[3:]
            if not month:
                continue
            hour, minute = _clock(*time_)
            try:
                return datetime(year, month, day, hour, minute, tzinfo=tz)
            except ValueError:
                continue
    return None


def iso_utc(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


# ---- HTML -> text ---------------------------------------------------------------------

_WS = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_CITE_SUFFIX = re.compile(r"\s*(?:писал\(а\)|писал|писала|wrote)\s*:?.*$", re.I | re.S)
_BLOCK = {
    "div", "p", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "pre", "blockquote", "center",
}
_SKIP_CLASSES = {"signature", "notice", "attachbox", "post_deleted_msg", "ignore"}


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _code_text(el) -> str:
    """Code as typed. phpBB 3.0 encodes newlines as <br /> and runs of blanks and tabs as
    ``&nbsp; &nbsp;``: read <br> back to newlines, drop the source's own line breaks and
    turn non-breaking spaces into spaces. 3.3 keeps the code in <pre>: take it verbatim."""
    has_br = any(True for _ in el.iter("br"))
    if not has_br:
        return el.text_content().replace("\u00a0", " ")
    out: list[str] = []

    def walk(node) -> None:
        if node.text:
            out.append(node.text)
        for child in node:
            if not isinstance(child.tag, str):
                pass
            elif child.tag == "br":
                out.append("\n")
            else:
                walk(child)
            if child.tail:
                out.append(child.tail)

    walk(el)
    text = "".join(out)
    return re.sub(r"(?<=\n)\r?\n", "", text.replace("\r\n", "\n")).replace("\u00a0", " ")


class _Renderer:
    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.code_blocks = 0
        self.quotes = 0
        self.quote_authors: list[str] = []

    # output primitives
    def _ends_with_newline(self) -> bool:
        return not self.chunks or self.chunks[-1].endswith("\n")

    def text(self, s: str | None) -> None:
        if not s:
            return
        s = _WS.sub(" ", s)
        if self._ends_with_newline():
            s = s.lstrip(" ")
        if s:
            self.chunks.append(s)

    def newline(self) -> None:
        if self.chunks and not self.chunks[-1].endswith("\n"):
            self.chunks[-1] = self.chunks[-1].rstrip(" ")
        self.chunks.append("\n")

    def block(self) -> None:
        if not self._ends_with_newline():
            self.newline()

    def raw(self, s: str) -> None:
        self.chunks.append(s)

    # walking
    def element(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:  # comment, processing instruction
            return
        classes = _classes(el)
        if classes & _SKIP_CLASSES or tag in ("script", "style"):
            return
        if tag == "br":
            self.newline()
        elif "codebox" in classes or tag == "pre":
            codes = el.xpath(".//code")
            self.code(codes[0] if codes else el)
        elif tag == "code":
            self.code(el)
        elif tag == "blockquote":
            self.quote(el)
        elif "inline-attachment" in classes:
            names = [n for n in el.xpath(".//img/@alt | .//a[@class='postlink']/text()") if n.strip()]
            self.text(f"[attachment: {names[0].strip()}]" if names else "[attachment]")
        elif tag == "img":
            alt = (el.get("alt") or "").strip()
            if alt:
                self.text(alt)
        elif tag == "a":
            self.children(el)
            self.link_target(el)
        elif tag in _BLOCK:
            self.block()
            if tag == "li":
                self.text("- ")
            self.children(el)
            self.block()
        else:
            self.children(el)

    def children(self, el) -> None:
        self.text(el.text)
        for child in el:
            self.element(child)
            self.text(child.tail)

    def code(self, el) -> None:
        self.code_blocks += 1
        self.block()
        self.raw("```\n" + _code_text(el).strip("\n") + "\n```\n")

    def link_target(self, el) -> None:
        href = (el.get("href") or "").strip()
        label = el.text_content().strip()
        if not href or href.startswith("#"):
            return
        if href.lower().startswith("mailto:"):
            if href[7:].split("?")[0] not in label:
                self.text(f" ({href})")
        elif re.match(r"https?://", href, re.I) and "postlink" in _classes(el):
            if label != href and href not in label:
                self.text(f" ({href})")

    def quote(self, el) -> None:
        self.quotes += 1
        cites = el.xpath("./cite | ./div/cite")
        author = ""
        if cites:
            cite = cites[0]
            linked = cite.xpath(".//a[contains(@href, 'memberlist.php')]")
            author = (linked[0].text_content() if linked else cite.text_content()).strip()
            author = _CITE_SUFFIX.sub("", author).strip()
        if author:
            self.quote_authors.append(author)
        self.block()
        self.raw(f'[quote="{author}"]\n' if author else "[quote]\n")
        self._children_except(el, cites[0] if cites else None)
        self.block()
        self.raw("[/quote]\n")

    def _children_except(self, el, skip) -> None:
        self.text(el.text)
        for child in el:
            if child is skip:
                self.text(child.tail)
                continue
            if skip is not None and child.tag == "div" and skip.getparent() is child:
                self._children_except(child, skip)
            else:
                self.element(child)
            self.text(child.tail)

    def result(self) -> str:
        return "".join(self.chunks).strip("\n").rstrip()


@dataclass
class RenderedBody:
    text: str
    code_blocks: int
    quotes: int
    quote_authors: list[str]


def render_body(el) -> RenderedBody:
    """Turn a post body element (lxml) into text with code fences and quote markers."""
    r = _Renderer()
    r.children(el)
    return RenderedBody(r.result(), r.code_blocks, r.quotes, r.quote_authors)


# ---- parsed pages ---------------------------------------------------------------------


@dataclass
class ParsedPost:
    post_id: int
    author: str
    posted_at: str | None  # ISO, UTC
    subject: str
    text: str
    edited: bool
    status: str  # ok | deleted | empty | truncated
    code_blocks: int = 0
    quotes: int = 0
    quote_authors: list[str] = field(default_factory=list)


@dataclass
class TopicPage:
    layout: str
    topic_id: int | None
    topic_title: str
    forum_id: int | None
    forum_title: str
    start: int
    posts: list[ParsedPost]
    next_url: str | None
    prev_url: str | None
    truncated: bool


@dataclass
class TopicRow:
    topic_id: int
    url: str
    title: str
    last_post_id: int | None
    moved: bool
    announcement: bool


@dataclass
class ListingPage:
    layout: str
    forum_id: int | None
    forum_title: str
    forum_urls: list[str]
    topics: list[TopicRow]
    next_url: str | None


def _text(nodes) -> str:
    return _WS.sub(" ", " ".join(n if isinstance(n, str) else n.text_content() for n in nodes)).strip()


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


class _Layout:
    name = ""
    # xpaths, written once per layout
    detect = ""
    topic_title = ""
    breadcrumb_forums = ""
    forum_links = ""
    topic_links = ""
    row = "./ancestor::*[self::li or self::tr][1]"

    def posts(self, doc, tz: tzinfo) -> list[tuple[object, ParsedPost]]:  # pragma: no cover
        raise NotImplementedError

    def moved(self, row) -> bool:  # pragma: no cover
        raise NotImplementedError

    def announcement(self, row, link) -> bool:  # pragma: no cover
        raise NotImplementedError


def _post_status(deleted: bool, body: RenderedBody | None) -> str:
    if deleted:
        return "deleted"
    if body is None or not body.text.strip():
        return "empty"
    return "ok"


class Prosilver(_Layout):
    """phpBB 3.1-3.3 prosilver (and 3.0 prosilver, which lacks <time>)."""

    name = "prosilver"
    detect = "//div[contains(@class, 'post') and starts-with(@id, 'p')] | //body[@id='phpbb'] | //div[@id='page-body']"
    topic_title = "//h2[contains(@class, 'topic-title')]//a | //h2[contains(@class, 'topic-title')]"
    breadcrumb_forums = "//*[@id='nav-breadcrumbs' or contains(@class, 'breadcrumbs')]//a[contains(@href, 'viewforum.php')]"
    forum_links = (
        f"//a[{_has_class('forumtitle')} or {_has_class('subforum')}]"
        f"[not(ancestor::dl[{_has_class('forum_link')}])]"
    )
    topic_links = f"//a[{_has_class('topictitle')}]"
    post = f"//div[{_has_class('post')}][starts-with(@id, 'p')]"

    def posts(self, doc, tz):
        out = []
        for node in doc.xpath(self.post):
            m = re.fullmatch(r"p(\d+)", node.get("id") or "")
            if not m:
                continue
            author_nodes = node.xpath(
                f".//p[{_has_class('author')}]//*[{_has_class('username')} or {_has_class('username-coloured')}]"
                f" | .//dl[{_has_class('postprofile')}]//*[{_has_class('username')} or {_has_class('username-coloured')}]"
                f" | .//p[{_has_class('author')}]//strong"
            )
            author = _text(author_nodes[:1])
            stamp = node.xpath(f".//p[{_has_class('author')}]//time/@datetime")
            posted = parse_iso(stamp[0]) if stamp else None
            if posted is None:
                header = node.xpath(f".//p[{_has_class('author')}]")
                posted = parse_board_datetime(_text(header), tz) if header else None
            subject = _text(node.xpath(f".//div[{_has_class('postbody')}]//h3[1]")[:1])
            deleted = bool(
                _has_token(node, "deleted")
                or node.xpath(f".//div[{_has_class('ignore')} or {_has_class('post_deleted_msg')}]")
            )
            contents = node.xpath(f".//div[{_has_class('content')}]")
            body = render_body(contents[0]) if contents else None
            notices = node.xpath(
                f".//div[{_has_class('postbody')}]//div[{_has_class('notice')}]"
                f"[not({_has_class('post_deleted_msg')})]"
            )
            out.append((node, _make_post(int(m.group(1)), author, posted, subject, body, bool(notices), deleted)))
        return out

    def moved(self, row) -> bool:
        return bool(row.xpath(f"self::*[{_has_class('topic_moved')}] | .//*[{_has_class('topic_moved')}]"))

    def announcement(self, row, link) -> bool:
        return bool(
            link.xpath(f"ancestor::div[{_has_class('forumbg')}][{_has_class('announcement')}]")
            or row.xpath(f"self::*[{_has_class('announce')} or {_has_class('global-announce')}]")
        )


def _has_token(el, name: str) -> bool:
    return name in _classes(el)


_EDITED = re.compile(r"редактировал|last edited by|edited by", re.I)


class Subsilver2(_Layout):
    """phpBB 3.0 subsilver2: one ``table.tablebg`` per post, anchors ``<a name="pN">``."""

    name = "subsilver2"
    detect = f"//table[{_has_class('tablebg')}] | //div[@id='wrapcentre'] | //b[{_has_class('postauthor')}]"
    topic_title = "//div[@id='pageheader']//h2//a | //div[@id='pageheader']//h2"
    breadcrumb_forums = f"//p[{_has_class('breadcrumbs')}]//a[contains(@href, 'viewforum.php')]"
    forum_links = f"//a[{_has_class('forumlink')}]"
    topic_links = f"//a[{_has_class('topictitle')}]"
    anchor = "//a[starts-with(@name, 'p') and not(@href)]"

    def posts(self, doc, tz):
        out = []
        for anchor in doc.xpath(self.anchor):
            m = re.fullmatch(r"p(\d+)", anchor.get("name") or "")
            if not m:
                continue
            tables = anchor.xpath("ancestor::table[1]")
            if not tables:
                continue
            table = tables[0]
            # the post's rows: the header row with the anchor and the rows up to the next anchor
            author = _text(table.xpath(f".//b[{_has_class('postauthor')}]")[:1])
            header = anchor.xpath("ancestor::tr[1]")[0]
            header_text = _text([header])
            date_part = re.split(r"Добавлено:|Posted:", header_text)[-1]
            posted = parse_board_datetime(date_part, tz)
            subject = _text(header.xpath(".//a[starts-with(@href, '#p')]")[:1])
            bodies = table.xpath(f".//div[{_has_class('postbody')}]")
            body = render_body(bodies[0]) if bodies else None
            outside = table.xpath(f".//text()[not(ancestor::div[{_has_class('postbody')}])]")
            edited = bool(_EDITED.search(" ".join(outside)))
            out.append((table, _make_post(int(m.group(1)), author, posted, subject, body, edited, False)))
        return out

    def moved(self, row) -> bool:
        return bool(row.xpath(".//img[contains(@src, 'topic_moved')]"))

    def announcement(self, row, link) -> bool:
        return bool(row.xpath(".//img[contains(@src, 'announce')]"))


def _make_post(post_id, author, posted, subject, body, edited, deleted) -> ParsedPost:
    return ParsedPost(
        post_id=post_id,
        author=author,
        posted_at=iso_utc(posted),
        subject=subject,
        text=body.text if body and not deleted else "",
        edited=edited,
        status=_post_status(deleted, body),
        code_blocks=body.code_blocks if body else 0,
        quotes=body.quotes if body else 0,
        quote_authors=body.quote_authors if body else [],
    )


LAYOUTS: tuple[_Layout, ...] = (Prosilver(), Subsilver2())


def _document(html: str):
    return lxml_html.document_fromstring(html or "<html></html>")


def detect_layout(doc) -> _Layout | None:
    for layout in LAYOUTS:
        if doc.xpath(layout.detect):
            return layout
    return None


def is_truncated(html: str) -> bool:
    """A page cut short (server died mid-render, broken transfer): no closing </html>."""
    return "</html>" not in html.lower()


def _links(doc, xpath: str, base: str) -> list[tuple[object, str]]:
    out = []
    for a in doc.xpath(xpath):
        href = a.get("href")
        if href:
            out.append((a, urljoin(base, href.strip())))
    return out


def _following_page(doc, page_url: str, script: str, ident_key: str, ident: int | None) -> tuple[str | None, str | None]:
    """Next and previous page of the same topic/forum, from the numbered pagination links:
    the smallest ``start`` above the current one and the largest below. Works for both
    layouts and any page size; previous/next-*topic* links carry ``view=`` and are ignored."""
    current = url_param(page_url, "start") or 0
    nexts: dict[int, str] = {}
    prevs: dict[int, str] = {}
    for _, url in _links(doc, "//a[@href]", page_url):
        if _script(url) != script or not _same_site(url, page_url):
            continue
        canon = canonical_url(url)
        if canon is None or url_param(canon, ident_key) != ident:
            continue
        start = url_param(canon, "start") or 0
        if start > current:
            nexts[start] = canon
        elif start < current:
            prevs[start] = canon
    return (nexts[min(nexts)] if nexts else None, prevs[max(prevs)] if prevs else None)


def _breadcrumb_forum(doc, layout: _Layout, base: str) -> tuple[int | None, str]:
    crumbs = _links(doc, layout.breadcrumb_forums, base)
    if not crumbs:
        return None, ""
    a, url = crumbs[-1]
    return url_param(url, "f"), _text([a])


def parse_topic_page(html: str, url: str, tz: tzinfo) -> TopicPage:
    """Read the posts of one topic page (either layout)."""
    doc = _document(html)
    layout = detect_layout(doc)
    topic_id = url_param(url, "t")
    start = url_param(url, "start") or 0
    truncated = is_truncated(html)
    if layout is None:
        return TopicPage("unknown", topic_id, "", None, "", start, [], None, None, truncated)
    posts = [post for _, post in layout.posts(doc, tz)]
    if truncated and posts:
        posts[-1].status = "truncated"
    title = _text(doc.xpath(layout.topic_title)[:1]) or _text(doc.xpath("//title")[:1])
    if topic_id is None:
        for _, link in _links(doc, layout.topic_title, url):
            topic_id = url_param(link, "t")
    forum_id, forum_title = _breadcrumb_forum(doc, layout, url)
    next_url, prev_url = _following_page(doc, url, "viewtopic.php", "t", topic_id)
    return TopicPage(layout.name, topic_id, title, forum_id, forum_title, start, posts, next_url, prev_url, truncated)


def parse_listing_page(html: str, url: str) -> ListingPage:
    """Read an index or forum page: forum/subforum links, topic rows, next page."""
    doc = _document(html)
    layout = detect_layout(doc)
    if layout is None:
        return ListingPage("unknown", None, "", [], [], None)
    forum_urls: list[str] = []
    for _, link in _links(doc, layout.forum_links, url):
        canon = canonical_url(link)
        if canon and _script(canon) == "viewforum.php" and _same_site(canon, url) and canon not in forum_urls:
            forum_urls.append(canon)
    topics: list[TopicRow] = []
    seen: set[int] = set()
    for a, link in _links(doc, layout.topic_links, url):
        canon = canonical_url(link)
        if canon is None or _script(canon) != "viewtopic.php" or not _same_site(canon, url):
            continue
        topic_id = url_param(canon, "t")
        if topic_id is None or topic_id in seen:
            continue
        seen.add(topic_id)
        rows = a.xpath(layout.row)
        row = rows[0] if rows else a
        last_ids = [
            url_param(urljoin(url, h), "p")
            for h in row.xpath(".//a[contains(@href, 'p=')]/@href")
        ]
        last_ids = [i for i in last_ids if i is not None]
        topics.append(
            TopicRow(
                topic_id=topic_id,
                url=canon,
                title=_text([a]),
                last_post_id=max(last_ids) if last_ids else None,
                moved=layout.moved(row),
                announcement=layout.announcement(row, a),
            )
        )
    forum_id = url_param(url, "f") if _script(url) == "viewforum.php" else None
    forum_title = ""
    if forum_id is not None:
        crumb_id, crumb_title = _breadcrumb_forum(doc, layout, url)
        forum_title = crumb_title if crumb_id == forum_id else ""
        heading = doc.xpath("//h2[contains(@class, 'forum-title')] | //div[@id='pageheader']//h2")
        forum_title = forum_title or _text(heading[:1])
    next_url = None
    if forum_id is not None:
        next_url, _ = _following_page(doc, url, "viewforum.php", "f", forum_id)
    return ListingPage(layout.name, forum_id, forum_title, forum_urls, topics, next_url)
