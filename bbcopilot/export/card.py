"""The export's model card: `README.md` in the Hugging Face Hub's format.

A YAML header (base model, datasets and their versions, licence, languages, tags) read by
`huggingface_hub.ModelCard`, then what the model is for and is not, the evaluation base vs
tuned, the sampling settings and the rule that chose them, the files (GGUF sizes and their
verification) and how it was made: every stage of the lineage with its version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bbcopilot.report import StageResult
from bbcopilot.tiny_model import TINY

MODEL_NAME = "bbcopilot"
# The project's licence: that of a model built here from nothing but our code and the corpus.
PROJECT_LICENCE = "bsd-2-clause"
TAGS = ["component-pascal", "blackbox-component-builder", "oberon", "code", "gguf", "ollama", "text-generation"]


def base_model_of(lineage: list[StageResult], settings: dict[str, Any]) -> str:
    """The base model as the Hub names it, or the tiny model's stage and version when it was built here."""
    tiny = [r for r in lineage if r.stage == TINY]
    return f"{TINY}/{tiny[-1].version}" if tiny else settings["model"]["base_model"]


def base_licence(lineage: list[StageResult], settings: dict[str, Any]) -> str | None:
    """The base model's licence from its card (the local hub cache, offline); the project's for a model
    built here; None when its card is not at hand."""
    from huggingface_hub import ModelCard, try_to_load_from_cache

    if any(r.stage == TINY for r in lineage):
        return PROJECT_LICENCE
    base, revision = settings["model"]["base_model"], settings["model"].get("revision")
    card = Path(base) / "README.md" if Path(base).is_dir() else try_to_load_from_cache(base, "README.md", revision=revision)
    if not isinstance(card, (str, Path)) or not Path(card).is_file():
        return None
    return ModelCard.load(Path(card)).data.license


def datasets_of(lineage: list[StageResult]) -> list[tuple[str, str, Path]]:
    """(name, version, folder) of every dataset in the lineage, in its order."""
    return [(r.stage.removeprefix("datasets/"), r.version, Path(r.path)) for r in lineage if r.stage.startswith("datasets/")]


def card_data(lineage: list[StageResult], settings: dict[str, Any]):
    from huggingface_hub import DatasetCard, ModelCardData

    datasets = datasets_of(lineage)
    languages: set[str] = set()
    for _, _, folder in datasets:
        if (folder / "README.md").is_file():
            language = DatasetCard.load(folder / "README.md").data.language or []
            languages.update([language] if isinstance(language, str) else language)
    licence = base_licence(lineage, settings)
    extra = {"license_name": "same-as-base-model"} if licence is None else {}
    return ModelCardData(
        model_name=MODEL_NAME,
        base_model=base_model_of(lineage, settings),
        datasets=[f"{MODEL_NAME}/{name}" for name, _, _ in datasets],
        dataset_versions={f"{MODEL_NAME}/{name}": version for name, version, _ in datasets},
        license=licence or "other",
        language=sorted(languages) or None,
        library_name="transformers",
        pipeline_tag="text-generation",
        tags=TAGS,
        **extra,
    )


def _show(value: Any) -> str:
    return "-" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def evaluation_section(results: dict[str, Any] | None, version: str | None) -> list[str]:
    """Base vs tuned: held-out bits per byte, then each generation figure at each temperature."""
    from bbcopilot.evaluate import figure_rows

    if results is None:
        return ["No evaluation in this model's lineage: nothing measured."]
    temperatures = results["temperatures"]
    bpb = results["bits_per_byte"]
    by_metric: dict[str, dict[Any, dict[str, Any]]] = {}
    for row in figure_rows(results):
        if row["metric"] != "bits_per_byte":  # per subsystem: in the report
            by_metric.setdefault(row["metric"], {})[row["temperature"]] = row
    return [
        f"Evaluation `{version}`; code judged by {results['code_judge']['judged_by']}. Held-out bits per byte "
        f"(lower is better): base {_show(bpb['base'])} → tuned {_show(bpb['tuned'])}. Each cell below is base → "
        "tuned. The full report with the definitions: [evaluation/report.md](evaluation/report.md); every "
        "figure: `evaluation/metrics.json`.",
        "",
        "| metric | " + " | ".join(f"T {t}" for t in temperatures) + " |",
        "|---|" + "---|" * len(temperatures),
        *(f"| {metric} | " + " | ".join(f"{_show(rows[t]['base'])} → {_show(rows[t]['tuned'])}" for t in temperatures)
          + " |" for metric, rows in by_metric.items()),
    ]


def render_card(
    *, lineage: list[StageResult], model: StageResult, settings: dict[str, Any], sampling, results: dict[str, Any] | None,
    evaluation_version: str | None, files: dict[str, Any], llama_cpp: dict[str, Any], modelfile: str, system_prompt: str,
) -> str:
    from huggingface_hub import ModelCard

    from bbcopilot.export.gguf_file import TOLERANCE

    data = card_data(lineage, settings)
    revision = settings["model"].get("revision")
    lines = [
        f"# {MODEL_NAME}: a Component Pascal assistant for the BlackBox Component Builder",
        "",
        f"Model `{model.stage}/{model.version}`, tuned from `{data.base_model}`"
        + (f" (revision `{revision}`)" if revision else "") + ".",
        "",
        "## Intended use",
        "",
        "Answering questions about Component Pascal and the BlackBox Component Builder (its modules, "
        "their documentation, the community's questions) and writing BlackBox modules, run locally on a "
        "school computer: with transformers from this folder, with llama.cpp or Ollama from the GGUF files. "
        "It is always asked with its system prompt:",
        "",
        *(f"> {line}" for line in system_prompt.strip().splitlines()),
        "",
        "## Limits",
        "",
        "- A small model: it invents names. Compile what it writes with BlackBox before trusting it "
        "(`bbcopilot compile FILE`); the evaluation below counts how often its code compiles.",
        "- It knows the BlackBox distribution and the forum and Telegram dialogs it was trained on, "
        "not other Oberon dialects or later BlackBox releases.",
        "- The training data's licences: BlackBox's sources and documentation are BSD-2-Clause; the "
        "community's posts keep their authors' rights (`other` in the datasets' cards).",
        "- Nothing it writes is run outside BlackBox's sandbox by this project's tools.",
        "",
        "## Evaluation: base vs tuned",
        "",
        *evaluation_section(results, evaluation_version),
        "",
        "## Sampling (`generation_config.json`, the Modelfile, the GGUF's defaults)",
        "",
        f"temperature {sampling.temperature}, top_p {sampling.top_p}, top_k {sampling.top_k}, repetition "
        f"penalty {sampling.repetition_penalty}, up to {sampling.max_new_tokens} new tokens: {sampling.reason}.",
    ]
    if sampling.by_temperature:
        lines += ["", "| T | quality | stability |", "|---|---|---|"]
        lines += [f"| {r['temperature']} | {r['quality']:.4f} | {r['stability']:.4f} |" for r in sampling.by_temperature]
    lines += [
        "",
        "## Files",
        "",
        "- the weights in safetensors (only), `config.json`, the tokenizer with the one chat template "
        "(`chat_template.jinja`), `generation_config.json`.",
        "- GGUF, written with the `gguf` package and loaded back by transformers; the largest logit difference "
        "to this folder's model on the check prompts, as a share of the largest logit (tolerance "
        + ", ".join(f"{q} {t:.1%}" for q, t in TOLERANCE.items()) + "):",
        "",
        "| file | MiB | max logit difference | relative | positions with the same argmax |",
        "|---|---|---|---|---|",
        *(f"| `{f['file']}` | {f['megabytes']} | {f['max_logit_difference']:.3g} | {f['relative_difference']:.3%} "
          f"| {f['argmax_agreement']:.1%} |" for f in files.values()),
        "",
        f"- llama.cpp check: {llama_cpp['state']}"
        + (f"; greedy tokens equal to transformers' on the safetensors model (before the first difference): "
           + ", ".join(f"{q} {n}" for q, n in llama_cpp["greedy_tokens_equal"].items())
           if llama_cpp["state"] == "ran" else "") + ".",
        f"- `{modelfile}`: Ollama's recipe (FROM the Q8_0 GGUF, the chat template as a Go template, these sampling "
        "settings, the stop tokens, the system prompt).",
        "- `lineage.json`: what made the model, with every setting (secrets masked).",
        "",
        "## Running the model locally",
        "",
        "```",
        f"ollama create {MODEL_NAME} -f {modelfile} && ollama run {MODEL_NAME}",
        f"llama-server -m {files['Q8_0']['file']} --jinja --port 8080   # OpenAI-compatible, the GGUF's chat template",
        "```",
        "",
        "## How it was made",
        "",
        "| stage | version |",
        "|---|---|",
        *(f"| {r.stage} | `{r.version}` |" for r in lineage),
        "",
        "Datasets: " + ", ".join(f"`{name}` `{version}`" for name, version, _ in datasets_of(lineage)) + ".",
    ]
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(lines) + "\n").content
