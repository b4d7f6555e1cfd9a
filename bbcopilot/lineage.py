"""Lineage a person can read: what made a model, from the source files on.

Every model folder's `lineage.json` holds, besides its figures and validation losses:

- `graph`: every artefact of its chain, `{stage: {"version", "path", "from": [stages]}}`, from the
  source files' corpus through the datasets (read back from each dataset's `manifest.json`, which
  names the versions it was made of) and each model it was trained from;
- `sources`: the corpus version, each converted source file (path, source, content sha256, the
  converted document's key), the files the conversion failed on, and the forum and Telegram
  record files with their sha256;
- `datasets`: the dataset versions of the chain, `base_model` and its fingerprint, `settings`
  (secrets masked), `code_version` of the stage, `flow_run_id` (null outside a Prefect run).

A lineage is self-contained: `bbcopilot lineage` reads only this file, so it works on an export
copied away from its workspace. `tree` draws the chain, `diff` says what differs between two.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bbcopilot.datasets_build import CHUNKS, DIALOGS, DOCUMENTS
from bbcopilot.errors import BBCopilotError
from bbcopilot.report import StageResult
from bbcopilot.sources import CONVERTED, CORPUS
from bbcopilot.workspace import LATEST, Workspace, model_fingerprint, read_jsonl

log = logging.getLogger(__name__)
LINEAGE = "lineage.json"
QA, CODING_PROMPTS, PREFERENCES = "datasets/qa", "datasets/coding-prompts", "datasets/preferences"
BASE = "base"  # a hub model at the root of a chain
# The keys of a dataset's manifest that name another dataset's version, and the models it names by path.
MANIFEST_DATASETS = {"documents": DOCUMENTS, "dialogs": DIALOGS, "chunks": CHUNKS, "qa": QA, "coding_prompts": CODING_PROMPTS}
MANIFEST_MODELS = ("model", "tokenizer")
COMMUNITY = "community"  # the forum and Telegram record files, one node of the graph


class LineageError(BBCopilotError):
    """A folder without a readable lineage."""


def flow_run_id() -> str | None:
    """The Prefect flow run this runs in, if any; read lazily so a plain stage needs no Prefect."""
    try:
        from prefect.runtime import flow_run
    except ImportError:
        return None
    return flow_run.id


def node(stage: str, version: str, path: str, inputs: list[str]) -> dict[str, Any]:
    return {"stage": stage, "version": version, "path": path, "from": inputs}


def _stage_of(workspace: Workspace, path: str) -> tuple[str, str] | None:
    """(stage, version) of a version folder inside the workspace, else None."""
    folder = Path(path).resolve()
    try:
        relative = folder.relative_to(workspace.root.resolve())
    except ValueError:
        return None
    return (relative.parent.as_posix(), folder.name) if len(relative.parts) >= 2 else None


def model_graph(workspace: Workspace, model_path: str, revision: str | None) -> tuple[str, dict[str, dict[str, Any]]]:
    """(its stage, the graph) of the model a stage starts from: a trained model's own lineage graph, a
    workspace model without one (the tiny model) as a leaf, a hub id as the `base` leaf."""
    lineage = Path(model_path) / LINEAGE
    if lineage.is_file():
        recorded = json.loads(lineage.read_text(encoding="utf-8"))
        if "graph" in recorded:
            return recorded["stage"], recorded["graph"]
    fingerprint = model_fingerprint(model_path, revision)
    where = _stage_of(workspace, model_path)
    if where is None:
        return BASE, {BASE: node(BASE, fingerprint, model_path, []) | {"fingerprint": fingerprint}}
    return where[0], {where[0]: node(where[0], where[1], str(model_path), []) | {"fingerprint": fingerprint}}


def dataset_graph(workspace: Workspace, stage: str, version: str, revision: str | None = None) -> dict[str, dict[str, Any]]:
    """A dataset and everything its manifest (and theirs) names: datasets by version, models by path,
    the documents' corpus and community files."""
    folder = workspace.version_dir(stage, version)
    manifest_file = folder / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.is_file() else {}
    graph: dict[str, dict[str, Any]] = {}
    inputs = []
    for key, upstream in MANIFEST_DATASETS.items():
        if manifest.get(key):
            graph |= dataset_graph(workspace, upstream, manifest[key], revision)
            inputs.append(upstream)
    for key in MANIFEST_MODELS:
        if manifest.get(key):
            model_stage, found = model_graph(workspace, manifest[key], revision)
            graph |= found
            inputs.append(model_stage)
    if "inputs" in manifest:  # the documents: converted source files
        corpus = corpus_of(workspace, manifest["inputs"])
        if corpus is not None:
            graph[CORPUS] = node(CORPUS, corpus, str(workspace.version_dir(CORPUS, corpus)), [])
            inputs.append(CORPUS)
    if manifest.get("community"):
        graph[COMMUNITY] = node(COMMUNITY, "", "", [])
        inputs.append(COMMUNITY)
    graph[stage] = node(stage, version, str(folder), inputs)
    return graph


def corpus_of(workspace: Workspace, converted_keys: list[str]) -> str | None:
    """The corpus version whose converted documents are exactly these (LATEST first, then newest)."""
    wanted = set(converted_keys)
    latest = workspace.latest(CORPUS)
    versions = workspace.versions(CORPUS)
    for version in ([latest] if latest else []) + versions[::-1]:
        manifest = workspace.version_dir(CORPUS, version) / "manifest.jsonl"
        if manifest.is_file() and {Path(o["document"]).parent.name for o in read_jsonl(manifest) if o["document"]} == wanted:
            return version
    return None


def sources_of(workspace: Workspace, documents_version: str | None) -> dict[str, Any]:
    """The source files behind a documents version: each converted file with its content hash,
    the files the conversion failed on, and the forum and Telegram record files."""
    if documents_version is None:
        return {"corpus": None, "files": [], "failed": [], "community": []}
    manifest_file = workspace.version_dir(DOCUMENTS, documents_version) / "manifest.json"
    if not manifest_file.is_file():
        # The model is made already: its lineage says what it cannot name rather than losing it.
        missing = f"{manifest_file}: not found, the source files are not named (was the documents version pruned?)"
        log.warning("lineage: %s", missing)
        return {"corpus": None, "files": [], "failed": [], "community": [], "missing": missing}
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    files = []
    for key in manifest["inputs"]:
        document = workspace.version_dir(CONVERTED, key) / "document.json"
        record = json.loads(document.read_text(encoding="utf-8"))
        files.append({"relpath": record["meta"]["relpath"], "source": record["source"], "sha256": record["sha256"],
                      "converted": key})
    corpus = corpus_of(workspace, manifest["inputs"])
    failed = []
    if corpus is not None:
        outcomes = read_jsonl(workspace.version_dir(CORPUS, corpus) / "manifest.jsonl")
        failed = [{"relpath": o["relpath"], "reason": o["failure"]} for o in outcomes if o["failure"]]
    community = [{"file": name, "sha256": sha256} for name, sha256 in manifest.get("community", [])]
    return {"corpus": corpus, "files": sorted(files, key=lambda f: (f["source"], f["relpath"])), "failed": failed,
            "community": community}


def section_settings(**sections: BaseModel) -> dict[str, Any]:
    """Settings sections as JSON for a lineage, every secret masked (pydantic writes `**********`)."""
    return {name: section.model_dump(mode="json") for name, section in sections.items()}


def datasets_of(graph: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {stage: entry["version"] for stage, entry in sorted(graph.items()) if stage.startswith("datasets/")}


def model_lineage(
    workspace: Workspace, stage: str, version: str, dataset: StageResult, model_path: str, revision: str | None,
    code: str, settings: dict[str, Any],
) -> dict[str, Any]:
    """The lineage fields of a trained model: its graph (its dataset's chain and its starting model's),
    sources, dataset versions, base model, settings (JSON, secrets masked by the caller's dump), code."""
    start, graph = model_graph(workspace, model_path, revision)
    graph = graph | dataset_graph(workspace, dataset.stage, dataset.version, revision)
    graph[stage] = node(stage, version, str(workspace.version_dir(stage, version)), [start, dataset.stage])
    documents = graph.get(DOCUMENTS, {}).get("version")
    fingerprint = graph[start].get("fingerprint") or model_fingerprint(model_path, revision)
    return {
        "stage": stage, "version": version, "graph": graph, "sources": sources_of(workspace, documents),
        "datasets": datasets_of(graph), "base_model_fingerprint": fingerprint,
        "settings": settings, "code_version": code, "flow_run_id": flow_run_id(),
    }


def export_lineage(
    workspace: Workspace, stage: str, version: str, model: StageResult, made_from: list[StageResult],
    settings: dict[str, Any], code: str,
) -> dict[str, Any]:
    """The lineage fields of an export: the model's graph, the evaluation and anything else it was
    made from that the graph lacks, and the export itself on top."""
    from bbcopilot.evaluate import EVALUATIONS

    recorded = read_lineage(Path(model.path)) if (Path(model.path) / LINEAGE).is_file() else {}
    graph = dict(recorded.get("graph") or {model.stage: node(model.stage, model.version, model.path, [])})
    for result in made_from:
        if result.stage not in graph:
            inputs = [s for s in (model.stage, QA, DOCUMENTS) if s in graph] if result.stage == EVALUATIONS else []
            graph[result.stage] = node(result.stage, result.version, result.path, inputs)
    graph[stage] = node(stage, version, str(workspace.version_dir(stage, version)),
                        [model.stage, *([EVALUATIONS] if EVALUATIONS in graph else [])])
    base = next((e for e in graph.values() if "fingerprint" in e), None)  # the model at the root of the chain
    return {
        "stage": stage, "version": version, "graph": graph,
        "sources": recorded.get("sources") or sources_of(workspace, graph.get(DOCUMENTS, {}).get("version")),
        "datasets": datasets_of(graph), "base_model": base["path"] if base else None,
        "base_model_fingerprint": base["fingerprint"] if base else None,
        "settings": settings, "code_version": code, "flow_run_id": flow_run_id(),
    }


def read_lineage(folder: Path) -> dict[str, Any]:
    """A model folder's lineage, with one clear error for a folder without one (or from before graphs).
    A stage's LATEST pointer stands for the version it names."""
    if folder.name == LATEST and folder.is_file():
        folder = folder.parent / folder.read_text(encoding="utf-8").strip()
    path = folder / LINEAGE
    if not folder.is_dir():
        raise LineageError(f"{folder}: no such folder")
    if not path.is_file():
        raise LineageError(f"{folder}: no {LINEAGE}; only a model or export folder that bbcopilot made has a lineage")
    try:
        lineage = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise LineageError(f"{path}: not valid JSON ({err})") from None
    if "graph" not in lineage:
        raise LineageError(f"{path}: written before lineages named their chain; train (or export) it again to get one")
    return lineage


# ---------------------------------------------------------------- reading it


def label(entry: dict[str, Any]) -> str:
    return f"{entry['stage']} {entry['version']}".strip() if entry["stage"] != BASE else f"base model {entry['path']}"


def walk(lineage: dict[str, Any]):
    """(depth, stage, seen before) of the chain from the lineage's own stage down, depth first; a stage
    reached again is named, not expanded again."""
    graph, seen = lineage["graph"], set()

    def visit(stage: str, depth: int):
        yield depth, stage, stage in seen
        if stage in seen:
            return
        seen.add(stage)
        for upstream in graph[stage]["from"]:
            yield from visit(upstream, depth + 1)

    yield from visit(lineage["stage"], 0)


def source_lines(lineage: dict[str, Any], stage: str) -> list[str]:
    """The files under a corpus or community node: each with the start of its content hash."""
    sources = lineage["sources"]
    if stage == DOCUMENTS and sources.get("missing"):
        return [sources["missing"]]
    if stage == CORPUS:
        return ([f"{f['relpath']} ({f['source']}) sha256 {f['sha256'][:12]}" for f in sources["files"]]
                + [f"{f['relpath']}: not converted ({f['reason']})" for f in sources["failed"]])
    if stage == COMMUNITY:
        return [f"{f['file']} sha256 {f['sha256'][:12]}" for f in sources["community"]]
    return []


def tree(lineage: dict[str, Any]):
    """The chain as a rich Tree: the model on top, each artefact under what it was made from."""
    from rich.text import Text
    from rich.tree import Tree

    graph = lineage["graph"]
    branches: list[Tree] = []  # the path from the root to the node being drawn
    for depth, stage, seen in walk(lineage):
        # Text, not markup: a path or a conversion failure may hold brackets.
        text = Text(label(graph[stage]) + (" (see above)" if seen else ""))
        del branches[depth:]
        branch = branches[-1].add(text) if branches else Tree(text)
        branches.append(branch)
        if not seen:
            for line in source_lines(lineage, stage):
                branch.add(Text(line))
    return branches[0]


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat |= flatten(inner, f"{prefix}{key}.")
        return flat
    return {prefix.rstrip("."): value}


def diff(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """What differs between two lineages' origins, one line each: artefact versions (datasets and
    models), source files added, removed or changed, settings key by key, base model, code version."""
    lines = []
    for stage in sorted(set(a["graph"]) | set(b["graph"])):
        old, new = a["graph"].get(stage, {}).get("version"), b["graph"].get(stage, {}).get("version")
        if old != new:
            lines.append(f"{stage}: {old or '(none)'} -> {new or '(none)'}")
    for kind, key in (("files", "relpath"), ("community", "file")):
        old = {f[key]: f["sha256"] for f in a["sources"][kind]}
        new = {f[key]: f["sha256"] for f in b["sources"][kind]}
        lines += [f"source added: {name}" for name in sorted(new.keys() - old.keys())]
        lines += [f"source removed: {name}" for name in sorted(old.keys() - new.keys())]
        lines += [f"source changed: {name} sha256 {old[name][:12]} -> {new[name][:12]}"
                  for name in sorted(old.keys() & new.keys()) if old[name] != new[name]]
    old, new = flatten(a.get("settings") or {}), flatten(b.get("settings") or {})
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) != new.get(key):
            lines.append(f"setting {key}: {json.dumps(old.get(key))} -> {json.dumps(new.get(key))}")
    for field in ("base_model", "base_model_fingerprint", "code_version"):
        if a.get(field) != b.get(field):
            lines.append(f"{field.replace('_', ' ')}: {a.get(field)} -> {b.get(field)}")
    return lines


def markdown(lineage: dict[str, Any]) -> str:
    """The lineage as Markdown for a Prefect artifact: a Mermaid graph of the chain, then a table of
    every artefact and the source files."""
    graph = lineage["graph"]
    ids = {stage: f"n{i}" for i, stage in enumerate(graph)}
    lines = ["```mermaid", "graph BT"]
    lines += [f'  {ids[s]}["{label(e)}"]' for s, e in graph.items()]
    lines += [f"  {ids[u]} --> {ids[s]}" for s, e in graph.items() for u in e["from"]]
    lines += ["```", "", "| artefact | version | made from |", "|---|---|---|"]
    lines += [f"| {s} | {e['version']} | {', '.join(e['from'])} |" for depth, s, seen in walk(lineage) if not seen
              for e in [graph[s]]]
    sources = lineage["sources"]
    lines += ["", f"Source files: {len(sources['files'])} converted (corpus {sources['corpus']}), "
              f"{len(sources['failed'])} failed; community files: "
              + (", ".join(f"{f['file']} ({f['sha256'][:12]})" for f in sources["community"]) or "none")]
    lines += [f"Base model: {lineage.get('base_model')}; code version {lineage.get('code_version')}; "
              f"flow run {lineage.get('flow_run_id')}"]
    return "\n".join(lines) + "\n"
