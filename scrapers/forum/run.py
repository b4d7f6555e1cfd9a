"""Subprocess entry point of one forum crawl: ``python -m scrapers.forum.run ...``.

Twisted's reactor cannot restart, so :func:`scrapers.forum.crawl.crawl_forum` runs every
crawl in a fresh process through this module. The pseudonym key arrives in the
environment (``BBCOPILOT_PSEUDONYM_KEY``), never as an argument.

JOBDIR and SIGKILL: Scrapy saves its request queue and the queue's read position only
on a clean shutdown, so after a SIGKILL the JOBDIR holds a list of "seen" requests whose
queue is lost, and resuming from it would silently skip them. This runner therefore
drops a ``crawl.running`` marker into the JOBDIR while it runs. If the marker is still
there at the next start, the previous crawl was killed: Scrapy's state in the JOBDIR is
discarded and the crawl restarts from the start URL; the posts already written are
skipped by the writer and, in incremental mode, topics read completely are skipped via
the topic state, so nothing is lost and nothing is written twice. A crawl stopped
cleanly (Ctrl-C, SIGTERM, max_pages) resumes from Scrapy's own JOBDIR state; a crawl
that finished clears the JOBDIR, so the next crawl starts from the top.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from scrapers.forum.spiders.phpbb import PhpbbSpider

log = logging.getLogger("scrapers.forum.run")

POSTS_FILE = "posts.jsonl"
STATE_FILE = "topics-state.jsonl"
MARKER = "crawl.running"
# finish reasons of a crawl that stopped on purpose (its JOBDIR is resumable)
CLEAN_STOPS = {"finished", "shutdown", "closespider_pagecount", "closespider_timeout", "closespider_itemcount"}


def _prepare_jobdir(jobdir: Path) -> bool:
    """Create the JOBDIR; wipe Scrapy's state if the previous crawl was killed. Returns
    whether it was."""
    killed = (jobdir / MARKER).exists()
    if killed:
        for child in jobdir.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    jobdir.mkdir(parents=True, exist_ok=True)
    (jobdir / MARKER).write_text(str(os.getpid()))
    return killed


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--start-url", required=True)
    ap.add_argument("--out-dir", required=True, type=Path)
    ap.add_argument("--jobdir", required=True, type=Path)
    ap.add_argument("--stats-file", required=True, type=Path)
    ap.add_argument("--timezone", default="+03:00")
    ap.add_argument("--max-pages", type=int, default=0)
    ap.add_argument("--incremental", choices=("0", "1"), default="1")
    ap.add_argument("--settings-json", default="{}", help="extra Scrapy settings as a JSON object")
    args = ap.parse_args(argv)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    settings.setmodule("scrapers.forum.settings", priority="project")
    settings.update(json.loads(args.settings_json), priority="cmdline")
    settings.set("FORUM_OUTPUT", str(args.out_dir / POSTS_FILE), priority="cmdline")
    settings.set("FORUM_STATE_FILE", str(args.out_dir / STATE_FILE), priority="cmdline")
    settings.set("JOBDIR", str(args.jobdir), priority="cmdline")
    if args.max_pages:
        settings.set("CLOSESPIDER_PAGECOUNT", args.max_pages, priority="cmdline")
    if not Path(settings.get("HTTPCACHE_DIR")).is_absolute():
        settings.set("HTTPCACHE_DIR", str(args.out_dir / ".httpcache"), priority="cmdline")

    killed = _prepare_jobdir(args.jobdir)
    process = CrawlerProcess(settings)
    if killed:
        log.warning("the previous crawl in %s was killed: restarting from the start URL "
                    "(posts already written are kept and skipped)", args.jobdir)
    crawler = process.create_crawler(PhpbbSpider)
    process.crawl(
        crawler,
        start_url=args.start_url,
        timezone=args.timezone,
        incremental=args.incremental,
        state_file=str(args.out_dir / STATE_FILE),
    )
    process.start()

    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    stats["bbcopilot/resumed_after_kill"] = killed
    reason = stats.get("finish_reason")
    if reason == "finished":
        shutil.rmtree(args.jobdir, ignore_errors=True)
    elif reason in CLEAN_STOPS:
        (args.jobdir / MARKER).unlink(missing_ok=True)
    _write_json_atomic(args.stats_file, stats)
    return 0 if reason in CLEAN_STOPS else 1


if __name__ == "__main__":
    sys.exit(main())
