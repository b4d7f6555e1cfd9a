"""The QA stage end to end: real BlackBox documents, a real OpenAI-compatible server (the tests' scripted
one, and `bbcopilot.server` with the tiny model), the real compiler, the request cache on disk."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from datasets import load_from_disk

from bbcopilot.config import ModelSettings, QASettings, ToolchainSettings
from bbcopilot.datasets_build import DIALOGS, DOCUMENTS
from bbcopilot.hfdata import save_version
from bbcopilot.qa import prompts
from bbcopilot.qa.cache import CACHE
from bbcopilot.qa.stage import QA, build_qa
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace
from tests.chat_server import ChatServer, Reply
from tests.conftest import BBCP

# (relpath, group, split): a module source and its documentation page for training, one module held out.
DOCUMENTS_USED = [("Std/Mod/Log.odc", "module:StdLog", "train"), ("Std/Docu/Log.odc", "module:StdLog", "train"),
                  ("Std/Docu/Api.odc", "module:StdApi", "test")]
DIALOG_ROWS = [
    {"id": "forum:7", "source": "forum", "split": "train", "messages": [
        {"role": "user", "content": "Как вывести число в Log в BlackBox?"},
        {"role": "assistant", "content": "Используйте StdLog.Int(x), затем StdLog.Ln, чтобы перевести строку."}]},
    {"id": "telegram:chat:3", "source": "telegram", "split": "train", "messages": [
        {"role": "user", "content": "Привет"}, {"role": "assistant", "content": "+1"}]},
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, build, tiny_model):
    """A workspace with a documents dataset of real BlackBox documents, a dialogs dataset, and a toolchain."""
    from bbcopilot.convert import convert_file

    workspace = Workspace(tmp_path_factory.mktemp("qa-ws"))
    rows = []
    for relpath, group, split in DOCUMENTS_USED:
        if not (BBCP / relpath).is_file():
            pytest.skip(f"{BBCP / relpath} is absent (../shared/bbcp not beside the project)")
        converted = convert_file(BBCP / relpath, BBCP, "plain")
        meta = converted.meta
        rows.append({"id": meta.relpath, "source": "blackbox", "text": converted.text, "kind": meta.kind,
                     "module": meta.module or "", "subsystem": meta.subsystem, "title": meta.title, "language": "en",
                     "group": group, "split": split, "licence": "bsd-2-clause"})
    card = {"languages": ["en"], "licences": {}, "summary": "test"}
    save_version(workspace, DOCUMENTS, "docs1", rows, card=card, manifest={})
    save_version(workspace, DIALOGS, "dialogs1", DIALOG_ROWS, card=card, manifest={})
    shutil.copytree(build, workspace.root / "toolchain" / build.name)  # the session's build, not a second one
    return {
        "workspace": workspace,
        "documents": StageResult(DOCUMENTS, "docs1", str(workspace.version_dir(DOCUMENTS, "docs1"))),
        "dialogs": StageResult(DIALOGS, "dialogs1", str(workspace.version_dir(DIALOGS, "dialogs1"))),
        "model": str(tiny_model),
        "documents_rows": rows,
    }


@pytest.fixture(autouse=True)
def fresh_cache(inputs):
    """Each test starts with no finished request and no qa dataset."""
    for folder in (CACHE, QA):
        shutil.rmtree(inputs["workspace"].root / folder, ignore_errors=True)


def kind_of(prompt: str) -> str:
    if "small programming task" in prompt:
        return "task"
    if "teach" in prompt and "where a name belongs" in prompt:
        return "boundary"
    return "api"


def subject(prompt: str) -> tuple[str, str, str]:
    """(module, subsystem, a name the span declares) as the prompt states them."""
    module = re.search(r"Module: (\w+)\.", prompt)
    subsystem = re.search(r"Subsystem: (\w+)\.", prompt).group(1)
    declares = re.search(r"This part declares: ([\w.]+)", prompt)
    title = re.search(r"Title: (\w+)", prompt)
    return (module.group(1) if module else title.group(1)), subsystem, (declares.group(1) if declares else "String")


def pairs(*items: tuple[str, str]) -> str:
    return json.dumps({"pairs": [{"question": q, "answer": a} for q, a in items]})


def teacher(call) -> Reply:
    """A generator that knows BlackBox: grounded pairs, except that a task's first reply is not JSON."""
    prompt = call.body["messages"][0]["content"]
    if "Reply again with only one JSON object" in call.prompt:  # a repair request: now valid
        return Reply(pairs((
            "Write a Component Pascal module that uses StdLog to write the number 42 to the log.",
            "```pascal\nMODULE BbWrite;\n\tIMPORT StdLog;\n\tPROCEDURE Do*;\n\tBEGIN\n\t\tStdLog.Int(42); StdLog.Ln\n"
            "\tEND Do;\nEND BbWrite.\n```",
        )))
    if call.body["messages"][0]["role"] == "system":  # an ungrounded question: answered without the span
        return Reply("Use writeln(42), as in any Pascal.")
    module, subsystem, name = subject(prompt)
    kind = kind_of(prompt)
    if kind == "task":
        return Reply("Sure! Here is a task for you: write a module.")
    if kind == "boundary":
        return Reply(pairs((
            f"Is {module}.{name} a built-in procedure of Component Pascal?",
            f"No. {name} is not built into Component Pascal; it belongs to the module {module} of the {subsystem} "
            f"subsystem of the BlackBox Component Builder.",
        )))
    return Reply(pairs((
        f"What does the procedure {name} of the module {module} do?",
        f"The module {module} exports {name}; it writes to the log of the BlackBox Component Builder.",
    )))


def settings(server: ChatServer, **changes) -> QASettings:
    values = {"endpoint": server.url, "endpoint_model": "scripted", "api_key": "sk-never-logged", "concurrency": 4,
              "max_retries": 1, "request_timeout_s": 5, "span_tokens": 1024, "context_window": 4096,
              "max_new_tokens": 256, "pairs_per_request": 1, "repair_attempts": 1}
    return QASettings(**values | changes)


def run_stage(inputs, qa_settings: QASettings) -> StageResult:
    return build_qa(inputs["workspace"], inputs["documents"], inputs["dialogs"], inputs["model"], qa_settings,
                    ModelSettings(device="cpu"), ToolchainSettings(bbcp_dir=BBCP))


def test_pairs_over_every_span_are_repaired_filtered_and_saved_in_chat_form_with_provenance(inputs):
    with ChatServer(teacher) as server:
        result = run_stage(inputs, settings(server, tokenizer=inputs["model"]))
    figures = result.figures
    generation_calls = [c for c in server.calls if c.body["messages"][0]["role"] == "user"]
    assert figures["requests"] == figures["spans"] * 3 > 3  # every span, every kind
    assert figures["cached"] == 0 and figures["failed"] == 0
    tasks = figures["spans"]
    assert len(generation_calls) == figures["requests"] + tasks  # each task's invalid reply was sent back once
    assert figures["valid_json"] == figures["requests"] and figures["invalid_json"] == 0
    repaired = [c for c in generation_calls if "could not be used: no JSON object" in c.prompt]
    assert len(repaired) == tasks
    assert all(c.body.get("response_format", {}).get("type") == "json_schema" for c in generation_calls)

    data = load_from_disk(result.path)
    rows = [r for split in data for r in data[split]]
    generated = [r for r in rows if r["origin"] == "generated"]
    assert generated and figures["pairs_kept"] == len(generated) <= figures["pairs_generated"]
    by_document = {r["id"]: r for r in inputs["documents_rows"]}
    for row in generated:
        document = by_document[row["document_id"]]
        assert row["split"] == document["split"]
        assert [m["role"] for m in row["messages"]] == ["user", "assistant"]
        provenance = row["provenance"]
        assert provenance["document"] == document["id"] and provenance["template"] == row["kind"]
        assert provenance["template_hash"] == prompts.template_hash(row["kind"])
        assert document["text"][provenance["span_start"]:provenance["span_end"]]  # a real span of it
        assert provenance["temperature"] == 0.7 and provenance["generated_at"]
    assert {r["kind"] for r in generated} >= {"api", "boundary"}
    # The DPO negative: the kept training questions asked again without their span, as training asks them.
    train_pairs = [r for r in generated if r["split"] == "train"]
    assert train_pairs and all(r["rejected"] == "Use writeln(42), as in any Pascal." for r in train_pairs)
    assert all(r["rejected"] == "" for r in generated if r["split"] != "train")
    # Human dialogs beside the pairs, through their own filters: the one with no real answer is dropped.
    assert [r["id"] for r in rows if r["origin"] != "generated"] == ["forum:7"]

    report = (Path(result.path) / "report.md").read_text()
    assert f"{figures['spans']} spans" in report and "Valid JSON" in report
    assert "Generated pairs per filter" in report and "Human dialogs per filter" in report
    manifest = json.loads((Path(result.path) / "manifest.json").read_text())
    assert manifest["filters"] and manifest["templates"]["api"] == prompts.template_hash("api")
    assert "sk-never-logged" not in report + json.dumps(manifest)


def test_a_rerun_sends_no_request_and_a_changed_template_regenerates_only_its_own_pairs(inputs, tmp_path, monkeypatch):
    with ChatServer(teacher) as server:
        first = run_stage(inputs, settings(server))
        sent = len(server.calls)
        saved = run_stage(inputs, settings(server))  # the dataset itself, found by its version
        assert saved.cached and saved.figures["preference_pairs"] == first.figures["preference_pairs"] > 0
        shutil.rmtree(first.path)  # not the dataset: the requests must come from the cache
        again = run_stage(inputs, settings(server))
        assert len(server.calls) == sent and again.figures["cached"] == again.figures["requests"]
        assert again.version == first.version and again.figures["pairs_kept"] == first.figures["pairs_kept"]

        copy = shutil.copytree(prompts.TEMPLATES, tmp_path / "templates")
        (copy / "boundary.jinja").write_text((copy / "boundary.jinja").read_text() + "\nName the subsystem too.\n")
        monkeypatch.setattr(prompts, "TEMPLATES", copy)
        prompts._environment.cache_clear()
        try:
            # Another filter setting makes another version; the requests are what the cache decides.
            changed = run_stage(inputs, settings(server, min_question_chars=13))
        finally:
            prompts._environment.cache_clear()
    resent = server.calls[sent:]
    assert resent and all("Name the subsystem too." in c.prompt for c in resent if c.body["messages"][0]["role"] == "user")
    assert len([c for c in resent if c.body["messages"][0]["role"] == "user"]) == first.figures["spans"]
    assert changed.figures["cached"] == changed.figures["requests"] - first.figures["spans"]


def test_a_server_that_dies_mid_run_loses_nothing_finished_and_the_rerun_asks_only_for_the_rest(inputs):
    def dies_after_four(call) -> Reply:
        return Reply(die=True) if call.index == 4 else teacher(call)

    with ChatServer(dies_after_four) as server:
        broken = run_stage(inputs, settings(server, max_retries=0, repair_attempts=0, ungrounded_rejected=False))
    assert broken.figures["failed"] > 0
    assert any("connection" in reason or "failed" in reason for _, reason in broken.skipped)
    finished = broken.figures["requests"] - broken.figures["failed"]
    with ChatServer(teacher) as server:
        rerun = run_stage(inputs, settings(server, max_retries=0, repair_attempts=0, ungrounded_rejected=False,
                                           min_question_chars=13))
    assert rerun.figures["cached"] == finished
    assert len(server.calls) == broken.figures["failed"]
    assert rerun.figures["failed"] == 0


def test_a_reply_that_stays_invalid_is_counted_failed_with_its_raw_text_kept(inputs):
    def never_json(call) -> Reply:
        return Reply("Component Pascal is a language. MODULE" if call.body["messages"][0]["role"] == "user" else "no")

    with ChatServer(never_json) as server:
        result = run_stage(inputs, settings(server))
    assert result.figures["valid_json"] == 0 and result.figures["invalid_json"] == result.figures["requests"]
    manifest = json.loads((Path(result.path) / "manifest.json").read_text())
    assert all(f["raw"] == "Component Pascal is a language. MODULE" for f in manifest["failures"])
    assert result.figures["pairs_kept"] == 0 and result.figures["dialogs_kept"] == 1
    report = (Path(result.path) / "report.md").read_text()
    assert "**Warning:** only 0 of" in report


def test_the_tiny_model_behind_the_local_server_takes_the_server_path(inputs):
    """The demo's path: no endpoint set, the base model served locally; in 16 tokens its constrained
    replies are cut off before their JSON ends, so each is sent back once."""
    qa_settings = QASettings(serve_locally=True, concurrency=2, span_tokens=512, context_window=2048, max_new_tokens=16,
                             pairs_per_request=1, repair_attempts=1, max_documents=1, question_kinds=["api"])
    result = run_stage(inputs, qa_settings)
    figures = result.figures
    assert figures["sent"] == 2 * figures["requests"]  # each invalid reply sent back once
    assert figures["valid_json"] + figures["invalid_json"] == figures["requests"] > 0


def test_a_judge_endpoint_drops_the_pairs_whose_claims_it_finds_unsupported(inputs):
    def judge(call) -> Reply:
        # The pair to check comes last in the prompt; boundary questions are judged unsupported.
        pair = call.prompt.rsplit("Now the pair to check.", 1)[1]
        if "built-in" in pair:
            return Reply(json.dumps({"supported": False, "unsupported_claims": ["it belongs to the module"]}))
        return Reply(json.dumps({"supported": True, "unsupported_claims": []}))

    with ChatServer(teacher) as generator, ChatServer(judge) as judge_server:
        judged = run_stage(inputs, settings(generator, judge_endpoint=judge_server.url, judge_model="judge",
                                            judge_api_key="sk-judge-never-logged", ungrounded_rejected=False))
    data = load_from_disk(judged.path)
    kinds = {r["kind"] for split in data for r in data[split] if r["origin"] == "generated"}
    assert "boundary" not in kinds and "api" in kinds
    assert judge_server.calls and all(c.headers["authorization"] == "Bearer sk-judge-never-logged" for c in judge_server.calls)
    report = (Path(judged.path) / "report.md").read_text()
    assert "it belongs to the module" in report and "sk-judge-never-logged" not in report


def test_fully_offline_the_base_model_generates_in_process(inputs):
    qa_settings = QASettings(serve_locally=False, span_tokens=512, context_window=2048, max_new_tokens=8,
                             pairs_per_request=1, repair_attempts=0, max_documents=1, question_kinds=["api"])
    result = run_stage(inputs, qa_settings)
    assert result.figures["sent"] == result.figures["requests"] > 0
    assert result.figures["valid_json"] + result.figures["invalid_json"] == result.figures["requests"]
