"""The sampling settings the export ships: the evaluation's most stable temperature.

The evaluation measures every generation figure at each of `eval.temperatures`
(`metrics.json`, `generation[<T>][model]`). The rule, stated in the model card:

- quality(T) = the mean of the tuned model's headline figures at T, `HEADLINE` (the share of
  coding prompts BlackBox's compiler accepts and the token F1 on held-out QA), those measured;
- stability(T) = the lowest quality over T and the evaluated temperatures next to it: what a
  user gets if sampling drifts one step, so a lone peak between two poor neighbours loses to a
  plateau;
- the chosen temperature has the highest stability; a tie goes to the lower temperature.

Everything else is what the evaluation sampled with: the model's own generation config, with
transformers' defaults for what it leaves unset, written out explicitly so that llama.cpp and
Ollama, whose defaults differ, sample the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bbcopilot.evaluate import EVALUATIONS
from bbcopilot.report import StageResult

HEADLINE = ("compile_rate", "qa_held_out_token_f1")
RULE = (
    "quality(T) = mean of the tuned model's " + " and ".join(f"`{m}`" for m in HEADLINE) + " at temperature T; "
    "stability(T) = the lowest quality over T and its neighbouring evaluated temperatures; the chosen "
    "temperature has the highest stability (a tie goes to the lower temperature)"
)
# ChatML's end of a turn and Qwen's end of a text: generation stops at either.
END_TOKENS = ("<|im_end|>", "<|endoftext|>")


@dataclass
class Sampling:
    temperature: float
    top_p: float
    top_k: int
    repetition_penalty: float
    max_new_tokens: int
    reason: str
    by_temperature: list[dict[str, Any]] = field(default_factory=list)

    def parameters(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "top_p": self.top_p, "top_k": self.top_k,
                "repetition_penalty": self.repetition_penalty}


def evaluation_metrics(lineage: list[StageResult]) -> tuple[StageResult, dict[str, Any]] | None:
    """The last evaluation in the lineage and its metrics.json; None when there is none."""
    evaluations = [r for r in lineage if r.stage == EVALUATIONS]
    if not evaluations:
        return None
    found = evaluations[-1]
    return found, json.loads((Path(found.path) / "metrics.json").read_text(encoding="utf-8"))


def most_stable_temperature(results: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
    """The temperature `RULE` chooses, with quality and stability at each evaluated temperature."""
    temperatures = sorted(results["temperatures"])
    quality = []
    for temperature in temperatures:
        tuned = results["generation"][str(float(temperature))]["tuned"]
        measured = [tuned[m] for m in HEADLINE if tuned.get(m) is not None]
        quality.append(sum(measured) / len(measured) if measured else 0.0)
    rows = [
        {"temperature": t, "quality": quality[i], "stability": min(quality[max(0, i - 1) : i + 2])}
        for i, t in enumerate(temperatures)
    ]
    best = max(rows, key=lambda row: (row["stability"], -row["temperature"]))
    return best["temperature"], rows


def own_generation_config(model_dir: Path):
    """The model's generation_config.json, or transformers' empty one when it has none."""
    from transformers import GenerationConfig

    return GenerationConfig.from_pretrained(model_dir) if (model_dir / "generation_config.json").is_file() else GenerationConfig()


def model_sampling(model_dir: Path) -> dict[str, Any]:
    """What generate() samples this model with: its generation config, transformers 5's defaults for
    what it leaves unset."""
    from transformers import GenerationConfig

    own = own_generation_config(model_dir)
    defaults = GenerationConfig._get_default_generation_params()
    return {name: getattr(own, name) if getattr(own, name) is not None else defaults[name]
            for name in ("temperature", "top_p", "top_k", "repetition_penalty")}


def choose_sampling(model_dir: Path, lineage: list[StageResult], settings: dict[str, Any]) -> Sampling:
    effective = model_sampling(model_dir)
    evaluation = evaluation_metrics(lineage)
    if evaluation is None:
        temperature, rows = min(settings["eval"]["temperatures"]), []
        reason = "no evaluation in the lineage: the lowest configured temperature"
    else:
        found, results = evaluation
        temperature, rows = most_stable_temperature(results)
        reason = f"the most stable temperature of evaluation {found.version} ({RULE})"
    return Sampling(temperature=float(temperature), top_p=float(effective["top_p"]), top_k=int(effective["top_k"]),
                    repetition_penalty=float(effective["repetition_penalty"]),
                    max_new_tokens=int(settings["eval"]["max_new_tokens"]), reason=reason, by_temperature=rows)


def end_token_ids(model_dir: Path, tokenizer) -> list[int]:
    """The ids generation stops at: the model's own eos ids and `END_TOKENS` present in the vocabulary."""
    own = own_generation_config(model_dir).eos_token_id
    ids = [own] if isinstance(own, int) else list(own or [])
    vocabulary = tokenizer.get_vocab()
    ids += [tokenizer.eos_token_id] + [vocabulary[t] for t in END_TOKENS if t in vocabulary]
    return list(dict.fromkeys(i for i in ids if i is not None))


def write_generation_config(model_dir: Path, out: Path, sampling: Sampling, eos_ids: list[int], pad_id: int | None) -> None:
    config = own_generation_config(model_dir)
    config.update(do_sample=True, max_new_tokens=sampling.max_new_tokens, eos_token_id=eos_ids, pad_token_id=pad_id,
                  **sampling.parameters())
    config.save_pretrained(out)
