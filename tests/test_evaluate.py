"""The evaluation stage: metrics with known answers, and the whole stage on the tiny model."""

from __future__ import annotations

import json

import pytest

from bbcopilot.api_index import build_api_index
from bbcopilot.metrics import extract_code, judge_code, rouge_l, token_f1

STDLOG = "MODULE StdLog;\nPROCEDURE String* (s: ARRAY OF CHAR); END String;\nPROCEDURE Ln*; END Ln;\nEND StdLog.\n"
HELLO = "MODULE Hello;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\tBEGIN\n\t\tStdLog.String(\"Hi\"); StdLog.Ln\n\tEND Do;\nEND Hello.\n"


@pytest.fixture(scope="module")
def index():
    return build_api_index([("Std/Mod/Log.odc", STDLOG)])


# ---------------------------------------------------------------- QA overlap


def test_token_f1_and_rouge_l_known_answers():
    assert token_f1("TextModels.Model is abstract", "textmodels model is ABSTRACT!") == 1.0
    assert token_f1("Модель текста", "Модель текста") == 1.0
    assert token_f1("alpha beta", "gamma delta") == 0.0
    assert token_f1("", "a reference") == 0.0
    assert token_f1("", "") == 1.0
    assert token_f1("a b c d", "a b") == pytest.approx(2 * 0.5 * 1.0 / 1.5)  # precision 1/2, recall 1
    assert rouge_l("a b c", "a b c") == 1.0
    assert rouge_l("x y", "a b") == 0.0
    # Same bag of tokens, reversed order: F1 is perfect, ROUGE-L only counts one in order.
    assert token_f1("c b a", "a b c") == 1.0
    assert rouge_l("c b a", "a b c") == pytest.approx(1 / 3)


# ---------------------------------------------------------------- code extraction


def test_extract_code_prefers_fenced_blocks_then_module_text():
    fenced = f"Here it is:\n```pascal\n{HELLO}```\nCall Hello.Do."
    assert extract_code(fenced) == HELLO.rstrip("\n")
    assert extract_code(f"Answer: {HELLO}Then compile it.") == HELLO.rstrip("\n")
    assert extract_code("Use StdLog.String to write text to the Log.") == ""
    # Two blocks are joined; a fence left open by the token limit runs to the end.
    assert extract_code("```\nA\n```\ntext\n```\nB\n```") == "A\n\nB"
    assert extract_code("```\nMODULE X; BEGIN") == "MODULE X; BEGIN"


def test_syntax_valid_hallucination_and_delphi_on_hand_written_answers(index):
    good = judge_code(f"```\n{HELLO}```", index)
    assert good.has_code and good.syntax_valid and not good.hallucinated and not good.delphi_confused

    invented = judge_code(f"```\n{HELLO.replace('StdLog.Ln', 'StdLog.WriteLn')}```", index)
    assert invented.syntax_valid and invented.hallucinated and not invented.delphi_confused
    assert "WriteLn" in invented.hallucinations[0]
    assert judge_code(f"```\n{HELLO.replace('IMPORT StdLog', 'IMPORT StdLog, Forms')}```", index).hallucinated

    delphi = judge_code("```delphi\nprogram Hello;\nbegin\n  writeln('Hi');\nend.\n```", index)
    assert delphi.has_code and not delphi.syntax_valid and delphi.delphi_confused
    assert judge_code("program Hello;\nbegin\n  writeln('Hi')\nend.", index).delphi_confused  # unfenced Pascal too

    fragment = judge_code("```\nPROCEDURE Gcd* (a, b: INTEGER): INTEGER;\nBEGIN\n\tRETURN a\nEND Gcd;\n```", index)
    assert fragment.syntax_valid  # a procedure on its own is checked inside a module

    prose = judge_code("Euclid's algorithm divides until the remainder is zero.", index)
    assert not prose.has_code and not prose.syntax_valid and not prose.hallucinated and not prose.delphi_confused


def test_eval_prompts_are_kept_in_the_project_and_a_limit_spreads_over_task_kinds():
    from bbcopilot.evaluate import load_eval_prompts

    prompts = load_eval_prompts()
    assert len(prompts) == 44 and {p["language"] for p in prompts} == {"ru", "en"}
    assert {p["task"] for p in load_eval_prompts(8)} == {p["task"] for p in prompts}


# ---------------------------------------------------------------- the stage on the tiny model


def _documents(workspace):
    from bbcopilot.hfdata import save_version
    from bbcopilot.report import StageResult

    def row(i, split, kind, module, subsystem, text):
        return {"id": f"{subsystem}/{kind}/{module}{i}.odc", "source": "blackbox", "subsystem": subsystem, "module": module,
                "kind": kind, "title": module, "group": f"module:{module}{i}", "licence": "bsd-2-clause", "text": text,
                "content_sha256": "", "language": "en", "split": split}

    rows = [
        row(0, "train", "Mod", "StdLog", "Std", STDLOG),
        row(1, "train", "Docu", "TextModels", "Text", "DEFINITION TextModels;\n\tPROCEDURE New* (): Model;\nEND TextModels.\n"),
        row(2, "validation", "Mod", "ObxHello", "Obx", HELLO),
        row(3, "test", "Mod", "ObxHello", "Obx", HELLO),
        row(4, "test", "Docu", "TextModels", "Text", "Модуль TextModels описывает текстовые модели BlackBox.\n"),
    ]
    card = {"languages": ["en"], "licences": {"blackbox": "bsd-2-clause"}, "summary": "test documents"}
    path = save_version(workspace, "datasets/documents", "docs0", rows, card=card, manifest={})
    documents = StageResult("datasets/documents", "docs0", str(path))
    pairs = [
        {"id": f"{d}#q{n}", "document_id": d, "module": m, "subsystem": s, "language": "en", "split": split,
         "question": f"What does {m} export?", "answer": f"{m} exports String and Ln.", "rejected": ""}
        for n, (d, m, s, split) in enumerate([
            ("Std/Mod/StdLog0.odc", "StdLog", "Std", "train"), ("Text/Docu/TextModels1.odc", "TextModels", "Text", "train"),
            ("Obx/Mod/ObxHello2.odc", "ObxHello", "Obx", "validation"), ("Obx/Mod/ObxHello3.odc", "ObxHello", "Obx", "test"),
        ])
    ]
    path = save_version(workspace, "datasets/qa", "qa0", pairs, card=card, manifest={})
    return documents, StageResult("datasets/qa", "qa0", str(path))


def test_evaluate_models_reports_every_metric_at_every_temperature(tmp_path, tiny_model, monkeypatch):
    import bbcopilot.evaluate as evaluate
    from bbcopilot.config import EvalSettings
    from bbcopilot.workspace import Workspace

    class Judge:  # a judge that always grades 4 (an endpoint in real runs)
        def __call__(self, conversations, max_new_tokens, temperature):
            assert all("Reference answer" in c[-1]["content"] for c in conversations)
            return ["4"] * len(conversations)

    monkeypatch.setattr(evaluate, "make_judge", lambda settings: Judge())
    workspace = Workspace(tmp_path / "ws")
    documents, qa = _documents(workspace)
    settings = EvalSettings(max_prompts=4, max_qa=2, max_new_tokens=12, max_length=64, batch_size=8)
    result = evaluate.evaluate_models(workspace, documents, qa, str(tiny_model), str(tiny_model), settings)

    folder = tmp_path / "ws" / "evaluations" / result.version
    assert result.path == str(folder)
    assert result.version == evaluate.evaluation_dir(workspace, documents, qa, str(tiny_model), str(tiny_model), settings).name
    results = json.loads((folder / "metrics.json").read_text())
    assert results["counts"] == {"test_documents": 2, "prompts": 4, "qa_seen": 2, "qa_held_out": 1, "api_modules": 3}
    assert results["bits_per_byte"]["base"] > 0 and set(results["bits_per_byte"]["per_subsystem"]) == {"Obx", "Text"}
    metrics = {f"qa_{g}_{m}" for g in ("seen", "held_out") for m in ("token_f1", "rouge_l", "judge")} | {
        "code_rate", "syntax_valid_rate", "api_hallucination_rate", "delphi_confusion_rate"}
    assert set(results["metrics"]) == metrics
    assert set(results["generation"]) == {"0.2", "0.6", "1.0"}
    for by_model in results["generation"].values():
        for model in ("base", "tuned"):
            assert set(by_model[model]) == metrics
            assert all(0 <= value <= 1 for value in by_model[model].values())
            assert by_model[model]["qa_seen_judge"] == 0.75
        assert set(by_model["difference"]) == metrics
    assert set(results["temperature_spread"]["base"]) == metrics
    for plot in evaluate.PLOTS:
        assert (folder / plot).read_bytes().startswith(b"\x89PNG")
    answers = (folder / "answers.jsonl").read_text().splitlines()
    assert len(answers) == 2 * 3 * (4 + 2 + 1)
    report = (folder / "report.md").read_text()
    assert "bits per byte" in report and "delphi_confusion_rate" in report and "| qa_held_out_token_f1 | 0.6 |" in report
    assert result.figures["base_bpb"] > 0 and "base_syntax_valid@T0.2" in result.figures

    # What shapes the result names the version: another temperature set is another evaluation.
    other = EvalSettings(**{**settings.model_dump(), "temperatures": [0.2]})
    assert evaluate.evaluation_dir(workspace, documents, qa, str(tiny_model), str(tiny_model), other) != folder


SUBSYSTEM_OF_SPLIT = {"train": "Std", "validation": "Dev", "test": "Obx"}  # marks each document's split


def _marked_by_split(workspace):
    """Documents and QA pairs in every split, each split's documents in their own subsystem."""
    from bbcopilot.hfdata import save_version
    from bbcopilot.report import StageResult

    texts = {"train": STDLOG, "validation": "Модуль DevDebug показывает переменные.\n", "test": HELLO}
    documents = [
        {"id": f"{split}{i}.odc", "source": "blackbox", "subsystem": SUBSYSTEM_OF_SPLIT[split], "module": f"M{split}{i}",
         "kind": "Mod", "title": "", "group": f"module:{split}{i}", "licence": "bsd-2-clause", "text": texts[split] * (i + 1),
         "content_sha256": "", "language": "en", "split": split}
        for split in SUBSYSTEM_OF_SPLIT for i in range(2)
    ]
    pairs = [
        {"id": f"{d['id']}#q0", "document_id": d["id"], "module": d["module"], "subsystem": d["subsystem"], "language": "en",
         "split": d["split"], "question": f"What is {d['module']}?", "answer": f"{d['module']} is a module.", "rejected": ""}
        for d in documents
    ]
    card = {"languages": ["en"], "licences": {"blackbox": "bsd-2-clause"}, "summary": "test rows marked by split"}

    def saved(stage, rows):
        return StageResult(stage, "v1", str(save_version(workspace, stage, "v1", rows, card=card, manifest={})))

    return saved("datasets/documents", documents), saved("datasets/qa", pairs), documents


def test_held_out_measures_read_the_test_split_only(tmp_path, tiny_model):
    """Bits per byte score exactly the test documents; held-out QA asks exactly the test-split questions."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import bbcopilot.evaluate as evaluate
    from bbcopilot.config import EvalSettings
    from bbcopilot.workspace import Workspace

    workspace = Workspace(tmp_path / "ws")
    documents, qa, rows = _marked_by_split(workspace)
    settings = EvalSettings(max_prompts=1, max_qa=0, max_new_tokens=8, max_length=64, temperatures=[0.2])
    result = evaluate.evaluate_models(workspace, documents, qa, str(tiny_model), str(tiny_model), settings)
    folder = tmp_path / "ws" / "evaluations" / result.version
    results = json.loads((folder / "metrics.json").read_text())

    assert set(results["bits_per_byte"]["per_subsystem"]) == {SUBSYSTEM_OF_SPLIT["test"]}
    test_texts = [r["text"] for r in rows if r["split"] == "test"]
    model, tokenizer = AutoModelForCausalLM.from_pretrained(tiny_model).eval(), AutoTokenizer.from_pretrained(tiny_model)
    scores = evaluate.bits_per_byte(model, tokenizer, test_texts, settings.max_length)
    assert results["bits_per_byte"]["base"] == pytest.approx(sum(b for b, _ in scores) / sum(n for _, n in scores))
    assert results["counts"]["test_documents"] == len(test_texts)

    answers = [json.loads(line) for line in (folder / "answers.jsonl").read_text().splitlines()]
    asked = {kind: {a["id"] for a in answers if a["kind"] == kind} for kind in ("qa_seen", "qa_held_out")}
    assert asked["qa_held_out"] == {f"{r['id']}#q0" for r in rows if r["split"] == "test"}
    assert asked["qa_seen"] == {f"{r['id']}#q0" for r in rows if r["split"] == "train"}
