"""QA generation: question/answer pairs from documents, with the module named in every prompt.

Generating pairs without context made the original model over-generalise ("a
type from one module is the language's type"), so each prompt names the module,
subsystem, language and framework and shows an excerpt of the document. A pair
is made in two calls (question, then answer from the excerpt), so no output
format has to be parsed; a third call answers the question *without* the excerpt,
and that ungrounded answer is the `rejected` side of the DPO pairs.

The generator is either the base model run locally (transformers) or any
OpenAI-compatible endpoint (vLLM, `transformers serve`, a hosted Qwen).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bbcopilot.config import QASettings
from bbcopilot.corpus import FRAMEWORK, KIND_LABELS, LANGUAGE
from bbcopilot.hfdata import iter_rows, save_version
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, code_version, content_hash, model_fingerprint

PROMPTS = Path(__file__).parent / "prompts"
PROSE = {"ru": "Russian", "en": "English"}
MIN_CHARS = 3


def load_prompt(name: str) -> str:
    return (PROMPTS / f"{name}.txt").read_text(encoding="utf-8")


def prompts_fingerprint() -> str:
    """Hash of every prompt template: a changed prompt is a new QA dataset."""
    digest = hashlib.sha256()
    for path in sorted(PROMPTS.glob("*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


Messages = list[dict[str, str]]


class Generator(Protocol):
    def __call__(self, conversations: Sequence[Messages], max_new_tokens: int, temperature: float) -> list[str]: ...


# ---------------------------------------------------------------- generators


class LocalGenerator:
    """Batched generation with a local causal LM and its chat template."""

    def __init__(self, model_path: str, batch_size: int = 8, revision: str | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_path, padding_side="left", revision=revision)
        self.model = AutoModelForCausalLM.from_pretrained(model_path, dtype="auto", revision=revision)
        self.model.to("cuda" if torch.cuda.is_available() else "cpu").eval()
        self.batch_size = batch_size

    def __call__(self, conversations: Sequence[Messages], max_new_tokens: int, temperature: float) -> list[str]:
        import torch

        outputs = []
        for start in range(0, len(conversations), self.batch_size):
            batch = conversations[start : start + self.batch_size]
            texts = [self.tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=True) for c in batch]
            inputs = self.tokenizer(texts, return_tensors="pt", padding=True).to(self.model.device)
            with torch.no_grad():
                generated = self.model.generate(
                    **inputs,
                    max_new_tokens=max_new_tokens,
                    do_sample=temperature > 0,
                    temperature=temperature if temperature > 0 else None,
                    pad_token_id=self.tokenizer.pad_token_id,
                )
            new_tokens = generated[:, inputs["input_ids"].shape[1] :]
            outputs += self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        return outputs


class EndpointGenerator:
    """Chat completions from an OpenAI-compatible server (the API key is a secret, never logged)."""

    def __init__(self, base_url: str, model: str, api_key: str, timeout: float = 120.0):
        from openai import OpenAI

        # Retries belong to the Prefect task around this; one attempt here.
        self.client = OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)
        self.model = model

    def __call__(self, conversations: Sequence[Messages], max_new_tokens: int, temperature: float) -> list[str]:
        outputs = []
        for messages in conversations:
            response = self.client.chat.completions.create(
                model=self.model, messages=messages, max_tokens=max_new_tokens, temperature=temperature
            )
            outputs.append(response.choices[0].message.content or "")
        return outputs


def make_generator(settings: QASettings, model_path: str, revision: str | None = None) -> Generator:
    if settings.endpoint:
        return EndpointGenerator(settings.endpoint, settings.endpoint_model, settings.api_key.get_secret_value())
    return LocalGenerator(model_path, revision=revision)


# ---------------------------------------------------------------- prompts


@dataclass(frozen=True)
class DocumentContext:
    id: str
    module: str
    subsystem: str
    kind: str
    language: str
    split: str
    excerpt: str

    @classmethod
    def of(cls, row: dict[str, Any], chars: int) -> DocumentContext:
        return cls(
            id=row["id"],
            module=row["module"] or row["title"] or row["id"],
            subsystem=row["subsystem"] or "(top level)",
            kind=KIND_LABELS.get(row["kind"], row["kind"] or "document"),
            language=row["language"],
            split=row["split"],
            excerpt=row["text"][:chars],
        )

    def fields(self) -> dict[str, str]:
        return {
            "module": self.module,
            "subsystem": self.subsystem,
            "kind": self.kind,
            "language": LANGUAGE,
            "framework": FRAMEWORK,
            "prose_language": PROSE.get(self.language, "English"),
            "excerpt": self.excerpt,
        }


def chat(content: str) -> Messages:
    """One user turn as the assistant is used: the project's system prompt, then `content`.

    The one builder of that message list: QA generation (grounded and ungrounded),
    QA SFT, DPO and the evaluation all ask through it, so the DPO negative is
    generated with exactly the prompt that training and evaluation show the model.
    """
    return [{"role": "system", "content": load_prompt("system")}, {"role": "user", "content": content}]


def _clean(output: str) -> str:
    return output.strip()


def spread_over_splits(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stable shuffle in which every split keeps its share at any prefix.

    A run limited to N documents then still has training pairs and held-out pairs.
    """
    by_split: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(documents, key=lambda row: hashlib.sha256(row["id"].encode("utf-8")).hexdigest()):
        by_split.setdefault(row["split"], []).append(row)
    placed = [((i + 0.5) / len(rows), split, row) for split, rows in by_split.items() for i, row in enumerate(rows)]
    return [row for _, _, row in sorted(placed, key=lambda item: (item[0], item[1]))]


def generate_pairs(
    documents: list[dict[str, Any]],
    generator: Generator,
    settings: QASettings,
    progress: Callable[[int], None] = lambda n: None,
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """QA rows (with a `rejected` ungrounded answer) and the (document, reason) pairs skipped."""
    contexts = [DocumentContext.of(row, settings.context_chars) for row in spread_over_splits(documents)]
    if settings.max_documents:
        contexts = contexts[: settings.max_documents]
    question_template, answer_template = load_prompt("qa_question"), load_prompt("qa_answer")
    asks = [(c, n) for c in contexts for n in range(settings.questions_per_document)]

    questions = generator(
        [chat(question_template.format(**c.fields())) for c, _ in asks], settings.max_new_tokens, settings.temperature
    )
    progress(len(asks))
    rows, skipped = [], []
    grounded: list[tuple[DocumentContext, int, str]] = []
    for (context, number), question in zip(asks, questions):
        question = _clean(question)
        if len(question) < MIN_CHARS:
            skipped.append((f"{context.id}#q{number}", "empty question"))
            continue
        grounded.append((context, number, question))

    answers = generator(
        [chat(answer_template.format(question=q, **c.fields())) for c, _, q in grounded],
        settings.max_new_tokens,
        settings.temperature,
    )
    # The same question with no context, asked as training asks it: what the base model says on its own.
    ungrounded = generator([chat(q) for _, _, q in grounded], settings.max_new_tokens, settings.temperature)
    progress(len(grounded))
    for (context, number, question), answer, rejected in zip(grounded, answers, ungrounded):
        answer, rejected = _clean(answer), _clean(rejected)
        if len(answer) < MIN_CHARS:
            skipped.append((f"{context.id}#q{number}", "empty answer"))
            continue
        rows.append(
            {
                "id": f"{context.id}#q{number}",
                "document_id": context.id,
                "module": context.module,
                "subsystem": context.subsystem,
                "language": context.language,
                "split": context.split,
                "question": question,
                "answer": answer,
                "rejected": rejected if rejected != answer else "",
            }
        )
    return rows, skipped


# ---------------------------------------------------------------- the stage


QA = "datasets/qa"


def generator_fingerprint(settings: QASettings, model_path: str, revision: str | None = None) -> str:
    if settings.endpoint:
        return content_hash(settings.endpoint, settings.endpoint_model)
    return model_fingerprint(model_path, revision)


def qa_version(documents_version: str, settings: QASettings, model_path: str, revision: str | None = None) -> str:
    # The prompt templates count through the code version: `load_prompt` names their folder.
    return content_hash(
        documents_version,
        generator_fingerprint(settings, model_path, revision),
        settings.model_dump(exclude={"api_key", "endpoint"}),
        code_version(build_qa),
    )


def build_qa(
    workspace: Workspace, documents: StageResult, model_path: str, settings: QASettings, revision: str | None = None
) -> StageResult:
    """Generate QA pairs for the documents dataset and save them as the `qa` dataset."""
    from datasets import load_from_disk

    version = qa_version(documents.version, settings, model_path, revision)
    if workspace.has(QA, version):
        saved = load_from_disk(str(workspace.version_dir(QA, version)))
        return StageResult(QA, version, str(workspace.version_dir(QA, version)), {"qa_pairs": sum(len(saved[s]) for s in saved)})
    docs = load_from_disk(documents.path)
    # Module sources and documentation teach the API; community threads are already dialogs.
    rows = [r for r in iter_rows(docs) if r["source"] not in ("forum", "telegram")]
    pairs, skipped = generate_pairs(rows, make_generator(settings, model_path, revision), settings)
    path = save_version(
        workspace,
        QA,
        version,
        pairs,
        card={
            "languages": sorted({p["language"] for p in pairs}) or ["en"],
            "licences": {"blackbox": "bsd-2-clause"},
            "summary": "Question/answer pairs generated from BlackBox documents with prompts that name the module, "
            "subsystem, language and framework; `rejected` is the same question answered without the document "
            "(the DPO negative). Each pair keeps its document's split.",
        },
        manifest={"documents": documents.version, "prompts": prompts_fingerprint(), "skipped": skipped},
    )
    return StageResult(QA, version, str(path), {"qa_pairs": len(pairs), "skipped": len(skipped)}, skipped=skipped)
