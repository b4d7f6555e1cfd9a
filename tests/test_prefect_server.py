"""The deployments against a real `prefect server` on 127.0.0.1, as `bbcopilot server` serves them.

One server per session (the `prefect_server` fixture of conftest.py): the nightly refresh run with
typed parameters recovers from a failed task by Prefect's retry; `train` runs through
`run_deployment` on what it made; the server restarted on the same PREFECT_HOME still has every
deployment and run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
import yaml

from conftest import SERVED_DEPLOYMENTS, run_served

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def poll(read, done, seconds: float):
    """Call `read` until `done(value)` or `seconds` pass, and return the last value: the test then
    asserts exactly the condition it waited for (under load a server answers later, never less)."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(1)
        value = read()
    return value


def task_runs(server, flow_run_id, tasks: set[str], seconds: float = 60) -> dict[str, dict]:
    """The flow run's task runs by task (function) name; they reach the server as events, after the flow
    has returned: wait for those named."""
    def read():
        found = httpx.post(f"{server.api}/task_runs/filter",
                           json={"flow_runs": {"id": {"any_": [str(flow_run_id)]}}, "limit": 200}).json()
        return {t["task_key"].rsplit("-", 1)[0]: t for t in found}
    return poll(read, lambda runs: tasks <= set(runs), seconds)


def test_served_deployments_have_the_schedule_the_forms_and_the_yaml_agrees(prefect_server):
    found = {d["name"]: d for d in httpx.post(f"{prefect_server.api}/deployments/filter", json={"limit": 50}).json()}
    nightly = found["nightly-refresh"]["schedules"][0]
    assert nightly["schedule"]["cron"] == "0 2 * * *" and nightly["schedule"]["timezone"] == "Europe/Moscow"
    assert nightly["active"] and not found["train"]["schedules"]
    form = found["train"]["parameter_openapi_schema"]["definitions"]["TrainParameters"]["properties"]
    assert {"profile", "stages", "qa_epochs", "sft_learning_rate", "lora_r", "dpo_steps", "grpo_steps",
            "dataset_version"} <= set(form)
    assert found["train"]["parameters"] == {"parameters": {"profile": "demo"}}

    # deployments/prefect.yaml (for `prefect deploy --all`) declares what `bbcopilot server` serves, in work pools.
    declared = {d["name"]: d for d in yaml.safe_load((PROJECT_ROOT / "deployments/prefect.yaml").read_text())["deployments"]}
    assert set(declared) == set(SERVED_DEPLOYMENTS)
    for name, deployment in declared.items():
        file, function = deployment["entrypoint"].split(":")
        assert found[name]["entrypoint"] == f"{file.removesuffix('.py').replace('/', '.')}.{function}" and deployment["parameters"] == found[name]["parameters"]
    assert declared["nightly-refresh"]["schedules"] == [{"cron": nightly["schedule"]["cron"], "timezone": "Europe/Moscow"}]
    assert declared["nightly-refresh"]["work_pool"]["name"] == "bbcopilot-cpu"
    assert {declared[n]["work_pool"]["name"] for n in ("train", "pipeline")} == {"bbcopilot-gpu"}


def test_the_nightly_refresh_recovers_from_a_failed_crawl_by_its_retry(prefect_server, served_workspace):
    run = served_workspace["run"]
    assert run.state.type.value == "COMPLETED", run.state.message
    assert served_workspace["board"].missing_answered == 1
    crawl = task_runs(prefect_server, run.id, {"crawl_forum"})["crawl_forum"]
    # Two attempts: the first failed on the missing board, the retry crawled it.
    assert crawl["run_count"] == 2 and crawl["state"]["type"] == "COMPLETED", crawl
    states = httpx.get(f"{prefect_server.api}/flow_runs/{run.id}").json()
    assert states["parameters"]["parameters"]["forum_max_pages"] == 3
    pages = [r.path for r in served_workspace["board"].log if r.status == 200 and r.path.startswith("/view")]
    assert 1 <= len(pages) <= 3, pages
    assert (served_workspace["workspace"] / "datasets" / "chunks" / "LATEST").is_file()


def test_train_runs_from_its_deployment_with_typed_parameters(prefect_server, served_workspace):
    assert served_workspace["run"].state.type.value == "COMPLETED"
    run = run_served(prefect_server, "train/train", {
        "profile": "demo", "stages": ["sft"], "qa_max_steps": 2, "lora_r": 4, "overrides": served_workspace["overrides"],
    })
    assert run.state.type.value == "COMPLETED", run.state.message
    models = served_workspace["workspace"] / "models"
    assert sorted(p.name for p in models.iterdir() if p.is_dir() and p.name != "tiny") == ["sft-qa"], \
        "the stages chosen, no others"
    export = json.loads(next((served_workspace["workspace"] / "exports").glob("*/lineage.json")).read_text())
    assert export["flow_run_id"] == str(run.id)
    assert '"lora_r": 4' in json.dumps(export["settings"])  # the form's value trained the model
    artifacts = httpx.post(f"{prefect_server.api}/artifacts/filter",
                           json={"artifacts": {"flow_run_id": {"any_": [str(run.id)]}}, "limit": 20}).json()
    assert {"bbcopilot-training-report", "bbcopilot-lineage"} <= {a["key"] for a in artifacts}


def test_a_restarted_server_still_has_its_deployments_and_runs(prefect_server, served_workspace):
    before = {r["id"]: r["state"]["type"] for r in httpx.post(f"{prefect_server.api}/flow_runs/filter", json={"limit": 50}).json()}
    deployments = {d["name"]: d["id"] for d in httpx.post(f"{prefect_server.api}/deployments/filter", json={"limit": 50}).json()}
    assert str(served_workspace["run"].id) in before

    assert prefect_server.stop() == 0  # Ctrl-C: serve and the server both stop, cleanly
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{prefect_server.api}/health", timeout=2)
    prefect_server.start()

    after = {r["id"]: r["state"]["type"] for r in httpx.post(f"{prefect_server.api}/flow_runs/filter", json={"limit": 50}).json()}
    assert {k: v for k, v in after.items() if k in before} == before
    assert {d["name"]: d["id"] for d in httpx.post(f"{prefect_server.api}/deployments/filter", json={"limit": 50}).json()} == deployments
