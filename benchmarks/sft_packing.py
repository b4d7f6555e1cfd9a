"""Packed against naively padded SFT batches, on the chunks and the QA dataset, in one run.

    .venv/bin/python -m benchmarks.sft_packing [--workspace workspace] [--model PATH] [--steps 12]

Needs a workspace a run has filled (`make demo`): its latest chunks and QA datasets, and the tiny
model (or --model). For each dataset the same SFT trainer (`bbcopilot.train.sft.sft_trainer`, LoRA,
the stage's own examples) trains `--steps` steps twice, padding-free packed (best-fit, the stage's
default) and padded to the longest row of each batch, and prints the share of batch positions that
are padding and the real (non-padding) tokens trained per second (the trainer's own count and clock), and their ratio. Goals: packed
padding <= 2% of tokens, packed >= 1.5x the padded tokens/s.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bbcopilot.config import ModelSettings, load_settings
from bbcopilot.datasets_build import CHUNKS
from bbcopilot.qa.stage import QA
from bbcopilot.report import StageResult
from bbcopilot.tiny_model import TINY
from bbcopilot.train import sft
from bbcopilot.workspace import Workspace

CPU = ModelSettings(device="cpu", dtype="float32")


def latest(workspace: Workspace, stage: str) -> StageResult:
    version = workspace.latest(stage)
    if version is None:
        raise SystemExit(f"{workspace.root / stage}: no version; run `make demo` first")
    return StageResult(stage, version, str(workspace.version_dir(stage, version)))


def measure(make_trainer, data: StageResult, model: str, settings, steps: int) -> tuple[float, float]:
    """(padding share of batch positions over one epoch, real tokens trained per second over `steps` steps)."""
    with tempfile.TemporaryDirectory() as scratch:
        trainer = make_trainer(data, model, settings, CPU, Path(scratch))
        trainer.args.max_steps, trainer.args.logging_steps = steps, steps
        real = positions = 0
        for batch in trainer.get_train_dataloader():
            mask = batch.get("attention_mask")
            positions += batch["input_ids"].numel()
            real += int(mask.sum()) if mask is not None else batch["input_ids"].numel()
        output = trainer.train()
        # TRL counts the tokens it trained on: the attention mask's ones, or every position when packed.
        trained = max(entry["num_tokens"] for entry in trainer.state.log_history if "num_tokens" in entry)
    return 1 - real / positions, trained / output.metrics["train_runtime"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=None, help="A filled workspace (default: the demo's).")
    parser.add_argument("--model", help="Model to train (default: the workspace's tiny model).")
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()

    demo = load_settings("demo")
    workspace = Workspace(args.workspace or demo.workspace)
    model = args.model or latest(workspace, TINY).path
    base = demo.train.model_copy(update={"report_to": [], "max_eval_rows": 1, "eval_steps": 10_000})
    print(f"{'dataset':8} {'batches':8} {'padding':>8} {'tokens/s':>10}")
    for name, stage, make_trainer in (("chunks", CHUNKS, sft.chunks_trainer), ("qa", QA, sft.qa_trainer)):
        data = latest(workspace, stage)
        results = {}
        for packing in (False, True):
            settings = base.model_copy(update={"packing": packing})
            results[packing] = measure(make_trainer, data, model, settings, args.steps)
            padding, speed = results[packing]
            print(f"{name:8} {'packed' if packing else 'padded':8} {padding:8.1%} {speed:10.0f}")
        print(f"{name}: packed padding {results[True][0]:.1%} (goal <= 2%), "
              f"tokens/s {results[True][1] / results[False][1]:.2f}x the padded baseline (goal >= 1.5x)")


if __name__ == "__main__":
    main()
