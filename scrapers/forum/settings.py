"""Scrapy settings of the forum crawler: politeness and robustness live here, nowhere else.

``crawl_forum`` loads this module and overrides per run: ``JOBDIR``,
``CLOSESPIDER_PAGECOUNT`` (max_pages), ``FORUM_OUTPUT``, ``FORUM_STATE_FILE`` and any
``extra_settings`` (e.g. ``{"HTTPCACHE_ENABLED": True}`` while developing selectors).
The pseudonym key is *not* a setting (Scrapy logs overridden settings): it is read from
the environment by the PII pipeline.
"""

BOT_NAME = "bbcopilot"
SPIDER_MODULES = ["scrapers.forum.spiders"]

# ---- identity and politeness ----------------------------------------------------------
USER_AGENT = (
    "bbcopilot-forum-crawler/0.1 (+https://github.com/bbcopilot; "
    "collects public Component Pascal discussions for a coding assistant; obeys robots.txt)"
)
ROBOTSTXT_OBEY = True
# Scrapy does not read robots.txt Crawl-delay; the delay below matches the common 2 s.
DOWNLOAD_DELAY = 2.0
RANDOMIZE_DOWNLOAD_DELAY = True
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False  # guests only; phpBB's session cookie would just add sid noise

# ---- robustness -----------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 5
RETRY_HTTP_CODES = [500, 502, 503, 504, 520, 521, 522, 523, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds before the 1st retry; doubles each time
RETRY_BACKOFF_MAX = 120.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapers.forum.middlewares.BackoffRetryMiddleware": 550,
}
# A killed crawl resumes from JOBDIR (set per run by crawl_forum; see run.py for SIGKILL).
JOBDIR = None

# ---- development: HTTP cache, off by default ------------------------------------------
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_EXPIRATION_SECS = 0
HTTPCACHE_IGNORE_HTTP_CODES = [500, 502, 503, 504, 408, 429]

# ---- items ----------------------------------------------------------------------------
ITEM_PIPELINES = {
    "scrapers.forum.pipelines.UsablePostPipeline": 100,
    "scrapers.forum.pipelines.PIIScrubPipeline": 200,
    "scrapers.forum.pipelines.DedupPipeline": 300,
    "scrapers.forum.pipelines.JsonLinesWriterPipeline": 400,
    "scrapers.forum.pipelines.TopicStatePipeline": 500,
}
FORUM_OUTPUT = None  # posts.jsonl
FORUM_STATE_FILE = None  # topics-state.jsonl (incremental mode)

LOG_LEVEL = "INFO"
LOG_FORMATTER = "scrapers.forum.pipelines.DropReasonLogFormatter"
TELNETCONSOLE_ENABLED = False
