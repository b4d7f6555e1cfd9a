"""Supervised fine-tuning: continued pretraining on chunks, then the QA pairs and the community's
dialogs as conversations.

Lessons of the original run are built in: chunks overfit fast, so both stages have LoRA dropout,
a low learning rate, evaluation on the validation split and early stopping with the best
checkpoint kept (the test split is never seen here). Batches are packed without padding
(best-fit, position ids restarting at every sequence) when `train.packing` is on. Conversations
are trained on the assistant's turns only: every answer of a multi-turn forum thread is learnt,
no question is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bbcopilot.config import ModelSettings, TrainSettings
from bbcopilot.errors import InputError
from bbcopilot.llm import conversation
from bbcopilot.report import StageResult
from bbcopilot.train.stage import common_args, early_stopping_args, limit, load, lora, train_stage
from bbcopilot.workspace import Workspace

SFT_CHUNKS, SFT_QA = "models/sft-chunks", "models/sft-qa"


def in_memory(split, rows_to_examples):
    """A split mapped in batches to training examples, never pulled into Python lists whole.

    Kept in memory and never read from a cache file: the examples hold the system
    prompt, read from a file that the map's fingerprint cannot see, and a dataset's
    version folder is a finished artefact that nothing writes into.
    """
    return split.map(
        rows_to_examples, batched=True, remove_columns=split.column_names, keep_in_memory=True, load_from_cache_file=False
    )


def packing_args(settings: TrainSettings) -> dict[str, Any]:
    # Best-fit decreasing packing is TRL's padding-free mode: position ids restart per sequence, and
    # attention (flash or, on CPU, the block-diagonal mask transformers builds from them) stays within it.
    return {"packing": True, "packing_strategy": "bfd"} if settings.packing else {"packing": False}


def sft_trainer(model_path: str, train, validation, output_dir: Path, settings: TrainSettings, model: ModelSettings, **config):
    """A LoRA SFT trainer with early stopping on `validation` (when it has rows)."""
    from transformers import EarlyStoppingCallback
    from trl import SFTConfig, SFTTrainer

    network, tokenizer = load(model_path, settings, model)
    early = bool(len(validation))
    trainer = SFTTrainer(
        model=network,
        args=SFTConfig(
            **common_args(settings, model, output_dir),
            **(early_stopping_args(settings) if early else {}),
            **packing_args(settings),
            max_length=settings.max_length,
            **config,
        ),
        train_dataset=train,
        eval_dataset=validation if early else None,
        processing_class=tokenizer,
        peft_config=lora(settings),
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
    validation = limit(data["validation"], settings.max_eval_rows).select_columns(columns)
    return sft_trainer(
        base_model, train, validation, output_dir, settings, model,
        learning_rate=settings.sft_learning_rate,
        num_train_epochs=settings.sft_epochs,
        max_steps=settings.sft_max_steps,
    )


def train_on_chunks(
    workspace: Workspace, chunks: StageResult, base_model: str, settings: TrainSettings, model: ModelSettings
) -> StageResult:
    return train_stage(
        workspace, SFT_CHUNKS, train_on_chunks, ("chunks", chunks), base_model, settings, model, chunks_trainer,
        lambda trainer: {"stopped_early": trainer.state.global_step < trainer.state.max_steps},
    )


# ---------------------------------------------------------------- QA pairs and dialogs


def conversations(rows: dict[str, list]) -> dict[str, list]:
    """A batch of QA rows (generated pairs, forum and Telegram dialogs) as whole conversations,
    the system prompt first: every assistant turn is a target."""
    return {"messages": [conversation(messages) for messages in rows["messages"]]}


def qa_trainer(qa: StageResult, model_path: str, settings: TrainSettings, model: ModelSettings, output_dir: Path):
    from datasets import load_from_disk

    data = load_from_disk(qa.path)
    if not len(data["train"]):
        raise InputError(qa.path, "no QA pairs or dialogs in the train split")
    train = in_memory(data["train"], conversations)
    validation = in_memory(limit(data["validation"], settings.max_eval_rows), conversations)
    return sft_trainer(
        model_path, train, validation, output_dir, settings, model,
        learning_rate=settings.qa_learning_rate,
        num_train_epochs=settings.qa_epochs,
        max_steps=settings.qa_max_steps,
        assistant_only_loss=True,  # learn the answers, not the questions (the template's {% generation %})
    )


def train_on_qa(
    workspace: Workspace, qa: StageResult, model_path: str, settings: TrainSettings, model: ModelSettings
) -> StageResult:
    def qa_figures(trainer) -> dict[str, Any]:
        from datasets import load_from_disk

        origins = load_from_disk(qa.path)["train"]["origin"]
        pairs = sum(origin == "generated" for origin in origins)
        return {"qa_pairs": pairs, "dialogs": len(origins) - pairs, "sequences": len(trainer.train_dataset)}

    return train_stage(workspace, SFT_QA, train_on_qa, ("qa", qa), model_path, settings, model, qa_trainer, qa_figures)
