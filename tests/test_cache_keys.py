"""Cache keys: a change to one input gives new versions to exactly the stages that descend from it.

Each stage's version is computed by the function its Prefect task's cache key calls
(`task.cache_policy.locate`, the stage's own `<stage>_dir`/`<stage>_version`), wired as
the flows wire them, on a few real BlackBox documents. The conversion runs for real
(the documents' key reads its manifest); the models the training stages would make are
stood in for by the tiny model plus the version that made it (a trained model is a
function of its inputs). Code and prompt changes are made in a copy of the project's
packages, which the code hashing reads instead of the checkout (`workspace.CODE_ROOT`).
tests/test_pipeline.py runs the real flow once with one document touched.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from bbcopilot import sources, workspace
from bbcopilot.config import Settings, load_settings
from bbcopilot.datasets_build import CommunityFiles
from bbcopilot.report import StageResult
from tasks import datasets, training
from tasks import sources as source_tasks

SUBSET = ["Obx/Mod/Hello0.odc", "Obx/Docu/Hello0.odc", "Std/Mod/Log.odc", "Std/Docu/Log.odc", "Text/Mod/Models.odc", "Docu/Tut-1.odc"]
STAGES = {
    "corpus", "documents", "tiny", "chunks", "dialogs", "api-index", "qa", "coding-prompts", "sft-chunks", "sft-qa",
    "preferences", "dpo", "grpo", "evaluation", "export",
}
FROM_EVALUATION = {"evaluation", "export"}
FROM_GRPO = {"grpo", *FROM_EVALUATION}
FROM_DPO = {"dpo", *FROM_GRPO}
FROM_PREFERENCES = {"preferences", *FROM_DPO}
FROM_SFT_QA = {"sft-qa", *FROM_PREFERENCES}
# QA SFT trains on QA pairs, their task questions are coding prompts, the evaluation asks their questions.
FROM_QA = {"qa", "coding-prompts", *FROM_SFT_QA}
FROM_CHUNKS = {"chunks", "sft-chunks", *FROM_SFT_QA}
FROM_MODEL_WEIGHTS = {"qa", "coding-prompts", "sft-chunks", *FROM_SFT_QA}  # not chunks: the tokenizer is the same


def _copy_code(into: Path) -> Path:
    for package in workspace.PROJECT_PACKAGES:
        shutil.copytree(workspace.CODE_ROOT / package, into / package, ignore=shutil.ignore_patterns("__pycache__"))
    return into


@pytest.fixture(scope="module", autouse=True)
def frozen_code(tmp_path_factory):
    """The code hashing reads a snapshot of the project taken when the module starts: versions
    compared across tests see the same code even if the checkout is edited meanwhile."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workspace, "CODE_ROOT", _copy_code(tmp_path_factory.mktemp("code")))
        yield


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, blackbox_dir, tiny_model) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cache-keys")
    for relpath in SUBSET:
        (root / "blackbox" / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(blackbox_dir / relpath, root / "blackbox" / relpath)
    return {"root": root, "source": root / "blackbox", "workspace": root / "workspace", "model": tiny_model}


def _settings(inputs: dict[str, Path], overrides: dict | None = None) -> Settings:
    return load_settings("demo", {
        "workspace": str(inputs["workspace"]), "sources.blackbox_dir": str(inputs["source"]),
        "sources.telegram_exports": [], "sources.forum_mirror_dir": None, **(overrides or {}),
    })


def _located(task, **task_inputs) -> StageResult:
    """What the task's cache key names, as the stage result the next stage gets."""
    folder = Path(task.cache_policy.locate(**task_inputs))
    return StageResult(task.name, folder.name, str(folder))


def _trained_at(result: StageResult, model: Path) -> str:
    """Stand in for the model a stage would make at `result.path`: the tiny model and what made it."""
    folder = Path(result.path)
    if not folder.is_dir():
        shutil.copytree(model, folder)
        (folder / "made-by.txt").write_text(folder.name)
    return str(folder)


def stage_versions(settings: Settings, model: Path) -> dict[str, str]:
    """Every stage's version, through its task's cache key, wired like flows/refresh.py and flows/train.py."""
    files = sources.list_source_files(settings)
    corpus = sources.convert_corpus(workspace.Workspace(settings.workspace), files, settings.convert)
    assert _located(source_tasks.convert_corpus, settings=settings, files=files).version == corpus.version
    community = CommunityFiles(forum=(), telegram=())
    documents = _located(datasets.build_documents, settings=settings, corpus=corpus, community=community)
    found = {"corpus": corpus, "documents": documents}
    base = settings.model.base_model
    if settings.model.build_tiny:
        found["tiny"] = _located(datasets.build_tiny_model, settings=settings, documents=documents)
        base = _trained_at(found["tiny"], model)
    found["chunks"] = _located(datasets.build_chunks, settings=settings, documents=documents, model=base)
    found["dialogs"] = _located(datasets.build_dialogs, settings=settings, community=community)
    found["api-index"] = _located(datasets.build_api_index, settings=settings, documents=documents)
    qa = found["qa"] = _located(
        training.generate_qa, settings=settings, documents=documents, dialogs=found["dialogs"], model_path=base
    )
    found["coding-prompts"] = _located(training.build_coding_prompts, settings=settings, documents=documents, qa_pairs=qa)
    tuned = base
    for stage, task, data in (("sft-chunks", training.train_on_chunks, found["chunks"]), ("sft-qa", training.train_on_qa, qa)):
        found[stage] = _located(task, settings=settings, data=data, model_path=tuned)
        tuned = _trained_at(found[stage], model)
    found["preferences"] = _located(training.build_preferences, settings=settings, prompts=found["coding-prompts"],
                                    qa_pairs=qa, model_path=tuned)
    for stage, task, data in (("dpo", training.align_with_dpo, found["preferences"]),
                              ("grpo", training.train_with_grpo, found["coding-prompts"])):
        found[stage] = _located(task, settings=settings, data=data, model_path=tuned)
        tuned = _trained_at(found[stage], model)
    found["evaluation"] = _located(
        training.evaluate_models, settings=settings, documents=documents, qa_pairs=qa, base_model=base, tuned_model=tuned
    )
    lineage = [found[s] for s in ("documents", "chunks", "tiny", "qa", "coding-prompts", "sft-chunks", "sft-qa",
                                  "preferences", "dpo", "grpo", "evaluation") if s in found]
    found["export"] = _located(training.export_model, settings=settings, model=found["grpo"], lineage=lineage)
    return {stage: result.version for stage, result in found.items()}


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    assert before.keys() == after.keys()
    return {stage for stage in before if before[stage] != after[stage]}


@pytest.fixture(scope="module")
def baseline(inputs) -> dict[str, str]:
    versions = stage_versions(_settings(inputs), inputs["model"])
    assert versions.keys() == STAGES
    return versions


# ---------------------------------------------------------------- documents and settings


def test_nothing_changed_keeps_every_version(inputs, baseline):
    assert stage_versions(_settings(inputs), inputs["model"]) == baseline


def test_a_changed_document_reruns_all_that_reads_documents(inputs, baseline):
    source = inputs["root"] / "blackbox-touched"
    shutil.copytree(inputs["source"], source)
    document = source / "Obx/Mod/Hello0.odc"
    data = bytearray(document.read_bytes())
    at = data.index(b"Hello")  # a visible text byte: same structure, different text
    data[at : at + 5] = b"Howdy"
    document.write_bytes(bytes(data))
    after = stage_versions(_settings(inputs, {"sources.blackbox_dir": str(source)}), inputs["model"])
    assert changed(baseline, after) == STAGES - {"dialogs"}  # the community records did not change


@pytest.mark.parametrize(
    "override, reruns",
    [
        ({"datasets.chunk_tokens": 256}, FROM_CHUNKS),
        ({"datasets.test_fraction": 0.3}, STAGES - {"corpus"}),  # every split moves, dialogs' too
        ({"qa.temperature": 0.5}, FROM_QA),
        ({"model.tiny_hidden_size": 32}, {"tiny", *FROM_MODEL_WEIGHTS}),
        ({"eval.max_texts": 3}, FROM_EVALUATION),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_a_changed_setting_reruns_only_the_stages_it_shapes(inputs, baseline, override, reruns):
    assert changed(baseline, stage_versions(_settings(inputs, override), inputs["model"])) == reruns


# ---------------------------------------------------------------- code and prompts


def _append(text: str) -> str:
    return text + "\n\ndef _added_by_the_test():\n    return 1\n"


def _change_definition(name: str):
    """An edit that puts a statement at the top of the top-level function or class `name`."""

    def edit(text: str) -> str:
        node = next(n for n in ast.parse(text).body if getattr(n, "name", None) == name)
        first = node.body[0]
        lines = text.splitlines(keepends=True)
        lines.insert(first.lineno - 1, " " * first.col_offset + "_changed_by_the_test = True\n")
        return "".join(lines)

    return edit


@pytest.fixture
def code_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the project's packages that the code hashing reads; the checkout stays as it is."""
    monkeypatch.setattr(workspace, "CODE_ROOT", _copy_code(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    "relpath, edit, reruns",
    [
        ("bbcopilot/metrics.py", _append, FROM_EVALUATION),
        ("bbcopilot/chunks.py", _append, FROM_CHUNKS),
        ("bbcopilot/datasets_build.py", _change_definition("build_chunks"), FROM_CHUNKS),
        ("bbcopilot/datasets_build.py", _change_definition("build_dialogs"), {"dialogs", *FROM_QA}),  # QA SFT learns from the dialogs
        ("bbcopilot/corpus.py", _append, STAGES - {"corpus"}),
        ("bbcopilot/odc/decoders.py", _change_definition("_text"), STAGES - {"dialogs"}),  # the reader's text decoder
        ("bbcopilot/odc/decoders.py", _append, set()),  # a function nothing calls shapes nothing
        ("bbcopilot/llm.py", _change_definition("LocalGenerator"), FROM_QA),  # QA's generator, and the evaluation's
        ("bbcopilot/train/sft.py", _change_definition("train_on_qa"), FROM_SFT_QA),
        ("bbcopilot/train/preferences.py", _change_definition("own_failures"), FROM_PREFERENCES),
        ("bbcopilot/train/rewards.py", _change_definition("Rewards"), FROM_GRPO),
        # The tiny model carries the template; the chunks hold its tokens, which the template does not change.
        ("bbcopilot/prompts/chat_template.jinja", lambda text: text + "\n", STAGES - {"corpus", "documents", "dialogs", "api-index", "chunks"}),
        ("bbcopilot/qa/templates/api.jinja", lambda text: text + "\nBe brief.\n", FROM_QA),
        ("bbcopilot/qa/templates/_reply.jinja", lambda text: text + "\nBe brief.\n", FROM_QA),  # an included template
        ("bbcopilot/prompts/system.txt", lambda text: text + "\nBe brief.\n", FROM_QA),
        ("bbcopilot/data/eval_prompts.jsonl", lambda text: text + "\n", FROM_EVALUATION),
        # The QA filters judge code with the checker where the compiler is absent.
        ("bbcopilot/cpcheck/grammar.lark", lambda text: text + "\n// changed\n", {"api-index", *FROM_QA}),
        # Settings are keyed by their values, which the stages hash; the settings code is not.
        ("bbcopilot/config.py", _append, set()),
        ("bbcopilot/chunks.py", lambda text: text + "\n# a comment changes no code\n", set()),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_changed_code_or_data_reruns_only_the_stages_that_use_it(inputs, code_copy, relpath, edit, reruns):
    before = stage_versions(_settings(inputs), inputs["model"])
    path = code_copy / relpath
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert changed(before, stage_versions(_settings(inputs), inputs["model"])) == reruns


def test_the_evaluation_code_covers_the_local_generator_it_runs(code_copy):
    # Through the DAG a generator change also reaches the evaluation via QA; its own key must see it too.
    from bbcopilot import evaluate

    before = workspace.code_version(evaluate.evaluate_models)
    path = code_copy / "bbcopilot/llm.py"
    path.write_text(_change_definition("LocalGenerator")(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert workspace.code_version(evaluate.evaluate_models) != before


# ---------------------------------------------------------------- models


def test_another_base_model_reruns_what_it_generates_or_trains(inputs, tmp_path):
    from bbcopilot.tiny_model import build_tiny_model
    from conftest import TINY_TEXTS

    other = build_tiny_model(TINY_TEXTS, tmp_path / "other", vocab_size=600, seed=1)  # same tokenizer, other weights
    local = {"model.build_tiny": False}
    before = stage_versions(_settings(inputs, local | {"model.base_model": str(inputs["model"])}), inputs["model"])
    after = stage_versions(_settings(inputs, local | {"model.base_model": str(other)}), inputs["model"])
    assert changed(before, after) == FROM_MODEL_WEIGHTS


def test_a_rebuilt_identical_tiny_model_keeps_every_version(inputs, tmp_path):
    from bbcopilot.tiny_model import build_tiny_model
    from conftest import TINY_TEXTS

    rebuilt = build_tiny_model(TINY_TEXTS, tmp_path / "rebuilt", vocab_size=600)  # another folder, new file times
    local = {"model.build_tiny": False}
    before = stage_versions(_settings(inputs, local | {"model.base_model": str(inputs["model"])}), inputs["model"])
    after = stage_versions(_settings(inputs, local | {"model.base_model": str(rebuilt)}), inputs["model"])
    assert after == before  # QA, every training stage and the evaluation included


def _hub_snapshot(cache: Path, repo: str, commit: str) -> None:
    """A model in a hub cache laid out as huggingface_hub lays it out, `main` pointing at `commit`."""
    folder = cache / f"models--{repo.replace('/', '--')}"
    (folder / "snapshots" / commit).mkdir(parents=True)
    (folder / "snapshots" / commit / "config.json").write_text('{"model_type": "qwen2"}')
    (folder / "refs").mkdir(exist_ok=True)
    (folder / "refs" / "main").write_text(commit)


def test_a_hub_model_is_keyed_by_the_commit_its_revision_resolves_to(inputs, tmp_path, monkeypatch):
    from huggingface_hub import constants

    cache = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    hub = {"model.build_tiny": False, "model.base_model": "bbcopilot-test/coder"}
    first, second = "a" * 40, "b" * 40

    uncached = stage_versions(_settings(inputs, hub), inputs["model"])
    assert changed(uncached, stage_versions(_settings(inputs, hub | {"model.revision": "v2"}), inputs["model"])) == {
        "chunks", *FROM_MODEL_WEIGHTS
    }, "not cached: keyed by name and revision"

    _hub_snapshot(cache, "bbcopilot-test/coder", first)
    on_first = stage_versions(_settings(inputs, hub), inputs["model"])
    _hub_snapshot(cache, "bbcopilot-test/coder", second)  # a new upload to main, downloaded
    on_second = stage_versions(_settings(inputs, hub), inputs["model"])
    assert changed(on_first, on_second) == {"chunks", *FROM_MODEL_WEIGHTS}  # its tokenizer may have changed too
    pinned = stage_versions(_settings(inputs, hub | {"model.revision": first}), inputs["model"])
    assert pinned == on_first, "a revision pinned to the first commit is the first model"


def test_a_stage_that_makes_its_artefact_elsewhere_than_its_key_says_fails(tmp_path):
    from tasks.caching import artefact_task

    @artefact_task(lambda folder, made: tmp_path / folder)
    def stage(folder: str, made: str | None) -> StageResult:
        return StageResult("stage", "v", made)

    assert stage.fn("a", str(tmp_path / "a")).path == str(tmp_path / "a")
    assert stage.fn("a", None).path is None  # made nothing (a skipped input)
    with pytest.raises(RuntimeError, match="its cache key names"):
        stage.fn("a", str(tmp_path / "b"))
