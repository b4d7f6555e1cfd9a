"""The forum mirror with a request log and fault injection, for crawler tests.

``ForumServer`` serves tests/fixtures/forum/ through ``scrapers.forum.mirror`` (its URL
-> file mapping and 404s), logs every request, and can inject faults: with
``fault_rate`` > 0 a request answers 503 or stalls past the client's timeout. The fault
decision for the n-th request of a path is drawn from ``Random(f"{seed}:{path}:{n}")``,
so it does not depend on thread scheduling, and a path never fails more than
``max_faults_in_a_row`` times in a row. ``delay`` slows every answer (to kill a crawl
mid-way).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from scrapers.forum.mirror import NOT_FOUND, MirrorServer, Page, page_file


@dataclass
class LoggedRequest:
    path: str  # path and query as requested
    status: int  # 0 for a stalled (timed-out) answer
    fault: str  # "", "503" or "timeout"
    user_agent: str


UNAVAILABLE = Page(503, b"<html><body>Service Unavailable</body></html>", "text/html")


class ForumServer(MirrorServer):
    def __init__(
        self,
        root: Path,
        *,
        fault_rate: float = 0.0,
        seed: int = 0,
        stall_seconds: float = 2.5,
        max_faults_in_a_row: int = 2,
        delay: float = 0.0,
    ):
        super().__init__(root)
        self.fault_rate = fault_rate
        self.seed = seed
        self.stall_seconds = stall_seconds
        self.max_faults_in_a_row = max_faults_in_a_row
        self.delay = delay
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._faults_in_a_row: dict[str, int] = {}

    def __enter__(self) -> "ForumServer":
        super().__enter__()
        return self

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.log]

    def _fault_for(self, path: str) -> str:
        if self.fault_rate <= 0 or path.startswith("/robots.txt"):
            return ""
        with self._lock:
            n = self._counts.get(path, 0)
            self._counts[path] = n + 1
            if self._faults_in_a_row.get(path, 0) >= self.max_faults_in_a_row:
                self._faults_in_a_row[path] = 0
                return ""
            rng = random.Random(f"{self.seed}:{path}:{n}")
            if rng.random() >= self.fault_rate:
                self._faults_in_a_row[path] = 0
                return ""
            self._faults_in_a_row[path] = self._faults_in_a_row.get(path, 0) + 1
            return "timeout" if rng.random() < 0.5 else "503"

    def _record(self, handler: BaseHTTPRequestHandler, status: int, fault: str) -> None:
        # Logged before the answer is sent: once a client has its answer, the log has the request.
        with self._lock:
            self.log.append(LoggedRequest(handler.path, status, fault, handler.headers.get("User-Agent", "")))

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        if self.delay:
            time.sleep(self.delay)
        fault = self._fault_for(handler.path)
        if fault == "timeout":
            self._record(handler, 0, fault)
            time.sleep(self.stall_seconds)
            return  # the client has given up; close without an answer
        page = UNAVAILABLE if fault == "503" else self.page(handler.path)
        self._record(handler, page.status, fault)
        self.send(handler, page)


class BoardOnceMissing(ForumServer):
    """The forum whose index answers 404 to the first crawl (the board behind a proxy, restarting).

    A 404 is not retried by the crawler (a 503 would be, within the crawl): the crawl finds no page
    and fails, and the crawl task's Prefect retry crawls again.
    """

    def __init__(self, root: Path):
        super().__init__(root)
        self.missing_answered = 0

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        if page_file(handler.path) == "index.html" and not self.missing_answered:
            self.missing_answered += 1
            self._record(handler, NOT_FOUND.status, "missing")
            self.send(handler, NOT_FOUND)
            return
        super().handle(handler)
