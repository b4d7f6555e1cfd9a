"""``crawl_forum``: the plain function the CLI and the Prefect task call.

It runs one crawl in a subprocess (``python -m scrapers.forum.run``; Twisted's reactor
cannot restart in one process), hands it the pseudonym key through the environment,
appends the subprocess's log to ``out_dir/crawl.log`` and reads back the stats JSON it
writes. Output in ``out_dir``:

* ``posts.jsonl`` — one JSON object per post, each post id once (see ``ForumPost.record``):
  ``post_id, topic_id, forum_id, topic_title, forum_title, subject, author (pseudonym),
  posted_at (ISO, UTC), edited, text, url``;
* ``topics-state.jsonl`` — per-topic progress for incremental crawls;
* ``crawl-stats.json`` — Scrapy's stats of the last run; ``crawl.log`` — its log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bbcopilot.errors import ConfigError, InputError
from scrapers.forum.pipelines import KEY_ENV
from scrapers.forum.run import CLEAN_STOPS, POSTS_FILE

_REPO_ROOT = Path(__file__).resolve().parents[2]
STATS_FILE = "crawl-stats.json"
LOG_FILE = "crawl.log"
DEFAULT_JOBDIR = ".jobdir"


@dataclass(frozen=True)
class CrawlSummary:
    pages_fetched: int  # HTTP responses received (robots.txt, 404s and retries included)
    posts_written: int  # new lines in posts.jsonl in this run
    duplicates_dropped: int  # posts seen twice in this crawl + posts already in the file
    errors: int  # pages given up on, cut short or unreadable, and spider exceptions
    output: Path  # posts.jsonl
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> count
    finish_reason: str = ""


def crawl_command(
    start_url: str,
    out_dir: Path,
    *,
    max_pages: int = 0,
    incremental: bool = True,
    jobdir: Path | None = None,
    timezone: str = "+03:00",
    extra_settings: dict | None = None,
) -> list[str]:
    """The subprocess command line of one crawl (no secrets in it)."""
    out_dir = Path(out_dir)
    return [
        sys.executable, "-m", "scrapers.forum.run",
        "--start-url", start_url,
        "--out-dir", str(out_dir),
        "--jobdir", str(Path(jobdir) if jobdir else out_dir / DEFAULT_JOBDIR),
        "--stats-file", str(out_dir / STATS_FILE),
        "--timezone", timezone,
        "--max-pages", str(int(max_pages)),
        "--incremental", "1" if incremental else "0",
        "--settings-json", json.dumps(extra_settings or {}),
    ]


def crawl_env(pseudonym_key: str) -> dict[str, str]:
    """The subprocess environment: ours, the key, and this checkout on the import path."""
    if not pseudonym_key:
        raise ConfigError("the pseudonym key is empty: set it before crawling (authors are pseudonymised with it)")
    env = dict(os.environ)
    env[KEY_ENV] = pseudonym_key
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def read_summary(out_dir: Path) -> CrawlSummary:
    stats = json.loads((Path(out_dir) / STATS_FILE).read_text(encoding="utf-8"))
    dropped = {k.split("/", 2)[2]: int(v) for k, v in stats.items() if k.startswith("forum/dropped/")}
    errors = sum(int(v) for k, v in stats.items() if k.startswith(("forum/errors/", "spider_exceptions/")))
    return CrawlSummary(
        pages_fetched=int(stats.get("response_received_count", 0)),
        posts_written=int(stats.get("forum/posts_written", 0)),
        duplicates_dropped=dropped.get("duplicate", 0) + dropped.get("already_stored", 0),
        errors=errors,
        output=Path(out_dir) / POSTS_FILE,
        dropped=dropped,
        finish_reason=str(stats.get("finish_reason", "")),
    )


def crawl_forum(
    start_url: str,
    out_dir: Path,
    pseudonym_key: str,
    *,
    max_pages: int = 0,
    incremental: bool = True,
    jobdir: Path | None = None,
    timezone: str = "+03:00",
    extra_settings: dict | None = None,
) -> CrawlSummary:
    """Crawl a phpBB board from ``start_url`` into ``out_dir/posts.jsonl``.

    ``max_pages`` stops after that many responses (0: no limit; the crawl can be
    resumed). ``incremental`` skips topics with no post newer than the stored state.
    ``jobdir`` (default ``out_dir/.jobdir``) holds the state of an interrupted crawl.
    ``timezone`` is the board time zone that dates without an offset are printed in
    (``+03:00`` or an IANA name). ``extra_settings`` override settings.py.
    Raises ``InputError`` when the crawl fails.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = crawl_env(pseudonym_key)
    cmd = crawl_command(
        start_url, out_dir, max_pages=max_pages, incremental=incremental, jobdir=jobdir,
        timezone=timezone, extra_settings=extra_settings,
    )
    stats_path = out_dir / STATS_FILE
    stats_path.unlink(missing_ok=True)
    with (out_dir / LOG_FILE).open("ab") as log:
        rc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=_REPO_ROOT).returncode
    if not stats_path.exists():
        raise InputError(start_url, f"crawl process exited with status {rc} and wrote no stats; see {out_dir / LOG_FILE}")
    summary = read_summary(out_dir)
    if rc != 0 or summary.finish_reason not in CLEAN_STOPS:
        raise InputError(start_url, f"crawl failed (exit {rc}, finish reason {summary.finish_reason!r}); see {out_dir / LOG_FILE}")
    stats = json.loads(stats_path.read_text(encoding="utf-8"))
    if not stats.get("forum/pages_parsed"):
        raise InputError(start_url, f"no board page could be fetched or read ({summary.errors} errors); see {out_dir / LOG_FILE}")
    return summary
