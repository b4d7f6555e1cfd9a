"""Evaluation: is the tuned model better than its base on text it never saw?

The measure is bits per byte of the held-out (test split) documents: the
model's negative log-likelihood in bits divided by the UTF-8 bytes scored. It
compares models with different tokenizers fairly and reads the same for a tiny
model and a 7B one. Scored per subsystem too, base and tuned side by side.
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from typing import Any

from bbcopilot.config import EvalSettings
from bbcopilot.qa import model_fingerprint
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, atomic_dir, atomic_write_json, atomic_write_text, code_version, content_hash

EVALUATIONS = "evaluations"


def bits_per_byte(model_path: str, texts: list[str], max_length: int) -> list[tuple[float, int]]:
    """(bits, bytes) per text: every token after the first of each window is scored."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype="auto")
    model.to("cuda" if torch.cuda.is_available() else "cpu").eval()
    scores = []
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        bits = 0.0
        for start in range(0, max(len(ids) - 1, 0), max_length - 1):
            window = torch.tensor([ids[start : start + max_length]], device=model.device)
            if window.shape[1] < 2:
                break
            with torch.no_grad():
                loss = model(window, labels=window).loss.item()  # mean NLL over window-1 predictions
            bits += loss * (window.shape[1] - 1) / math.log(2)
        # The first token of the text is never predicted: leave its bytes out too.
        scored = len(text.encode("utf-8")) - len(tokenizer.decode(ids[:1]).encode("utf-8"))
        scores.append((bits, max(scored, 1)))
    return scores


def _ratio(pairs: list[tuple[float, int]]) -> float:
    return sum(b for b, _ in pairs) / max(sum(n for _, n in pairs), 1)


def evaluation_dir(workspace: Workspace, documents: StageResult, base_model: str, tuned_model: str, settings: EvalSettings):
    version = content_hash(
        documents.version, model_fingerprint(base_model), model_fingerprint(tuned_model), settings.model_dump(),
        code_version(sys.modules[__name__]),
    )
    return workspace.version_dir(EVALUATIONS, version)


def evaluate_models(
    workspace: Workspace, documents: StageResult, base_model: str, tuned_model: str, settings: EvalSettings
) -> StageResult:
    from datasets import load_from_disk

    final = evaluation_dir(workspace, documents, base_model, tuned_model, settings)
    test = load_from_disk(documents.path)["test"].to_list()
    if settings.max_texts:
        test = test[: settings.max_texts]
    if not test:
        raise ValueError(f"{documents.path}: the test split is empty; nothing to evaluate on")
    texts = [row["text"] for row in test]
    results: dict[str, Any] = {"test_documents": len(test), "models": {"base": base_model, "tuned": tuned_model}}
    per_subsystem: dict[str, dict[str, float]] = defaultdict(dict)
    for name, path in (("base", base_model), ("tuned", tuned_model)):
        scores = bits_per_byte(path, texts, settings.max_length)
        results[f"{name}_bits_per_byte"] = _ratio(scores)
        grouped: dict[str, list[tuple[float, int]]] = defaultdict(list)
        for row, score in zip(test, scores):
            grouped[row["subsystem"] or row["source"]].append(score)
        for subsystem, pairs in grouped.items():
            per_subsystem[subsystem][name] = _ratio(pairs)
    results["per_subsystem"] = per_subsystem
    results["difference"] = results["tuned_bits_per_byte"] - results["base_bits_per_byte"]
    markdown = render(results)
    with atomic_dir(final) as building:
        atomic_write_json(building / "metrics.json", results)
        atomic_write_text(building / "report.md", markdown)
    figures = {
        "base_bpb": round(results["base_bits_per_byte"], 4),
        "tuned_bpb": round(results["tuned_bits_per_byte"], 4),
        "test_documents": len(test),
    }
    return StageResult(EVALUATIONS, final.name, str(final), figures)


def render(results: dict[str, Any]) -> str:
    lines = [
        f"Held-out bits per byte on {results['test_documents']} test documents (lower is better).",
        "",
        "| subset | base | tuned | difference |",
        "|---|---|---|---|",
        f"| all | {results['base_bits_per_byte']:.4f} | {results['tuned_bits_per_byte']:.4f} | {results['difference']:+.4f} |",
    ]
    for subsystem, pair in sorted(results["per_subsystem"].items()):
        lines.append(f"| {subsystem} | {pair['base']:.4f} | {pair['tuned']:.4f} | {pair['tuned'] - pair['base']:+.4f} |")
    return "\n".join(lines)
