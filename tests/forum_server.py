"""A tiny phpBB look-alike for crawler tests: serves tests/fixtures/forum/ on 127.0.0.1.

Implements the URL -> file mapping of the fixture README (unknown pages, ``p=``
permalinks, ``memberlist.php`` ... answer 404), logs every request, and can inject
faults: with ``fault_rate`` > 0 a request answers 503 or stalls past the client's
timeout. The fault decision for the n-th request of a path is drawn from
``Random(f"{seed}:{path}:{n}")``, so it does not depend on thread scheduling, and a path
never fails more than ``max_faults_in_a_row`` times in a row. ``delay`` slows every
answer (to kill a crawl mid-way).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


def fixture_name(url: str) -> str | None:
    """The README's mapping, verbatim."""
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    path = parts.path.rsplit("/", 1)[-1] or "index.php"
    start = q.get("start", "0")
    if path == "index.php":
        return "index.html"
    if path == "robots.txt":
        return "robots.txt"
    if path == "viewforum.php" and "f" in q:
        return f"viewforum_f={q['f']}_start={start}.html"
    if path == "viewtopic.php" and "t" in q:
        suffix = "_view=print" if q.get("view") == "print" else ""
        return f"viewtopic_t={q['t']}_start={start}{suffix}.html"
    return None


@dataclass
class LoggedRequest:
    path: str  # path and query as requested
    status: int  # 0 for a stalled (timed-out) answer
    fault: str  # "", "503" or "timeout"
    user_agent: str


class ForumServer:
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
        self.root = Path(root)
        self.fault_rate = fault_rate
        self.seed = seed
        self.stall_seconds = stall_seconds
        self.max_faults_in_a_row = max_faults_in_a_row
        self.delay = delay
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._faults_in_a_row: dict[str, int] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----
    def __enter__(self) -> "ForumServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server._handle(self)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.log]

    # ---- requests ----
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

    def _record(self, handler, status: int, fault: str) -> None:
        with self._lock:
            self.log.append(LoggedRequest(handler.path, status, fault, handler.headers.get("User-Agent", "")))

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        if self.delay:
            time.sleep(self.delay)
        fault = self._fault_for(handler.path)
        if fault == "timeout":
            self._record(handler, 0, fault)
            time.sleep(self.stall_seconds)
            return  # the client has given up; close without an answer
        if fault == "503":
            self._record(handler, 503, fault)
            self._send(handler, 503, b"<html><body>Service Unavailable</body></html>", "text/html")
            return
        name = fixture_name(handler.path)
        file = self.root / name if name else None
        if file is None or not file.is_file():
            self._record(handler, 404, "")
            self._send(handler, 404, b"<html><body>Not Found</body></html>", "text/html")
            return
        self._record(handler, 200, "")
        ctype = "text/plain" if name == "robots.txt" else "text/html"
        self._send(handler, 200, file.read_bytes(), ctype)

    @staticmethod
    def _send(handler, status: int, body: bytes, ctype: str) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", f"{ctype}; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
