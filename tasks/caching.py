"""Cache policy for tasks that make a versioned artefact.

The key is the artefact's own folder, which is named by the content hash of
everything that shapes it, so a rerun with nothing changed is served from cache
and a changed input (a new hash) recomputes. The cache record is stored *inside*
that folder (absolute keys, result storage rooted at `/`): delete an artefact
and its record goes with it, so the cache does not hand back a path to
something that is gone. (An artefact that refers to others outside it, like
the corpus to its converted documents, checks them when it is located.)

The folder comes from the stage's own `<stage>_dir`/`<stage>_version` function,
the one the stage calls to name what it makes; `artefact_task` checks, on every
run, that the stage made its artefact where the key said, so a key that drifts
from its stage fails loudly instead of caching the wrong thing.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import CachePolicy

from bbcopilot.progress import reporting_to
from bbcopilot.report import StageResult
from tasks.progress import ArtifactProgress

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


def _made_at(result: Any) -> str | None:
    """Where a stage's result lives: a StageResult's folder, or the file of a (path, skipped) pair."""
    return result.path if isinstance(result, StageResult) else result[0]


def artefact_task(locate: Callable[..., Path], **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """A Prefect task cached on the artefact `locate(**inputs)` names (see `artefact_cache`), which
    fails if the stage made its artefact anywhere else (a path of None: the stage made nothing)."""

    def decorate(stage: Callable[..., Any]):
        signature = inspect.signature(stage)

        @functools.wraps(stage)
        def checked(*args: Any, **kwargs: Any) -> Any:
            expected = Path(locate(**signature.bind(*args, **kwargs).arguments)).resolve()
            with reporting_to(ArtifactProgress(stage.__name__)):  # its long loops show in the UI
                result = stage(*args, **kwargs)
            made = _made_at(result)
            if made is not None and expected not in (Path(made).resolve(), *Path(made).resolve().parents):
                raise RuntimeError(f"{stage.__name__}: made {made}, but its cache key names {expected}")
            return result

        return task(**artefact_cache(locate), **options)(checked)

    return decorate
