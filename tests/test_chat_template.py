"""One chat template: training, evaluation and serving turn a conversation into the same token ids,
and conversational SFT learns the assistant's turns of a multi-turn dialog and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from bbcopilot.config import ModelSettings, TrainSettings
from bbcopilot.hfdata import save_version
from bbcopilot.llm import LocalGenerator, chat_template, conversation
from bbcopilot.qa.stage import QA, dialog_row
from bbcopilot.report import StageResult
from bbcopilot.server import ChatModel
from bbcopilot.train import sft
from bbcopilot.workspace import Workspace

CPU = ModelSettings(device="cpu", dtype="float32")
CARD = {"languages": ["en", "ru"], "licences": {}, "summary": "made by hand for a test"}
DIALOG = [
    {"role": "user", "content": "Как вывести строку в журнал BlackBox?"},
    {"role": "assistant", "content": "StdLog.String(\"Привет\"); StdLog.Ln — модуль StdLog."},
    {"role": "user", "content": "And an integer?"},
    {"role": "assistant", "content": "StdLog.Int(n) writes it, with a leading space."},
]


def _trainer(tiny_model, dialogs: list[list[dict]], tmp_path: Path, packing: bool):
    """The QA stage's own trainer on `dialogs` saved as forum threads of the qa dataset."""
    workspace = Workspace(tmp_path / "ws")
    rows = [dialog_row({"id": f"forum:{i}", "source": "forum", "split": "train", "messages": dialog})
            for i, dialog in enumerate(dialogs)]
    path = save_version(workspace, QA, "v0", rows, card=CARD, manifest={})
    settings = TrainSettings(max_length=512, batch_size=2, report_to=[], packing=packing, qa_max_steps=1)
    return sft.qa_trainer(StageResult(QA, "v0", str(path)), str(tiny_model), settings, CPU, tmp_path / "sft")


def test_training_evaluation_and_serving_tokenise_a_conversation_alike(tiny_model, tmp_path):
    question, answer = DIALOG[0], DIALOG[1]
    trainer = _trainer(tiny_model, [[question, answer]], tmp_path, packing=False)
    trained = trainer.train_dataset[0]["input_ids"]

    evaluated = LocalGenerator(str(tiny_model), device="cpu").prompt_inputs([conversation([question])])["input_ids"][0].tolist()
    served = ChatModel(str(tiny_model), "cpu").prompt_inputs(conversation([question]))["input_ids"][0].tolist()

    tokenizer = trainer.processing_class
    said = tokenizer(answer["content"] + "<|im_end|>\n", add_special_tokens=False)["input_ids"]
    assert served == evaluated
    assert trained == evaluated + said  # training reads exactly the prompt the model is later asked with
    assert tokenizer.chat_template == chat_template()


@pytest.mark.parametrize("packing", [False, True], ids=["padded", "packed"])
def test_assistant_only_loss_masks_every_token_but_the_assistants(tiny_model, tmp_path, packing):
    trainer = _trainer(tiny_model, [DIALOG, DIALOG[:2]], tmp_path, packing)
    tokenizer = trainer.processing_class
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(len(trainer.train_dataset))])
    ids, labels = batch["input_ids"].flatten(), batch["labels"].flatten()
    learnt = tokenizer.decode(ids[labels != -100])
    # Every answer of both dialogs, each ended by <|im_end|> (the model learns to stop), and nothing else.
    replies = [m["content"] for dialog in (DIALOG, DIALOG[:2]) for m in dialog if m["role"] == "assistant"]
    assert learnt.endswith("<|im_end|>")
    assert sorted(learnt.split("<|im_end|>")[:-1]) == sorted(replies)
    masked = tokenizer.decode(ids[labels == -100])
    for message in conversation(DIALOG):
        if message["role"] != "assistant":
            assert message["content"] in masked  # every question and the system prompt, never learnt
            assert message["content"] not in learnt
    if packing:  # padding-free: positions restart at each conversation, no padding token at all
        starts = (batch["position_ids"].flatten() == 0).nonzero().flatten().tolist()
        assert len(starts) == 2 and starts[0] == 0
        assert tokenizer.pad_token_id not in ids.tolist()
