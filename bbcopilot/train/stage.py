"""What every training stage shares: its version, the model it loads, LoRA, checkpoints and resume,
the curves, and the merged model it saves.

A stage builds a trainer on its dataset, trains it (resuming from its last checkpoint when a
killed run left one), then merges the LoRA adapter and saves a full model, so the next stage and
the evaluation load it exactly as they would load a hub model. Each saved model folder holds
`lineage.json` (what made it), `curves.png` (its losses, or rewards, with the early-stopping
point marked) and `tensorboard/` (the trainer's own logs).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bbcopilot.config import ModelSettings, TrainSettings
from bbcopilot.errors import ConfigError
from bbcopilot.lineage import model_lineage, section_settings
from bbcopilot.llm import load_tokenizer
from bbcopilot.progress import follow_training
from bbcopilot.report import StageResult
from bbcopilot.train.curves import plot_curves
from bbcopilot.workspace import Workspace, atomic_dir, atomic_write_json, code_version, content_hash, model_fingerprint

CURVES = "curves.png"
TENSORBOARD = "tensorboard"


def training_version(
    stage: str, function: Callable[..., Any], data_version: str, model_path: str, settings: TrainSettings,
    model: ModelSettings,
) -> str:
    """A stage's version: its data, the model it starts from, the settings, and the code of its own
    function (`function`, e.g. sft.train_on_qa), so that changing one stage reruns that stage and those after it."""
    # Which stages run and where the logs go do not change what a stage makes; how many processes
    # train it does (the global batch is theirs together), the launcher's other settings do not.
    shaping = settings.model_dump(exclude={"stages", "accelerate_config", "report_to"})
    return content_hash(
        stage, data_version, model_fingerprint(model_path, model.revision), shaping, model.device, model.dtype,
        world_size(settings), code_version(function),
    )


def world_size(settings: TrainSettings) -> int:
    """The processes that train a stage together: 1 in this process, else the accelerate config's."""
    if not settings.accelerate_config:
        return 1
    from bbcopilot.train.launch import launch_config

    config = launch_config(settings.accelerate_config)
    return int(config.get("num_processes") or 1) * int(config.get("num_machines") or 1)


def use_cpu(model: ModelSettings) -> bool:
    import torch

    return model.device == "cpu" or (model.device == "auto" and not torch.cuda.is_available())


def load(model_path: str, settings: TrainSettings, model: ModelSettings):
    """The model (4-bit under QLoRA) and its tokenizer with the one chat template."""
    import torch
    from transformers import AutoModelForCausalLM

    tokenizer = load_tokenizer(model_path, model.revision)
    dtype = "auto" if model.dtype == "auto" else getattr(torch, model.dtype)
    quantised = {}
    if settings.qlora:
        if use_cpu(model):
            raise ConfigError("train.qlora: 4-bit loading needs a CUDA GPU (bitsandbytes); set model.device=cuda")
        from transformers import BitsAndBytesConfig

        compute = torch.bfloat16 if model.dtype in ("auto", "bfloat16") else getattr(torch, model.dtype)
        from accelerate import PartialState

        quantised = {
            "quantization_config": BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=compute,
            ),
            # A 4-bit model cannot be moved after loading: each process loads onto its own GPU.
            "device_map": {"": PartialState().local_process_index},
        }
    network = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype, revision=model.revision, **quantised)
    return network, tokenizer


def lora(settings: TrainSettings):
    from peft import LoraConfig

    return LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )


def common_args(settings: TrainSettings, model: ModelSettings, output_dir: Path) -> dict[str, Any]:
    """The trainer arguments every stage shares; checkpoints every `eval_steps`, so a killed run resumes."""
    return {
        "output_dir": str(output_dir),
        "per_device_train_batch_size": settings.batch_size,
        "per_device_eval_batch_size": settings.batch_size,
        "gradient_accumulation_steps": settings.gradient_accumulation,
        "activation_checkpointing": settings.gradient_checkpointing,
        "logging_steps": max(1, settings.eval_steps // 2),
        "report_to": settings.report_to or "none",
        "use_cpu": use_cpu(model),
        "bf16": model.dtype == "bfloat16" and not use_cpu(model),
        "seed": settings.seed,
        "save_strategy": "steps",
        "save_steps": settings.eval_steps,
        "save_total_limit": 2,
        "disable_tqdm": True,  # the stage's figures say where it stands; the bars only fill the console
    }


def early_stopping_args(settings: TrainSettings) -> dict[str, Any]:
    return {
        "eval_strategy": "steps",
        "eval_steps": settings.eval_steps,
        "load_best_model_at_end": True,
        "metric_for_best_model": "eval_loss",
        "greater_is_better": False,
        # A resumed run counts its patience on from where the killed one was.
        "restore_callback_states_from_checkpoint": True,
    }


def checkpoints(workspace: Workspace, stage: str, version: str) -> Path:
    """The trainer's scratch folder (checkpoints, TensorBoard logs); one per version, so a rerun of a
    killed stage finds it, and gone once the model is saved."""
    return workspace.root / "tmp" / stage / version


def last_checkpoint(folder: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(folder)) if folder.is_dir() else None


def limit(dataset, rows: int):
    return dataset.select(range(min(rows, len(dataset)))) if rows else dataset


def figures_of(trainer, train_output) -> dict[str, Any]:
    evals = [entry["eval_loss"] for entry in trainer.state.log_history if "eval_loss" in entry]
    figures = {"steps": trainer.state.global_step, "train_loss": round(train_output.training_loss, 4)}
    if evals:
        figures |= {"best_eval_loss": round(min(evals), 4), "evaluations": len(evals)}
    return figures


def validation_losses(trainer) -> list[dict[str, float]]:
    """Each evaluation's step and validation loss, unrounded: the lineage shows what early stopping saw."""
    return [{"step": e["step"], "eval_loss": e["eval_loss"]} for e in trainer.state.log_history if "eval_loss" in e]


def best_step(trainer) -> int | None:
    """The step of the checkpoint early stopping kept (None: no evaluation, the last step is the model)."""
    best = trainer.state.best_model_checkpoint
    return checkpoint_step(best) if best else None


def checkpoint_step(folder: str) -> int:
    """The step a trainer's checkpoint folder (`checkpoint-<step>`) was saved at."""
    return int(Path(folder).name.rsplit("-", 1)[-1])


def save_merged(trainer, workspace: Workspace, stage: str, version: str, lineage: dict[str, Any]) -> Path:
    """Merge the LoRA adapter into the weights; save model, tokenizer (with the chat template), lineage,
    curves and TensorBoard logs atomically; move LATEST. Under a launcher only the main process writes."""
    final = workspace.version_dir(stage, version)
    scratch = checkpoints(workspace, stage, version)
    trainer.accelerator.wait_for_everyone()
    if trainer.is_world_process_zero():
        merged = trainer.accelerator.unwrap_model(trainer.model).merge_and_unload()
        with atomic_dir(final) as building:
            merged.save_pretrained(building)
            trainer.processing_class.save_pretrained(building)
            atomic_write_json(building / "lineage.json", lineage)
            plot_curves(trainer.state.log_history, lineage["figures"].get("best_step"), building / CURVES, stage)
            logs = scratch / "runs"
            if logs.is_dir():
                shutil.copytree(logs, building / TENSORBOARD)
        workspace.set_latest(stage, version)
        shutil.rmtree(scratch, ignore_errors=True)
    trainer.accelerator.wait_for_everyone()
    return final


def train_stage(
    workspace: Workspace,
    stage: str,
    function: Callable[..., Any],
    data: tuple[str, StageResult],
    model_path: str,
    settings: TrainSettings,
    model: ModelSettings,
    make_trainer: Callable[..., Any],
    stage_figures: Callable[[Any], dict[str, Any]],
) -> StageResult:
    """Build a stage's trainer on its (name, dataset), train (on from the last checkpoint a killed run
    left), and save the merged model with its lineage and curves."""
    name, dataset = data
    version = training_version(stage, function, dataset.version, model_path, settings, model)
    scratch = checkpoints(workspace, stage, version)
    trainer = make_trainer(dataset, model_path, settings, model, scratch)
    follow_training(trainer)  # steps to the progress reporter, not the trainer's dicts to the console
    resumed = last_checkpoint(scratch)
    output = trainer.train(resume_from_checkpoint=resumed)
    figures = figures_of(trainer, output) | stage_figures(trainer)
    if best_step(trainer) is not None:
        figures["best_step"] = best_step(trainer)
    if resumed:
        figures["resumed_from_step"] = checkpoint_step(resumed)
    # What made it, from the source files on (bbcopilot.lineage).
    lineage = {
        "base_model": model_path, name: dataset.version, "figures": figures, "validation_losses": validation_losses(trainer),
    } | model_lineage(workspace, stage, version, dataset, model_path, model.revision, code_version(function),
                      section_settings(train=settings, model=model))
    final = save_merged(trainer, workspace, stage, version, lineage)
    return StageResult(stage, version, str(final), figures)
