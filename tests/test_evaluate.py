"""The evaluation stage: metrics with known answers, and the whole stage on the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import BBCP

from bbcopilot.metrics import extract_code, rouge_l, token_f1
from bbcopilot.qa.stage import pair_row

STDLOG = "MODULE StdLog;\nPROCEDURE String* (s: ARRAY OF CHAR); END String;\nPROCEDURE Ln*; END Ln;\nEND StdLog.\n"
HELLO = "MODULE Hello;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\tBEGIN\n\t\tStdLog.String(\"Hi\"); StdLog.Ln\n\tEND Do;\nEND Hello.\n"


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
        pair_row(f"{d}#q{n}", "api", f"What does {m} export?", f"{m} exports String and Ln.",
                 {"id": d, "module": m, "subsystem": s, "split": split})
        for n, (d, m, s, split) in enumerate([
            ("Std/Mod/StdLog0.odc", "StdLog", "Std", "train"), ("Text/Docu/TextModels1.odc", "TextModels", "Text", "train"),
            ("Obx/Mod/ObxHello2.odc", "ObxHello", "Obx", "validation"), ("Obx/Mod/ObxHello3.odc", "ObxHello", "Obx", "test"),
        ])
    ]
    path = save_version(workspace, "datasets/qa", "qa0", pairs, card=card, manifest={})
    return documents, StageResult("datasets/qa", "qa0", str(path))


def _scripted_benchmark(monkeypatch, evaluate):
    """The model's answers, except that each benchmark task's first sample is its reference solution and
    the others its wrong one: pass@1 is then 1/n, pass@n 1, and every sample compiles."""
    from bbcopilot.blackbox.bench.tasks import SUITES, suite_tasks, task_prompt

    solutions = {task_prompt(t): (t.reference, t.wrong) for suite in SUITES for t in suite_tasks(suite) if t.reference}
    generate = evaluate.generate

    def scripted(generator, conversations, settings, temperature):
        answers = generate(generator, conversations, settings, temperature)
        seen: dict[str, int] = {}
        for i, conversation in enumerate(conversations):
            if (prompt := conversation[-1]["content"]) in solutions:
                answers[i] = f"```\n{solutions[prompt][min(seen.get(prompt, 0), 1)]}\n```"
                seen[prompt] = seen.get(prompt, 0) + 1
        return answers

    monkeypatch.setattr(evaluate, "generate", scripted)
    # Only tasks with solutions are evaluated: the first test-split ones of each suite.
    monkeypatch.setattr(evaluate, "evaluation_tasks", lambda suite, limit: [
        t for t in suite_tasks(suite) if t.split == "test" and t.reference][:limit])


def test_evaluate_models_reports_every_metric_at_every_temperature(tmp_path, tiny_model, build, monkeypatch):
    import bbcopilot.evaluate as evaluate
    from bbcopilot.config import EvalSettings, ToolchainSettings
    from bbcopilot.workspace import Workspace

    class Judge:  # a judge that always grades 4 (an endpoint in real runs)
        def __call__(self, conversations, max_new_tokens, temperature):
            assert all("Reference answer" in c[-1]["content"] for c in conversations)
            return ["4"] * len(conversations)

    monkeypatch.setattr(evaluate, "make_judge", lambda settings: Judge())
    _scripted_benchmark(monkeypatch, evaluate)
    workspace = Workspace(tmp_path / "ws")
    documents, qa = _documents(workspace)
    settings = EvalSettings(max_prompts=4, max_qa=2, max_new_tokens=12, max_length=64, batch_size=8,
                            bench_tasks=2, bench_samples=3, bench_k=[1, 3])
    toolchain = ToolchainSettings(bbcp_dir=BBCP)
    result = evaluate.evaluate_models(workspace, documents, qa, str(tiny_model), str(tiny_model), settings, toolchain)

    folder = tmp_path / "ws" / "evaluations" / result.version
    assert result.path == str(folder)
    assert result.version == evaluate.evaluation_dir(workspace, documents, qa, str(tiny_model), str(tiny_model), settings,
                                                     toolchain).name
    results = json.loads((folder / "metrics.json").read_text())
    counts = results.pop("counts")
    assert counts.pop("api_modules") > 200  # the whole distribution's API, not the three test documents'
    assert counts == {"test_documents": 2, "prompts": 4, "qa_seen": 2, "qa_held_out": 1,
                      "humaneval_tasks": 2, "blackbox_tasks": 2}
    assert results["code_judge"]["judged_by"] == "compiler"
    assert results["bits_per_byte"]["base"] > 0 and set(results["bits_per_byte"]["per_subsystem"]) == {"Obx", "Text"}
    bench = {f"{suite}_{m}" for suite in ("humaneval", "blackbox")
             for m in ("compile_rate", "pass@1", "pass@3", "hallucination_rate")}
    metrics = {f"qa_{g}_{m}" for g in ("seen", "held_out") for m in ("token_f1", "rouge_l", "judge")} | {
        "code_rate", "compile_rate", "syntax_valid_rate", "api_hallucination_rate", "delphi_confusion_rate"} | bench
    assert set(results["metrics"]) == metrics
    assert set(results["generation"]) == {"0.2", "0.6", "1.0"}
    for by_model in results["generation"].values():
        for model in ("base", "tuned"):
            assert set(by_model[model]) == metrics
            assert all(0 <= value <= 1 for value in by_model[model].values())
            assert by_model[model]["qa_seen_judge"] == 0.75
            for suite in ("humaneval", "blackbox"):
                # One reference and two wrong answers per task: pass@1 = 1/3, pass@3 = 1, all compile.
                assert by_model[model][f"{suite}_pass@1"] == pytest.approx(1 / 3)
                assert by_model[model][f"{suite}_pass@3"] == 1.0
                assert by_model[model][f"{suite}_compile_rate"] == 1.0
                assert by_model[model][f"{suite}_hallucination_rate"] == 0.0
        assert set(by_model["difference"]) == metrics
    assert results["bench_outcomes"]["base"]["blackbox"] == {"passed": 3 * 2, "failed": 3 * 4}
    assert set(results["temperature_spread"]["base"]) == metrics
    for plot in evaluate.PLOTS:
        assert (folder / plot).read_bytes().startswith(b"\x89PNG")
    answers = (folder / "answers.jsonl").read_text().splitlines()
    assert len(answers) == 2 * 3 * (4 + 2 + 1 + 2 * 2 * 3)
    report = (folder / "report.md").read_text()
    assert "bits per byte" in report and "delphi_confusion_rate" in report and "| qa_held_out_token_f1 | 0.6 |" in report
    assert "| blackbox_pass@1 | 0.2 | 0.3333 |" in report and "judged by BlackBox's own compiler" in report
    assert result.figures["base_bpb"] > 0 and result.figures["tuned_blackbox_pass@1@T0.2"] == 0.333
    assert "base_compiles@T0.2" in result.figures

    # What shapes the result names the version: another temperature set is another evaluation.
    other = EvalSettings(**{**settings.model_dump(), "temperatures": [0.2]})
    assert evaluate.evaluation_dir(workspace, documents, qa, str(tiny_model), str(tiny_model), other, toolchain) != folder


def test_without_a_toolchain_the_checker_judges_and_the_report_says_so(tmp_path, tiny_model):
    import bbcopilot.evaluate as evaluate
    from bbcopilot.config import EvalSettings, ToolchainSettings
    from bbcopilot.workspace import Workspace

    workspace = Workspace(tmp_path / "ws")
    documents, qa = _documents(workspace)
    settings = EvalSettings(max_prompts=2, max_qa=1, max_new_tokens=8, max_length=64, temperatures=[0.2])
    missing = ToolchainSettings(bbcp_dir=tmp_path / "no-blackbox")
    result = evaluate.evaluate_models(workspace, documents, qa, str(tiny_model), str(tiny_model), settings, missing)
    results = json.loads((Path(result.path) / "metrics.json").read_text())
    assert results["code_judge"]["judged_by"] == "checker" and "no-blackbox" in results["code_judge"]["notice"]
    assert not any(m.startswith(("humaneval_", "blackbox_")) for m in results["metrics"])
    assert "Code judged by the lark checker, benchmark not run" in (Path(result.path) / "report.md").read_text()
    assert result.figures["code_judged_by"] == "checker"


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
    pairs = [pair_row(f"{d['id']}#q0", "api", f"What is {d['module']}?", f"{d['module']} is a module.", d)
             for d in documents]
    card = {"languages": ["en"], "licences": {"blackbox": "bsd-2-clause"}, "summary": "test rows marked by split"}

    def saved(stage, rows):
        return StageResult(stage, "v1", str(save_version(workspace, stage, "v1", rows, card=card, manifest={})))

    return saved("datasets/documents", documents), saved("datasets/qa", pairs), documents


def test_held_out_measures_read_the_test_split_only(tmp_path, tiny_model):
    """Bits per byte score exactly the test documents; held-out QA asks exactly the test-split questions."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import bbcopilot.evaluate as evaluate
    from bbcopilot.config import EvalSettings, ToolchainSettings
    from bbcopilot.workspace import Workspace

    workspace = Workspace(tmp_path / "ws")
    documents, qa, rows = _marked_by_split(workspace)
    settings = EvalSettings(max_prompts=1, max_qa=0, max_new_tokens=8, max_length=64, temperatures=[0.2], bench_suites=[])
    result = evaluate.evaluate_models(workspace, documents, qa, str(tiny_model), str(tiny_model), settings,
                                      ToolchainSettings(bbcp_dir=BBCP))
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
