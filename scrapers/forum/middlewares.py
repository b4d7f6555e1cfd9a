"""Retry with exponential backoff: Scrapy's RetryMiddleware re-schedules a failed request
at once; this one waits ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds (capped at
``RETRY_BACKOFF_MAX``, with jitter) before the n-th retry. Configured in settings.py."""

from __future__ import annotations

import asyncio
import random

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._backoff(result)
        return result

    async def process_exception(self, request, exception, spider=None):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._backoff(result)
        return result

    async def _backoff(self, retry: Request) -> None:
        attempt = retry.meta.get("retry_times", 1)
        delay = min(self.cap, self.base * 2 ** (attempt - 1)) * random.uniform(0.75, 1.25)
        self.crawler.stats.inc_value("retry/backoff_seconds", delay)
        await asyncio.sleep(delay)
