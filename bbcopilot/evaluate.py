"""Evaluation: is the tuned model better than its base, and on what?

Three measures, base and tuned side by side, with the difference:

1. Bits per byte of the held-out (test split) documents: the model's negative
   log-likelihood in bits divided by the UTF-8 bytes scored. It compares models
   with different tokenizers fairly; scored overall and per subsystem.
2. QA: the QA dataset's questions answered by the model (system prompt + the
   question, no document), scored against the reference answers with token F1
   and ROUGE-L (`bbcopilot.metrics`), and by a judge model when one is
   configured; separately for questions on training-split documents (did it
   learn them?) and on held-out test-split documents (does it generalise?).
3. Code: the fixed coding prompts (`bbcopilot/data/eval_prompts.jsonl`)
   answered and judged (`bbcopilot.blackbox.verdict`): compile rate with
   BlackBox's own compiler, the lark checker's syntax-valid rate, the
   compiler-based API-hallucination rate and the Delphi-confusion rate.
4. The executing benchmark (`bbcopilot.blackbox.bench`): the test split of
   each suite (HumanEval in Component Pascal, BlackBox tasks), n samples per
   task, each compiled and run against the task's tests in the interpreter:
   compile rate, pass@k (unbiased) and hallucination rate per suite.

Without a toolchain the checker judges the code (said in one line, and in the
report) and the benchmark, which needs the interpreter, is not run.

Every generation measure is taken at each of `eval.temperatures` (the base
model was unstable across temperature). The evaluation folder holds
`metrics.json` (every figure), `report.md`, `answers.jsonl` (every answer with
its scores) and PNG plots.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from statistics import mean
from typing import Any

from bbcopilot import api_index, metrics
from bbcopilot.api_index import ApiIndex, compiler_hallucinations
from bbcopilot.blackbox.bench import runner
from bbcopilot.blackbox.bench.tasks import BENCH_DIR, Task, evaluation_tasks, task_prompt
from bbcopilot.blackbox.toolchain import CompileResult, toolchain_or_fallback, toolchain_problem, toolchain_version
from bbcopilot.blackbox.verdict import COMPILER, judge_answers
from bbcopilot.config import EvalSettings, ToolchainSettings
from bbcopilot.errors import BBCopilotError
from bbcopilot.llm import EndpointGenerator, Generator, LocalGenerator, Messages, chat
from bbcopilot.qa.stage import prompt_and_answer
from bbcopilot.report import StageResult
from bbcopilot.workspace import (
    Workspace, atomic_dir, atomic_write_json, atomic_write_text, code_version, content_hash, model_fingerprint, tree_hash,
)

EVALUATIONS = "evaluations"
PROMPTS_FILE = Path(__file__).parent / "data" / "eval_prompts.jsonl"
MODELS = ("base", "tuned")
QA_GROUPS = {"seen": "train", "held_out": "test"}  # group -> split of the question's document
PLOTS = ("bits_per_byte.png", "code_by_temperature.png", "qa_by_temperature.png")

QA_METRICS = ("token_f1", "rouge_l", "judge")
CODE_METRICS = ("code_rate", "compile_rate", "syntax_valid_rate", "api_hallucination_rate", "delphi_confusion_rate")
DEFINITIONS = {
    "bits_per_byte": "negative log-likelihood of the held-out test documents in bits per UTF-8 byte (lower is better)",
    "token_f1": "bag-of-tokens F1 of answer vs reference, tokens = lower-cased \\w+ runs, mean over questions",
    "rouge_l": "ROUGE-L F1 (longest common token subsequence) of answer vs reference, mean over questions",
    "judge": "judge model's grade 1-5 mapped to 0-1 ((g-1)/4), mean over the questions it graded",
    "code_rate": "share of coding prompts whose answer contains code (fenced block, else MODULE M; ... END M.)",
    "compile_rate": "share of coding prompts whose code BlackBox's own compiler accepts (no code = fails; a "
    "fragment is compiled wrapped in a module); judged by the lark checker when the toolchain is absent",
    "syntax_valid_rate": "share of coding prompts whose code passes our lark Component Pascal checker "
    "(syntax and cheap static rules only)",
    "api_hallucination_rate": "share of coding prompts whose code names what does not exist: the compiler's "
    "'undeclared identifier' / 'symbol file of imported module not found' (the API index's unknown M.x without a toolchain)",
    "delphi_confusion_rate": "share of coding prompts whose code shows any Pascal/Delphi habit the checker flags",
    "bench_compile_rate": "share of a suite's samples (n per test-split task) whose answer compiles as the task's module",
    "bench_pass@k": "unbiased pass@k (Chen et al. 2021) from n samples per task: a sample passes when every test "
    "case of its task passes in BlackBox's interpreter; mean over the suite's test-split tasks",
    "bench_hallucination_rate": "share of a suite's samples whose compile errors name an undeclared identifier or "
    "a module with no symbol file",
}
LOWER_IS_BETTER = {"bits_per_byte", "api_hallucination_rate", "delphi_confusion_rate", "bench_hallucination_rate"}

JUDGE_PROMPT = """Grade an answer to a question about Component Pascal and the BlackBox Component Builder.

Question:
{question}

Reference answer:
{reference}

Answer to grade:
{answer}

How correct and complete is the answer compared with the reference? Reply with one digit from 1 (wrong or
unrelated) to 5 (as correct and complete as the reference), nothing else."""


# ---------------------------------------------------------------- inputs


def prompts_hash(path: Path = PROMPTS_FILE) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def load_eval_prompts(limit: int = 0, path: Path = PROMPTS_FILE) -> list[dict[str, Any]]:
    """The coding prompts; `limit` of them spread evenly over the file (it is ordered by task kind)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not limit or limit >= len(rows):
        return rows
    return [rows[i * len(rows) // limit] for i in range(limit)]


def select_questions(qa_path: str, limit: int) -> dict[str, list[dict[str, Any]]]:
    """Per group, up to `limit` QA rows in a stable order that does not depend on the dataset's row order."""
    from datasets import load_from_disk

    dataset = load_from_disk(qa_path)
    groups = {}
    for group, split in QA_GROUPS.items():
        if split not in dataset or "origin" not in dataset[split].column_names:  # no split, or no rows at all
            groups[group] = []
            continue
        # Generated pairs only (a dialog's last answer is no reference); ordered by the ids alone, and
        # only the rows kept become Python objects.
        ids, origins = dataset[split]["id"], dataset[split]["origin"]
        order = sorted((i for i in range(len(ids)) if origins[i] == "generated"),
                       key=lambda i: hashlib.sha256(ids[i].encode("utf-8")).hexdigest())
        rows = dataset[split].select(order[:limit] if limit else order).to_list()
        groups[group] = [row | dict(zip(("question", "answer"), _question_and_answer(row))) for row in rows]
    return groups


def _question_and_answer(row: dict[str, Any]) -> tuple[str, str]:
    turns, answer = prompt_and_answer(row["messages"])
    return turns[-1]["content"], answer


# ---------------------------------------------------------------- bits per byte


def bits_per_byte(model: Any, tokenizer: Any, texts: list[str], max_length: int) -> list[tuple[float, int]]:
    """(bits, bytes) per text: every token after the first of each window is scored."""
    import torch

    scores = []
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        bits = 0.0
        for start in range(0, max(len(ids) - 1, 0), max_length - 1):
            window = torch.tensor([ids[start : start + max_length]], device=model.device)
            if window.shape[1] < 2:
                break
            with torch.no_grad():
                loss = model(window, labels=window).loss.item()  # mean NLL over window-1 predictions
            bits += loss * (window.shape[1] - 1) / math.log(2)
        # The first token of the text is never predicted: leave its bytes out too.
        scored = len(text.encode("utf-8")) - len(tokenizer.decode(ids[:1]).encode("utf-8"))
        scores.append((bits, max(scored, 1)))
    return scores


def _ratio(pairs: list[tuple[float, int]]) -> float:
    return sum(b for b, _ in pairs) / max(sum(n for _, n in pairs), 1)


# ---------------------------------------------------------------- generation and scoring


def generate(generator: Generator, conversations: Sequence[Messages], settings: EvalSettings, temperature: float) -> list[str]:
    """Answers in input order; generated in order of length (less padding per batch), seeded."""
    from transformers import set_seed

    set_seed(settings.seed)
    order = sorted(range(len(conversations)), key=lambda i: sum(len(m["content"]) for m in conversations[i]))
    answers = generator([conversations[i] for i in order], settings.max_new_tokens, temperature)
    out = [""] * len(conversations)
    for i, answer in zip(order, answers):
        out[i] = answer.strip()
    return out


def make_judge(settings: EvalSettings) -> Generator | None:
    if not settings.judge_endpoint:
        return None
    return EndpointGenerator(settings.judge_endpoint, settings.judge_model, settings.judge_api_key.get_secret_value())


def judge_grades(judge: Generator, rows: list[dict[str, Any]], answers: list[str]) -> list[int | None]:
    """The judge's 1-5 grade per answer (None where its reply holds no grade)."""
    conversations = [
        [{"role": "user", "content": JUDGE_PROMPT.format(question=r["question"], reference=r["answer"], answer=a)}]
        for r, a in zip(rows, answers)
    ]
    replies = judge(conversations, 8, 0.0)
    grades = [re.search(r"[1-5]", reply) for reply in replies]
    return [int(g.group(0)) if g else None for g in grades]


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return mean(present) if present else None


def score_code(prompts: list[dict[str, Any]], answers: list[str], index: ApiIndex,
               build: Path | None) -> tuple[dict[str, float], list[dict[str, Any]]]:
    verdicts = judge_answers(answers, index, build)
    n = max(len(verdicts), 1)
    figures = {
        "code_rate": sum(v.has_code for v in verdicts) / n,
        "compile_rate": sum(v.compiles for v in verdicts) / n,
        "syntax_valid_rate": sum(v.syntax_valid for v in verdicts) / n,
        "api_hallucination_rate": sum(v.hallucinated for v in verdicts) / n,
        "delphi_confusion_rate": sum(v.delphi_confused for v in verdicts) / n,
    }
    records = [
        {"kind": "prompt", "id": p["id"], "answer": a, "has_code": v.has_code, "compiles": v.compiles,
         "judged_by": v.judged_by, "errors": v.errors, "syntax_valid": v.syntax_valid,
         "hallucinations": v.hallucinations, "delphi": v.delphi}
        for p, a, v in zip(prompts, answers, verdicts)
    ]
    return figures, records


def bench_metric_names(suites: Sequence[str], ks: Sequence[int]) -> list[str]:
    return [f"{suite}_{m}" for suite in suites for m in ("compile_rate", *(f"pass@{k}" for k in ks), "hallucination_rate")]


def score_bench(suite: str, tasks: list[Task], answers: list[str], index: ApiIndex, build: Path,
                settings: EvalSettings) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Run each task's sampled answers (`answers`: n per task, in task order) against its tests."""
    n = settings.bench_samples
    jobs = [(tasks[j // n], metrics.extract_code(answer)) for j, answer in enumerate(answers)]
    outcomes = runner.run_samples(build, jobs, settings.run_timeout_s, settings.run_memory_mb)
    hallucinations = [
        compiler_hallucinations(runner.answer_module(task, code), CompileResult(task.module, False, outcome.errors), index)
        if outcome.status == "compile_error" else []
        for (task, code), outcome in zip(jobs, outcomes)
    ]
    figures = runner.suite_figures(tasks, [outcomes[i * n:(i + 1) * n] for i in range(len(tasks))], settings.bench_k,
                                   [[bool(h) for h in hallucinations[i * n:(i + 1) * n]] for i in range(len(tasks))])
    records = [
        {"kind": f"bench_{suite}", "id": task.id, "answer": answer, "status": outcome.status, "compiled": outcome.compiled,
         "passed": outcome.passed, "cases": outcome.cases, "detail": outcome.detail, "hallucinations": found}
        for (task, _), answer, outcome, found in zip(jobs, answers, outcomes, hallucinations)
    ]
    return {f"{suite}_{name}": value for name, value in figures.items()}, records


def score_qa(
    group: str, rows: list[dict[str, Any]], answers: list[str], judge: Generator | None
) -> tuple[dict[str, float | None], list[dict[str, Any]]]:
    f1 = [metrics.token_f1(a, r["answer"]) for r, a in zip(rows, answers)]
    rouge = [metrics.rouge_l(a, r["answer"]) for r, a in zip(rows, answers)]
    grades = judge_grades(judge, rows, answers) if judge is not None and rows else [None] * len(rows)
    figures = {f"qa_{group}_token_f1": _mean(f1), f"qa_{group}_rouge_l": _mean(rouge)}
    if judge is not None:
        figures[f"qa_{group}_judge"] = _mean([(g - 1) / 4 if g is not None else None for g in grades])
    records = [
        {"kind": f"qa_{group}", "id": r["id"], "answer": a, "token_f1": f, "rouge_l": rl, "judge_grade": g}
        for r, a, f, rl, g in zip(rows, answers, f1, rouge, grades)
    ]
    return figures, records


def generation_metric_names(judged: bool) -> list[str]:
    qa = [f"qa_{g}_{m}" for g in QA_GROUPS for m in QA_METRICS if judged or m != "judge"]
    return qa + list(CODE_METRICS)


# ---------------------------------------------------------------- the stage


def evaluation_dir(
    workspace: Workspace, documents: StageResult, qa: StageResult, base_model: str, tuned_model: str, settings: EvalSettings,
    toolchain: ToolchainSettings, revision: str | None = None,
) -> Path:
    # The coding prompts, the system prompt, the checker's grammar, the metrics and the local
    # generator count through the code version: the evaluation's code names them all. The benchmark's
    # tasks are data: their folder's content counts; so does which compiler judged (or that none could).
    version = content_hash(
        documents.version,
        qa.version,
        model_fingerprint(base_model, revision),
        model_fingerprint(tuned_model),
        settings.model_dump(mode="json", exclude={"judge_api_key"}),
        toolchain_problem(toolchain.bbcp_dir) or toolchain_version(toolchain),
        tree_hash(BENCH_DIR, skip=("__pycache__",)),
        code_version(evaluate_models),
    )
    return workspace.version_dir(EVALUATIONS, version)


def evaluate_models(
    workspace: Workspace, documents: StageResult, qa: StageResult, base_model: str, tuned_model: str, settings: EvalSettings,
    toolchain: ToolchainSettings, revision: str | None = None,
) -> StageResult:
    """Evaluate base and tuned model (`revision`: the base's hub revision); write metrics.json, report.md,
    answers.jsonl and plots."""
    from datasets import load_from_disk

    final = evaluation_dir(workspace, documents, qa, base_model, tuned_model, settings, toolchain, revision)
    test = load_from_disk(documents.path)["test"]
    if settings.max_texts:
        test = test.select(range(min(settings.max_texts, len(test))))
    # Only the texts scored become Python objects, with only the columns the scores need.
    test = test.select_columns(["text", "subsystem", "source"]).to_list()
    if not test:
        raise BBCopilotError(f"{documents.path}: the test split is empty; nothing to evaluate on")
    prompts = load_eval_prompts(settings.max_prompts)
    questions = select_questions(qa.path, settings.max_qa)
    # The whole BlackBox tree's API with the documents' modules: a real name is never counted as invented.
    index = api_index.distribution_index(workspace, toolchain, documents)
    judge = make_judge(settings)
    build, notice = toolchain_or_fallback(workspace, toolchain)
    # The benchmark needs the interpreter: without a toolchain it is not run (the notice says why).
    bench = {suite: evaluation_tasks(suite, settings.bench_tasks) for suite in settings.bench_suites} if build else {}

    # One conversation list per model and temperature: the coding prompts, each QA group, then each
    # benchmark suite's tasks, n times each (n samples).
    conversations = [chat(p["prompt"]) for p in prompts]
    spans = {"code": (0, len(prompts))}
    for group, rows in questions.items():
        spans[group] = (len(conversations), len(conversations) + len(rows))
        conversations += [chat(r["question"]) for r in rows]
    for suite, tasks in bench.items():
        spans[suite] = (len(conversations), len(conversations) + len(tasks) * settings.bench_samples)
        conversations += [chat(task_prompt(task)) for task in tasks for _ in range(settings.bench_samples)]

    bpb: dict[str, Any] = {"per_subsystem": defaultdict(dict)}
    generation: dict[str, dict[str, Any]] = {_t(t): {} for t in settings.temperatures}
    records: list[dict[str, Any]] = []
    for name, path in (("base", base_model), ("tuned", tuned_model)):
        generator = LocalGenerator(path, batch_size=settings.batch_size, revision=revision if name == "base" else None)
        scores = bits_per_byte(generator.model, generator.tokenizer, [row["text"] for row in test], settings.max_length)
        bpb[name] = _ratio(scores)
        grouped: dict[str, list[tuple[float, int]]] = defaultdict(list)
        for row, score in zip(test, scores):
            grouped[row["subsystem"] or row["source"]].append(score)
        for subsystem, pairs in grouped.items():
            bpb["per_subsystem"][subsystem][name] = _ratio(pairs)
        for temperature in settings.temperatures:
            answers = generate(generator, conversations, settings, temperature)
            figures, made = score_code(prompts, answers[slice(*spans["code"])], index, build)
            for group, rows in questions.items():
                qa_figures, qa_records = score_qa(group, rows, answers[slice(*spans[group])], judge)
                figures |= qa_figures
                made += qa_records
            for suite, tasks in bench.items():
                bench_figures, bench_records = score_bench(suite, tasks, answers[slice(*spans[suite])], index, build, settings)
                figures |= bench_figures
                made += bench_records
            generation[_t(temperature)][name] = figures
            records += [{"model": name, "temperature": temperature, **r} for r in made]
        del generator

    bpb["difference"] = bpb["tuned"] - bpb["base"]
    for pair in bpb["per_subsystem"].values():
        pair["difference"] = pair["tuned"] - pair["base"]
    names = generation_metric_names(judge is not None) + bench_metric_names(list(bench), settings.bench_k)
    for by_model in generation.values():
        by_model["difference"] = {m: _difference(by_model["base"].get(m), by_model["tuned"].get(m)) for m in names}
    spread = {
        model: {m: _spread([generation[_t(t)][model].get(m) for t in settings.temperatures]) for m in names}
        for model in MODELS
    }
    results: dict[str, Any] = {
        "inputs": {
            "documents": documents.version,
            "qa": qa.version,
            "prompts_file": PROMPTS_FILE.name,
            "prompts_sha256": prompts_hash(),
            "models": {"base": base_model, "tuned": tuned_model},
            "judge": settings.judge_model if judge is not None else None,
        },
        "settings": settings.model_dump(mode="json"),
        "counts": {
            "test_documents": len(test),
            "prompts": len(prompts),
            **{f"qa_{group}": len(rows) for group, rows in questions.items()},
            **{f"{suite}_tasks": len(tasks) for suite, tasks in bench.items()},
            "api_modules": len(index.modules),
        },
        "code_judge": {"judged_by": COMPILER if build else "checker", "notice": notice,
                       "bench": {"suites": list(bench), "samples": settings.bench_samples, "k": list(settings.bench_k)}},
        "bench_outcomes": _outcome_counts(records),
        "temperatures": list(settings.temperatures),
        "metrics": names,
        "bits_per_byte": {**bpb, "per_subsystem": dict(bpb["per_subsystem"])},
        "generation": generation,
        "temperature_spread": spread,
        "definitions": {k: v for k, v in DEFINITIONS.items() if k != "judge" or judge is not None},
    }
    with atomic_dir(final) as building:
        atomic_write_json(building / "metrics.json", results)
        atomic_write_text(building / "answers.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        plot(results, building)
        atomic_write_text(building / "report.md", render(results))
    workspace.set_latest(EVALUATIONS, final.name)
    return StageResult(EVALUATIONS, final.name, str(final), key_figures(results))


def _outcome_counts(records: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, int]]]:
    """How the benchmark's samples ended, per model and suite: passed, failed, compile_error, trap, timeout..."""
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for record in records:
        if record["kind"].startswith("bench_"):
            by_status = counts[record["model"]][record["kind"].removeprefix("bench_")]
            by_status[record["status"]] = by_status.get(record["status"], 0) + 1
    return {model: dict(suites) for model, suites in counts.items()}


def _t(temperature: float) -> str:
    return str(float(temperature))  # 0.2, 0.6, 1.0: the JSON keys and the report's labels


def _difference(base: float | None, tuned: float | None) -> float | None:
    return None if base is None or tuned is None else tuned - base


def _spread(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) - min(present) if present else None


def key_figures(results: dict[str, Any]) -> dict[str, Any]:
    """The handful of figures the run report shows (every figure is in metrics.json)."""
    first = _t(results["temperatures"][0])
    at = results["generation"][first]
    figures: dict[str, Any] = {
        "base_bpb": round(results["bits_per_byte"]["base"], 4),
        "tuned_bpb": round(results["bits_per_byte"]["tuned"], 4),
        **results["counts"],
    }
    figures.pop("api_modules")
    figures["code_judged_by"] = results["code_judge"]["judged_by"]
    shown = [("compile_rate", "compiles"), ("qa_held_out_token_f1", "held_out_f1"),
             *((f"{suite}_pass@1", f"{suite}_pass@1") for suite in results["code_judge"]["bench"]["suites"])]
    for metric, short in shown:
        for model in MODELS:
            value = at[model].get(metric)
            figures[f"{model}_{short}@T{first}"] = "-" if value is None else round(value, 3)
    return figures


# ---------------------------------------------------------------- figures as rows, report, plots


def figure_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure as a flat row (metric, subset, temperature, base, tuned, difference): tables and artifacts."""
    bpb = results["bits_per_byte"]
    rows = [{"metric": "bits_per_byte", "subset": "all", "temperature": "", "base": bpb["base"], "tuned": bpb["tuned"],
             "difference": bpb["difference"]}]
    for subsystem, pair in sorted(bpb["per_subsystem"].items()):
        rows.append({"metric": "bits_per_byte", "subset": subsystem, "temperature": "", **pair})
    for metric in results["metrics"]:
        for temperature in results["temperatures"]:
            at = results["generation"][_t(temperature)]
            rows.append({"metric": metric, "subset": "", "temperature": temperature,
                         **{k: at[k].get(metric) for k in (*MODELS, "difference")}})
    return rows


def _judge_line(results: dict[str, Any]) -> str:
    judge, counts = results["code_judge"], results["counts"]
    if judge["judged_by"] != COMPILER:
        return f"Code judged by the lark checker, benchmark not run: {judge['notice']}"
    bench = judge["bench"]
    suites = ", ".join(f"{suite} ({counts[f'{suite}_tasks']} test-split tasks)" for suite in bench["suites"])
    return (f"Code judged by BlackBox's own compiler; benchmark: {suites or 'none'}, {bench['samples']} samples "
            f"per task, pass@k for k = {', '.join(map(str, bench['k']))}.")


def _show(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def render(results: dict[str, Any]) -> str:
    counts, bpb = results["counts"], results["bits_per_byte"]
    lines = [
        f"Base `{results['inputs']['models']['base']}` vs tuned `{results['inputs']['models']['tuned']}`.",
        "",
        f"### Held-out bits per byte ({counts['test_documents']} test documents; lower is better)",
        "",
        "| subset | base | tuned | tuned - base |",
        "|---|---|---|---|",
        f"| all | {_show(bpb['base'])} | {_show(bpb['tuned'])} | {_show(bpb['difference'], True)} |",
    ]
    for subsystem, pair in sorted(bpb["per_subsystem"].items()):
        lines.append(f"| {subsystem} | {_show(pair['base'])} | {_show(pair['tuned'])} | {_show(pair['difference'], True)} |")
    lines += [
        "",
        f"### Generation at temperatures {', '.join(_t(t) for t in results['temperatures'])}",
        "",
        f"{counts['prompts']} coding prompts; QA questions on {counts['qa_seen']} training-split documents (seen) "
        f"and {counts['qa_held_out']} held-out test-split documents. "
        f"API index: {counts['api_modules']} modules.",
        "",
        _judge_line(results),
        "",
        "| metric | T | base | tuned | tuned - base |",
        "|---|---|---|---|---|",
    ]
    for row in figure_rows(results):
        if row["metric"] != "bits_per_byte":
            lines.append(f"| {row['metric']} | {_t(row['temperature'])} | {_show(row['base'])} | {_show(row['tuned'])} "
                         f"| {_show(row['difference'], True)} |")
    outcomes = results["bench_outcomes"]
    if outcomes:
        statuses = sorted({status for suites in outcomes.values() for by in suites.values() for status in by})
        lines += ["", "### How the benchmark's samples ended (all temperatures)", "",
                  "| model | suite | " + " | ".join(statuses) + " |", "|---|---|" + "---|" * len(statuses)]
        lines += [f"| {model} | {suite} | " + " | ".join(str(by.get(status, 0)) for status in statuses) + " |"
                  for model, suites in outcomes.items() for suite, by in suites.items()]
    spread = results["temperature_spread"]
    lines += [
        "",
        "### Stability across temperature (max - min over the temperatures; 0 = stable)",
        "",
        "| metric | base | tuned |",
        "|---|---|---|",
        *(f"| {m} | {_show(spread['base'][m])} | {_show(spread['tuned'][m])} |" for m in results["metrics"]),
        "",
        "### Definitions",
        "",
        *(f"- `{name}`: {text}" + (" (lower is better)" if name in LOWER_IS_BETTER - {"bits_per_byte"} else "")
          for name, text in results["definitions"].items()),
        "",
        "Plots: " + ", ".join(f"[{name}]({name})" for name in PLOTS) + "; every figure in `metrics.json`, "
        "every answer with its scores in `answers.jsonl`.",
    ]
    return "\n".join(lines)


def plot(results: dict[str, Any], folder: Path) -> None:
    """Bits per byte per subset, code rates and QA scores against temperature, base vs tuned."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bpb = results["bits_per_byte"]
    subsets = ["all", *sorted(bpb["per_subsystem"])]
    values = {m: [bpb[m], *(bpb["per_subsystem"][s][m] for s in subsets[1:])] for m in MODELS}
    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(subsets) + 2), 3.5))
    width = 0.4
    for offset, model in zip((-width / 2, width / 2), MODELS):
        ax.bar([i + offset for i in range(len(subsets))], values[model], width, label=model)
    ax.set_xticks(range(len(subsets)), subsets, rotation=30, ha="right")
    ax.set_ylabel("bits per byte (lower is better)")
    ax.set_title("Held-out bits per byte")
    ax.legend()
    fig.tight_layout()
    fig.savefig(folder / PLOTS[0], dpi=100)
    plt.close(fig)

    temperatures = results["temperatures"]
    qa_metrics = [m for m in results["metrics"] if m.startswith("qa_")]
    # Code rates in one row; QA scores one row per group (seen, held-out), one column per score.
    code_metrics = [m for m in results["metrics"] if not m.startswith("qa_")]
    for name, group, columns in ((PLOTS[1], code_metrics, len(CODE_METRICS)),
                                 (PLOTS[2], qa_metrics, len(qa_metrics) // len(QA_GROUPS))):
        rows_n = math.ceil(len(group) / columns)
        fig, axes = plt.subplots(rows_n, columns, figsize=(3.2 * columns, 2.8 * rows_n), squeeze=False)
        for ax, metric in zip(axes.flat, group):
            for model in MODELS:
                ys = [results["generation"][_t(t)][model].get(metric) for t in temperatures]
                ax.plot(temperatures, [math.nan if y is None else y for y in ys], marker="o", label=model)
            ax.set_title(metric, fontsize=9)
            ax.set_xlabel("temperature")
            ax.set_ylim(-0.05, 1.05)
            ax.set_xticks(temperatures)
        for ax in list(axes.flat)[len(group) :]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(folder / name, dpi=100)
        plt.close(fig)
