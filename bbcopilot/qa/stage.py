"""The `qa` dataset: pairs generated over every span of every document, filtered, beside human dialogs.

For each document (module sources and documentation; community threads are dialogs already) the
spans are cut to fit the generation model's window, and each span is asked once per question kind.
Replies are read as JSON, mended or sent back for repair, filtered (`filters`), and the kept
training-split questions are asked once more without their span: that ungrounded answer is DPO's
rejected side. Forum and Telegram dialogs join with their own filters. Rows are chat `messages`
(no system turn: `bbcopilot.llm.chat` adds it wherever a model is asked) with their provenance;
each keeps its document's split, so test-split documents yield only evaluation questions.

The generator is an OpenAI-compatible endpoint, the base model served locally by `bbcopilot.server`
(the offline demo's path), or the base model in-process; `client` sends the requests.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bbcopilot import review
from bbcopilot.config import ModelSettings, QASettings, ToolchainSettings
from bbcopilot.corpus import detect_language, kind_label
from bbcopilot.errors import InputError
from bbcopilot.hfdata import iter_rows, save_version
from bbcopilot.llm import chat
from bbcopilot.progress import reporter
from bbcopilot.qa import filters
from bbcopilot.qa.cache import RequestCache
from bbcopilot.qa.client import ChatOutcome, ChatRequest, ConcurrentChat, LocalChat, RunFigures
from bbcopilot.qa.prompts import generation_prompt, render, template_hash
from bbcopilot.qa.schema import Candidate, SpanContext, read_reply, reply_schema
from bbcopilot.qa.spans import Span, TokenCounter, spans_of
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, code_version, content_hash, model_fingerprint

log = logging.getLogger(__name__)

QA = "datasets/qa"
COMMUNITY = ("forum", "telegram")
MIN_SPAN_TOKENS = 64
FAILED_SHOWN = 5


# ---------------------------------------------------------------- spans that fit the window


def user(content: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": content}]


def fitting_spans(document: dict, settings: QASettings, count: TokenCounter) -> tuple[list[Span], int]:
    """The document's spans such that every kind's prompt plus the answer budget fits the window,
    and how many times the spans had to be cut smaller for that. Never cut silently: a span that
    does not fit makes the whole document be re-spanned with a smaller budget."""
    budget, refits = settings.span_tokens, 0
    while True:
        try:
            spans = spans_of(document, budget, count.text)
        except ValueError as error:  # the budget left no room beside the span's context header
            raise InputError(document["id"], f"a context window of {settings.context_window} tokens leaves no room "
                                             f"for a span: {error}") from error
        excess = max(
            (count.request(user(generation_prompt(kind, document, span, settings.pairs_per_request)))
             + settings.max_new_tokens - settings.context_window
             for span in spans for kind in settings.question_kinds),
            default=0,
        )
        if excess <= 0:
            return spans, refits
        budget -= excess + 16
        refits += 1
        if budget < MIN_SPAN_TOKENS:
            raise InputError(document["id"], f"a context window of {settings.context_window} tokens with "
                                             f"{settings.max_new_tokens} for the answer leaves no room for a span")


def with_module(row: dict[str, Any]) -> dict[str, Any]:
    """A documents row with the module it is about: a documentation page's is its group's
    (`module:TextModels` for Text/Docu/Models), so its prompts and filters name the module too."""
    group = row.get("group") or ""
    if row.get("module") or not group.startswith("module:"):
        return row
    return row | {"module": group.removeprefix("module:")}


def spread_over_splits(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stable shuffle in which every split keeps its share at any prefix.

    A run limited to N documents then still has training pairs and held-out pairs.
    """
    by_split: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(documents, key=lambda row: hashlib.sha256(row["id"].encode("utf-8")).hexdigest()):
        by_split.setdefault(row["split"], []).append(row)
    placed = [((i + 0.5) / len(rows), split, row) for split, rows in by_split.items() for i, row in enumerate(rows)]
    return [row for _, _, row in sorted(placed, key=lambda item: (item[0], item[1]))]


# ---------------------------------------------------------------- asking, cached


@dataclass(frozen=True)
class Ask:
    """One generation request before it is sent: a span of a document and a question kind."""

    document: dict
    span: Span
    kind: str
    key: str

    @property
    def id(self) -> str:
        return f"{self.document['id']}@{self.span.start}-{self.span.end}:{self.kind}"


@dataclass
class GenerationFigures:
    documents: int = 0
    spans: int = 0
    refits: int = 0  # times a document's spans were cut smaller to fit the window
    asked: int = 0  # (span, kind) requests
    cached: int = 0  # of them, answered from the cache: no request sent
    valid_json: int = 0
    repaired: int = 0  # valid only after being sent back
    invalid_json: int = 0  # still invalid when the repairs were spent
    failed: int = 0  # no reply at all (server errors, timeouts, retries spent)
    transport: RunFigures = field(default_factory=RunFigures)
    failures: list[dict[str, Any]] = field(default_factory=list)  # raw text kept for inspection


class Asker:
    """Sends requests through a chat runner, each answer cached the moment it is final."""

    def __init__(self, runner, cache: RequestCache):
        self.runner, self.cache = runner, cache

    def ask(self, requests: list[ChatRequest], finish: Callable[[ChatRequest, ChatOutcome], tuple[ChatRequest | None, dict | None]],
            ) -> tuple[dict[str, dict], int, RunFigures]:
        """Entries by key for `requests`, how many came from the cache, and the figures of sending the rest.

        `finish` turns an outcome into a follow-up request or the entry to keep (None: nothing to keep)."""
        entries = {r.key: self.cache.get(r.key) for r in requests}
        pending = [r for r in requests if entries[r.key] is None]
        origin: dict[str, ChatRequest] = {r.key: r for r in pending}
        progress = reporter()
        progress.start(len(pending), "QA requests answered")

        def on_done(request: ChatRequest, outcome: ChatOutcome) -> ChatRequest | None:
            follow_up, entry = finish(request, outcome)
            if follow_up is not None:
                origin[follow_up.key] = origin[request.key]
                return follow_up
            first = origin[request.key]
            if entry is not None:
                self.cache.put(first.key, entry)
            entries[first.key] = entry
            progress.advance(1)
            return None

        hits = len(requests) - len(pending)
        figures = self.runner.run(pending, on_done) if pending else RunFigures()
        return {key: entry for key, entry in entries.items() if entry is not None}, hits, figures


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def generate(
    documents: list[dict[str, Any]], settings: QASettings, asker: Asker, count: TokenCounter, generator: str,
    skipped: list[tuple[str, str]],
) -> tuple[list[Candidate], dict[str, dict], GenerationFigures]:
    """Candidates from every span of `documents`, their provenance by candidate id, and the figures."""
    figures = GenerationFigures(documents=len(documents))
    sampling = {"temperature": settings.temperature, "max_new_tokens": settings.max_new_tokens,
                "pairs": settings.pairs_per_request}
    schema = reply_schema(settings.pairs_per_request, settings.max_question_chars, settings.max_answer_chars)
    hashes = {kind: template_hash(kind) for kind in settings.question_kinds}
    asks: list[Ask] = []
    for document in documents:
        try:
            spans, refits = fitting_spans(document, settings, count)
        except InputError as error:
            log.error("%s", error)
            skipped.append((document["id"], error.reason))
            continue
        figures.spans += len(spans)
        figures.refits += refits
        for span in spans:
            for kind in settings.question_kinds:
                key = RequestCache.key("qa-generation", span.text, span.context, kind, hashes[kind], generator,
                                       sampling, settings.response_format, schema)
                asks.append(Ask(document, span, kind, key))
    figures.asked = len(asks)
    ask_ids = {a.key: a.id for a in asks}
    requests = [
        ChatRequest(a.key, user(generation_prompt(a.kind, a.document, a.span, settings.pairs_per_request)),
                    settings.max_new_tokens, settings.temperature, schema)
        for a in asks
    ]
    repairs: dict[str, int] = {}

    def finish(request: ChatRequest, outcome: ChatOutcome) -> tuple[ChatRequest | None, dict | None]:
        if outcome.text is None:
            figures.failed += 1
            figures.failures.append({"request": ask_ids[request.key.split("#", 1)[0]], "error": outcome.error, "raw": None})
            return None, None
        pairs, error = read_reply(outcome.text)
        done = repairs.get(request.key, 0)
        if error and done < settings.repair_attempts:
            follow_up = ChatRequest(
                f"{request.key}#repair{done + 1}",
                [*request.messages, {"role": "assistant", "content": outcome.text},
                 {"role": "user", "content": render("repair", error=error)}],
                request.max_tokens, request.temperature, request.json_schema,
            )
            repairs[follow_up.key] = done + 1
            return follow_up, None
        return None, {"pairs": [p.model_dump() for p in pairs], "error": error, "raw": outcome.text if error else None,
                      "repairs": done, "generated_at": _now()}

    entries, figures.cached, figures.transport = asker.ask(requests, finish)
    candidates, provenance = [], {}
    for ask in asks:
        entry = entries.get(ask.key)
        if entry is None:
            continue
        if entry["error"]:
            figures.invalid_json += 1
            figures.failures.append({"request": ask.id, "error": entry["error"], "raw": entry["raw"]})
            continue
        figures.valid_json += 1
        figures.repaired += entry["repairs"] > 0
        context = span_context(ask.document, ask.span)
        for number, pair in enumerate(entry["pairs"]):
            candidate = Candidate(f"{ask.id}:{number}", ask.kind, pair["question"].strip(), pair["answer"].strip(), context)
            candidates.append(candidate)
            provenance[candidate.id] = {
                "document": ask.document["id"], "span_start": ask.span.start, "span_end": ask.span.end,
                "template": ask.kind, "template_hash": hashes[ask.kind], "generator": generator,
                "temperature": settings.temperature, "max_new_tokens": settings.max_new_tokens,
                "generated_at": entry["generated_at"],
            }
    return candidates, provenance, figures


def span_context(document: dict, span: Span) -> SpanContext:
    return SpanContext(
        document_id=document["id"], module=document.get("module") or "", subsystem=document.get("subsystem") or "",
        title=document.get("title") or "", kind=kind_label(document.get("kind")),
        language=document.get("language") or "en", text=span.text, context=span.context, defines=span.defines,
    )


def ungrounded_answers(questions: list[str], settings: QASettings, asker: Asker, generator: str) -> dict[str, str]:
    """Each question asked as training and evaluation ask it, with no span: the answer by question."""
    sampling = {"temperature": settings.temperature, "max_new_tokens": settings.max_new_tokens}
    keys = {q: RequestCache.key("qa-ungrounded", chat(q), generator, sampling) for q in dict.fromkeys(questions)}
    requests = [ChatRequest(key, chat(q), settings.max_new_tokens, settings.temperature) for q, key in keys.items()]

    def finish(request: ChatRequest, outcome: ChatOutcome) -> tuple[None, dict | None]:
        return None, ({"answer": outcome.text.strip()} if outcome.text is not None else None)

    entries, _, _ = asker.ask(requests, finish)
    return {q: entries[key]["answer"] for q, key in keys.items() if key in entries}


# ---------------------------------------------------------------- rows


PROVENANCE_FIELDS = ("document", "span_start", "span_end", "template", "template_hash", "generator", "temperature",
                     "max_new_tokens", "generated_at")


def pair_row(id: str, kind: str, question: str, answer: str, document: dict, provenance: dict | None = None,
             rejected: str = "") -> dict[str, Any]:
    """A generated pair as a row of the `qa` dataset (the document a row of the documents dataset)."""
    return {
        "id": id, "origin": "generated", "kind": kind, "document_id": document["id"],
        "module": document.get("module") or "", "subsystem": document.get("subsystem") or "",
        "language": document.get("language") or "en", "split": document["split"],
        "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
        "rejected": rejected if rejected != answer else "",
        "provenance": dict.fromkeys(PROVENANCE_FIELDS) | (provenance or {"document": document["id"]}),
    }


def dialog_row(dialog: dict) -> dict[str, Any]:
    """A row of the `dialogs` dataset as a row of the `qa` dataset."""
    return {
        "id": dialog["id"], "origin": dialog["source"], "kind": "dialog", "document_id": dialog["id"], "module": "",
        "subsystem": "", "language": detect_language(" ".join(m["content"] for m in dialog["messages"])),
        "split": dialog["split"], "messages": dialog["messages"], "rejected": "",
        "provenance": dict.fromkeys(PROVENANCE_FIELDS) | {"document": dialog["id"]},
    }


def prompt_and_answer(messages: list[dict[str, str]]) -> tuple[list[dict[str, str]], str]:
    """A QA row's turns before its last answer, and that answer: what a model is asked and should say."""
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return messages[:last], messages[last]["content"]


# ---------------------------------------------------------------- the generator


def generator_fingerprint(settings: QASettings, model_path: str, revision: str | None = None) -> str:
    """Who generates: the endpoint's model by its name (not its URL: the same model behind another
    host or port answers alike), else the base model by its content."""
    if settings.endpoint:
        return content_hash("endpoint", settings.endpoint_model)
    return model_fingerprint(model_path, revision)


@contextmanager
def chat_runner(settings: QASettings, model_path: str, model: ModelSettings, revision: str | None) -> Iterator[Any]:
    """What sends the requests: the endpoint, the base model behind our local server (`bbcopilot.server`,
    which decodes to the reply schema), or the base model in-process."""
    from bbcopilot.llm import LocalGenerator, torch_device
    from bbcopilot.serving import served_model

    if settings.endpoint or settings.serve_locally:
        server = nullcontext(settings.endpoint) if settings.endpoint else served_model(model_path, torch_device(model.device))
        with server as base_url:
            yield ConcurrentChat(
                base_url, settings.endpoint_model if settings.endpoint else model_path, settings.api_key.get_secret_value(),
                concurrency=settings.concurrency, max_retries=settings.max_retries, timeout_s=settings.request_timeout_s,
                response_format=settings.response_format, progress="QA requests",
            )
    else:
        yield LocalChat(LocalGenerator(model_path, revision=revision, device=model.device), progress="QA requests")


def make_judge(settings: QASettings) -> Callable[[list[str]], list[str]] | None:
    """The claim judge around `judge_endpoint`: prompts in, raw replies out (None: no judge configured)."""
    if not settings.judge_endpoint:
        return None
    client = ConcurrentChat(
        settings.judge_endpoint, settings.judge_model, settings.judge_api_key.get_secret_value(),
        concurrency=settings.concurrency, max_retries=settings.max_retries, timeout_s=settings.request_timeout_s,
        response_format="none", progress="QA judge",
    )

    def judge(prompts: list[str]) -> list[str]:
        replies: dict[str, str] = {}

        def on_done(request: ChatRequest, outcome: ChatOutcome) -> None:
            replies[request.key] = outcome.text or ""

        client.run([ChatRequest(str(i), user(p), 512, 0.0) for i, p in enumerate(prompts)], on_done)
        return [replies.get(str(i), "") for i in range(len(prompts))]

    return judge


# ---------------------------------------------------------------- the stage


def qa_version(
    documents_version: str, dialogs_version: str | None, settings: QASettings, model_path: str, toolchain: str,
    revision: str | None = None, rejected: str | None = None,
) -> str:
    """`rejected`: `review.rejections_fingerprint` of the QA pairs (None: none rejected)."""
    # The templates count through the code version: `prompts` names their folder.
    return content_hash(
        *([rejected] if rejected else []),
        documents_version,
        dialogs_version,
        generator_fingerprint(settings, model_path, revision),
        settings.model_dump(exclude={"api_key", "endpoint", "judge_api_key", "judge_endpoint", "concurrency",
                                     "max_retries", "request_timeout_s", "serve_locally"}),
        settings.judge_endpoint is not None,
        toolchain,
        code_version(build_qa),
    )


def build_qa(
    workspace: Workspace, documents: StageResult, dialogs: StageResult | None, model_path: str, settings: QASettings,
    model: ModelSettings, toolchain: ToolchainSettings, revision: str | None = None,
) -> StageResult:
    """Generate and filter QA pairs for the documents dataset, add the human dialogs, save the `qa` dataset."""
    from datasets import load_from_disk

    from bbcopilot.api_index import distribution_index
    from bbcopilot.blackbox.toolchain import toolchain_or_fallback, toolchain_version

    version = qa_version(documents.version, dialogs.version if dialogs else None, settings, model_path,
                         toolchain_version(toolchain), revision, review.rejections_fingerprint(workspace, review.QA_PAIRS))
    final = workspace.version_dir(QA, version)
    if workspace.has(QA, version):
        workspace.set_latest(QA, version)
        saved = load_from_disk(str(final))
        train = saved["train"]
        preference_pairs = sum(map(bool, train["rejected"])) if "rejected" in train.column_names else 0  # none: no rows
        figures = {"qa_rows": sum(len(saved[s]) for s in saved), "preference_pairs": preference_pairs}
        return StageResult(QA, version, str(final), figures, cached=True)

    docs = load_from_disk(documents.path)
    # Module sources and documentation teach the API; community threads are dialogs already.
    rows = spread_over_splits([with_module(r) for r in iter_rows(docs) if r["source"] not in COMMUNITY])
    if settings.max_documents:
        rows = rows[: settings.max_documents]
    skipped: list[tuple[str, str]] = []
    generator = generator_fingerprint(settings, model_path, revision)
    count = TokenCounter(settings.tokenizer or model_path, None if settings.tokenizer else revision)
    cache = RequestCache(workspace)
    with chat_runner(settings, model_path, model, revision) as runner:
        asker = Asker(runner, cache)
        candidates, provenance, figures = generate(rows, settings, asker, count, generator, skipped)
        build, notice = toolchain_or_fallback(workspace, toolchain)
        index = distribution_index(workspace, toolchain, documents)
        report = filters.filter_pairs(candidates, settings, index, build, make_judge(settings),
                                      review.rejections(workspace, review.QA_PAIRS))
        by_id = {r["id"]: r for r in rows}
        kept = report.kept
        train_questions = [c.question for c in kept if by_id[c.span.document_id]["split"] == "train"]
        rejected = ungrounded_answers(train_questions, settings, asker, generator) if settings.ungrounded_rejected else {}
    pairs = [pair_row(c.id, c.kind, c.question, c.answer, by_id[c.span.document_id], provenance[c.id],
                      rejected.get(c.question, "")) for c in kept]

    dialog_rows: list[dict] = []
    dialog_report = None
    if dialogs is not None:
        kept_dialogs, dialog_report = filters.filter_dialogs(list(iter_rows(load_from_disk(dialogs.path))), settings)
        dialog_rows = [dialog_row(d) for d in kept_dialogs]
    for failure in figures.failures:
        skipped.append((failure["request"], failure["error"]))

    warnings = [w for w in (format_warning(figures, settings.min_kept_fraction), report.warning) if w]
    for warning in warnings:
        log.warning("%s", warning)
    markdown = generation_report(figures, report, dialog_report, notice, warnings)
    path = save_version(
        workspace, QA, version, [*pairs, *dialog_rows],
        card={
            "languages": sorted({r["language"] for r in [*pairs, *dialog_rows]}) or ["en"],
            "licences": {"blackbox": "bsd-2-clause"},
            "summary": "Question/answer pairs generated over every span of the BlackBox documents, with prompts that "
            "name the language, framework, subsystem and module, kept only when they pass the filters below; "
            "beside them the forum and Telegram dialogs that pass theirs. Rows are chat `messages`; `rejected` is "
            "the question answered without its span (DPO's negative); `provenance` names document, span, "
            "template, generator and sampling. Each row keeps its document's split.\n\n" + markdown,
        },
        manifest={"documents": documents.version, "dialogs": dialogs.version if dialogs else None,
                  "templates": {kind: template_hash(kind) for kind in settings.question_kinds},
                  "generator": generator, "filters": report.counts(), "failures": figures.failures},
        extra_files={"report.md": markdown},
    )
    result_figures = {
        "spans": figures.spans, "requests": figures.asked, "cached": figures.cached,
        "sent": figures.transport.requests, "retries": figures.transport.retries, "valid_json": figures.valid_json,
        "invalid_json": figures.invalid_json, "failed": figures.failed, "pairs_generated": len(candidates),
        "pairs_kept": len(pairs), "dialogs_kept": len(dialog_rows),
        "preference_pairs": sum(bool(p["rejected"]) for p in pairs if p["split"] == "train"),
    }
    return StageResult(QA, version, str(path), result_figures, skipped=skipped)


def format_warning(figures: GenerationFigures, min_fraction: float) -> str | None:
    """A loud line when few replies were valid JSON: the generator does not follow the reply format."""
    replies = figures.valid_json + figures.invalid_json
    if not replies or figures.valid_json >= min_fraction * replies:
        return None
    reasons = Counter(f["error"] for f in figures.failures if f["raw"] is not None).most_common(3)
    return (f"only {figures.valid_json} of {replies} replies were valid JSON of the pair schema "
            f"({figures.valid_json / replies:.0%}): the generator does not follow the reply format; "
            + "; ".join(f"{n} × {reason}" for reason, n in reasons))


def generation_report(figures: GenerationFigures, pairs: filters.FilterReport, dialogs, notice: str,
                      warnings: list[str]) -> str:
    """The QA section of the run report: spans, requests, valid JSON, kept and dropped per filter."""
    transport = figures.transport
    lines = [
        f"{figures.documents} documents, {figures.spans} spans ({figures.refits} re-spanned to fit the window); "
        f"{figures.asked} requests: {figures.cached} from the cache, {transport.requests} sent "
        f"({transport.retries} retries, {transport.failed} failed)"
        + ("" if transport.response_format is None else
           f", response_format {'taken' if transport.response_format else 'refused: asked in the prompt'}") + ".",
        f"Valid JSON: {figures.valid_json} of {figures.valid_json + figures.invalid_json} replies "
        f"({figures.repaired} after repair, {figures.invalid_json} still invalid); {figures.failed} without a reply.",
        "",
    ]
    if notice:
        lines += [notice, ""]
    lines += [line for warning in warnings for line in (f"**Warning:** {warning}", "")]
    lines += ["### Generated pairs per filter", "", pairs.markdown(), ""]
    if dialogs is not None:
        lines += ["### Human dialogs per filter", "", dialogs.markdown(), ""]
    failed = [f for f in figures.failures if f["raw"] is not None][:FAILED_SHOWN]
    if failed:
        lines += ["### Replies that were not valid JSON (raw text kept in manifest.json)", ""]
        lines += [f"- `{f['request']}`: {f['error']}: `{_excerpt(f['raw'])}`" for f in failed]
        lines.append("")
    return "\n".join(lines)


def _excerpt(text: str, chars: int = 160) -> str:
    flat = " ".join(text.split()).replace("`", "'")
    return flat if len(flat) <= chars else flat[:chars] + "…"
