"""GRPO (TRL's GRPOTrainer; TRL 1.16 has no PPO trainer, so this is the PPO-family step): the model
samples a group of completions per coding prompt and learns from their rewards relative to each
other. The rewards (rewards.py) are BlackBox's: compiles with the real compiler, passes the task's
tests in the interpreter, invents no API name, shows no Delphi habit, stays within the budget.
Each reward is logged on its own (`rewards/<name>/mean`) and drawn in the stage's curves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bbcopilot.config import REWARDS, ModelSettings, TrainSettings
from bbcopilot.errors import InputError
from bbcopilot.llm import conversation
from bbcopilot.report import StageResult
from bbcopilot.train.coding import judge_of
from bbcopilot.train.curves import reward_keys
from bbcopilot.train.rewards import Rewards
from bbcopilot.train.sft import in_memory
from bbcopilot.train.stage import common_args, load, lora, train_stage
from bbcopilot.workspace import Workspace

GRPO = "models/grpo"


def grpo_examples(rows: dict[str, list]) -> dict[str, list]:
    """Coding prompts as GRPO's conversational prompts; `task_id` travels to the rewards."""
    return {"prompt": [conversation(turns) for turns in rows["prompt"]], "task_id": rows["task_id"]}


def grpo_trainer(prompts: StageResult, model_path: str, settings: TrainSettings, model: ModelSettings, output_dir: Path):
    from datasets import load_from_disk
    from trl import GRPOConfig, GRPOTrainer

    examples = in_memory(load_from_disk(prompts.path)["train"], grpo_examples)
    if not len(examples):
        raise InputError(prompts.path, "no coding prompts in the train split")
    build, index = judge_of(prompts)
    # The penalty starts at three quarters of the completion budget: an answer that runs into the cut is
    # penalised before it is cut.
    functions = Rewards(build, index, length_budget=max(1, settings.grpo_max_completion_length * 3 // 4)).functions()
    network, tokenizer = load(model_path, settings, model)
    config = GRPOConfig(
        **common_args(settings, model, output_dir)
        # One prompt's group per device batch: a batch must hold whole groups.
        | {"per_device_train_batch_size": settings.grpo_generations},
        learning_rate=settings.grpo_learning_rate,
        max_steps=settings.grpo_steps,
        num_generations=settings.grpo_generations,
        max_completion_length=settings.grpo_max_completion_length,
        temperature=settings.grpo_temperature,
        beta=settings.grpo_beta,
        reward_weights=[settings.reward_weights.get(f.__name__, 0.0) for f in functions],
        log_completions=False,
    )
    return GRPOTrainer(
        model=network, reward_funcs=functions, args=config, train_dataset=examples, processing_class=tokenizer,
        peft_config=lora(settings),
    )


def train_with_grpo(
    workspace: Workspace, prompts: StageResult, model_path: str, settings: TrainSettings, model: ModelSettings
) -> StageResult:
    def grpo_figures(trainer) -> dict[str, Any]:
        history = trainer.state.log_history
        figures: dict[str, Any] = {"prompts": len(trainer.train_dataset)}
        for key in reward_keys(history):
            values = [entry[key] for entry in history if entry.get(key) is not None]  # None: no completion it applies to
            name = key.split("/")[1]
            if values and name in REWARDS:
                figures[f"reward_{name}"] = round(values[-1], 3)
        return figures

    return train_stage(
        workspace, GRPO, train_with_grpo, ("coding_prompts", prompts), model_path, settings, model, grpo_trainer,
        grpo_figures,
    )
