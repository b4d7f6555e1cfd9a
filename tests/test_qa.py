import subprocess
import sys
from pathlib import Path

import pytest

from bbcopilot.config import QASettings
from bbcopilot.qa import EndpointGenerator, LocalGenerator, generate_pairs, load_prompt, prompts_fingerprint
from conftest import free_port, wait_until_up

DOCUMENTS = [
    {"id": f"Text/Mod/Models{i}.odc", "module": "TextModels", "subsystem": "Text", "kind": "Mod", "title": "",
     "language": "en", "split": "train", "source": "blackbox", "text": "MODULE TextModels; END TextModels.\n"}
    for i in range(3)
]


class RecordingGenerator:
    """Records the prompts it is given and answers with fixed text: checks what reaches the model."""

    def __init__(self):
        self.conversations = []

    def __call__(self, conversations, max_new_tokens, temperature):
        self.conversations += conversations
        return ["What does TextModels.Model do?" if "Write one question" in c[-1]["content"] else "An answer."
                for c in conversations]


def test_every_generation_prompt_names_module_subsystem_language_framework():
    generator = RecordingGenerator()
    pairs, skipped = generate_pairs(DOCUMENTS, generator, QASettings(questions_per_document=2))
    assert len(pairs) == 6 and not skipped
    questions = {p["question"] for p in pairs}
    grounded = [c for c in generator.conversations if c[-1]["content"] not in questions]  # a bare question is ungrounded
    assert len(grounded) == 2 * 6  # a question and an answer prompt per pair
    for conversation in grounded:
        prompt = conversation[-1]["content"]
        for name in ("TextModels", "Text", "Component Pascal", "BlackBox"):
            assert name in prompt
    assert pairs[0]["question"] == "What does TextModels.Model do?"
    assert pairs[0]["rejected"] == ""  # the ungrounded answer equalled the grounded one: no preference


def test_the_rejected_answer_is_asked_exactly_as_training_asks_the_question():
    from bbcopilot.train import preference_pairs, qa_conversations

    generator = RecordingGenerator()
    pairs, _ = generate_pairs(DOCUMENTS, generator, QASettings(questions_per_document=1))
    ungrounded = [c for c in generator.conversations if c[-1]["content"] == pairs[0]["question"]]
    assert len(ungrounded) == len(pairs) == 3
    # The pairs as a batch of QA rows, each with a rejected answer (the recorder's equalled the grounded one).
    rows = {key: [p[key] for p in pairs] for key in pairs[0]} | {"rejected": ["It is a Delphi unit."] * len(pairs)}
    trained = preference_pairs(rows)["prompt"]
    assert ungrounded == trained == qa_conversations(rows)["prompt"]
    assert ungrounded[0][0] == {"role": "system", "content": load_prompt("system")}


def test_prompt_templates_change_the_fingerprint(tmp_path, monkeypatch):
    import bbcopilot.qa as qa

    before = prompts_fingerprint()
    for name in ("system", "qa_question", "qa_answer"):
        (tmp_path / f"{name}.txt").write_text(load_prompt(name) + ("!" if name == "qa_answer" else ""))
    monkeypatch.setattr(qa, "PROMPTS", tmp_path)
    assert prompts_fingerprint() != before


def test_local_generator_runs_the_real_model(tiny_model):
    pairs, skipped = generate_pairs(DOCUMENTS[:2], LocalGenerator(str(tiny_model)), QASettings(questions_per_document=1, max_new_tokens=8))
    assert len(pairs) + len(skipped) == 2
    assert all(p["module"] == "TextModels" and p["answer"] for p in pairs)


@pytest.fixture(scope="module")
def served_model(tiny_model):
    """The tiny model behind a real OpenAI-compatible server (`transformers serve`)."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "transformers"), "serve", str(tiny_model), "--host", "127.0.0.1",
         "--port", str(port), "--device", "cpu"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/v1/models", 60)
        yield f"{url}/v1"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_endpoint_generator_talks_to_a_real_openai_compatible_server(served_model, tiny_model):
    generator = EndpointGenerator(served_model, str(tiny_model), api_key="not-needed")
    [text] = generator([[{"role": "user", "content": "MODULE"}]], max_new_tokens=8, temperature=0.0)
    assert isinstance(text, str)
    pairs, skipped = generate_pairs(DOCUMENTS[:1], generator, QASettings(questions_per_document=1, max_new_tokens=8, temperature=0.0))
    assert len(pairs) + len(skipped) == 1


def test_a_limited_run_draws_from_every_split():
    from bbcopilot.qa import spread_over_splits

    rows = [{"id": f"d{i}", "split": split} for i, split in enumerate(["train"] * 8 + ["validation"] * 2 + ["test"] * 2)]
    first = spread_over_splits(rows)[:4]
    assert {"train", "validation", "test"} <= {r["split"] for r in spread_over_splits(rows)[:6]}
    assert sum(r["split"] == "train" for r in first) >= 2


def test_models_are_fingerprinted_by_content(tmp_path, tiny_model):
    import shutil

    from bbcopilot.tiny_model import build_tiny_model
    from bbcopilot.workspace import model_fingerprint
    from conftest import TINY_TEXTS

    other = build_tiny_model(TINY_TEXTS, tmp_path / "other", vocab_size=600, seed=1)  # same shape, other weights
    copy = shutil.copytree(tiny_model, tmp_path / "copy")  # same content, other folder and file times
    assert model_fingerprint(str(copy)) == model_fingerprint(str(tiny_model)) != model_fingerprint(str(other))
    before = model_fingerprint(str(copy))
    (copy / ".prefect-cache").write_text("a cache record written after the model")
    assert model_fingerprint(str(copy)) == before
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1  # one bit of one weight
    weights.write_bytes(bytes(data))
    assert model_fingerprint(str(copy)) != before
