"""Chat requests answered many at a time by an OpenAI-compatible server, or in-process offline.

`ConcurrentChat` keeps up to `concurrency` requests in flight with the `openai` package's async
client, whose own retries do the waiting: 408/409/429/5xx answers, timeouts and lost connections
are retried up to `max_retries` times with exponential backoff and jitter (0.5 s doubling to 8 s,
less up to a quarter), and a `Retry-After` (or `retry-after-ms`) of up to two minutes is waited
exactly. `LocalChat` answers the same requests with an in-process generator, batch by batch, for
fully offline runs.

Both call `on_done` once per request as it finishes, in the calling thread and one call at a time;
what it returns is a follow-up request, sent in turn like the others (a reply to repair, a question
to ask again). A request that fails for good is an outcome with no text and the reason; the run
goes on with the rest.
"""

from __future__ import annotations

import asyncio
import http
import logging
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tqdm import tqdm

if TYPE_CHECKING:
    import openai

    from bbcopilot.llm import Generator

log = logging.getLogger(__name__)

ResponseFormat = Literal["auto", "json_schema", "none"]


@dataclass(frozen=True)
class ChatRequest:
    key: str  # identity of the request (the cache key); unique within a run
    messages: list[dict[str, str]]  # OpenAI chat messages
    max_tokens: int
    temperature: float
    # {"name": ..., "strict": ..., "schema": ...}: sent as response_format={"type": "json_schema", "json_schema": ...}
    json_schema: dict | None = None


@dataclass
class ChatOutcome:
    text: str | None  # the reply's content; None when the request failed for good
    error: str | None  # why it failed, None on success
    attempts: int  # HTTP attempts made (1 = no retry)
    seconds: float


@dataclass
class RunFigures:
    requests: int = 0  # requests sent (follow-ups included), not attempts
    succeeded: int = 0
    failed: int = 0
    retries: int = 0  # extra attempts after 429/5xx/timeouts/lost connections
    response_format: bool | None = None  # whether the server took response_format (None = never asked)
    seconds: float = 0.0


OnDone = Callable[[ChatRequest, ChatOutcome], "ChatRequest | None"]


class _Run:
    """One run's figures and progress bar, and the one place on_done is called: both clients share it."""

    def __init__(self, label: str | None, total: int, on_done: OnDone):
        self.figures = RunFigures()
        self.on_done = on_done
        self.started = time.monotonic()
        quiet = bool(os.environ.get("TQDM_DISABLE"))  # tqdm's own switch, which `bbcopilot run` sets
        self.bar = tqdm(total=total, desc=label, unit="req", file=sys.stderr, disable=label is None or quiet)

    def finish(self, request: ChatRequest, outcome: ChatOutcome, retries: int) -> ChatRequest | None:
        figures = self.figures
        figures.requests += 1
        figures.retries += retries
        if outcome.text is None:
            figures.failed += 1
            log.warning("chat request %s failed: %s", request.key, outcome.error)
        else:
            figures.succeeded += 1
        follow_up = self.on_done(request, outcome)
        if follow_up is not None:
            self.bar.total += 1
        self.bar.set_postfix(failed=figures.failed, retries=figures.retries, refresh=False)
        self.bar.update(1)
        return follow_up

    def __enter__(self) -> _Run:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.bar.close()
        self.figures.seconds = time.monotonic() - self.started


class ConcurrentChat:
    """Up to `concurrency` chat completions in flight against one OpenAI-compatible server.

    `response_format`: "json_schema" sends a request's `json_schema` as `response_format` always;
    "auto" sends it until the server refuses it (an HTTP 400/422 naming response_format), then
    resends that request and sends every later one without it; "none" never sends it.
    The API key is a secret: it goes into the Authorization header and nowhere else.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str,
        *,
        concurrency: int,
        max_retries: int,
        timeout_s: float,
        response_format: ResponseFormat = "auto",
        progress: str | None = None,
    ):
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        if response_format not in ("auto", "json_schema", "none"):
            raise ValueError(f"response_format must be auto, json_schema or none, got {response_format!r}")
        self.base_url = base_url
        self.model = model
        self._api_key = api_key
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.timeout_s = timeout_s
        self.response_format = response_format
        self.progress = progress

    def __repr__(self) -> str:
        return f"ConcurrentChat({self.base_url!r}, {self.model!r}, concurrency={self.concurrency})"

    def run(self, requests: Iterable[ChatRequest], on_done: OnDone) -> RunFigures:
        """Send every request with up to `concurrency` in flight, calling on_done as each finishes."""
        return asyncio.run(self._run(list(requests), on_done))

    async def _run(self, requests: list[ChatRequest], on_done: OnDone) -> RunFigures:
        from openai import AsyncOpenAI

        waiting = deque(requests)
        in_flight: set[asyncio.Task[tuple[ChatRequest, ChatOutcome, int]]] = set()
        client = AsyncOpenAI(
            base_url=self.base_url, api_key=self._api_key, max_retries=self.max_retries, timeout=self.timeout_s
        )
        async with client:
            with _Run(self.progress, len(requests), on_done) as run:
                try:
                    while waiting or in_flight:
                        while waiting and len(in_flight) < self.concurrency:
                            in_flight.add(asyncio.create_task(self._send(client, waiting.popleft(), run.figures)))
                        done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                        for task in done:
                            follow_up = run.finish(*task.result())
                            if follow_up is not None:
                                waiting.append(follow_up)
                finally:
                    # Only when on_done raised: the requests still in flight are abandoned with the run.
                    for task in in_flight:
                        task.cancel()
                    await asyncio.gather(*in_flight, return_exceptions=True)
        return run.figures

    def _sends_response_format(self, figures: RunFigures) -> bool:
        if self.response_format == "auto":
            return figures.response_format is not False
        return self.response_format == "json_schema"

    async def _send(
        self, client: openai.AsyncOpenAI, request: ChatRequest, figures: RunFigures
    ) -> tuple[ChatRequest, ChatOutcome, int]:
        """One request, retried by the client; returns it with its outcome and the retries it took."""
        import openai

        started = time.monotonic()
        attempts = retries = 0
        with_schema = request.json_schema is not None and self._sends_response_format(figures)
        while True:
            extra = {}
            if with_schema:
                extra["response_format"] = {"type": "json_schema", "json_schema": request.json_schema}
            try:
                raw = await client.chat.completions.with_raw_response.create(
                    model=self.model, messages=request.messages, max_tokens=request.max_tokens,
                    temperature=request.temperature, **extra,
                )
                completion = raw.parse()
            except openai.APIError as err:
                taken = _retries_taken(err)
                attempts += taken + 1
                retries += taken
                if with_schema and _refuses_response_format(err):
                    if figures.response_format is not False:
                        then = "; sending requests without it" if self.response_format == "auto" else ""
                        log.warning("%s refuses response_format (%s)%s", self.base_url,
                                    self._redact(_server_message(err)), then)
                    figures.response_format = False
                    if self.response_format == "auto":
                        with_schema = False
                        continue
                error = self._describe(err, attempts)
                return request, ChatOutcome(None, error, attempts, time.monotonic() - started), retries
            attempts += raw.retries_taken + 1
            retries += raw.retries_taken
            if with_schema and figures.response_format is None:
                figures.response_format = True
            choice = completion.choices[0] if completion.choices else None
            if choice is None or choice.message.content is None:
                reason = f"finish_reason {choice.finish_reason}" if choice else "no choices"
                error = f"the reply has no message content ({reason})"
                return request, ChatOutcome(None, error, attempts, time.monotonic() - started), retries
            return request, ChatOutcome(choice.message.content, None, attempts, time.monotonic() - started), retries

    def _describe(self, err: openai.APIError, attempts: int) -> str:
        """One line saying why a request failed for good; never the API key."""
        import openai

        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        if isinstance(err, openai.APIStatusError):
            try:
                phrase = http.HTTPStatus(err.status_code).phrase
            except ValueError:
                phrase = "HTTP error"
            text = f"{err.status_code} {phrase} {tries}: {_server_message(err)}"
        elif isinstance(err, openai.APITimeoutError):
            text = f"timed out {tries} ({self.timeout_s:g} s each)"
        elif isinstance(err, openai.APIConnectionError):
            cause = err.__cause__  # the transport's error; some (a cut connection) have no message
            reason = (str(cause) or type(cause).__name__) if cause is not None else err.message
            text = f"connection failed {tries}: {reason} ({self.base_url})"
        else:
            text = f"{type(err).__name__} {tries}: {err.message}"
        return self._redact(text)

    def _redact(self, text: str) -> str:
        # The key is only ever sent in a header, but a server may echo it back: never pass it on.
        return text.replace(self._api_key, "***") if self._api_key else text


def _retries_taken(err: openai.APIError) -> int:
    # The client numbers every attempt in this header of the request it sends; the error keeps the last one.
    return int(err.request.headers.get("x-stainless-retry-count", "0"))


def _server_message(err: openai.APIError) -> str:
    body = err.body
    if isinstance(body, dict):
        message = body.get("message", body.get("detail", body))
    else:
        message = body if body is not None else err.message
    return str(message)[:300]


def _refuses_response_format(err: openai.APIError) -> bool:
    import openai

    return (
        isinstance(err, openai.APIStatusError)
        and err.status_code in (400, 422)
        and "response_format" in f"{err.message} {err.body}"
    )


class LocalChat:
    """The same requests answered by an in-process generator (`bbcopilot.llm.LocalGenerator`), offline.

    Requests are generated `batch_size` at a time, grouped by (max_tokens, temperature) since a
    batch shares its sampling settings; on_done is called per reply after each batch; follow-ups
    form the next round, until none remain. A request's `json_schema` is ignored (no server to
    constrain the output): the caller validates the reply as it does any other.
    """

    def __init__(self, generator: Generator, *, batch_size: int = 8, progress: str | None = None):
        self.generator = generator
        self.batch_size = batch_size
        self.progress = progress

    def run(self, requests: Iterable[ChatRequest], on_done: OnDone) -> RunFigures:
        waiting = list(requests)
        with _Run(self.progress, len(waiting), on_done) as run:
            while waiting:
                follow_ups = []
                groups: dict[tuple[int, float], list[ChatRequest]] = {}
                for request in waiting:
                    groups.setdefault((request.max_tokens, request.temperature), []).append(request)
                for (max_tokens, temperature), group in groups.items():
                    for start in range(0, len(group), self.batch_size):
                        batch = group[start : start + self.batch_size]
                        started = time.monotonic()
                        replies = self.generator([r.messages for r in batch], max_tokens, temperature)
                        seconds = time.monotonic() - started
                        for request, text in zip(batch, replies, strict=True):
                            follow_up = run.finish(request, ChatOutcome(text, None, 1, seconds), 0)
                            if follow_up is not None:
                                follow_ups.append(follow_up)
                waiting = follow_ups
        return run.figures
