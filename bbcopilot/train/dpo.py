"""DPO on the `preferences` dataset (see preferences.py): the chosen answer over the rejected one,
each pair asked with the one conversation builder's system prompt."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from bbcopilot.config import ModelSettings, TrainSettings
from bbcopilot.errors import InputError
from bbcopilot.llm import Messages, conversation
from bbcopilot.report import StageResult
from bbcopilot.train.sft import in_memory
from bbcopilot.train.stage import common_args, load, lora, train_stage
from bbcopilot.workspace import Workspace

DPO = "models/dpo"


def reply(content: str) -> Messages:
    """The side of an example that the model learns to say (or not): one assistant message."""
    return [{"role": "assistant", "content": content}]


def preference_examples(rows: dict[str, list]) -> dict[str, list]:
    """A batch of preference rows as TRL's conversational preference examples."""
    return {
        "prompt": [conversation(turns) for turns in rows["prompt"]],
        "chosen": [reply(text) for text in rows["chosen"]],
        "rejected": [reply(text) for text in rows["rejected"]],
    }


def dpo_trainer(preferences: StageResult, model_path: str, settings: TrainSettings, model: ModelSettings, output_dir: Path):
    from datasets import load_from_disk
    from trl import DPOConfig, DPOTrainer

    pairs = in_memory(load_from_disk(preferences.path)["train"], preference_examples)
    if not len(pairs):
        raise InputError(preferences.path, "no preference pairs in the train split")
    network, tokenizer = load(model_path, settings, model)
    config = DPOConfig(
        **common_args(settings, model, output_dir),
        learning_rate=settings.dpo_learning_rate,
        max_steps=settings.dpo_steps,
        beta=settings.dpo_beta,
        max_length=settings.max_length,
    )
    # ref_model=None: with LoRA, the adapter-disabled model is the reference.
    return DPOTrainer(
        model=network, ref_model=None, args=config, train_dataset=pairs, processing_class=tokenizer,
        peft_config=lora(settings),
    )


def align_with_dpo(
    workspace: Workspace, preferences: StageResult, model_path: str, settings: TrainSettings, model: ModelSettings
) -> StageResult:
    def dpo_figures(trainer) -> dict[str, Any]:
        from datasets import load_from_disk

        origins = Counter(load_from_disk(preferences.path)["train"]["origin"])
        accuracies = [e["rewards/accuracies"] for e in trainer.state.log_history if "rewards/accuracies" in e]
        return ({"pairs": sum(origins.values())} | {f"pairs_{o}": n for o, n in sorted(origins.items())}
                | ({"reward_accuracy": round(accuracies[-1], 3)} if accuracies else {}))

    return train_stage(
        workspace, DPO, align_with_dpo, ("preferences", preferences), model_path, settings, model, dpo_trainer, dpo_figures,
    )
