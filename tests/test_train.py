"""The training stages on the tiny model: which rows reach each trainer, early stopping, resume, DPO's margin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bbcopilot.config import ModelSettings, TrainSettings
from bbcopilot.hfdata import save_version
from bbcopilot.llm import conversation
from bbcopilot.qa.stage import pair_row
from bbcopilot.report import StageResult
from bbcopilot.train import dpo, preferences, sft
from bbcopilot.workspace import Workspace

CPU = ModelSettings(device="cpu", dtype="float32")
CARD = {"languages": ["en"], "licences": {"blackbox": "bsd-2-clause"}, "summary": "rows made by hand for a test"}
MARKERS = {"train": "TRAINMARK", "validation": "VALIDMARK", "test": "TESTMARK"}  # one word per split, in every row
CODE = "MODULE ObxHello0;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\tBEGIN\n\t\tStdLog.String(\"Hello\"); StdLog.Ln\n\tEND Do;\nEND ObxHello0.\n"


def _saved(workspace: Workspace, stage: str, rows: list[dict]) -> StageResult:
    """Rows saved as the stage before would save them (`save_version`), as that stage's result."""
    path = save_version(workspace, stage, "v0", rows, card=CARD, manifest={})
    return StageResult(stage, "v0", str(path))


def _chunks(workspace: Workspace, tokenizer, windows: dict[str, list[list[int]]]) -> StageResult:
    """Chunk rows (token windows, as `chunks` saves them) per split."""
    rows = [
        {"id": f"{split}{i}", "split": split, "text": tokenizer.decode(ids), "input_ids": ids}
        for split, split_windows in windows.items() for i, ids in enumerate(split_windows)
    ]
    return _saved(workspace, "datasets/chunks", rows)


def _ids(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def _qa(workspace: Workspace, rows_per_split: dict[str, int]) -> StageResult:
    """QA pairs whose question, answer and rejected answer all carry their split's marker."""
    rows = [
        pair_row(f"{split}{i}", "api", f"What does TextModels.New{i} return? {MARKERS[split]}",
                 f"TextModels.New{i} returns a new text model. {MARKERS[split]}",
                 {"id": f"Text/Mod/Models{i}.odc", "module": "TextModels", "subsystem": "Text", "split": split},
                 rejected=f"It returns a Delphi TStringList. {MARKERS[split]}")
        for split, count in rows_per_split.items() for i in range(count)
    ]
    return _saved(workspace, "datasets/qa", rows)


def _texts(trainer, dataset) -> list[str]:
    """Every row of a trainer's dataset as text: all its token-id columns decoded and joined."""
    columns = [name for name in dataset.column_names if name.endswith("_ids")]  # input_ids, chosen_ids, ...
    assert columns, dataset.column_names
    return [" | ".join(trainer.processing_class.decode(row[c]) for c in columns) for row in dataset]


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def _splits_seen(texts: list[str]) -> set[str]:
    return {split for text in texts for split, marker in MARKERS.items() if marker in text}


# ---------------------------------------------------------------- which rows each stage trains on


def test_every_stage_trains_on_train_rows_validates_on_validation_rows_and_never_sees_test(tmp_path, tiny_model):
    from datasets import load_from_disk
    from transformers import AutoTokenizer

    workspace = Workspace(tmp_path / "ws")
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    chunks = _chunks(workspace, tokenizer, {split: [_ids(tokenizer, f"{marker} {CODE}")] * 3 for split, marker in MARKERS.items()})
    qa = _qa(workspace, {"train": 3, "validation": 2, "test": 2})
    settings = TrainSettings(max_length=512, batch_size=2)  # the system prompt alone is ~300 tiny-model tokens
    base = str(tiny_model)
    saved_files = {path: _files(Path(path)) for path in (chunks.path, qa.path)}

    settings = settings.model_copy(update={"packing": False})  # one row per example: rows can be counted
    trainers = {
        "chunks": sft.chunks_trainer(chunks, base, settings, CPU, tmp_path / "chunks"),
        "qa": sft.qa_trainer(qa, base, settings, CPU, tmp_path / "qa"),
    }
    for stage, trainer in trainers.items():
        trained = _texts(trainer, trainer.train_dataset)
        assert len(trained) == 3, stage  # every train row, and only those
        assert all(MARKERS["train"] in text for text in trained), stage
        assert _splits_seen(trained) == {"train"}, stage
        validated = _texts(trainer, trainer.eval_dataset)  # early stopping watches the validation split
        assert validated and _splits_seen(validated) == {"validation"}, stage
    # DPO's pairs: only the train split's QA rows give ungrounded pairs.
    saved = load_from_disk(qa.path)
    pairs = preferences.ungrounded_pairs([row for split in saved for row in saved[split].to_list()])
    assert len(pairs) == 3 and all(MARKERS["train"] in pair["rejected"] for pair in pairs)
    # A dataset version is immutable: the trainers' tokenising maps must not write cache files into it.
    assert {path: _files(Path(path)) for path in saved_files} == saved_files


# ---------------------------------------------------------------- early stopping


def _validation_loss(model_path: str, rows: list[list[int]]) -> float:
    """Mean next-token loss of a model on equal-length rows in one batch, as the trainer's evaluation takes it."""
    import torch
    from transformers import AutoModelForCausalLM

    network = AutoModelForCausalLM.from_pretrained(model_path).eval()
    ids = torch.tensor(rows)
    with torch.no_grad():
        return network(input_ids=ids, labels=ids).loss.item()


def test_chunk_training_stops_on_rising_validation_loss_and_keeps_the_best_checkpoint(tmp_path, tiny_model):
    from transformers import AutoTokenizer

    workspace = Workspace(tmp_path / "ws")
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    # Validate on the training window's tokens in reverse order: learning which tokens are common helps
    # there at first, learning which token follows which then hurts. Shorter than max_length: none is cut.
    code = _ids(tokenizer, CODE)
    assert len(code) < 64
    chunks = _chunks(workspace, tokenizer, {"train": [code] * 16, "validation": [code[::-1]] * 4, "test": [code]})
    settings = TrainSettings(
        max_length=64, batch_size=4, lora_r=8, lora_alpha=16, lora_dropout=0.0, sft_learning_rate=1e-2,
        sft_max_steps=40, eval_steps=2, early_stopping_patience=2,
    )
    result = sft.train_on_chunks(workspace, chunks, str(tiny_model), settings, CPU)

    lineage = json.loads((Path(result.path) / "lineage.json").read_text())
    losses = [e["eval_loss"] for e in lineage["validation_losses"]]
    assert result.figures["stopped_early"] and result.figures["steps"] < settings.sft_max_steps, losses
    best = min(losses)
    assert losses[-1] > best  # stopped on a rise: the last model is not the best one
    # The saved (merged) model is the best checkpoint's: its validation loss is the best one logged.
    assert _validation_loss(result.path, [code[::-1]] * 4) == pytest.approx(best, abs=1e-4), losses


# ---------------------------------------------------------------- DPO


def _margin(model_path: str, rows: list[dict]) -> float:
    """Mean over rows of log p(answer) - log p(rejected), each answer scored after the chat prompt."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    network = AutoModelForCausalLM.from_pretrained(model_path).eval()

    def log_p(messages, reply: str) -> float:
        head = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template([*messages, {"role": "assistant", "content": reply}], tokenize=False)
        assert full.startswith(head)
        prompt = tokenizer(head, add_special_tokens=False)["input_ids"]
        completion = tokenizer(full[len(head):], add_special_tokens=False)["input_ids"]
        ids = torch.tensor([prompt + completion])
        with torch.no_grad():
            log_probs = network(ids).logits[0, :-1].log_softmax(-1)
        positions = torch.arange(len(prompt) - 1, ids.shape[1] - 1)
        return log_probs[positions, ids[0, len(prompt):]].sum().item()

    margins = [log_p(conversation(r["prompt"]), r["chosen"]) - log_p(conversation(r["prompt"]), r["rejected"])
               for r in rows]
    return sum(margins) / len(margins)


def _preferences(workspace: Workspace, count: int) -> StageResult:
    """Preference pairs as the preferences stage saves them: a grounded answer over a Delphi-ised one."""
    rows = [
        preferences.preference_row(
            "delphi_corruption", [{"role": "user", "content": f"Write TextModels.New{i}'s caller."}],
            f"```\nMODULE M{i}; IMPORT TextModels; VAR t: TextModels.Model; BEGIN t := TextModels.dir.New() END M{i}.\n```",
            f"```\nprogram M{i}; var t: TStringList; begin writeln('x') end.\n```", f"row{i}")
        for i in range(count)
    ]
    return _saved(workspace, preferences.PREFERENCES, rows)


def test_dpo_raises_the_chosen_over_rejected_margin_on_its_pairs(tmp_path, tiny_model):
    from datasets import load_from_disk

    workspace = Workspace(tmp_path / "ws")
    pairs_result = _preferences(workspace, 4)
    pairs = load_from_disk(pairs_result.path)["train"].to_list()
    settings = TrainSettings(max_length=512, batch_size=4, lora_r=8, lora_alpha=16, dpo_steps=6, dpo_learning_rate=5e-3)
    before = _margin(str(tiny_model), pairs)
    result = dpo.align_with_dpo(workspace, pairs_result, str(tiny_model), settings, CPU)
    after = _margin(result.path, pairs)
    assert after > before + 1.0, (before, after)
    assert result.figures["pairs"] == 4 and result.figures["pairs_delphi_corruption"] == 4


# ---------------------------------------------------------------- resume


KILLED_RUN = """
import os, signal, sys
from transformers import TrainerCallback
from bbcopilot.config import ModelSettings, TrainSettings
from bbcopilot.report import StageResult
from bbcopilot.train import sft
from bbcopilot.workspace import Workspace

class KillAfterFirstCheckpoint(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)  # as a power cut or the OOM killer would: no clean-up at all

make = sft.chunks_trainer
def chunks_trainer(*args):
    trainer = make(*args)
    trainer.add_callback(KillAfterFirstCheckpoint())
    return trainer
sft.chunks_trainer = chunks_trainer
workspace, chunks, model, settings = sys.argv[1:]
sft.train_on_chunks(Workspace(workspace), StageResult(**__import__("json").loads(chunks)), model,
                    TrainSettings.model_validate_json(settings), ModelSettings(device="cpu", dtype="float32"))
"""


def test_a_killed_stage_resumes_from_its_last_checkpoint_and_ends_at_the_same_loss(tmp_path, tiny_model, monkeypatch):
    import dataclasses
    import signal
    import subprocess
    import sys

    from transformers import AutoTokenizer, TrainerCallback

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    code = _ids(tokenizer, CODE)
    windows = {"train": [code, code[::2], code[1::2], code[::-1]] * 3, "validation": [code[::3]] * 2, "test": [code]}
    settings = TrainSettings(max_length=64, batch_size=2, lora_r=8, lora_alpha=16, sft_learning_rate=5e-3,
                             sft_max_steps=12, eval_steps=4, early_stopping_patience=5, report_to=[])
    uninterrupted = Workspace(tmp_path / "whole")
    whole = sft.train_on_chunks(uninterrupted, _chunks(uninterrupted, tokenizer, windows), str(tiny_model), settings, CPU)

    killed = Workspace(tmp_path / "killed")
    chunks = _chunks(killed, tokenizer, windows)
    run = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(killed.root), json.dumps(dataclasses.asdict(chunks)), str(tiny_model),
         settings.model_dump_json()], capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    assert killed.latest(sft.SFT_CHUNKS) is None  # killed before it saved: no model, the scratch folder remains

    steps_run = []

    class CountSteps(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            steps_run.append(state.global_step)

    def counted(*args):
        trainer = make_trainer(*args)
        trainer.add_callback(CountSteps())
        return trainer

    make_trainer = sft.chunks_trainer
    monkeypatch.setattr(sft, "chunks_trainer", counted)
    resumed = sft.train_on_chunks(killed, chunks, str(tiny_model), settings, CPU)
    assert resumed.figures["resumed_from_step"] == settings.eval_steps
    assert steps_run == list(range(settings.eval_steps + 1, settings.sft_max_steps + 1))  # on from the checkpoint
    assert resumed.version == whole.version and resumed.figures["steps"] == whole.figures["steps"]
    assert resumed.figures["best_eval_loss"] == pytest.approx(whole.figures["best_eval_loss"], rel=0.01)
    losses = [json.loads((Path(r.path) / "lineage.json").read_text())["validation_losses"][-1]["eval_loss"]
              for r in (whole, resumed)]
    assert losses[1] == pytest.approx(losses[0], rel=0.01)
    assert (Path(resumed.path) / "curves.png").stat().st_size > 1000
