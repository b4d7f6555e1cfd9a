"""The phpBB crawler: parsers on the fixture pages, and real crawls of a local server.

The crawls run ``crawl_forum`` (a Scrapy subprocess) against ``tests/forum_server.py``
serving ``tests/fixtures/forum/`` on 127.0.0.1, with politeness delays turned down.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from lxml import html as lxml_html

from bbcopilot.pii import pseudonym
from scrapers.forum import parse
from scrapers.forum.crawl import crawl_command, crawl_env, crawl_forum, read_summary
from tests.forum_server import ForumServer

FIXTURES = Path(__file__).parent / "fixtures" / "forum"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
TZ = parse.board_timezone("+03:00")
KEY = "test-pseudonym-key-3f9a"
FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_START_DELAY": 0,
    "AUTOTHROTTLE_MAX_DELAY": 1,
    "RETRY_BACKOFF_BASE": 0.05,
    "DOWNLOAD_TIMEOUT": 1,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
}
PLANTED_PII = ["tinkerer@example.org", "mailto:", "555-01-23", "(912) 555"]


def _page_url(name: str) -> str:
    stem = name[: -len(".html")]
    script, _, params = stem.partition("_")
    return f"http://127.0.0.1:8000/{script}.php?" + params.replace("_", "&")


def _expected_post_ids() -> set[int]:
    """Posts a correct crawl keeps: all but deleted, empty and cut-short ones."""
    ids: set[int] = set()
    for name, page in EXPECTED.items():
        if not name.startswith("viewtopic_") or "view=print" in name:
            continue
        ids |= set(page.get("complete_posts", []))
        for post in page.get("posts", []):
            if not post.get("deleted") and not post.get("empty"):
                ids.add(post["post_id"])
    return ids


def _read_posts(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _topic_requests(paths: list[str]) -> list[str]:
    return [p for p in paths if p.startswith("/viewtopic.php")]


def _code_lines_in_fixture(name: str) -> list[list[str]]:
    doc = lxml_html.document_fromstring((FIXTURES / name).read_text(encoding="utf-8"))
    return [c.text_content().splitlines() for c in doc.xpath("//div[@class='codebox']//code")]


# ---- parsers on the fixture pages -----------------------------------------------------

@pytest.mark.parametrize("name", [n for n in EXPECTED if n.startswith("viewtopic_") and EXPECTED[n].get("style") is None and "posts" in EXPECTED[n]])
def test_prosilver_topic_page_matches_expected(name):
    exp = EXPECTED[name]
    page = parse.parse_topic_page((FIXTURES / name).read_text(encoding="utf-8"), _page_url(name), TZ)
    assert page.layout == "prosilver"
    assert page.topic_id == exp["topic_id"]
    if "title" in exp:
        assert page.topic_title == exp["title"]
    assert [p.post_id for p in page.posts] == [p["post_id"] for p in exp["posts"]]
    for got, want in zip(page.posts, exp["posts"]):
        assert got.author == want["author"]
        assert got.posted_at == want["datetime"]
        assert got.subject == want["subject"]
        assert got.edited == want["edited"]
        assert (got.status == "deleted") == want["deleted"]
        assert (got.status == "empty") == want["empty"]
        if got.status == "ok":
            assert got.code_blocks == want["code_blocks"]
            assert got.quotes == want["quotes"]
            assert got.text.count("```") == 2 * want["code_blocks"]
            assert got.text.count("[/quote]") == want["quotes"]
    base = "http://127.0.0.1:8000/"
    for key, value in (("next_page", page.next_url), ("prev_page", page.prev_url)):
        if key in exp:
            want = parse.canonical_url(base + exp[key][2:]) if exp[key] else None
            assert value == want


def test_subsilver2_topic_page_and_russian_dates():
    name = "viewtopic_t=21_start=0.html"
    exp = EXPECTED[name]
    page = parse.parse_topic_page((FIXTURES / name).read_text(encoding="utf-8"), _page_url(name), TZ)
    assert page.layout == "subsilver2"
    assert (page.topic_id, page.topic_title, page.forum_id) == (21, exp["title"], 2)
    assert [p.post_id for p in page.posts] == [p["post_id"] for p in exp["posts"]]
    for got, want in zip(page.posts, exp["posts"]):
        assert got.author == want["author"]
        local = parse.parse_board_datetime(want["date_text"], TZ)
        assert got.posted_at == parse.iso_utc(local)
        assert (got.code_blocks, got.quotes) == (want["code_blocks"], want["quotes"])
    assert page.posts[0].posted_at == "2010-03-17T18:40:00+00:00"
    assert page.posts[1].quote_authors == ["Пётр Каменев"]
    assert page.posts[2].subject == ""  # the guest post has an empty subject


def test_subsilver2_nbsp_code_is_read_back_to_spaces():
    page = parse.parse_topic_page((FIXTURES / "viewtopic_t=21_start=0.html").read_text(encoding="utf-8"),
                                  _page_url("viewtopic_t=21_start=0.html"), TZ)
    text = page.posts[1].text
    assert "\u00a0" not in text
    assert "```\nPROCEDURE Sign (x: INTEGER): INTEGER;\n   VAR s: INTEGER;\nBEGIN\n   IF x < 0 THEN s := -1\n" in text
    assert "   RETURN s\nEND Sign;\n```" in text


def test_prosilver_code_quotes_and_exclusions():
    page = parse.parse_topic_page((FIXTURES / "viewtopic_t=12_start=8.html").read_text(encoding="utf-8"),
                                  _page_url("viewtopic_t=12_start=8.html"), TZ)
    post = page.posts[0]
    for line in _code_lines_in_fixture("viewtopic_t=12_start=8.html")[0]:
        assert line in post.text.split("\n")
    assert "\t\tStdLog.String(\"i = \"); StdLog.IntForm(i, 10, 5, \" \", FALSE); StdLog.Ln;" in post.text
    assert "BlackBox 1.7.2, Windows 10" not in post.text  # signature
    assert "редактировалось" not in post.text  # edit notice
    nested = parse.parse_topic_page((FIXTURES / "viewtopic_t=12_start=4.html").read_text(encoding="utf-8"),
                                    _page_url("viewtopic_t=12_start=4.html"), TZ).posts[0]
    assert nested.text.startswith('[quote="tinkerer"]\n[quote="Пётр Каменев"]\nА как задать')
    assert nested.quote_authors == ["tinkerer", "Пётр Каменев"]


def test_malformed_page_keeps_complete_post_and_flags_cut_one():
    exp = EXPECTED["viewtopic_t=14_start=0.html"]
    page = parse.parse_topic_page((FIXTURES / "viewtopic_t=14_start=0.html").read_text(encoding="utf-8"),
                                  _page_url("viewtopic_t=14_start=0.html"), TZ)
    assert page.truncated
    assert [p.post_id for p in page.posts if p.status == "ok"] == exp["complete_posts"]
    assert [p.post_id for p in page.posts if p.status == "truncated"] == exp["truncated_posts"]
    assert "IF (a < b) & (b < c) THEN RETURN TRUE END;" in page.posts[0].text


@pytest.mark.parametrize("name", [n for n in EXPECTED if n.startswith("viewforum_")])
def test_forum_listing_matches_expected(name):
    exp = EXPECTED[name]
    page = parse.parse_listing_page((FIXTURES / name).read_text(encoding="utf-8"), _page_url(name))
    assert [t.topic_id for t in page.topics if not t.announcement] == exp["topics"]
    assert [t.topic_id for t in page.topics if t.announcement] == exp.get("announcements", [])
    assert [t.topic_id for t in page.topics if t.moved] == exp.get("moved_topics", [])
    want_next = parse.canonical_url("http://127.0.0.1:8000/" + exp["next_page"][2:]) if exp["next_page"] else None
    assert page.next_url == want_next
    assert all(t.last_post_id for t in page.topics)


def test_index_lists_forums_and_subforums_but_not_link_forums():
    exp = EXPECTED["index.html"]
    page = parse.parse_listing_page((FIXTURES / "index.html").read_text(encoding="utf-8"), "http://127.0.0.1:8000/index.php")
    got = {parse.url_param(u, "f") for u in page.forum_urls}
    assert got == (set(exp["forums"]) | set(exp["subforums"])) - set(exp["link_forums"])
    assert all("sid=" not in u for u in page.forum_urls)


@pytest.mark.parametrize("url, canonical", [
    ("http://H/viewtopic.php?f=2&t=21&sid=0123abcd", "http://h/viewtopic.php?t=21"),
    ("http://h/viewtopic.php?t=12&start=0&hilit=log#p1001", "http://h/viewtopic.php?t=12"),
    ("http://h/forum/viewtopic.php?t=12&start=8", "http://h/forum/viewtopic.php?t=12&start=8"),
    ("http://h/viewforum.php?f=2&sid=x&start=5&sk=t&sd=d", "http://h/viewforum.php?f=2&start=5"),
    ("http://h/", "http://h/index.php"),
    ("http://h:80/index.php?sid=1", "http://h/index.php"),
    ("http://h/viewtopic.php?p=1001#p1001", None),
    ("http://h/viewtopic.php?f=2&t=21&view=next", None),
    ("http://h/viewtopic.php?t=21&view=print", None),
    ("http://h/memberlist.php?mode=viewprofile&u=7", None),
    ("mailto:x@y.z", None),
])
def test_canonical_url(url, canonical):
    assert parse.canonical_url(url) == canonical


@pytest.mark.parametrize("text, iso", [
    ("Понедельник, 24 Апрель, 2006 20:45", "2006-04-24T17:45:00+00:00"),
    ("Добавлено: Воскресенье, 25 Сентябрь, 2022 23:54", "2022-09-25T20:54:00+00:00"),
    ("01 фев 2023, 19:41", "2023-02-01T16:41:00+00:00"),
    ("24 апреля 2006, 20:45", "2006-04-24T17:45:00+00:00"),
    ("Mon Apr 24, 2006 8:45 pm", "2006-04-24T17:45:00+00:00"),
    ("24.04.2006, 20:45", "2006-04-24T17:45:00+00:00"),
])
def test_board_dates_in_board_timezone(text, iso):
    assert parse.iso_utc(parse.parse_board_datetime(text, TZ)) == iso


def test_board_timezone_forms():
    assert parse.board_timezone("UTC + 3").utcoffset(None).total_seconds() == 3 * 3600
    assert parse.board_timezone("-05:30").utcoffset(None).total_seconds() == -5.5 * 3600
    moscow = parse.parse_board_datetime("24 Июль, 2010 12:00", parse.board_timezone("Europe/Moscow"))
    assert parse.iso_utc(moscow) == "2010-07-24T08:00:00+00:00"  # MSD, UTC+4 then


# ---- real crawls ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory):
    """One clean crawl; the server stays up for the incremental crawl."""
    out = tmp_path_factory.mktemp("crawl")
    with ForumServer(FIXTURES) as server:
        began = time.monotonic()
        summary = crawl_forum(server.url, out, KEY, extra_settings=FAST)
        seconds = time.monotonic() - began
        yield {"summary": summary, "out": out, "paths": server.paths(), "log": list(server.log),
               "server": server, "seconds": seconds}


def test_crawl_writes_every_expected_post_once(first_crawl):
    summary, out = first_crawl["summary"], first_crawl["out"]
    posts = _read_posts(out / "posts.jsonl")
    ids = [p["post_id"] for p in posts]
    assert len(ids) == len(set(ids))
    assert set(ids) == _expected_post_ids()
    assert summary.posts_written == len(ids) == 19
    assert summary.dropped == {"deleted": 1, "empty": 1, "truncated": 1}
    assert summary.output == out / "posts.jsonl"
    print(f"\ncrawl: {summary} in {first_crawl['seconds']:.1f}s")
    by_id = {p["post_id"]: p for p in posts}
    assert set(by_id[1001]) == {"post_id", "topic_id", "forum_id", "topic_title", "forum_title", "subject",
                                "author", "posted_at", "edited", "text", "url"}
    assert by_id[1001]["posted_at"] == "2021-03-10T09:15:00+00:00"
    assert by_id[2101]["posted_at"] == "2010-03-17T18:40:00+00:00"
    assert (by_id[2001]["forum_id"], by_id[2001]["forum_title"]) == (3, "Компонентный Паскаль")  # not the shadow's
    assert (by_id[2101]["topic_id"], by_id[2101]["forum_id"]) == (21, 2)
    assert by_id[1009]["edited"] and not by_id[1008]["edited"]
    assert by_id[1001]["url"] == first_crawl["server"].url + "viewtopic.php?p=1001#p1001"
    assert by_id[1001]["author"] == pseudonym("Пётр Каменев", KEY)
    assert by_id[1002]["text"].startswith(f'[quote="{pseudonym("Пётр Каменев", KEY)}"]\n')
    for post in posts:
        assert re.fullmatch(r"user-[0-9a-f]{8}", post["author"])
        assert post["posted_at"].endswith("+00:00")


def test_crawl_keeps_code_verbatim(first_crawl):
    by_id = {p["post_id"]: p for p in _read_posts(first_crawl["out"] / "posts.jsonl")}
    for name, post_ids in (("viewtopic_t=12_start=0.html", (1001, 1002, 1004)), ("viewtopic_t=20_start=0.html", (2001, 2002))):
        for code, post_id in zip(_code_lines_in_fixture(name), post_ids):
            block = "```\n" + "\n".join(code) + "\n```"
            assert block in by_id[post_id]["text"], post_id
    assert "\n\tBEGIN\n\t\ti := 42;\n" in by_id[1001]["text"]
    assert "\n   ELSIF x = 0 THEN s := 0\n" in by_id[2102]["text"]


def test_crawl_output_has_no_planted_personal_data(first_crawl):
    out = first_crawl["out"]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes().decode("utf-8", "replace")
        for planted in PLANTED_PII + [KEY]:
            assert planted not in data, (path.name, planted)
    posts = (out / "posts.jsonl").read_text(encoding="utf-8")
    for name in ("Пётр Каменев", "Моделист", "tinkerer", "Сергей (гость)", "Хранитель"):
        assert name not in posts
    assert "<EMAIL>" in posts and "<PHONE>" in posts
    assert KEY not in " ".join(crawl_command("http://127.0.0.1:1/", out))


def test_crawl_obeys_robots_and_canonicalises(first_crawl):
    paths = first_crawl["paths"]
    assert paths[0] == "/robots.txt"
    for path in paths:
        assert "sid=" not in path and "hilit=" not in path
        assert not path.startswith(("/viewforum.php?f=9", "/download/", "/posting.php", "/memberlist.php",
                                    "/ucp.php", "/search.php"))
        assert "view=" not in path and "p=" not in path.replace("start=", "")
    assert len(paths) == len(set(paths)), "a page was fetched twice"
    assert "/viewtopic.php?t=21" in paths and "/viewforum.php?f=6" not in paths
    agents = {r.user_agent for r in first_crawl["log"]}
    assert len(agents) == 1 and agents.pop().startswith("bbcopilot-forum-crawler/")


def test_incremental_crawl_fetches_no_unchanged_topic(first_crawl, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(first_crawl["out"], out)
    server = first_crawl["server"]
    before = len(server.paths())
    summary = crawl_forum(server.url, out, KEY, extra_settings=FAST)
    second = server.paths()[before:]
    assert "/index.php" in second and "/viewforum.php?f=2&start=5" in second  # listings are re-read
    # Only topic 14 is read again: its page was cut short, so its last post (1402) was
    # never stored; every other topic's last post is not newer than what is stored.
    assert _topic_requests(second) == ["/viewtopic.php?t=14"]
    assert summary.posts_written == 0
    assert _read_posts(out / "posts.jsonl") == _read_posts(first_crawl["out"] / "posts.jsonl")


def test_incremental_crawl_reads_only_the_new_page_of_a_grown_topic(first_crawl, tmp_path):
    out = tmp_path / "grown"
    shutil.copytree(first_crawl["out"], out)
    # Pretend the last crawl read topic 12 only up to page 2 (post 1008, start=4).
    state = out / "topics-state.jsonl"
    lines = [json.loads(line) for line in state.read_text().splitlines()]
    state.write_text("".join(json.dumps(rec) + "\n" for rec in lines if rec["topic_id"] != 12)
                     + json.dumps({"topic_id": 12, "last_post_id": 1008, "last_start": 4}) + "\n")
    posts = [p for p in _read_posts(out / "posts.jsonl") if p["post_id"] not in (1009, 1010)]
    (out / "posts.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts))
    server = first_crawl["server"]
    before = len(server.paths())
    summary = crawl_forum(server.url, out, KEY, extra_settings=FAST)
    topics = _topic_requests(server.paths()[before:])
    assert sorted(topics) == ["/viewtopic.php?t=12&start=4", "/viewtopic.php?t=12&start=8", "/viewtopic.php?t=14"]
    assert summary.posts_written == 2
    assert {p["post_id"] for p in _read_posts(out / "posts.jsonl")} == _expected_post_ids()


def test_crawl_survives_injected_5xx_and_timeouts(tmp_path):
    with ForumServer(FIXTURES, fault_rate=0.2, seed=4, stall_seconds=2.0) as server:
        summary = crawl_forum(server.url, tmp_path, KEY, incremental=False, extra_settings=FAST)
        log = list(server.log)
    faults = [r.fault for r in log if r.fault]
    assert "503" in faults and "timeout" in faults
    ids = [p["post_id"] for p in _read_posts(tmp_path / "posts.jsonl")]
    assert len(ids) == len(set(ids))
    assert set(ids) == _expected_post_ids()
    stats = json.loads((tmp_path / "crawl-stats.json").read_text())
    assert stats["retry/count"] == len(faults)
    assert summary.posts_written == 19


def test_killed_crawl_resumes_without_loss_or_duplicates(tmp_path):
    jobdir = tmp_path / "job"
    out = tmp_path / "out"
    out.mkdir()
    with ForumServer(FIXTURES, delay=0.25) as server:
        cmd = crawl_command(server.url, out, jobdir=jobdir, extra_settings={**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": 1})
        with (out / "killed.log").open("wb") as log:
            proc = subprocess.Popen(cmd, env=crawl_env(KEY), stdout=log, stderr=subprocess.STDOUT)
            posts = out / "posts.jsonl"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if posts.exists() and len(posts.read_bytes().splitlines()) >= 4:
                    break
                time.sleep(0.05)
            proc.kill()  # SIGKILL: no clean shutdown, Scrapy saves nothing
            proc.wait()
        assert proc.returncode == -9
        written_before = len(_read_posts(posts))
        assert 4 <= written_before < 19, "the crawl was not killed mid-way"
        assert (jobdir / "crawl.running").exists()

        summary = crawl_forum(server.url, out, KEY, jobdir=jobdir, extra_settings=FAST)
    ids = [p["post_id"] for p in _read_posts(out / "posts.jsonl")]
    assert len(ids) == len(set(ids))
    assert set(ids) == _expected_post_ids()
    assert summary.posts_written == 19 - written_before
    stats = json.loads((out / "crawl-stats.json").read_text())
    assert stats["bbcopilot/resumed_after_kill"] is True
    assert not jobdir.exists()  # a finished crawl clears its job state


def test_max_pages_stops_and_the_next_run_resumes(tmp_path):
    jobdir = tmp_path / "job"
    with ForumServer(FIXTURES) as server:
        first = crawl_forum(server.url, tmp_path, KEY, max_pages=6, jobdir=jobdir,
                            extra_settings={**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": 1})
        assert first.finish_reason == "closespider_pagecount"
        assert jobdir.exists() and not (jobdir / "crawl.running").exists()
        second = crawl_forum(server.url, tmp_path, KEY, jobdir=jobdir, extra_settings=FAST)
    assert second.finish_reason == "finished"
    ids = [p["post_id"] for p in _read_posts(tmp_path / "posts.jsonl")]
    assert len(ids) == len(set(ids)) and set(ids) == _expected_post_ids()
    assert read_summary(tmp_path) == second


def test_unreachable_board_raises_input_error(tmp_path):
    from bbcopilot.errors import InputError

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(InputError, match="no board page"):
        crawl_forum(f"http://127.0.0.1:{port}/", tmp_path, KEY, extra_settings={**FAST, "RETRY_TIMES": 0})
