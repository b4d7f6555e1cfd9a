"""An offline mirror of a saved phpBB board: a folder of pages served on 127.0.0.1.

The crawler reads a mirror exactly as it reads the live board (robots.txt, pagination,
404s), so demos and development run the real spider without the network. The folder
holds the pages under phpBB's URL -> file mapping (see ``page_file``)::

    /, /index.php                          index.html
    /robots.txt                            robots.txt
    /viewforum.php?f=F[&start=S]           viewforum_f=F_start=S.html      (S defaults to 0)
    /viewtopic.php?[f=F&]t=T[&start=S]     viewtopic_t=T_start=S.html      (f is ignored)
    /viewtopic.php?...&view=print          viewtopic_t=T_start=S_view=print.html

``sid``, ``hilit`` and the fragment are ignored; anything else (``p=`` permalinks,
``memberlist.php``, downloads, a page not saved) answers 404, as a real board does for
what a guest may not see. ``serve_mirror(folder)`` serves a folder for the length of a
``with`` block; ``MirrorServer`` is the server itself, whose ``handle`` a test server
overrides to log requests or inject faults.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bbcopilot.errors import InputError
from bbcopilot.workspace import tree_hash

INDEX = "index.html"

# A mirror is a local folder: no server to be polite to. These override settings.py
# for a crawl of a mirror only (robots.txt is still obeyed: it is part of the board).
CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "RANDOMIZE_DOWNLOAD_DELAY": False,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "DOWNLOAD_TIMEOUT": 10,
    "RETRY_BACKOFF_BASE": 0.1,
}


def page_file(url: str) -> str | None:
    """The saved file that answers ``url`` (a full URL or a path with its query); None: 404."""
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    path = parts.path.rsplit("/", 1)[-1] or "index.php"
    start = q.get("start", "0")
    name = None
    if path == "index.php":
        name = INDEX
    elif path == "robots.txt":
        name = "robots.txt"
    elif path == "viewforum.php" and "f" in q:
        name = f"viewforum_f={q['f']}_start={start}.html"
    elif path == "viewtopic.php" and "t" in q:
        suffix = "_view=print" if q.get("view") == "print" else ""
        name = f"viewtopic_t={q['t']}_start={start}{suffix}.html"
    if name is None or "/" in name or "\\" in name:  # a parameter must not reach outside the folder
        return None
    return name


def mirror_fingerprint(folder: Path) -> str:
    """Hash of every saved page's name and content: the mirror's version."""
    return tree_hash(Path(folder))


@dataclass(frozen=True)
class Page:
    status: int
    body: bytes
    content_type: str


NOT_FOUND = Page(404, b"<html><body>Not Found</body></html>", "text/html")


class _Handler(BaseHTTPRequestHandler):
    server: "_HTTPServer"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.mirror.handle(self)

    def log_message(self, *args) -> None:
        pass  # requests are not worth a log line each; a test server keeps its own log


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    mirror: "MirrorServer"


class MirrorServer:
    """Serves ``folder`` on 127.0.0.1 and a free port from a thread, inside ``with``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        if not (self.folder / INDEX).is_file():
            raise InputError(str(self.folder), f"not a saved phpBB board: no {INDEX}")
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "MirrorServer":
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.mirror = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="forum-mirror", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._httpd is not None and self._thread is not None
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    @property
    def url(self) -> str:
        """The board's base URL, ending in a slash."""
        assert self._httpd is not None, "the mirror is not serving (use it in a with block)"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def page(self, path: str) -> Page:
        """What the board answers to ``path`` (path and query, as requested)."""
        name = page_file(path)
        file = self.folder / name if name else None
        if file is None or not file.is_file():
            return NOT_FOUND
        return Page(200, file.read_bytes(), "text/plain" if name == "robots.txt" else "text/html")

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one GET; override to log requests or inject faults."""
        self.send(handler, self.page(handler.path))

    @staticmethod
    def send(handler: BaseHTTPRequestHandler, page: Page) -> None:
        try:
            handler.send_response(page.status)
            handler.send_header("Content-Type", f"{page.content_type}; charset=utf-8")
            handler.send_header("Content-Length", str(len(page.body)))
            handler.end_headers()
            handler.wfile.write(page.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout); nothing to answer


@contextmanager
def serve_mirror(folder: Path) -> Iterator[str]:
    """Serve a saved board for the length of the block; yields its base URL."""
    with MirrorServer(folder) as server:
        yield server.url
