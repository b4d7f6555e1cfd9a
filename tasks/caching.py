"""Cache policy for tasks that make a versioned artefact.

The key is the artefact's own folder, which is named by the content hash of
everything that shapes it, so a rerun with nothing changed is served from cache
and a changed input (a new hash) recomputes. The cache record is stored *inside*
that folder (absolute keys, result storage rooted at `/`): delete an artefact
and its record goes with it, so the cache does not hand back a path to
something that is gone. (An artefact that refers to others outside it, like
the corpus to its converted documents, checks them when it is located.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect.cache_policies import CachePolicy

CACHE_RECORD = ".prefect-cache"
ROOT_STORAGE = Path("/")


@dataclass
class ArtefactCache(CachePolicy):
    """Key = `<artefact folder>/.prefect-cache`, computed by `locate` from the task's inputs."""

    locate: Callable[..., Path] | None = None

    def compute_key(self, task_ctx: Any, inputs: dict[str, Any], flow_parameters: dict[str, Any], **kwargs: Any) -> str:
        assert self.locate is not None, "ArtefactCache needs a locate function"
        return str(Path(self.locate(**inputs)).resolve() / CACHE_RECORD)


def artefact_cache(locate: Callable[..., Path]) -> dict[str, Any]:
    """Task options that cache on the artefact `locate(**inputs)` names."""
    return {"cache_policy": ArtefactCache(locate=locate), "result_storage": ROOT_STORAGE, "persist_result": True}
