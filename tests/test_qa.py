"""QA generation: prompts, replies, spans that fit the window, and the stage end to end against real servers."""

from __future__ import annotations

import json
import shutil

import pytest

from bbcopilot.config import QASettings
from bbcopilot.qa import prompts
from bbcopilot.qa.schema import read_reply, reply_schema
from bbcopilot.qa.spans import spans_of
from bbcopilot.qa.spans import TokenCounter
from bbcopilot.qa.stage import fitting_spans, generation_prompt, spread_over_splits, user
from tests.conftest import BBCP


def real_document(relpath: str, language: str = "en", split: str = "train") -> dict:
    from bbcopilot.convert import convert_file

    if not (BBCP / relpath).is_file():
        pytest.skip(f"{BBCP / relpath} is absent (../shared/bbcp not beside the project)")
    converted = convert_file(BBCP / relpath, BBCP, "plain")
    meta = converted.meta
    return {"id": meta.relpath, "source": "blackbox", "text": converted.text, "kind": meta.kind, "module": meta.module,
            "subsystem": meta.subsystem, "title": meta.title, "language": language, "split": split}


# ---------------------------------------------------------------- prompts


@pytest.mark.parametrize("kind", ["api", "task", "boundary"])
def test_every_generation_prompt_names_language_framework_subsystem_module_and_what_the_span_declares(kind):
    document = real_document("Text/Mod/Models.odc")
    spans = spans_of(document, 1536, lambda text: len(text) // 4)
    span = next(s for s in spans if s.defines)
    prompt = generation_prompt(kind, document, span, 2)
    for named in ("Component Pascal", "BlackBox Component Builder", "Subsystem: Text", "Module: TextModels",
                  "module source", span.defines[0], span.text.strip()[:200], "English", '{"pairs"'):
        assert named in prompt, named
    assert "TextModels.Name" in prompt  # the guard against over-generalisation is spelled out


def test_a_russian_document_is_asked_about_in_russian():
    document = real_document("Text/Mod/Models.odc", language="ru")
    [span, *_] = spans_of(document, 1536, lambda text: len(text) // 4)
    assert "in Russian" in generation_prompt("api", document, span, 1)


def test_a_changed_template_changes_only_its_own_hash_and_an_included_one_changes_all(tmp_path, monkeypatch):
    before = {kind: prompts.template_hash(kind) for kind in ("api", "task", "boundary")}
    copy = shutil.copytree(prompts.TEMPLATES, tmp_path / "templates")
    monkeypatch.setattr(prompts, "TEMPLATES", copy)
    prompts._environment.cache_clear()
    try:
        (copy / "task.jinja").write_text((copy / "task.jinja").read_text() + "\nBe brief.\n")
        after = {kind: prompts.template_hash(kind) for kind in before}
        assert after["task"] != before["task"] and after["api"] == before["api"] and after["boundary"] == before["boundary"]
        (copy / "_reply.jinja").write_text((copy / "_reply.jinja").read_text() + "\nBe brief.\n")
        assert all(prompts.template_hash(kind) != after[kind] for kind in before)
    finally:
        prompts._environment.cache_clear()


# ---------------------------------------------------------------- replies


@pytest.mark.parametrize(
    "reply, question",
    [
        ('{"pairs": [{"question": "What does TextModels.Model do?", "answer": "It holds text."}]}', "What does TextModels.Model do?"),
        ('Here you are:\n```json\n{"pairs": [{"question": "Q about TextModels?", "answer": "A.",}]}\n```', "Q about TextModels?"),
        ('[{"question": "A bare list?", "answer": "Mended into the object."}]', "A bare list?"),
        ('{"pairs": [{"question": "Code in a fence?", "answer": "```pascal\\nMODULE A; END A.\\n```"}]}', "Code in a fence?"),
    ],
)
def test_a_reply_wrapped_as_models_wrap_json_is_read(reply, question):
    pairs, error = read_reply(reply)
    assert error is None and pairs[0].question == question


@pytest.mark.parametrize(
    "reply, reason",
    [
        ("MODULE TextModels; IMPORT Stores", "no JSON object"),
        ('{"pairs": []}', "pairs"),
        ('{"pairs": [{"question": "Where is the answer?"}]}', "pairs.0.answer"),
        ('{"items": [{"question": "q", "answer": "a"}]}', "pairs"),
    ],
)
def test_a_reply_that_is_not_the_schema_is_an_error_naming_what_is_wrong(reply, reason):
    pairs, error = read_reply(reply)
    assert pairs == [] and reason in error


def test_the_schema_sent_and_the_reader_agree():
    import jsonschema

    schema = reply_schema(2, 40, 80)["schema"]
    good = {"pairs": [{"question": "What does StdLog.Ln do?", "answer": "StdLog.Ln ends the line in the log."}]}
    jsonschema.validate(good, schema)
    assert read_reply(json.dumps(good))[1] is None
    for bad in ({"pairs": []}, {"pairs": [{"question": "q"}]}, {"items": good["pairs"]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
        assert read_reply(json.dumps(bad))[1]
    too_long = {"pairs": [{"question": "q" * 41, "answer": "a"}]}
    with pytest.raises(jsonschema.ValidationError):  # the bound a constrained decoder stops at
        jsonschema.validate(too_long, schema)


# ---------------------------------------------------------------- the window


def test_spans_are_cut_smaller_until_every_request_fits_the_window_never_truncated(tiny_model):
    document = real_document("Text/Mod/Models.odc")
    count = TokenCounter(str(tiny_model))
    roomy = QASettings(span_tokens=1024, context_window=8192, max_new_tokens=64)
    tight = roomy.model_copy(update={"context_window": 2200})
    wide_spans, refits = fitting_spans(document, roomy, count)
    assert refits == 0
    spans, refits = fitting_spans(document, tight, count)
    assert refits >= 1 and len(spans) > len(wide_spans)
    for span in spans:
        for kind in tight.question_kinds:
            prompt = generation_prompt(kind, document, span, tight.pairs_per_request)
            assert count.request(user(prompt)) + tight.max_new_tokens <= tight.context_window
    assert "".join(span.text for span in spans) == document["text"]  # every character still asked about


def test_a_window_too_small_for_any_span_skips_the_document_with_the_reason(tiny_model):
    from bbcopilot.errors import InputError

    document = real_document("Text/Mod/Models.odc")
    count = TokenCounter(str(tiny_model))
    with pytest.raises(InputError, match="leaves no room for a span"):
        fitting_spans(document, QASettings(context_window=300, max_new_tokens=200), count)
    # A window that fits the prompt but not the module header beside a span: the same error, no crash.
    with pytest.raises(InputError, match="leaves no room for a span"):
        fitting_spans(document, QASettings(span_tokens=1024, context_window=1600, max_new_tokens=64), count)


def test_a_limited_run_draws_from_every_split():
    rows = [{"id": f"d{i}", "split": split} for i, split in enumerate(["train"] * 8 + ["validation"] * 2 + ["test"] * 2)]
    first = spread_over_splits(rows)[:4]
    assert {"train", "validation", "test"} <= {r["split"] for r in spread_over_splits(rows)[:6]}
    assert sum(r["split"] == "train" for r in first) >= 2


def test_models_are_fingerprinted_by_content(tmp_path, tiny_model):
    from bbcopilot.tiny_model import build_tiny_model
    from bbcopilot.workspace import model_fingerprint
    from tests.conftest import TINY_TEXTS

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
