"""Training: LoRA continued pretraining on chunks, QA SFT, then DPO, each saved merged.

Lessons of the original run are built in: chunks overfit fast, so the chunk
stage has LoRA dropout, a low learning rate, evaluation on the validation split
and early stopping with the best checkpoint kept (the test split is never seen
here). Each stage merges its adapter and saves a full model, so the next stage
and the evaluation load it exactly as they would load a hub model.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bbcopilot.config import ModelSettings, TrainSettings
from bbcopilot.errors import InputError
from bbcopilot.llm import Messages, conversation
from bbcopilot.qa.stage import prompt_and_answer
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace, atomic_dir, atomic_write_json, code_version, content_hash, model_fingerprint

SFT_CHUNKS, SFT_QA, DPO = "models/sft-chunks", "models/sft-qa", "models/dpo"


# Each stage's code version starts from its own function (named, so that this function, which
# every stage calls, does not make each stage depend on the others' code): the system prompt
# counts for QA SFT and DPO, which use it, and not for training on chunks.
STAGE_FUNCTIONS = {SFT_CHUNKS: "train_on_chunks", SFT_QA: "train_on_qa", DPO: "align_with_dpo"}


def training_version(stage: str, data_version: str, model_path: str, settings: TrainSettings, model: ModelSettings) -> str:
    return content_hash(
        stage, data_version, model_fingerprint(model_path, model.revision), settings.model_dump(), model.device, model.dtype,
        code_version(getattr(sys.modules[__name__], STAGE_FUNCTIONS[stage])),
    )


def _use_cpu(model: ModelSettings) -> bool:
    import torch

    return model.device == "cpu" or (model.device == "auto" and not torch.cuda.is_available())


def _load(model_path: str, model: ModelSettings):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path, revision=model.revision)
    dtype = "auto" if model.dtype == "auto" else getattr(__import__("torch"), model.dtype)
    return AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype, revision=model.revision), tokenizer


def _lora(settings: TrainSettings):
    from peft import LoraConfig

    return LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )


def _common_args(settings: TrainSettings, model: ModelSettings, output_dir: Path) -> dict[str, Any]:
    return {
        "output_dir": str(output_dir),
        "per_device_train_batch_size": settings.batch_size,
        "per_device_eval_batch_size": settings.batch_size,
        "gradient_accumulation_steps": settings.gradient_accumulation,
        "logging_steps": max(1, settings.eval_steps // 2),
        "report_to": "none",
        "use_cpu": _use_cpu(model),
        "seed": settings.seed,
        "save_total_limit": 2,
    }


def _early_stopping_args(settings: TrainSettings) -> dict[str, Any]:
    return {
        "eval_strategy": "steps",
        "eval_steps": settings.eval_steps,
        "save_strategy": "steps",
        "save_steps": settings.eval_steps,
        "load_best_model_at_end": True,
        "metric_for_best_model": "eval_loss",
        "greater_is_better": False,
    }


def _checkpoints(workspace: Workspace, stage: str, version: str) -> Path:
    """The trainer's scratch folder (checkpoints for early stopping); gone once the model is saved."""
    return workspace.root / "tmp" / stage / version


def _save_merged(trainer, workspace: Workspace, stage: str, version: str, lineage: dict[str, Any]) -> Path:
    """Merge the LoRA adapter into the weights, save model, tokenizer and lineage atomically, move LATEST."""
    merged = trainer.model.merge_and_unload()
    final = workspace.version_dir(stage, version)
    with atomic_dir(final) as building:
        merged.save_pretrained(building)
        trainer.processing_class.save_pretrained(building)
        atomic_write_json(building / "lineage.json", lineage)
    workspace.set_latest(stage, version)
    shutil.rmtree(_checkpoints(workspace, stage, version), ignore_errors=True)
    return final


def _limit(dataset, rows: int):
    return dataset.select(range(min(rows, len(dataset)))) if rows else dataset


def _figures(trainer, train_output) -> dict[str, Any]:
    evals = [entry["eval_loss"] for entry in trainer.state.log_history if "eval_loss" in entry]
    figures = {"steps": trainer.state.global_step, "train_loss": round(train_output.training_loss, 4)}
    if evals:
        figures |= {"best_eval_loss": round(min(evals), 4), "evaluations": len(evals)}
    return figures


def _validation_losses(trainer) -> list[dict[str, float]]:
    """Each evaluation's step and validation loss, unrounded: the lineage shows what early stopping saw."""
    return [{"step": e["step"], "eval_loss": e["eval_loss"]} for e in trainer.state.log_history if "eval_loss" in e]


def _train_stage(
    workspace: Workspace,
    stage: str,
    data: tuple[str, StageResult],
    model_path: str,
    settings: TrainSettings,
    model: ModelSettings,
    make_trainer: Callable[..., Any],
    stage_figures: Callable[[Any], dict[str, Any]],
) -> StageResult:
    """Build a stage's trainer on its (name, dataset), train, and save the merged model with its lineage."""
    name, dataset = data
    version = training_version(stage, dataset.version, model_path, settings, model)
    trainer = make_trainer(dataset, model_path, settings, model, _checkpoints(workspace, stage, version))
    output = trainer.train()
    figures = _figures(trainer, output) | stage_figures(trainer)
    lineage = {
        "base_model": model_path, name: dataset.version, "figures": figures, "validation_losses": _validation_losses(trainer),
    }
    final = _save_merged(trainer, workspace, stage, version, lineage)
    return StageResult(stage, version, str(final), figures)


def _as_chat(split, rows_to_examples: Callable[[dict[str, list]], dict[str, list]]):
    """A QA split mapped in batches to training examples, never pulled into Python lists whole.

    Kept in memory and never read from a cache file: the examples hold the system
    prompt, read from a file that the map's fingerprint cannot see, and the QA
    dataset's folder is a finished artefact that nothing writes into.
    """
    return split.map(
        rows_to_examples, batched=True, remove_columns=split.column_names, keep_in_memory=True, load_from_cache_file=False
    )


def _sft_trainer(model_path: str, train, validation, output_dir: Path, settings: TrainSettings, model: ModelSettings, **config):
    """A LoRA SFT trainer with early stopping on `validation` (when it has rows)."""
    from transformers import EarlyStoppingCallback
    from trl import SFTConfig, SFTTrainer

    network, tokenizer = _load(model_path, model)
    early = bool(len(validation))
    trainer = SFTTrainer(
        model=network,
        args=SFTConfig(
            **_common_args(settings, model, output_dir),
            **(_early_stopping_args(settings) if early else {}),
            max_length=settings.max_length,
            **config,
        ),
        train_dataset=train,
        eval_dataset=validation if early else None,
        processing_class=tokenizer,
        peft_config=_lora(settings),
        callbacks=[EarlyStoppingCallback(early_stopping_patience=settings.early_stopping_patience)] if early else [],
    )
    if not len(trainer.train_dataset):
        # TRL drops examples it cannot fit; torch's own message for that ("num_samples=0") names nothing.
        raise InputError(str(output_dir), f"no training example fits train.max_length={settings.max_length}")
    return trainer


# Each stage is a trainer built from its dataset (what it trains and validates on: the
# train split, the validation split for early stopping, never the test split), then
# trained and saved merged. Tests inspect the trainers to prove which rows reach them.


# ---------------------------------------------------------------- continued pretraining on chunks


def chunks_trainer(chunks: StageResult, base_model: str, settings: TrainSettings, model: ModelSettings, output_dir: Path):
    from datasets import load_from_disk

    # In memory: TRL's tokenising maps would otherwise write their cache files into the
    # dataset's version folder, and a version, once made, is never changed.
    data = load_from_disk(chunks.path, keep_in_memory=True)
    if not len(data["train"]) or not len(data["validation"]):
        raise InputError(chunks.path, "chunk training needs train and validation rows")
    columns = ["input_ids"]
    train = data["train"].select_columns(columns)
    validation = _limit(data["validation"], settings.max_eval_rows).select_columns(columns)
    return _sft_trainer(
        base_model, train, validation, output_dir, settings, model,
        learning_rate=settings.sft_learning_rate,
        num_train_epochs=settings.sft_epochs,
        max_steps=settings.sft_max_steps,
        packing=False,  # chunks are already windows of the right length
    )


def train_on_chunks(
    workspace: Workspace, chunks: StageResult, base_model: str, settings: TrainSettings, model: ModelSettings
) -> StageResult:
    return _train_stage(
        workspace, SFT_CHUNKS, ("chunks", chunks), base_model, settings, model, chunks_trainer,
        lambda trainer: {"stopped_early": trainer.state.global_step < trainer.state.max_steps},
    )


# ---------------------------------------------------------------- QA supervised fine-tuning


def _reply(content: str) -> Messages:
    """The side of an example that the model learns to say: one assistant message."""
    return [{"role": "assistant", "content": content}]


def qa_conversations(rows: dict[str, list]) -> dict[str, list]:
    """A batch of QA rows (generated pairs and dialogs) as prompt/completion pairs in chat form: the
    turns before the last answer as the assistant is asked, and that answer."""
    exchanges = [prompt_and_answer(messages) for messages in rows["messages"]]
    return {
        "prompt": [conversation(turns) for turns, _ in exchanges],
        "completion": [_reply(answer) for _, answer in exchanges],
    }


def qa_trainer(qa: StageResult, model_path: str, settings: TrainSettings, model: ModelSettings, output_dir: Path):
    from datasets import load_from_disk

    data = load_from_disk(qa.path)
    if not len(data["train"]):
        raise InputError(qa.path, "no QA pairs in the train split")
    train = _as_chat(data["train"], qa_conversations)
    validation = _as_chat(_limit(data["validation"], settings.max_eval_rows), qa_conversations)
    return _sft_trainer(
        model_path, train, validation, output_dir, settings, model,
        learning_rate=settings.qa_learning_rate,
        num_train_epochs=settings.qa_epochs,
        max_steps=settings.qa_max_steps,
        completion_only_loss=True,  # learn the answers, not the questions
    )


def train_on_qa(
    workspace: Workspace, qa: StageResult, model_path: str, settings: TrainSettings, model: ModelSettings
) -> StageResult:
    return _train_stage(
        workspace, SFT_QA, ("qa", qa), model_path, settings, model, qa_trainer,
        lambda trainer: {"qa_pairs": len(trainer.train_dataset)},
    )


# ---------------------------------------------------------------- preference alignment


def preference_pairs(rows: dict[str, list]) -> dict[str, list]:
    """A batch of QA rows as preference pairs: the grounded answer preferred over the same question
    answered without the document. Rows without a rejected answer make no pair."""
    kept = [i for i, rejected in enumerate(rows["rejected"]) if rejected]
    exchanges = {i: prompt_and_answer(rows["messages"][i]) for i in kept}
    return {
        "prompt": [conversation(exchanges[i][0]) for i in kept],
        "chosen": [_reply(exchanges[i][1]) for i in kept],
        "rejected": [_reply(rows["rejected"][i]) for i in kept],
    }


def dpo_trainer(qa: StageResult, model_path: str, settings: TrainSettings, model: ModelSettings, output_dir: Path):
    from datasets import load_from_disk
    from trl import DPOConfig, DPOTrainer

    pairs = _as_chat(load_from_disk(qa.path)["train"], preference_pairs)
    if not len(pairs):
        raise InputError(qa.path, "no preference pairs (every rejected answer is empty)")
    network, tokenizer = _load(model_path, model)
    config = DPOConfig(
        **_common_args(settings, model, output_dir),
        learning_rate=settings.dpo_learning_rate,
        max_steps=settings.dpo_steps,
        beta=settings.dpo_beta,
        max_length=settings.max_length,
        save_strategy="no",
    )
    # ref_model=None: with LoRA, the adapter-disabled model is the reference.
    return DPOTrainer(
        model=network, ref_model=None, args=config, train_dataset=pairs, processing_class=tokenizer,
        peft_config=_lora(settings),
    )


def align_with_dpo(
    workspace: Workspace, qa: StageResult, model_path: str, settings: TrainSettings, model: ModelSettings
) -> StageResult:
    def dpo_figures(trainer) -> dict[str, Any]:
        rewards = [e["rewards/accuracies"] for e in trainer.state.log_history if "rewards/accuracies" in e]
        return {"pairs": len(trainer.train_dataset)} | ({"reward_accuracy": round(rewards[-1], 3)} if rewards else {})

    return _train_stage(workspace, DPO, ("qa", qa), model_path, settings, model, dpo_trainer, dpo_figures)
