"""Human review: the `review` flow paused on a real Prefect server with the pairs as a form, resumed
with a person's decisions; the decisions stored with the pairs and read back by the QA filters and
the preferences (DPO's training set)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from bbcopilot import review
from bbcopilot.config import QASettings, TrainSettings
from bbcopilot.hfdata import save_version
from bbcopilot.qa.filters import filter_pairs
from bbcopilot.qa.stage import QA, pair_row, qa_version
from bbcopilot.train.preferences import PREFERENCES, preference_row, preferences_version
from bbcopilot.report import StageResult
from bbcopilot.workspace import Workspace
from tests.test_qa_filters import dropped_by, log_docu, pair

PROJECT = Path(__file__).resolve().parent.parent
DOCUMENT = {"id": "Std/Docu/Log.odc", "module": "StdLog", "subsystem": "Std", "language": "en", "split": "train"}
PAIRS = [
    ("What does the procedure Int of the module StdLog do?",
     "StdLog.Int writes an integer to the log of the BlackBox Component Builder."),
    ("How does the module StdLog end a line in the log?", "StdLog.Ln ends the current line of the log."),
    ("What does the procedure String of the module StdLog do?", "StdLog.String writes a string to the log."),
]
CARD = {"languages": ["en"], "licences": {}, "summary": "test"}


def qa_dataset(workspace: Workspace, version: str = "qa1") -> None:
    rows = [pair_row(f"{DOCUMENT['id']}@0-10:api:{n}", "api", q, a, DOCUMENT) for n, (q, a) in enumerate(PAIRS)]
    save_version(workspace, QA, version, rows, card=CARD, manifest={})


def test_a_rejected_qa_pair_is_dropped_by_the_filters_and_changes_the_qa_version(tmp_path, distribution):
    from bbcopilot.api_index import load_index

    workspace = Workspace(tmp_path)
    qa_dataset(workspace)
    version, batch = review.next_batch(workspace, review.QA_PAIRS, 2)
    assert (version, [p["question"] for p in batch]) == ("qa1", [q for q, _ in PAIRS[:2]])
    before = qa_version("docs", None, QASettings(), "model", "tools", None,
                        review.rejections_fingerprint(workspace, review.QA_PAIRS))
    path = review.record_decisions(workspace, review.QA_PAIRS, version, batch,
                                   [("accept", ""), ("reject", "says nothing StdLog.Ln's page does not")])
    assert path == tmp_path / "reviews" / "qa" / "qa1.jsonl"
    after = qa_version("docs", None, QASettings(), "model", "tools", None,
                       review.rejections_fingerprint(workspace, review.QA_PAIRS))
    assert before == qa_version("docs", None, QASettings(), "model", "tools") and after != before
    # The next batch holds only the pair no one has decided on.
    assert [p["question"] for p in review.next_batch(workspace, review.QA_PAIRS, 5)[1]] == [PAIRS[2][0]]

    span = log_docu()
    candidates = [pair(q, a, span, id=f"c{n}") for n, (q, a) in enumerate(PAIRS)]
    report = filter_pairs(candidates, QASettings(), load_index(distribution.path), None, None,
                          review.rejections(workspace, review.QA_PAIRS))
    assert dropped_by(report, review.HUMAN_REVIEW) == {
        "c1": "rejected by a reviewer: says nothing StdLog.Ln's page does not"}

    # Decided again: the newest decision counts, and the version is the unreviewed one again.
    review.record_decisions(workspace, review.QA_PAIRS, version, batch[1:], [("accept", "")])
    assert review.rejections(workspace, review.QA_PAIRS) == {}
    assert qa_version("docs", None, QASettings(), "model", "tools", None,
                      review.rejections_fingerprint(workspace, review.QA_PAIRS)) == before


def test_a_rejected_preference_pair_leaves_dpos_training_set(tmp_path):
    workspace = Workspace(tmp_path)
    turns = [{"role": "user", "content": PAIRS[0][0]}]
    rows = [preference_row("ungrounded", turns, PAIRS[0][1], "Use writeln(42).", "qa:0"),
            preference_row("delphi_corruption", turns, PAIRS[0][1], "StdLog.int(42)", "task:1")]
    save_version(workspace, PREFERENCES, "pref1", rows, card=CARD, manifest={})
    version, batch = review.next_batch(workspace, review.PREFERENCE_PAIRS, 10)
    assert [p["origin"] for p in batch] == ["ungrounded", "delphi_corruption"]
    review.record_decisions(workspace, review.PREFERENCE_PAIRS, version, batch, [("reject", "both sides wrong"), ("accept", "")])
    kept, dropped = review.without_rejected(rows, review.rejections(workspace, review.PREFERENCE_PAIRS))
    assert kept == rows[1:] and dropped == [(rows[0]["id"], "rejected by a reviewer: both sides wrong")]
    stage = StageResult("x", "v", "/x")
    from bbcopilot.config import ModelSettings

    assert preferences_version(stage, stage, "m", TrainSettings(), ModelSettings(),
                               review.rejections_fingerprint(workspace, review.PREFERENCE_PAIRS)) != \
        preferences_version(stage, stage, "m", TrainSettings(), ModelSettings())


def paused_review(api: str, seconds: float) -> dict | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs = httpx.post(f"{api}/flow_runs/filter", json={
            "flows": {"name": {"any_": ["review"]}}, "flow_runs": {"state": {"type": {"any_": ["PAUSED"]}}}}).json()
        if runs:
            return runs[0]
        time.sleep(1)
    return None


def test_the_review_flow_pauses_with_a_form_and_stores_the_decisions_it_is_resumed_with(prefect_server, tmp_path):
    from prefect.flow_runs import resume_flow_run
    from prefect.settings import PREFECT_API_URL, temporary_settings

    workspace = Workspace(tmp_path / "ws")
    qa_dataset(workspace)
    flow = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys; from flows.review import ReviewParameters, review_pairs; "
            "print(review_pairs(ReviewParameters(batch_size=2, overrides={'workspace': sys.argv[1]})))"
        ), str(workspace.root)],
        env=prefect_server.env, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        run = paused_review(prefect_server.api, 120)
        assert run is not None, flow.stderr.read()[-3000:] if flow.poll() is not None else "not paused in 120 s"
        # The form: one field per pair, titled by its question, the whole pair in its description.
        keys = run["state"]["state_details"]["run_input_keyset"]
        schema = httpx.get(f"{prefect_server.api}/flow_runs/{run['id']}/input/{keys['schema']}").json()
        schema = json.loads(schema) if isinstance(schema, str) else schema
        assert set(schema["properties"]) == {"pair_1", "pair_2"}
        assert schema["properties"]["pair_2"]["title"] == f"2. {PAIRS[1][0]}"
        assert PAIRS[1][1] in schema["properties"]["pair_2"]["description"]

        with temporary_settings({PREFECT_API_URL: prefect_server.api}):
            resume_flow_run(UUID(run["id"]), run_input={
                "pair_1": {"decision": "accept", "note": ""},
                "pair_2": {"decision": "reject", "note": "not grounded in the page"},
            })
        out, err = flow.communicate(timeout=120)
    finally:
        if flow.poll() is None:
            flow.kill()
    assert flow.returncode == 0, err[-3000:]
    stored = review.decisions(workspace, review.QA_PAIRS)
    assert Path(out.strip().splitlines()[-1]) == review.reviews_file(workspace, review.QA_PAIRS, "qa1")
    assert {row["question"]: (row["decision"], row["note"]) for row in stored.values()} == {
        PAIRS[0][0]: ("accept", ""), PAIRS[1][0]: ("reject", "not grounded in the page")}
    assert review.rejections(workspace, review.QA_PAIRS) == {review.qa_key(*PAIRS[1]): "not grounded in the page"}
