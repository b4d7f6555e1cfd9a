"""Finished generation requests on disk, one JSON file each, so no request is ever sent twice.

The key is a content hash of what decides the reply: the span and its context, the template and its
hash, the generator's fingerprint and the sampling settings. A rerun finds every span already done
and sends nothing; a changed template misses only its own entries; each entry is written atomically
the moment its reply is read, so a killed run keeps everything it finished. Requests that failed in
transport (the server down, retries spent) are not stored: the next run asks again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bbcopilot.workspace import Workspace, atomic_write_json, content_hash

CACHE = "cache/qa-requests"


class RequestCache:
    def __init__(self, workspace: Workspace):
        self.root = Path(workspace.root) / CACHE

    @staticmethod
    def key(*parts: Any) -> str:
        return content_hash(*parts)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None  # unreadable: asked again, and overwritten

    def put(self, key: str, entry: dict[str, Any]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, entry)
